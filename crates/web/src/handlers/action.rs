//! The action form and its items: expense lines, body-table lines, indicators.

#![allow(unused_imports)]
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Action, Amount, ExecutedLine, ExpenseLine, Money, Report};
use bilan_store::{Edit, EditScope, Role, StoreError};

use super::annex::*;
use crate::handlers::conflict_page;
use crate::http::session::MaybeCtx;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit::{self, link_for};
use crate::service::forms::{self, field_id, join, Errors, Fields, Spec, Values};
use crate::service::report::{self, Loaded};
use crate::views::conflict::Conflict;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, hidden, multiline, not_found, seg, status_badge, Page};
use crate::AppState;

#[allow(unused_imports)]
use super::reports::*;

pub(crate) struct ActionRef {
    mi: usize,
    ai: usize,
    number: String,
}

impl ActionRef {
    fn base(&self) -> String {
        format!("mesures[{}].actions[{}]", self.mi, self.ai)
    }
    fn url(&self, id: i64) -> String {
        format!("/rapports/{id}/actions/{}", seg(&self.number))
    }
}

pub(crate) fn find_action(r: &Report, number: &str) -> Option<ActionRef> {
    r.action(number).map(|(mi, ai, a)| ActionRef { mi, ai, number: a.number.clone() })
}

pub(crate) fn action_of<'a>(r: &'a Report, a: &ActionRef) -> &'a Action {
    &r.measures[a.mi].actions[a.ai]
}

pub(crate) fn action_diags(
    l: &Loaded,
    diags: &[Diagnostic],
    prefix: &str,
    justified: &std::collections::BTreeSet<(String, String)>,
) -> String {
    let mine: Vec<&Diagnostic> =
        diags.iter().filter(|d| d.path == prefix || d.path.starts_with(&format!("{prefix}."))).collect();
    if mine.is_empty() {
        return "<p id=\"diagnostics-action\">Aucun diagnostic pour cet élément.</p>".to_string();
    }
    let mut h = String::from("<div id=\"diagnostics-action\" class=\"fr-mb-3w\"><h2 class=\"fr-h5\">Diagnostics</h2><ul class=\"fr-raw-list\">");
    for d in mine {
        let j = justified.contains(&(d.code.to_string(), d.path.clone()));
        h.push_str(&diag_line(l, d, j));
    }
    h.push_str("</ul></div>");
    h
}

pub(crate) struct ActionView<'a> {
    l: &'a Loaded,
    a: &'a ActionRef,
    values: Values,
    errors: Errors,
    saved: bool,
    status: StatusCode,
}

