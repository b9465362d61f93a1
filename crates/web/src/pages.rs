//! The pages of a report: list, overview, general information, action forms with their
//! expense lines, body-table lines and indicators, the financial annex, the diagnostics
//! panel with justifications, and the history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Action, Amount, ExecutedLine, ExpenseLine, Money, Report};
use bilan_store::{Edit, EditScope, Role, StoreError};

use crate::access;
use crate::auth::{Ctx, MaybeCtx};
use crate::edit::{self, link_for};
use crate::forms::{self, field_id, join, Errors, Fields, Spec, Values};
use crate::html::{alert, csrf_field, esc, hidden, multiline, not_found, seg, status_badge, Page};
use crate::report::{self, conflict_page, store_error, Conflict, Loaded};
use crate::AppState;

pub fn rid(s: &str) -> Option<i64> {
    s.parse().ok().filter(|n: &i64| *n > 0)
}

/// The notice of a form the user may only read.
fn read_only() -> String {
    alert(
        "info",
        "lecture-seule",
        "Lecture seule",
        "<p>Vous ne pouvez pas modifier ces informations (votre rôle, ou le statut du rapport, ne le permet pas).</p>",
    )
}

fn money(m: Money) -> String {
    format!("<span class=\"montant\">{}</span>", esc(&m.to_french()))
}

fn opt_money(a: &Option<Amount>) -> String {
    match figure(a) {
        Some(m) => money(m),
        None => String::new(),
    }
}

pub async fn fallback(MaybeCtx(ctx): MaybeCtx) -> Response {
    not_found(ctx.as_ref())
}

// ----- list -----

pub async fn reports(State(app): State<AppState>, ctx: Ctx) -> Response {
    if ctx.user.role == Role::Admin {
        return Redirect::to("/admin/comptes").into_response();
    }
    let list = match app.store.reports(&access::filter_for(&ctx.user)).await {
        Ok(l) => l,
        Err(e) => return store_error(&ctx, e),
    };
    let mut rows = String::new();
    for s in list.iter().filter(|s| access::can_see(&ctx.user, s)) {
        rows.push_str(&format!(
            "<tr id=\"rapport-{id}\" data-departement=\"{dep}\" data-annee=\"{year}\"><td>{}</td><td>{year}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><a class=\"fr-link\" href=\"/rapports/{id}\" id=\"lien-rapport-{id}\">Ouvrir<span class=\"fr-sr-only\"> le rapport {} {year}</span></a></td></tr>",
            esc(&bilan_domain::geo::department_label(&s.department)),
            esc(&s.programme.to_uppercase()),
            s.version,
            status_badge(s.status),
            esc(&crate::time::french_datetime(&s.updated_at)),
            esc(&s.department),
            id = s.id,
            dep = esc(&s.department),
            year = s.year,
        ));
    }
    let table = if rows.is_empty() {
        "<p id=\"aucun-rapport\">Aucun rapport ne vous est accessible pour le moment.</p>".to_string()
    } else {
        format!(
            "<div class=\"fr-table\"><table id=\"table-rapports\"><caption>Rapports d’exécution</caption>\
             <thead><tr><th scope=\"col\">Département</th><th scope=\"col\">Année</th><th scope=\"col\">Programme</th>\
             <th scope=\"col\">Version</th><th scope=\"col\">Statut</th><th scope=\"col\">Dernière modification</th><th scope=\"col\">Rapport</th></tr></thead>\
             <tbody>{rows}</tbody></table></div>"
        )
    };
    let body = format!(
        "<h1>Mes rapports</h1><p>Connecté en tant que {} ({}) – territoire : {}.</p>{table}",
        esc(&ctx.user.display_name),
        esc(access::role_label(ctx.user.role)),
        esc(&access::territory_label(ctx.user.role, ctx.user.territory.as_deref())),
    );
    Page::new("Mes rapports", Some(&ctx), body).into_response()
}

// ----- overview -----

/// Sections 1 to 9 of an action: how many hold real text (not a template instruction).
pub fn completion(a: &Action) -> (usize, usize) {
    let filled = |t: &str| {
        let t = t.trim();
        !t.is_empty() && !t.starts_with('[')
    };
    let checks = [
        filled(&a.description),
        filled(&a.start_text) || a.start.is_some(),
        filled(&a.partners),
        filled(&a.duration),
        a.forecast.as_ref().is_some_and(|f| figure(&f.total).is_some() || a.budget_shared_with.is_some())
            || a.budget_shared_with.is_some(),
        a.executed.as_ref().is_some_and(|e| figure(&e.spent).is_some() || !e.lines.is_empty())
            || a.expenses.iter().any(|e| figure(&e.spent).is_some()),
        a.fapi.is_some(),
        !a.indicators.is_empty(),
        filled(&a.execution_review),
    ];
    let outlook = filled(&a.outlook);
    (checks.iter().filter(|c| **c).count() + usize::from(outlook), 10)
}

