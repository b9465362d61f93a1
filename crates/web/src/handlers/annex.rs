//! The financial annex page and its form.

#![allow(unused_imports)]
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Action, Amount, ExecutedLine, ExpenseLine, Money, Report};
use bilan_store::{Edit, EditScope, Role, StoreError};

use super::action::*;
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

// ----- the financial annex -----

/// One row of the annex page: an expense line and where it lives.
pub(crate) struct AnnexRowRef {
    mi: usize,
    ai: usize,
    k: usize,
}

pub(crate) struct AnnexGroupView {
    label: String,
    /// Index of the declared group, `None` for groups made from measures or "Autres dépenses".
    declared: Option<usize>,
    rows: Vec<AnnexRowRef>,
}

pub(crate) fn annex_groups(r: &Report) -> Vec<AnnexGroupView> {
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

pub(crate) const ANNEX_COLS: [(&str, &str); 3] =
    [("inscrit", "Montant inscrit"), ("realise", "Montant réalisé"), ("report", "Montant à reporter")];

pub(crate) fn row_name(row: &AnnexRowRef, col: &str) -> String {
    format!("d-{}-{}-{}-{col}", row.mi, row.ai, row.k)
}

pub(crate) fn expense_amount(e: &ExpenseLine, col: &str) -> Option<Amount> {
    match col {
        "inscrit" => e.planned,
        "realise" => e.spent,
        _ => e.carry_over,
    }
}

pub(crate) fn annex_input(
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
pub(crate) fn annex_values(r: &Report) -> Values {
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

pub(crate) fn annex_page_html(
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
        Err(e) => return e.into_response(),
    };
    annex_page_html(&ctx, &l, &annex_values(&l.report), &Vec::new(), q.enregistre.is_some(), StatusCode::OK)
}

/// An amount input of the annex form; an input absent from the form keeps its value.
pub(crate) fn parse_amount_field(
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
pub(crate) fn apply_annex(r: &mut Report, fields: &Fields) -> Errors {
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
        Err(e) => return e.into_response(),
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
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
pub(crate) fn annex_conflict(
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