pub(crate) async fn action_page(app: &AppState, ctx: &Ctx, v: ActionView<'_>) -> Response {
    let l = v.l;
    let id = l.id();
    let action = action_of(&l.report, v.a);
    let base = v.a.base();
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let diags = report::diagnostics(app, &l.report).await;
    let justified = match report::justifications(app, id).await {
        Ok(js) => report::justified_keys(&js),
        Err(e) => return store_error(ctx, e),
    };
    let url = v.a.url(id);
    let mut h = format!(
        "<h1 id=\"{}\">Action {} – {}</h1>",
        field_id(&base),
        esc(&action.number),
        esc(&action.title)
    );
    if v.saved {
        h.push_str(&alert("success", "enregistre", "Enregistré", "<p>Vos modifications ont été enregistrées. Les diagnostics ci-dessous tiennent compte de la nouvelle version.</p>"));
    }
    if !v.errors.is_empty() {
        let specs: Vec<&Spec> = forms::action_fields().collect();
        h.push_str(&crate::views::forms::error_summary(&specs, &base, &v.errors).into_string());
    }
    h.push_str(&action_diags(l, &diags, &base, &justified));
    match app.store.comments(id).await {
        Ok(comments) => {
            h.push_str(&crate::handlers::review::action_comments(&comments, &action.number, &base))
        }
        Err(e) => return store_error(ctx, e),
    }
    if !editable {
        h.push_str(&read_only());
    }
    h.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"form-action\">{}{}",
        esc(&url),
        csrf_field(&ctx.csrf),
        hidden("revision", &l.action_revision(&action.number).to_string())
    ));
    for section in forms::ACTION_SECTIONS {
        // A section named like one of its fields (« description ») leaves the id to the
        // field: « Aller au champ » lands in the text box, and ids stay unique.
        let sid = if section.path.is_empty() {
            format!("{}-section", field_id(&base))
        } else if section.fields.iter().any(|f| f.name == section.path) {
            format!("{}-section", field_id(&join(&base, section.path)))
        } else {
            field_id(&join(&base, section.path))
        };
        h.push_str(&format!(
            "<fieldset class=\"fr-fieldset fr-mb-2w\" id=\"{sid}\"{}><legend class=\"fr-fieldset__legend\">{}</legend><div class=\"fr-fieldset__element\">{}</div></fieldset>",
            if editable { "" } else { " disabled" },
            esc(section.legend),
            crate::views::forms::render_fields(section.fields, &base, &v.values, &v.errors).into_string()
        ));
    }
    if editable {
        h.push_str("<button class=\"fr-btn\" type=\"submit\" id=\"bouton-enregistrer\">Enregistrer l’action</button>");
    }
    h.push_str("</form>");
    h.push_str(&items_tables(ctx, l, v.a, action, editable));
    let mut crumbs = l.crumbs();
    crumbs.push((format!("Action {}", action.number), None));
    Page::new(format!("Action {}", action.number), Some(ctx), h)
        .crumbs(crumbs)
        .status(v.status)
        .into_response()
}

pub(crate) fn delete_button(ctx: &Ctx, url: &str, revision: i64, id: &str, what: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\" class=\"fr-mb-0\" id=\"{id}\">{}{}<button class=\"fr-btn fr-btn--sm fr-btn--tertiary fr-icon-delete-line fr-btn--icon-left\" type=\"submit\">Supprimer<span class=\"fr-sr-only\"> {}</span></button></form>",
        esc(url),
        csrf_field(&ctx.csrf),
        hidden("revision", &revision.to_string()),
        esc(what)
    )
}