fn diag_line(l: &Loaded, d: &Diagnostic, justified: bool) -> String {
    let class = match d.severity {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "info",
    };
    let status = if justified {
        " <span class=\"fr-badge fr-badge--sm fr-badge--success\">justifié</span>"
    } else {
        ""
    };
    format!(
        "<li class=\"diag-{class} fr-mb-1w\" data-code=\"{code}\" data-chemin=\"{path}\"><strong>{sev} {code}</strong>{status} : {msg} \
         <a class=\"fr-link fr-link--sm\" href=\"{link}\">Aller au champ<span class=\"fr-sr-only\"> {path}</span></a></li>",
        sev = esc(&capitalize(d.severity.label())),
        code = esc(d.code),
        msg = esc(&d.message),
        path = esc(&d.path),
        link = esc(&link_for(l.id(), &l.report, &d.path)),
    )
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub async fn overview(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let diags = report::diagnostics(&app, &l.report).await;
    let js = match report::justifications(&app, id).await {
        Ok(j) => j,
        Err(e) => return store_error(&ctx, e),
    };
    let justified = report::justified_keys(&js);
    let blocking = report::blocking(&diags, &justified);
    let (errors, warnings, infos) = bilan_check::counts(&diags);
    let s = &l.stored.summary;
    let r = &l.report;
    let editable = access::can_edit(&ctx.user, s).is_ok();

    let mut h = String::new();
    h.push_str(&format!(
        "<h1 id=\"titre-rapport\">Rapport d’exécution {} – {}</h1><div class=\"fr-mb-2w\">{} <span id=\"version\">version {}</span></div>\
         <p class=\"fr-text--lead\" id=\"intitule-rapport\">{}</p>",
        s.year,
        esc(&bilan_domain::geo::department_label(&s.department)),
        status_badge(s.status),
        s.version,
        esc(&r.title)
    ));
    if let Some(n) = &l.stored.deliberation_number {
        h.push_str(&format!(
            "<p id=\"deliberation\">Adopté par la délibération n° {} du {}.</p>",
            esc(n),
            esc(&l
                .stored
                .deliberation_date
                .as_deref()
                .and_then(|d| bilan_domain::Date::parse(d).ok())
                .map(|d| d.to_french())
                .unwrap_or_default())
        ));
    }
    if let Some(t) = &l.stored.transmitted_at {
        h.push_str(&format!(
            "<p id=\"transmission\">Transmis le {}.</p>",
            esc(&crate::time::french_datetime(t))
        ));
    }
    if !s.status.is_editable() && ctx.user.role == Role::DepartmentEditor {
        h.push_str(&alert(
            "info",
            "rapport-fige",
            "Rapport non modifiable",
            "<p>Le rapport n’est pas au statut brouillon ou à corriger : il est en lecture seule.</p>",
        ));
    }

    // Workflow and tools.
    h.push_str(&crate::workflow::panel(&ctx, &l, blocking.len()));
    // The State's comments (a sent-back report's reasons and remarks).
    match app.store.comments(id).await {
        Ok(c) if c.is_empty() => {}
        Ok(_) => match crate::review::comments_block(&app, &ctx, &l).await {
            Ok(b) => h.push_str(&b),
            Err(r) => return r,
        },
        Err(e) => return store_error(&ctx, e),
    }
    h.push_str("<ul class=\"fr-btns-group fr-btns-group--inline-md fr-btns-group--icon-left fr-mt-2w\" id=\"outils\">");
    h.push_str(&format!(
        "<li><a class=\"fr-btn fr-btn--secondary fr-icon-alert-line\" id=\"lien-diagnostics\" href=\"/rapports/{id}/diagnostics\">Diagnostics ({errors} erreurs, {warnings} avertissements)</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary fr-icon-table-line\" id=\"lien-annexe\" href=\"/rapports/{id}/annexe\">Annexe financière</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary fr-icon-information-line\" id=\"lien-general\" href=\"/rapports/{id}/general\">Informations générales</a></li>"
    ));
    if editable {
        h.push_str(&format!(
            "<li><a class=\"fr-btn fr-btn--secondary fr-icon-upload-line\" id=\"lien-import\" href=\"/rapports/{id}/import\">Importer un fichier</a></li>"
        ));
    }
    if s.status == bilan_store::Status::Approved {
        h.push_str(&format!(
            "<li><a class=\"fr-btn fr-btn--secondary fr-icon-money-euro-circle-line\" id=\"lien-credits\" href=\"/rapports/{id}/credits\">Crédits {}</a></li>",
            s.year + 1
        ));
    }
    h.push_str(&format!(
        "<li><a class=\"fr-btn fr-btn--tertiary fr-icon-time-line\" id=\"lien-historique\" href=\"/rapports/{id}/historique\">Historique</a></li></ul>"
    ));

    // Totals.
    let table = AnnexTable::from_report(r);
    let forecast_total =
        Money::sum(r.actions().filter_map(|(_, _, _, a)| a.forecast.as_ref().and_then(|f| figure(&f.total))));
    h.push_str(&format!(
        "<h2 id=\"totaux\">Totaux</h2><div class=\"fr-table\"><table id=\"table-totaux\"><caption>Totaux de l’annexe financière (calculés à partir des lignes)</caption>\
         <thead><tr><th scope=\"col\">Montant inscrit</th><th scope=\"col\">Montant réalisé</th><th scope=\"col\">À reporter</th><th scope=\"col\">Recette État</th><th scope=\"col\">Budgets prévisionnels des actions</th></tr></thead>\
         <tbody><tr><td id=\"total-inscrit\" class=\"montant\">{}</td><td id=\"total-realise\" class=\"montant\">{}</td><td id=\"total-report\" class=\"montant\">{}</td><td id=\"total-recette\" class=\"montant\">{}</td><td id=\"total-prevision\" class=\"montant\">{}</td></tr></tbody></table></div>",
        esc(&table.total.planned.to_french()),
        esc(&table.total.spent.to_french()),
        esc(&table.total.carry_over.to_french()),
        esc(&table.total.state_revenue.map(|m| m.to_french()).unwrap_or_default()),
        esc(&forecast_total.to_french()),
    ));

    // Open diagnostics.
    h.push_str(&format!("<h2 id=\"diagnostics-ouverts\">Points à traiter ({})</h2>", blocking.len()));
    if blocking.is_empty() {
        h.push_str("<p id=\"aucun-point\">Aucune erreur ni avertissement non justifié : le rapport peut être transmis une fois adopté.</p>");
    } else {
        h.push_str("<ul class=\"fr-raw-list\" id=\"liste-diagnostics-ouverts\">");
        for d in &blocking {
            h.push_str(&diag_line(&l, d, false));
        }
        h.push_str("</ul>");
    }
    h.push_str(&format!("<p>{infos} informations sans action requise : voir les <a href=\"/rapports/{id}/diagnostics\">diagnostics</a>.</p>"));

    // Measures and actions.
    h.push_str("<h2 id=\"mesures\">Mesures et actions</h2>");
    for (mi, m) in r.measures.iter().enumerate() {
        h.push_str(&format!(
            "<section id=\"{}\" class=\"fr-mb-4w\"><h3>Mesure {} – {}</h3>",
            field_id(&format!("mesures[{mi}]")),
            esc(&m.number),
            esc(&m.title)
        ));
        h.push_str("<div class=\"fr-table fr-table--no-caption\"><table><caption>Actions de la mesure</caption><thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Intitulé</th><th scope=\"col\">Sections renseignées</th><th scope=\"col\">Prévisionnel</th><th scope=\"col\">Réalisé (annexe)</th><th scope=\"col\">Points à traiter</th></tr></thead><tbody>");
        for (ai, a) in m.actions.iter().enumerate() {
            let prefix = format!("mesures[{mi}].actions[{ai}]");
            let open = blocking.iter().filter(|d| d.path.starts_with(&prefix)).count();
            let (done, total) = completion(a);
            let spent = Money::sum(a.expenses.iter().filter_map(|e| figure(&e.spent)));
            h.push_str(&format!(
                "<tr id=\"action-{}\"><td><a href=\"/rapports/{id}/actions/{}\">{}</a></td><td>{}</td><td>{done}/{total}</td><td>{}</td><td>{}</td><td>{open}</td></tr>",
                esc(&a.number.replace('.', "-")),
                seg(&a.number),
                esc(&a.number),
                esc(&a.title),
                a.forecast.as_ref().map(|f| opt_money(&f.total)).unwrap_or_default(),
                money(spent),
            ));
        }
        h.push_str("</tbody></table></div></section>");
    }

    // Downloads and versions.
    h.push_str(&crate::files::downloads_block(id));
    match app.store.frozen_versions(id).await {
        Ok(versions) if !versions.is_empty() => {
            // The SHA-256 stored when the version was frozen (`bilan audit verify` checks it).
            let fingerprints: std::collections::BTreeMap<i32, Option<String>> =
                match app.store.version_fingerprints(id).await {
                    Ok(f) => f.into_iter().collect(),
                    Err(e) => return store_error(&ctx, e),
                };
            h.push_str("<h2 id=\"versions\">Versions transmises (figées)</h2>\
                <p>L’empreinte SHA-256 identifie le texte transmis : la moindre modification la changerait.</p>\
                <ul id=\"liste-versions\">");
            for (v, at, _) in versions {
                let fingerprint = match fingerprints.get(&v).cloned().flatten() {
                    Some(sha) => format!(
                        ", empreinte <code id=\"empreinte-version-{v}\" title=\"SHA-256 : {}\" data-sha256=\"{}\">{}…</code>",
                        esc(&sha),
                        esc(&sha),
                        esc(&sha.chars().take(12).collect::<String>())
                    ),
                    None => format!(", <span id=\"empreinte-version-{v}\">sans empreinte</span>"),
                };
                h.push_str(&format!(
                    "<li><a href=\"/rapports/{id}/versions/{v}\" id=\"version-{v}\">Version {v}</a>, transmise le {}{fingerprint}</li>",
                    esc(&crate::time::french_datetime(&at))
                ));
            }
            h.push_str("</ul>");
        }
        Ok(_) => {}
        Err(e) => return store_error(&ctx, e),
    }
    Page::new(l.label(), Some(&ctx), h).crumbs(l.crumbs()).into_response()
}

// ----- general information -----

fn general_page(
    ctx: &Ctx,
    l: &Loaded,
    values: &Values,
    errors: &Errors,
    saved: bool,
    status: StatusCode,
) -> Response {
    let id = l.id();
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let mut h = "<h1>Informations générales</h1>".to_string();
    if !editable {
        h.push_str(&read_only());
    }
    if saved {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>Les informations générales ont été enregistrées.</p>",
        ));
    }
    if !errors.is_empty() {
        let specs: Vec<&Spec> = forms::GENERAL_FIELDS.iter().collect();
        h.push_str(&forms::error_summary(&specs, "", errors));
    }
    h.push_str(&format!(
        "<form method=\"post\" action=\"/rapports/{id}/general\" id=\"form-general\">{}{}<fieldset class=\"fr-fieldset\"{}><legend class=\"fr-fieldset__legend\">Rapport</legend><div class=\"fr-fieldset__element\">{}</div></fieldset>{}</form>",
        csrf_field(&ctx.csrf),
        hidden("revision", &l.stored.summary.revision.to_string()),
        if editable { "" } else { " disabled" },
        forms::render_fields(forms::GENERAL_FIELDS, "", values, errors),
        if editable { "<button class=\"fr-btn\" type=\"submit\" id=\"bouton-enregistrer\">Enregistrer</button>" } else { "" }
    ));
    let d = l.report.deliberation.clone().unwrap_or_default();
    h.push_str(&format!(
        "<section id=\"{}\" class=\"fr-mt-4w\"><h2>Délibération et transmission</h2>\
         <p>La délibération est enregistrée par le signataire lors de l’adoption du rapport.</p>\
         <ul><li>Numéro : <span id=\"deliberation-numero\">{}</span></li><li>Date : <span id=\"deliberation-date\">{}</span></li><li>Instance : {}</li></ul></section>",
        field_id("deliberation"),
        esc(if d.number.is_empty() { "non renseigné" } else { &d.number }),
        esc(&d.date.map(|d| d.to_french()).unwrap_or_else(|| "non renseignée".into())),
        esc(if d.body.is_empty() { "non renseignée" } else { &d.body }),
    ));
    let mut crumbs = l.crumbs();
    crumbs.push(("Informations générales".into(), None));
    Page::new("Informations générales", Some(ctx), h).crumbs(crumbs).status(status).into_response()
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    enregistre: Option<String>,
}