pub(crate) fn items_tables(ctx: &Ctx, l: &Loaded, a: &ActionRef, action: &Action, editable: bool) -> String {
    let id = l.id();
    let base = a.base();
    let url = a.url(id);
    let revision = l.action_revision(&action.number);
    let mut h = String::new();
    // Expense lines (annex).
    h.push_str(&format!(
        "<section id=\"{}\" class=\"fr-mt-4w\"><h2>Lignes de dépense (annexe financière)</h2>",
        field_id(&join(&base, "depenses"))
    ));
    if action.expenses.is_empty() {
        h.push_str("<p>Aucune ligne de dépense.</p>");
    } else {
        h.push_str("<div class=\"fr-table\"><table id=\"table-depenses\"><caption>Lignes de dépense de l’action</caption><thead><tr><th scope=\"col\">Direction</th><th scope=\"col\">Dépense</th><th scope=\"col\">Inscrit</th><th scope=\"col\">Réalisé</th><th scope=\"col\">À reporter</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
        for (k, e) in action.expenses.iter().enumerate() {
            h.push_str(&format!(
                "<tr id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a class=\"fr-link\" href=\"{url}/depenses/{k}\" id=\"modifier-depense-{k}\">{}<span class=\"fr-sr-only\"> {}</span></a>{}</td></tr>",
                field_id(&format!("{base}.depenses[{k}]-ligne")),
                esc(&e.directorate),
                esc(&e.label),
                opt_money(&e.planned),
                opt_money(&e.spent),
                opt_money(&e.carry_over),
                if editable { "Modifier" } else { "Voir" },
                esc(&e.label),
                if editable { delete_button(ctx, &format!("{url}/depenses/{k}/supprimer"), revision, &format!("supprimer-depense-{k}"), &e.label) } else { String::new() }
            ));
        }
        h.push_str("</tbody></table></div>");
    }
    if editable {
        h.push_str(&format!("<a class=\"fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left\" id=\"ajouter-depense\" href=\"{url}/depenses/nouvelle\">Ajouter une ligne de dépense</a>"));
    }
    h.push_str("</section>");
    // Body table lines (5.2).
    let lines: &[ExecutedLine] = action.executed.as_ref().map(|e| e.lines.as_slice()).unwrap_or(&[]);
    h.push_str(&format!(
        "<section id=\"{}\" class=\"fr-mt-4w\"><h2>Tableau du budget exécuté (section 5.2)</h2>",
        field_id(&join(&base, "execution.lignes"))
    ));
    if lines.is_empty() {
        h.push_str("<p>Aucune ligne dans le tableau du budget exécuté.</p>");
    } else {
        h.push_str("<div class=\"fr-table\"><table id=\"table-lignes\"><caption>Lignes du budget exécuté</caption><thead><tr><th scope=\"col\">Libellé</th><th scope=\"col\">Engagé</th><th scope=\"col\">Consommé</th><th scope=\"col\">Report</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
        for (k, li) in lines.iter().enumerate() {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a class=\"fr-link\" href=\"{url}/lignes/{k}\" id=\"modifier-ligne-{k}\">{}<span class=\"fr-sr-only\"> {}</span></a>{}</td></tr>",
                esc(&li.label),
                opt_money(&li.committed),
                opt_money(&li.spent),
                opt_money(&li.carry_over),
                if editable { "Modifier" } else { "Voir" },
                esc(&li.label),
                if editable { delete_button(ctx, &format!("{url}/lignes/{k}/supprimer"), revision, &format!("supprimer-ligne-{k}"), &li.label) } else { String::new() }
            ));
        }
        h.push_str("</tbody></table></div>");
    }
    if editable {
        h.push_str(&format!("<a class=\"fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left\" id=\"ajouter-ligne\" href=\"{url}/lignes/nouvelle\">Ajouter une ligne au tableau</a>"));
    }
    h.push_str("</section>");
    // Indicators.
    h.push_str(&format!(
        "<section id=\"{}\" class=\"fr-mt-4w\"><h2>Indicateurs (section 7)</h2>",
        field_id(&join(&base, "indicateurs"))
    ));
    if action.indicators.is_empty() {
        h.push_str("<p>Aucun indicateur.</p>");
    } else {
        h.push_str("<div class=\"fr-table\"><table id=\"table-indicateurs\"><caption>Indicateurs de l’action</caption><thead><tr><th scope=\"col\">Indicateur</th><th scope=\"col\">Situation N-1</th><th scope=\"col\">Attendu</th><th scope=\"col\">Obtenu</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
        for (k, i) in action.indicators.iter().enumerate() {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a class=\"fr-link\" href=\"{url}/indicateurs/{k}\" id=\"modifier-indicateur-{k}\">{}<span class=\"fr-sr-only\"> {}</span></a>{}</td></tr>",
                esc(&i.name),
                esc(&forms::value_text(&i.baseline)),
                esc(&forms::value_text(&i.target)),
                esc(&forms::value_text(&i.result)),
                if editable { "Modifier" } else { "Voir" },
                esc(&i.name),
                if editable { delete_button(ctx, &format!("{url}/indicateurs/{k}/supprimer"), revision, &format!("supprimer-indicateur-{k}"), &i.name) } else { String::new() }
            ));
        }
        h.push_str("</tbody></table></div>");
    }
    if editable {
        h.push_str(&format!("<a class=\"fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left\" id=\"ajouter-indicateur\" href=\"{url}/indicateurs/nouvelle\">Ajouter un indicateur</a>"));
    }
    h.push_str("</section>");
    h
}

pub(crate) async fn load_action(
    app: &AppState,
    ctx: &Ctx,
    id: &str,
    num: &str,
) -> Result<(Loaded, ActionRef), Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = report::load(app, ctx, id).await?;
    match find_action(&l.report, num) {
        Some(a) => Ok((l, a)),
        None => Err(not_found(Some(ctx))),
    }
}

pub async fn action_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = edit::action_values(action_of(&l.report, &a));
    action_page(
        &app,
        &ctx,
        ActionView {
            l: &l,
            a: &a,
            values,
            errors: Vec::new(),
            saved: q.enregistre.is_some(),
            status: StatusCode::OK,
        },
    )
    .await
}

pub async fn action_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    let patch = match forms::parse(forms::action_fields(), &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(forms::action_fields(), &fields);
            return action_page(
                &app,
                &ctx,
                ActionView {
                    l: &l,
                    a: &a,
                    values,
                    errors,
                    saved: false,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    let number = a.number.clone();
    let n2 = number.clone();
    let result = app
        .store
        .update_report(
            ctx.user.id,
            l.id(),
            EditScope::Action { number: number.clone(), expected_revision: revision },
            move |current| {
                let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
                let (mi, ai, _) = r.action(&n2).ok_or("cette action n’existe plus")?;
                let action = &mut r.measures[mi].actions[ai];
                let before = edit::fragment(action);
                edit::apply_action(action, &patch);
                let after = edit::fragment(action);
                Ok(Edit {
                    text: bilan_source::to_toml(&r),
                    audit_action: "action.save".into(),
                    audit_target: format!("action {n2}"),
                    before,
                    after,
                    actions: edit::action_numbers(&r),
                })
            },
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("{}?enregistre=1", a.url(l.id()))).into_response(),
        Err(StoreError::Conflict { current_text, current_revision }) => {
            let current = report::parse_text(&current_text)
                .and_then(|r| r.action(&number).map(|(_, _, act)| edit::action_values(act)));
            conflict_page(
                &ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: format!("Action {number}"),
                    specs: forms::action_fields().collect(),
                    submitted: forms::submitted(forms::action_fields(), &fields),
                    current,
                    current_revision,
                    form_url: a.url(l.id()),
                },
            )
        }
        Err(e) => store_error(&ctx, e),
    }
}

// ----- items of an action: expense lines, body-table lines, indicators -----

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Expense,
    Line,
    Indicator,
}