pub async fn general_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    general_page(
        &ctx,
        &l,
        &edit::general_values(&l.report),
        &Vec::new(),
        q.enregistre.is_some(),
        StatusCode::OK,
    )
}

pub async fn general_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::auth::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    let patch = match forms::parse(forms::GENERAL_FIELDS, &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(forms::GENERAL_FIELDS, &fields);
            return general_page(&ctx, &l, &values, &errors, false, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = app
        .store
        .update_report(ctx.user.id, id, EditScope::Whole { expected_revision: revision }, move |current| {
            let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
            let before = general_fragment(&r);
            edit::apply_general(&mut r, &patch);
            Ok(Edit {
                text: bilan_source::to_toml(&r),
                audit_action: "rapport.general".into(),
                audit_target: "informations générales".into(),
                before,
                after: general_fragment(&r),
                actions: edit::action_numbers(&r),
            })
        })
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/rapports/{id}/general?enregistre=1")).into_response(),
        Err(StoreError::Conflict { current_text, current_revision }) => {
            let current = report::parse_text(&current_text).map(|r| edit::general_values(&r));
            conflict_page(
                &ctx,
                Conflict {
                    loaded: &l,
                    title: "Informations générales".into(),
                    specs: forms::GENERAL_FIELDS.iter().collect(),
                    submitted: forms::submitted(forms::GENERAL_FIELDS, &fields),
                    current,
                    current_revision,
                    form_url: format!("/rapports/{id}/general"),
                },
            )
        }
        Err(e) => store_error(&ctx, e),
    }
}