impl ItemKind {
    fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "depenses" => Some(ItemKind::Expense),
            "lignes" => Some(ItemKind::Line),
            "indicateurs" => Some(ItemKind::Indicator),
            _ => None,
        }
    }
    fn segment(self) -> &'static str {
        match self {
            ItemKind::Expense => "depenses",
            ItemKind::Line => "lignes",
            ItemKind::Indicator => "indicateurs",
        }
    }
    fn path(self) -> &'static str {
        match self {
            ItemKind::Expense => "depenses",
            ItemKind::Line => "execution.lignes",
            ItemKind::Indicator => "indicateurs",
        }
    }
    fn specs(self) -> &'static [Spec] {
        match self {
            ItemKind::Expense => forms::EXPENSE_FIELDS,
            ItemKind::Line => forms::EXEC_LINE_FIELDS,
            ItemKind::Indicator => forms::INDICATOR_FIELDS,
        }
    }
    fn name(self) -> &'static str {
        match self {
            ItemKind::Expense => "ligne de dépense",
            ItemKind::Line => "ligne du budget exécuté",
            ItemKind::Indicator => "indicateur",
        }
    }
    fn audit(self) -> &'static str {
        match self {
            ItemKind::Expense => "depense",
            ItemKind::Line => "ligne",
            ItemKind::Indicator => "indicateur",
        }
    }
    fn count(self, a: &Action) -> usize {
        match self {
            ItemKind::Expense => a.expenses.len(),
            ItemKind::Line => a.executed.as_ref().map_or(0, |e| e.lines.len()),
            ItemKind::Indicator => a.indicators.len(),
        }
    }
    fn values(self, a: &Action, k: usize) -> Option<Values> {
        match self {
            ItemKind::Expense => a.expenses.get(k).map(edit::expense_values),
            ItemKind::Line => a.executed.as_ref().and_then(|e| e.lines.get(k)).map(edit::exec_line_values),
            ItemKind::Indicator => a.indicators.get(k).map(edit::indicator_values),
        }
    }
    fn fragment(self, a: &Action, k: usize) -> Option<String> {
        match self {
            ItemKind::Expense => a.expenses.get(k).and_then(edit::fragment),
            ItemKind::Line => a.executed.as_ref().and_then(|e| e.lines.get(k)).and_then(edit::fragment),
            ItemKind::Indicator => a.indicators.get(k).and_then(edit::fragment),
        }
    }
    /// Applies the patch to item `k`, or appends a new item when `k` is `None`.
    fn apply(self, a: &mut Action, k: Option<usize>, p: &forms::Patch) -> Result<usize, String> {
        let gone = || format!("cette {} n’existe plus", self.name());
        match self {
            ItemKind::Expense => {
                let k = match k {
                    Some(k) => k,
                    None => {
                        a.expenses.push(ExpenseLine::default());
                        a.expenses.len() - 1
                    }
                };
                edit::apply_expense(a.expenses.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
            ItemKind::Line => {
                let ex = a.executed.get_or_insert_with(Default::default);
                let k = match k {
                    Some(k) => k,
                    None => {
                        ex.lines.push(ExecutedLine::default());
                        ex.lines.len() - 1
                    }
                };
                edit::apply_exec_line(ex.lines.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
            ItemKind::Indicator => {
                let k = match k {
                    Some(k) => k,
                    None => {
                        a.indicators.push(edit::new_indicator());
                        a.indicators.len() - 1
                    }
                };
                edit::apply_indicator(a.indicators.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
        }
    }
    fn remove(self, a: &mut Action, k: usize) -> Result<(), String> {
        let gone = || format!("cette {} n’existe plus", self.name());
        match self {
            ItemKind::Expense if k < a.expenses.len() => {
                a.expenses.remove(k);
            }
            ItemKind::Line if a.executed.as_ref().is_some_and(|e| k < e.lines.len()) => {
                if let Some(e) = a.executed.as_mut() {
                    e.lines.remove(k);
                }
            }
            ItemKind::Indicator if k < a.indicators.len() => {
                a.indicators.remove(k);
            }
            _ => return Err(gone()),
        }
        Ok(())
    }
}

pub(crate) struct ItemView<'a> {
    l: &'a Loaded,
    a: &'a ActionRef,
    kind: ItemKind,
    /// `None`: a new item.
    k: Option<usize>,
    values: Values,
    errors: Errors,
    saved: bool,
    status: StatusCode,
}

pub(crate) async fn item_page(app: &AppState, ctx: &Ctx, v: ItemView<'_>) -> Response {
    let l = v.l;
    let id = l.id();
    let action = action_of(&l.report, v.a);
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let kind = v.kind;
    let (base, form_url, title) = match v.k {
        Some(k) => (
            format!("{}.{}[{k}]", v.a.base(), kind.path()),
            format!("{}/{}/{k}", v.a.url(id), kind.segment()),
            format!("Action {} – {} n° {}", action.number, kind.name(), k + 1),
        ),
        None => (
            format!("{}.{}[{}]", v.a.base(), kind.path(), kind.count(action)),
            format!("{}/{}/nouvelle", v.a.url(id), kind.segment()),
            format!("Action {} – nouvelle {}", action.number, kind.name()),
        ),
    };
    let mut h = format!("<h1 id=\"{}\">{}</h1>", field_id(&base), esc(&capitalize(&title)));
    if !editable {
        h.push_str(&read_only());
    }
    if v.saved {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>Vos modifications ont été enregistrées.</p>",
        ));
    }
    if !v.errors.is_empty() {
        let specs: Vec<&Spec> = kind.specs().iter().collect();
        h.push_str(&crate::views::forms::error_summary(&specs, &base, &v.errors).into_string());
    }
    if v.k.is_some() {
        let diags = report::diagnostics(app, &l.report).await;
        let justified = match report::justifications(app, id).await {
            Ok(js) => report::justified_keys(&js),
            Err(e) => return store_error(ctx, e),
        };
        h.push_str(&action_diags(l, &diags, &base, &justified));
    }
    h.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"form-element\">{}{}<fieldset class=\"fr-fieldset\"{}><legend class=\"fr-fieldset__legend\">{}</legend><div class=\"fr-fieldset__element\">{}</div></fieldset>{}</form>",
        esc(&form_url),
        csrf_field(&ctx.csrf),
        hidden("revision", &l.action_revision(&action.number).to_string()),
        if editable { "" } else { " disabled" },
        esc(&capitalize(kind.name())),
        crate::views::forms::render_fields(kind.specs(), &base, &v.values, &v.errors).into_string(),
        if editable { "<button class=\"fr-btn\" type=\"submit\" id=\"bouton-enregistrer\">Enregistrer</button>" } else { "" }
    ));
    h.push_str(&format!(
        "<p class=\"fr-mt-3w\"><a class=\"fr-link fr-icon-arrow-left-line fr-link--icon-left\" id=\"retour-action\" href=\"{}#{}\">Retour à l’action {}</a></p>",
        esc(&v.a.url(id)),
        field_id(&join(&v.a.base(), kind.path())),
        esc(&action.number)
    ));
    let mut crumbs = l.crumbs();
    crumbs.push((format!("Action {}", action.number), Some(v.a.url(id))));
    crumbs.push((capitalize(kind.name()), None));
    Page::new(title, Some(ctx), h).crumbs(crumbs).status(v.status).into_response()
}