fn general_fragment(r: &Report) -> Option<String> {
    Some(format!(
        "titre = {:?}\necheance = {:?}\nconvention = {:?}",
        r.title,
        r.deadline.map(|d| d.iso()).unwrap_or_default(),
        r.convention.title
    ))
}

fn bad_form(ctx: &Ctx) -> Response {
    crate::html::error_page(
        StatusCode::BAD_REQUEST,
        Some(ctx),
        "Formulaire incomplet",
        "<p>Le formulaire envoyé est incomplet (révision manquante) : rechargez la page et recommencez. Rien n’a été modifié.</p>",
    )
}

// ----- action form -----

struct ActionRef {
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

fn find_action(r: &Report, number: &str) -> Option<ActionRef> {
    r.action(number).map(|(mi, ai, a)| ActionRef { mi, ai, number: a.number.clone() })
}

fn action_of<'a>(r: &'a Report, a: &ActionRef) -> &'a Action {
    &r.measures[a.mi].actions[a.ai]
}

fn action_diags(
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

struct ActionView<'a> {
    l: &'a Loaded,
    a: &'a ActionRef,
    values: Values,
    errors: Errors,
    saved: bool,
    status: StatusCode,
}

async fn action_page(app: &AppState, ctx: &Ctx, v: ActionView<'_>) -> Response {
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
        h.push_str(&forms::error_summary(&specs, &base, &v.errors));
    }
    h.push_str(&action_diags(l, &diags, &base, &justified));
    match app.store.comments(id).await {
        Ok(comments) => h.push_str(&crate::review::action_comments(&comments, &action.number, &base)),
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
            forms::render_fields(section.fields, &base, &v.values, &v.errors)
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

fn delete_button(ctx: &Ctx, url: &str, revision: i64, id: &str, what: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\" class=\"fr-mb-0\" id=\"{id}\">{}{}<button class=\"fr-btn fr-btn--sm fr-btn--tertiary fr-icon-delete-line fr-btn--icon-left\" type=\"submit\">Supprimer<span class=\"fr-sr-only\"> {}</span></button></form>",
        esc(url),
        csrf_field(&ctx.csrf),
        hidden("revision", &revision.to_string()),
        esc(what)
    )
}

fn items_tables(ctx: &Ctx, l: &Loaded, a: &ActionRef, action: &Action, editable: bool) -> String {
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

async fn load_action(
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
        return crate::auth::refused(&ctx, m);
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
                Conflict {
                    loaded: &l,
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
enum ItemKind {
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

struct ItemView<'a> {
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

async fn item_page(app: &AppState, ctx: &Ctx, v: ItemView<'_>) -> Response {
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
        h.push_str(&forms::error_summary(&specs, &base, &v.errors));
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
        forms::render_fields(kind.specs(), &base, &v.values, &v.errors),
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

fn item_index(kind: ItemKind, action: &Action, k: &str) -> Option<usize> {
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
        return crate::auth::refused(&ctx, m);
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

async fn save_item(
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
        return crate::auth::refused(&ctx, m);
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
                Conflict {
                    loaded: &l,
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
        return crate::auth::refused(&ctx, m);
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
        Err(StoreError::Conflict { .. }) => crate::html::error_page(
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

// ----- the financial annex -----

/// One row of the annex page: an expense line and where it lives.
struct AnnexRowRef {
    mi: usize,
    ai: usize,
    k: usize,
}

struct AnnexGroupView {
    label: String,
    /// Index of the declared group, `None` for groups made from measures or "Autres dépenses".
    declared: Option<usize>,
    rows: Vec<AnnexRowRef>,
}

fn annex_groups(r: &Report) -> Vec<AnnexGroupView> {
    let rows_of = |numbers: &[String]| -> Vec<AnnexRowRef> {
        let mut rows = Vec::new();
        for n in numbers {
            if let Some((mi, ai, a)) = r.action(n) {
                rows.extend((0..a.expenses.len()).map(|k| AnnexRowRef { mi, ai, k }));
            }
        }
        rows
    };
    if r.annex.groups.is_empty() {
        return r
            .measures
            .iter()
            .map(|m| {
                let numbers: Vec<String> = m.actions.iter().map(|a| a.number.clone()).collect();
                AnnexGroupView { label: m.title.clone(), declared: None, rows: rows_of(&numbers) }
            })
            .collect();
    }
    let mut groups: Vec<AnnexGroupView> = r
        .annex
        .groups
        .iter()
        .enumerate()
        .map(|(g, grp)| AnnexGroupView {
            label: grp.label.clone(),
            declared: Some(g),
            rows: rows_of(&grp.actions),
        })
        .collect();
    let listed = |n: &str| r.annex.groups.iter().any(|g| g.actions.iter().any(|a| a == n));
    let left: Vec<String> = r
        .actions()
        .filter(|(_, _, _, a)| !a.expenses.is_empty() && !listed(&a.number))
        .map(|(_, _, _, a)| a.number.clone())
        .collect();
    if !left.is_empty() {
        groups.push(AnnexGroupView {
            label: bilan_domain::annex_table::OTHER_EXPENSES_LABEL.into(),
            declared: None,
            rows: rows_of(&left),
        });
    }
    groups
}

const ANNEX_COLS: [(&str, &str); 3] =
    [("inscrit", "Montant inscrit"), ("realise", "Montant réalisé"), ("report", "Montant à reporter")];

fn row_name(row: &AnnexRowRef, col: &str) -> String {
    format!("d-{}-{}-{}-{col}", row.mi, row.ai, row.k)
}

fn expense_amount(e: &ExpenseLine, col: &str) -> Option<Amount> {
    match col {
        "inscrit" => e.planned,
        "realise" => e.spent,
        _ => e.carry_over,
    }
}

fn annex_input(
    name: &str,
    id: &str,
    label: &str,
    value: &str,
    error: Option<&str>,
    col: Option<&str>,
    editable: bool,
) -> String {
    let data_col = col.map(|c| format!(" data-col=\"{c}\"")).unwrap_or_default();
    let err = error
        .map(|m| format!("<p class=\"fr-error-text\" id=\"{id}-erreur\">{}</p>", esc(m)))
        .unwrap_or_default();
    format!(
        "<div class=\"fr-input-group{}\"><label class=\"fr-label fr-sr-only\" for=\"{id}\">{}</label><input class=\"fr-input{}\" type=\"text\" inputmode=\"decimal\" id=\"{id}\" name=\"{}\" value=\"{}\"{data_col}{}{}>{err}</div>",
        if error.is_some() { " fr-input-group--error" } else { "" },
        esc(label),
        if error.is_some() { " fr-input--error" } else { "" },
        esc(name),
        esc(value),
        if error.is_some() { format!(" aria-describedby=\"{id}-erreur\"") } else { String::new() },
        if editable { "" } else { " disabled" },
    )
}

/// The current values of every annex input, by name.
fn annex_values(r: &Report) -> Values {
    let mut v = Values::new();
    for g in annex_groups(r) {
        for row in &g.rows {
            let e = &r.measures[row.mi].actions[row.ai].expenses[row.k];
            for (col, _) in ANNEX_COLS {
                v.insert(row_name(row, col), forms::amount_text(&expense_amount(e, col)));
            }
        }
    }
    for (g, grp) in r.annex.groups.iter().enumerate() {
        let st = grp.subtotal.clone().unwrap_or_default();
        v.insert(format!("annexe.groupes[{g}].sous_total.inscrit"), forms::amount_text(&st.planned));
        v.insert(format!("annexe.groupes[{g}].sous_total.realise"), forms::amount_text(&st.spent));
        v.insert(format!("annexe.groupes[{g}].sous_total.report"), forms::amount_text(&st.carry_over));
        v.insert(format!("annexe.groupes[{g}].recette_etat"), forms::amount_text(&grp.state_revenue));
    }
    let t = r.annex.total.clone().unwrap_or_default();
    v.insert("annexe.total.inscrit".into(), forms::amount_text(&t.planned));
    v.insert("annexe.total.realise".into(), forms::amount_text(&t.spent));
    v.insert("annexe.total.report".into(), forms::amount_text(&t.carry_over));
    v.insert("annexe.total.recette_etat".into(), forms::amount_text(&t.state_revenue));
    v
}

fn annex_page_html(
    ctx: &Ctx,
    l: &Loaded,
    values: &Values,
    errors: &Errors,
    saved: bool,
    status: StatusCode,
) -> Response {
    let r = &l.report;
    let id = l.id();
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let table = AnnexTable::from_report(r);
    let err = |name: &str| errors.iter().find(|(n, _)| n == name).map(|(_, m)| m.as_str());
    let val = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut h = "<h1>Annexe financière</h1>".to_string();
    if !editable {
        h.push_str(&read_only());
    }
    if saved {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>L’annexe financière a été enregistrée.</p>",
        ));
    }
    if !errors.is_empty() {
        let mut items = String::new();
        for (name, m) in errors {
            let fid = if name.starts_with("annexe.") { field_id(name) } else { format!("annexe-{name}") };
            items.push_str(&format!("<li><a href=\"#{fid}\">{}</a></li>", esc(m)));
        }
        h.push_str(&alert(
            "error",
            "erreurs-formulaire",
            "L’annexe contient des montants illisibles : rien n’a été enregistré",
            &format!("<ul>{items}</ul>"),
        ));
    }
    h.push_str(&format!(
        "<p>Les sous-totaux calculés (en gras) se mettent à jour pendant la saisie ; les montants <em>déclarés</em> (imprimés dans votre annexe) sont comparés aux montants calculés par les diagnostics. <span id=\"annexe-calcul\" aria-live=\"polite\"></span></p>\
         <form method=\"post\" action=\"/rapports/{id}/annexe\" id=\"form-annexe\">{}{}",
        csrf_field(&ctx.csrf),
        hidden("revision", &l.stored.summary.revision.to_string())
    ));
    h.push_str(&format!(
        "<div class=\"fr-table fr-table--bordered\"><table id=\"table-annexe\"><caption>{}</caption><thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Direction</th><th scope=\"col\">Dépense</th><th scope=\"col\">Valorisation ETP</th><th scope=\"col\">Montant inscrit {}</th><th scope=\"col\">Réalisé au 31/12/{}</th><th scope=\"col\">À reporter en {}</th><th scope=\"col\">Recette État</th></tr></thead>",
        esc(&table.title),
        r.year,
        r.year,
        r.year + 1
    ));
    for (gi, g) in annex_groups(r).iter().enumerate() {
        let computed = table.groups.get(gi).map(|t| t.subtotal).unwrap_or_default();
        let gid = match g.declared {
            Some(d) => field_id(&format!("annexe.groupes[{d}]")),
            None => format!("annexe-groupe-{gi}"),
        };
        h.push_str(&format!(
            "<tbody data-groupe=\"{gi}\" id=\"{gid}\"><tr><th scope=\"rowgroup\" colspan=\"8\">{}</th></tr>",
            esc(&g.label)
        ));
        for row in &g.rows {
            let a = &r.measures[row.mi].actions[row.ai];
            let e = &a.expenses[row.k];
            let mut cells = String::new();
            for (col, label) in ANNEX_COLS {
                let name = row_name(row, col);
                let fid = format!("annexe-{name}");
                cells.push_str(&format!(
                    "<td>{}</td>",
                    annex_input(
                        &name,
                        &fid,
                        &format!("{label} – {} – {}", a.number, e.label),
                        &val(&name),
                        err(&name),
                        Some(col),
                        editable
                    )
                ));
            }
            h.push_str(&format!(
                "<tr class=\"{}\"><td><a href=\"/rapports/{id}/actions/{}/depenses/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>{cells}<td></td></tr>",
                if e.staff_time_valuation { "valorisation-etp" } else { "" },
                seg(&a.number),
                row.k,
                esc(&a.number),
                esc(&e.directorate),
                esc(&e.label),
                if e.staff_time_valuation { "Oui" } else { "Non" },
            ));
        }
        h.push_str(&format!(
            "<tr class=\"sous-total\"><th scope=\"row\" colspan=\"4\">Sous-total calculé</th><td class=\"montant\" data-sous-total=\"inscrit\"><strong>{}</strong></td><td class=\"montant\" data-sous-total=\"realise\"><strong>{}</strong></td><td class=\"montant\" data-sous-total=\"report\"><strong>{}</strong></td><td class=\"montant\">{}</td></tr>",
            esc(&computed.planned.to_french()),
            esc(&computed.spent.to_french()),
            esc(&computed.carry_over.to_french()),
            esc(&computed.state_revenue.map(|m| m.to_french()).unwrap_or_default()),
        ));
        if let Some(d) = g.declared {
            let mut cells = String::new();
            for (key, label) in [
                ("sous_total.inscrit", "inscrit"),
                ("sous_total.realise", "réalisé"),
                ("sous_total.report", "à reporter"),
                ("recette_etat", "recette État"),
            ] {
                let name = format!("annexe.groupes[{d}].{key}");
                cells.push_str(&format!(
                    "<td>{}</td>",
                    annex_input(
                        &name,
                        &field_id(&name),
                        &format!("Sous-total déclaré ({label}) – {}", g.label),
                        &val(&name),
                        err(&name),
                        None,
                        editable
                    )
                ));
            }
            h.push_str(&format!("<tr class=\"sous-total-declare\"><th scope=\"row\" colspan=\"4\">Sous-total déclaré</th>{cells}</tr>"));
        }
        h.push_str("</tbody>");
    }
    let t = table.total;
    let mut total_cells = String::new();
    for key in ["inscrit", "realise", "report", "recette_etat"] {
        let name = format!("annexe.total.{key}");
        total_cells.push_str(&format!(
            "<td>{}</td>",
            annex_input(
                &name,
                &field_id(&name),
                &format!("Total déclaré ({key})"),
                &val(&name),
                err(&name),
                None,
                editable
            )
        ));
    }
    h.push_str(&format!(
        "<tfoot id=\"{}\"><tr><th scope=\"row\" colspan=\"4\">Montant total calculé</th><td class=\"montant\" data-total=\"inscrit\"><strong>{}</strong></td><td class=\"montant\" data-total=\"realise\"><strong>{}</strong></td><td class=\"montant\" data-total=\"report\"><strong>{}</strong></td><td class=\"montant\">{}</td></tr>\
         <tr><th scope=\"row\" colspan=\"4\">Montant total déclaré</th>{total_cells}</tr></tfoot></table></div>",
        field_id("annexe.total"),
        esc(&t.planned.to_french()),
        esc(&t.spent.to_french()),
        esc(&t.carry_over.to_french()),
        esc(&t.state_revenue.map(|m| m.to_french()).unwrap_or_default()),
    ));
    if editable {
        h.push_str("<button class=\"fr-btn\" type=\"submit\" id=\"bouton-enregistrer\">Enregistrer l’annexe</button>");
    }
    h.push_str("</form>");
    let mut crumbs = l.crumbs();
    crumbs.push(("Annexe financière".into(), None));
    Page::new("Annexe financière", Some(ctx), h).crumbs(crumbs).status(status).into_response()
}

pub async fn annex_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    annex_page_html(&ctx, &l, &annex_values(&l.report), &Vec::new(), q.enregistre.is_some(), StatusCode::OK)
}

/// An amount input of the annex form; an input absent from the form keeps its value.
fn parse_amount_field(
    fields: &Fields,
    name: &str,
    original: Option<Amount>,
    errors: &mut Errors,
) -> Option<Amount> {
    let Some(t) = fields.get(name) else { return original };
    let t = t.trim().to_string();
    if t.is_empty() {
        return if original == Some(Amount::Blank) { Some(Amount::Blank) } else { None };
    }
    match Amount::parse(&t) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.push((name.to_string(), e.to_string()));
            original
        }
    }
}

/// Applies the annex form to a report; errors name the inputs.
fn apply_annex(r: &mut Report, fields: &Fields) -> Errors {
    let mut errors = Errors::new();
    for g in annex_groups(r) {
        for row in &g.rows {
            let e = &mut r.measures[row.mi].actions[row.ai].expenses[row.k];
            e.planned = parse_amount_field(fields, &row_name(row, "inscrit"), e.planned, &mut errors);
            e.spent = parse_amount_field(fields, &row_name(row, "realise"), e.spent, &mut errors);
            e.carry_over = parse_amount_field(fields, &row_name(row, "report"), e.carry_over, &mut errors);
        }
    }
    for (g, grp) in r.annex.groups.iter_mut().enumerate() {
        let had = grp.subtotal.is_some();
        let mut st = grp.subtotal.clone().unwrap_or_default();
        st.planned = parse_amount_field(
            fields,
            &format!("annexe.groupes[{g}].sous_total.inscrit"),
            st.planned,
            &mut errors,
        );
        st.spent = parse_amount_field(
            fields,
            &format!("annexe.groupes[{g}].sous_total.realise"),
            st.spent,
            &mut errors,
        );
        st.carry_over = parse_amount_field(
            fields,
            &format!("annexe.groupes[{g}].sous_total.report"),
            st.carry_over,
            &mut errors,
        );
        grp.subtotal = if st == Default::default() && !had { None } else { Some(st) };
        grp.state_revenue = parse_amount_field(
            fields,
            &format!("annexe.groupes[{g}].recette_etat"),
            grp.state_revenue,
            &mut errors,
        );
    }
    let had = r.annex.total.is_some();
    let mut t = r.annex.total.clone().unwrap_or_default();
    t.planned = parse_amount_field(fields, "annexe.total.inscrit", t.planned, &mut errors);
    t.spent = parse_amount_field(fields, "annexe.total.realise", t.spent, &mut errors);
    t.carry_over = parse_amount_field(fields, "annexe.total.report", t.carry_over, &mut errors);
    t.state_revenue = parse_amount_field(fields, "annexe.total.recette_etat", t.state_revenue, &mut errors);
    r.annex.total = if t == Default::default() && !had { None } else { Some(t) };
    errors
}

pub async fn annex_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::auth::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    // Validate against the loaded version first: a malformed amount saves nothing.
    let mut probe = l.report.clone();
    let errors = apply_annex(&mut probe, &fields);
    if !errors.is_empty() {
        let values: Values = annex_values(&l.report)
            .into_keys()
            .map(|k| {
                let v = fields.get(&k).unwrap_or("").to_string();
                (k, v)
            })
            .collect();
        return annex_page_html(&ctx, &l, &values, &errors, false, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let f2 = fields.clone();
    let result = app
        .store
        .update_report(ctx.user.id, id, EditScope::Whole { expected_revision: revision }, move |current| {
            let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
            let before = edit::fragment(&r.annex);
            let errors = apply_annex(&mut r, &f2);
            if let Some((_, m)) = errors.first() {
                return Err(m.clone());
            }
            Ok(Edit {
                text: bilan_source::to_toml(&r),
                audit_action: "annexe.save".into(),
                audit_target: "annexe financière".into(),
                before,
                after: edit::fragment(&r.annex),
                actions: edit::action_numbers(&r),
            })
        })
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/rapports/{id}/annexe?enregistre=1")).into_response(),
        Err(StoreError::Conflict { current_text, .. }) => {
            let current = report::parse_text(&current_text).map(|r| annex_values(&r));
            let names: Vec<String> = annex_values(&l.report).into_keys().collect();
            annex_conflict(&ctx, &l, &names, &fields, current)
        }
        Err(e) => store_error(&ctx, e),
    }
}

/// The conflict page of the annex: only the amounts that differ (the annex has many).
fn annex_conflict(
    ctx: &Ctx,
    l: &Loaded,
    names: &[String],
    fields: &Fields,
    current: Option<Values>,
) -> Response {
    let mut rows = String::new();
    for name in names {
        let mine = fields.get(name).unwrap_or("").to_string();
        let theirs = current.as_ref().and_then(|c| c.get(name).cloned()).unwrap_or_default();
        if mine.trim() != theirs.trim() {
            rows.push_str(&format!(
                "<tr class=\"conflit-diff\" data-champ=\"{}\"><th scope=\"row\">{}</th><td class=\"conflit-mien\">{}</td><td class=\"conflit-actuel\">{}</td></tr>",
                esc(name),
                esc(name),
                esc(&mine),
                esc(&theirs)
            ));
        }
    }
    let body = format!(
        "<h1 id=\"titre-conflit\">Modification concurrente : rien n’a été enregistré</h1>\
         <div class=\"fr-alert fr-alert--warning fr-mb-3w\" role=\"alert\"><h2 class=\"fr-alert__title\">Annexe financière</h2>\
         <p>Le rapport a été modifié depuis que vous avez ouvert l’annexe : votre saisie n’a pas été enregistrée et la version actuelle n’a pas été modifiée. Les montants qui diffèrent sont listés ci-dessous.</p></div>\
         <div class=\"fr-table\"><table id=\"table-conflit\"><caption>Votre saisie et la version actuelle</caption><thead><tr><th scope=\"col\">Champ</th><th scope=\"col\">Votre saisie (non enregistrée)</th><th scope=\"col\">Version actuelle</th></tr></thead><tbody>{rows}</tbody></table></div>\
         <a class=\"fr-btn\" id=\"lien-conflit-recharger\" href=\"/rapports/{}/annexe\">Reprendre la saisie sur la version actuelle</a>",
        l.id()
    );
    Page::new("Modification concurrente", Some(ctx), body)
        .crumbs(l.crumbs())
        .status(StatusCode::CONFLICT)
        .into_response()
}

// ----- diagnostics and justifications -----

fn key_id(code: &str, path: &str) -> String {
    format!("{}-{}", code, field_id(path).trim_start_matches("champ-"))
}

pub async fn diagnostics_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let diags = report::diagnostics(&app, &l.report).await;
    let js = match report::justifications(&app, id).await {
        Ok(j) => j,
        Err(e) => return store_error(&ctx, e),
    };
    let can_justify = access::can_justify(&ctx.user, &l.stored.summary).is_ok();
    let (errors, warnings, infos) = bilan_check::counts(&diags);
    let justified = report::justified_keys(&js);
    let open = report::blocking(&diags, &justified).len();
    let mut h = format!(
        "<h1>Diagnostics</h1><p id=\"resume-diagnostics\">{errors} erreur(s), {warnings} avertissement(s), {infos} information(s). \
         <strong>{open} point(s) bloquent la transmission</strong> : les erreurs doivent être corrigées, chaque avertissement doit être corrigé ou justifié.</p>"
    );
    if q.enregistre.is_some() {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Justification enregistrée",
            "<p>La justification a été enregistrée.</p>",
        ));
    }
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (severity, title, sid) in [
        (Severity::Error, "Erreurs", "erreurs"),
        (Severity::Warning, "Avertissements", "avertissements"),
        (Severity::Info, "Informations", "informations"),
    ] {
        let list: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == severity).collect();
        h.push_str(&format!("<h2 id=\"{sid}\">{title} ({})</h2>", list.len()));
        if list.is_empty() {
            h.push_str("<p>Aucun.</p>");
            continue;
        }
        h.push_str("<ul class=\"fr-raw-list\">");
        for d in list {
            let key = key_id(d.code, &d.path);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let first = *n == 1;
            let item_id = if first { format!("diag-{key}") } else { format!("diag-{key}-{n}") };
            let class = match severity {
                Severity::Error => "erreur",
                Severity::Warning => "avertissement",
                Severity::Info => "info",
            };
            let mut item = format!(
                "<li id=\"{item_id}\" class=\"diag-{class} fr-mb-3w\" data-code=\"{}\" data-chemin=\"{}\"><p class=\"fr-mb-1w\"><strong>{} {}</strong> : {}</p>",
                esc(d.code),
                esc(&d.path),
                esc(&capitalize(d.severity.label())),
                esc(d.code),
                esc(&d.message)
            );
            if !d.label.is_empty() {
                item.push_str(&format!("<p class=\"fr-text--sm fr-mb-1w\">{}</p>", esc(&d.label)));
            }
            if let Some(hint) = &d.hint {
                item.push_str(&format!("<p class=\"fr-text--sm fr-mb-1w\">Conseil : {}</p>", esc(hint)));
            }
            item.push_str(&format!(
                "<p class=\"fr-mb-1w\"><a class=\"fr-link\" href=\"{}\">Corriger le champ <code>{}</code></a>",
                esc(&link_for(id, &l.report, &d.path)),
                esc(&d.path)
            ));
            for rel in &d.related {
                item.push_str(&format!(
                    " · <a class=\"fr-link fr-link--sm\" href=\"{}\">{}</a>",
                    esc(&link_for(id, &l.report, &rel.path)),
                    esc(if rel.label.is_empty() { &rel.path } else { &rel.label })
                ));
            }
            item.push_str("</p>");
            if severity == Severity::Warning && first {
                let existing = js.iter().find(|j| j.code == d.code && j.path == d.path);
                if let Some(j) = existing {
                    item.push_str(&format!(
                        "<p class=\"fr-badge fr-badge--success fr-badge--sm\">justifié</p><blockquote class=\"fr-mb-1w\" id=\"justification-texte-{key}\">{}</blockquote>",
                        multiline(&j.text)
                    ));
                }
                if can_justify {
                    item.push_str(&format!(
                        "<form method=\"post\" action=\"/rapports/{id}/justifications\" id=\"form-justification-{key}\">{}{}{}\
                         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"justification-{key}\">Justification (une phrase)<span class=\"fr-sr-only\"> de l’avertissement {code} sur {chemin}</span><span class=\"fr-hint-text\">Laisser vide pour retirer la justification</span></label>\
                         <textarea class=\"fr-input\" id=\"justification-{key}\" name=\"justification\" rows=\"2\" maxlength=\"2000\">{}</textarea></div>\
                         <button class=\"fr-btn fr-btn--sm fr-btn--secondary\" type=\"submit\" id=\"bouton-justifier-{key}\">Enregistrer la justification</button></form>",
                        csrf_field(&ctx.csrf),
                        hidden("code", d.code),
                        hidden("chemin", &d.path),
                        esc(existing.map(|j| j.text.as_str()).unwrap_or("")),
                        code = esc(d.code),
                        chemin = esc(&d.path),
                    ));
                }
            }
            item.push_str("</li>");
            h.push_str(&item);
        }
        h.push_str("</ul>");
    }
    let mut crumbs = l.crumbs();
    crumbs.push(("Diagnostics".into(), None));
    Page::new("Diagnostics", Some(&ctx), h).crumbs(crumbs).into_response()
}