pub(crate) fn item_index(kind: ItemKind, action: &Action, k: &str) -> Option<usize> {
    k.parse::<usize>().ok().filter(|k| *k < kind.count(action))
}

pub async fn item_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let Some(kind) = ItemKind::parse(&kind) else { return not_found(Some(&ctx)) };
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = action_of(&l.report, &a);
    let Some(k) = item_index(kind, action, &k) else { return not_found(Some(&ctx)) };
    let values = kind.values(action, k).unwrap_or_default();
    item_page(
        &app,
        &ctx,
        ItemView {
            l: &l,
            a: &a,
            kind,
            k: Some(k),
            values,
            errors: Vec::new(),
            saved: q.enregistre.is_some(),
            status: StatusCode::OK,
        },
    )
    .await
}

pub async fn item_new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind)): Path<(String, String, String)>,
) -> Response {
    let Some(kind) = ItemKind::parse(&kind) else { return not_found(Some(&ctx)) };
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    item_page(
        &app,
        &ctx,
        ItemView {
            l: &l,
            a: &a,
            kind,
            k: None,
            values: Values::new(),
            errors: Vec::new(),
            saved: false,
            status: StatusCode::OK,
        },
    )
    .await
}

pub async fn item_create(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind)): Path<(String, String, String)>,
    fields: Fields,
) -> Response {
    let Some(kind) = ItemKind::parse(&kind) else { return not_found(Some(&ctx)) };
    save_item(app, ctx, id, num, kind, None, fields).await
}

pub async fn item_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    fields: Fields,
) -> Response {
    let Some(kind) = ItemKind::parse(&kind) else { return not_found(Some(&ctx)) };
    let Ok(k) = k.parse::<usize>() else { return not_found(Some(&ctx)) };
    save_item(app, ctx, id, num, kind, Some(k), fields).await
}

pub(crate) async fn save_item(
    app: AppState,
    ctx: Ctx,
    id: String,
    num: String,
    kind: ItemKind,
    k: Option<usize>,
    fields: Fields,
) -> Response {
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    let patch = match forms::parse(kind.specs(), &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(kind.specs(), &fields);
            let k = k.filter(|k| *k < kind.count(action_of(&l.report, &a)));
            return item_page(
                &app,
                &ctx,
                ItemView {
                    l: &l,
                    a: &a,
                    kind,
                    k,
                    values,
                    errors,
                    saved: false,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    let number = a.number.clone();
    let n2 = number.clone();
    let result = app
        .store
        .update_report(
            ctx.user.id,
            l.id(),
            EditScope::Action { number: number.clone(), expected_revision: revision },
            move |current| {
                let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
                let (mi, ai, _) = r.action(&n2).ok_or("cette action n’existe plus")?;
                let action = &mut r.measures[mi].actions[ai];
                let before = k.and_then(|k| kind.fragment(action, k));
                let index = kind.apply(action, k, &patch)?;
                let after = kind.fragment(action, index);
                let verb = if k.is_some() { "save" } else { "add" };
                Ok(Edit {
                    text: bilan_source::to_toml(&r),
                    audit_action: format!("{}.{verb}", kind.audit()),
                    audit_target: format!("action {n2}, {} {}", kind.name(), index + 1),
                    before,
                    after,
                    actions: edit::action_numbers(&r),
                })
            },
        )
        .await;
    let item_url = |index: usize| format!("{}/{}/{index}", a.url(l.id()), kind.segment());
    match result {
        Ok(stored) => {
            let index = match k {
                Some(k) => k,
                None => report::parse_text(&stored.text)
                    .and_then(|r| r.action(&number).map(|(_, _, act)| kind.count(act).saturating_sub(1)))
                    .unwrap_or(0),
            };
            Redirect::to(&format!("{}?enregistre=1", item_url(index))).into_response()
        }
        Err(StoreError::Conflict { current_text, current_revision }) => {
            let current = k.and_then(|k| {
                report::parse_text(&current_text)
                    .and_then(|r| r.action(&number).and_then(|(_, _, act)| kind.values(act, k)))
            });
            let (current, form_url) = match k {
                Some(k) => (current, item_url(k)),
                // A new item: nothing to compare with; the re-post adds it.
                None => (Some(Values::new()), format!("{}/{}/nouvelle", a.url(l.id()), kind.segment())),
            };
            conflict_page(
                &ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: format!("Action {number} – {}", kind.name()),
                    specs: kind.specs().iter().collect(),
                    submitted: forms::submitted(kind.specs(), &fields),
                    current,
                    current_revision,
                    form_url,
                },
            )
        }
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn item_delete(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    fields: Fields,
) -> Response {
    let Some(kind) = ItemKind::parse(&kind) else { return not_found(Some(&ctx)) };
    let Ok(k) = k.parse::<usize>() else { return not_found(Some(&ctx)) };
    let (l, a) = match load_action(&app, &ctx, &id, &num).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    let number = a.number.clone();
    let n2 = number.clone();
    let result = app
        .store
        .update_report(
            ctx.user.id,
            l.id(),
            EditScope::Action { number: number.clone(), expected_revision: revision },
            move |current| {
                let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
                let (mi, ai, _) = r.action(&n2).ok_or("cette action n’existe plus")?;
                let action = &mut r.measures[mi].actions[ai];
                let before = kind.fragment(action, k);
                kind.remove(action, k)?;
                Ok(Edit {
                    text: bilan_source::to_toml(&r),
                    audit_action: format!("{}.remove", kind.audit()),
                    audit_target: format!("action {n2}, {} {}", kind.name(), k + 1),
                    before,
                    after: None,
                    actions: edit::action_numbers(&r),
                })
            },
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("{}?enregistre=1#{}", a.url(l.id()), field_id(&join(&a.base(), kind.path())))).into_response(),
        Err(StoreError::Conflict { .. }) => crate::views::layout::error_page(
            StatusCode::CONFLICT,
            Some(&ctx),
            "Modification concurrente : rien n’a été supprimé",
            &format!(
                "<p>Un autre agent a modifié cette action depuis que vous avez ouvert la page : rien n’a été supprimé. \
                 <a href=\"{}\" id=\"lien-conflit-recharger\">Rechargez l’action</a> pour voir la version actuelle.</p>",
                esc(&a.url(l.id()))
            ),
        ),
        Err(e) => store_error(&ctx, e),
    }
}