pub async fn justify(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_justify(&ctx.user, &l.stored.summary) {
        return crate::auth::refused(&ctx, m);
    }
    let code = fields.get("code").unwrap_or("").to_string();
    let path = fields.get("chemin").unwrap_or("").to_string();
    let text = fields.text("justification").trim().to_string();
    if text.chars().count() > 2000 {
        return crate::html::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Justification trop longue",
            "<p>Une justification tient en une phrase (2 000 caractères au plus). Rien n’a été enregistré.</p>",
        );
    }
    let diags = report::diagnostics(&app, &l.report).await;
    if !diags.iter().any(|d| d.severity == Severity::Warning && d.code == code && d.path == path) {
        return crate::html::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Avertissement introuvable",
            "<p>Cet avertissement n’existe plus dans la version actuelle du rapport (il a peut-être été corrigé). Rien n’a été enregistré.</p>",
        );
    }
    match app.store.set_justification(ctx.user.id, id, &code, &path, &text).await {
        Ok(()) => {
            Redirect::to(&format!("/rapports/{id}/diagnostics?enregistre=1#diag-{}", key_id(&code, &path)))
                .into_response()
        }
        Err(e) => store_error(&ctx, e),
    }
}

// ----- history -----

pub async fn history(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let entries = match app.store.audit(Some(id), 200).await {
        Ok(e) => e,
        Err(e) => return store_error(&ctx, e),
    };
    let mut rows = String::new();
    for e in entries {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&crate::time::french_datetime(&e.at)),
            esc(e.actor_login.as_deref().unwrap_or("—")),
            esc(&e.action),
            esc(&e.target)
        ));
    }
    let h = format!(
        "<h1>Historique des modifications</h1><div class=\"fr-table\"><table id=\"table-historique\"><caption>Journal d’audit du rapport (200 dernières opérations)</caption>\
         <thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Agent</th><th scope=\"col\">Opération</th><th scope=\"col\">Objet</th></tr></thead><tbody>{rows}</tbody></table></div>"
    );
    let mut crumbs = l.crumbs();
    crumbs.push(("Historique".into(), None));
    Page::new("Historique", Some(&ctx), h).crumbs(crumbs).into_response()
}
