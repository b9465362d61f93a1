//! The State's review: the queue of transmitted reports, the review page (report figures,
//! diagnostics and justifications, changes since the previous version and since last
//! year, outliers, comments), and the decisions — send back with comments, approve,
//! reopen an approved report with a recorded reason. Every decision goes through
//! `Store::set_status`, which writes the audit entry with its author and reason.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use bilan_check::{Diagnostic, Severity};
use bilan_consolidate::{
    across_departments, version_changes, year_comparison, year_over_year, Outlier, Rate,
};
use bilan_domain::{Money, Report};
use bilan_store::{CommentTarget, ReportFilter, ReportSummary, Role, Status};

use crate::handlers::reports::{capitalize, rid};
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit::link_for;
use crate::service::forms::Fields;
use crate::service::report::{self, Loaded};
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, error_page, esc, not_found, status_badge, Page};
use crate::AppState;

fn money_cell(m: Option<Money>) -> String {
    m.map_or_else(|| "—".to_string(), |m| esc(&m.to_french()))
}

fn rate_cell(r: Option<Rate>) -> String {
    r.map_or_else(|| "—".to_string(), |r| esc(&r.to_french()))
}

// ----- queue -----

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    pub annee: Option<String>,
}

pub async fn queue(State(app): State<AppState>, ctx: Ctx, Query(q): Query<QueueQuery>) -> Response {
    // Review pages are the State's: reviewers decide, the national reader reads.
    if !ctx.user.role.is_state() {
        return crate::http::session::refused(&ctx, "La file de revue est réservée aux services de l’État.");
    }
    // One year at a time (the national reader sees every report of France): by default the
    // most recent year with a report to examine, else the most recent year.
    let summaries = match app.store.reports(&access::filter_for(&ctx.user)).await {
        Ok(v) => v,
        Err(e) => return store_error(&ctx, e),
    };
    let summaries: Vec<ReportSummary> =
        summaries.into_iter().filter(|s| access::can_see(&ctx.user, s)).collect();
    let mut years: Vec<i32> = summaries.iter().map(|s| s.year).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let year = match q.annee.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => match t.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    Some(&ctx),
                    "Paramètre invalide",
                    &format!("<p>« {} » n’est pas une année.</p>", esc(t)),
                )
            }
        },
        None => summaries
            .iter()
            .filter(|s| s.status == Status::Transmitted)
            .map(|s| s.year)
            .max()
            .or_else(|| years.first().copied()),
    };
    let mut filter = access::filter_for(&ctx.user);
    filter.year = year;
    let visible = match year {
        Some(_) => match app.store.reports_with_text(&filter).await {
            Ok(v) => v,
            Err(e) => return store_error(&ctx, e),
        },
        None => Vec::new(),
    };
    let mut rows: Vec<(ReportSummary, Option<Report>)> = visible
        .into_iter()
        .filter(|(s, _)| access::can_see(&ctx.user, s))
        .map(|(s, text)| {
            let r = report::parse_text(&text);
            (s, r)
        })
        .collect();
    // To examine first.
    rows.sort_by_key(|(s, _)| {
        (s.status != Status::Transmitted, bilan_domain::geo::department_rank(&s.department))
    });
    let mut body = String::from(
        "<h1>File de revue</h1><p>Les rapports transmis par les Départements de votre périmètre, \
         à examiner puis à approuver ou renvoyer pour correction.</p>",
    );
    if !years.is_empty() {
        let options: String = years
            .iter()
            .map(|y| {
                format!(
                    "<option value=\"{y}\"{}>{y}</option>",
                    if Some(*y) == year { " selected" } else { "" }
                )
            })
            .collect();
        body.push_str(&format!(
            "<form method=\"get\" action=\"/revue\" id=\"form-annee\" class=\"fr-mb-3w\"><div class=\"fr-select-group\">\
             <label class=\"fr-label\" for=\"annee\">Année des rapports</label><select class=\"fr-select\" id=\"annee\" name=\"annee\">{options}</select></div>\
             <button class=\"fr-btn fr-btn--secondary fr-btn--sm\" type=\"submit\" id=\"bouton-annee\">Afficher</button></form>"
        ));
    }
    // Outlier flags per Département, against every report of the year nationally.
    let mut flags: BTreeMap<String, usize> = BTreeMap::new();
    let programmes: std::collections::BTreeSet<&str> =
        rows.iter().map(|(s, _)| s.programme.as_str()).collect();
    if let Some(y) = year {
        for p in programmes {
            match national_outliers(&app, p, y).await {
                Ok(found) => {
                    for o in found {
                        *flags.entry(o.department.as_str().to_string()).or_default() += 1;
                    }
                }
                Err(e) => return store_error(&ctx, e),
            }
        }
    }
    let to_review = rows.iter().filter(|(s, _)| s.status == Status::Transmitted).count();
    body.push_str(&format!("<p id=\"resume-file\"><strong>{to_review}</strong> rapport(s) à examiner.</p>"));
    if rows.is_empty() {
        body.push_str("<p id=\"file-vide\">Aucun rapport transmis pour le moment.</p>");
    } else {
        body.push_str(
            "<div class=\"fr-table\"><table id=\"table-revue\"><caption>Rapports transmis et approuvés</caption><thead><tr>\
             <th scope=\"col\">Département</th><th scope=\"col\">Année</th><th scope=\"col\">Programme</th><th scope=\"col\">Version</th>\
             <th scope=\"col\">Statut</th><th scope=\"col\">Échéance d’adoption</th><th scope=\"col\">Dernière décision ou transmission</th><th scope=\"col\">Valeurs atypiques</th><th scope=\"col\">Revue</th></tr></thead><tbody>",
        );
        for (s, r) in &rows {
            let deadline = r.as_ref().and_then(|r| r.deadline);
            let deadline_text = match deadline {
                Some(d) => {
                    // For a transmitted report, its last change is its transmission.
                    let sent = crate::time::parse_rfc3339(&s.updated_at).and_then(crate::time::paris_date);
                    let late = s.status == Status::Transmitted && sent.is_some_and(|t| t > d);
                    format!(
                        "{}{}",
                        esc(&d.to_french()),
                        if late {
                            " <span class=\"fr-badge fr-badge--sm fr-badge--warning\">transmis après l’échéance</span>"
                        } else {
                            ""
                        }
                    )
                }
                None => "non fixée".to_string(),
            };
            body.push_str(&format!(
                "<tr id=\"revue-{id}\" data-departement=\"{dep}\" data-annee=\"{year}\" data-statut=\"{code}\"><td>{label}</td><td>{year}</td><td>{prog}</td><td>{v}</td><td>{badge}</td><td>{deadline_text}</td><td>{at}</td><td class=\"valeurs-atypiques\">{flagged}</td>\
                 <td><a class=\"fr-link\" id=\"lien-revue-{id}\" href=\"/rapports/{id}/revue\">{verb}<span class=\"fr-sr-only\"> le rapport {label} {year}</span></a></td></tr>",
                id = s.id,
                dep = esc(&s.department),
                year = s.year,
                code = crate::views::layout::status_code(s.status),
                label = esc(&bilan_domain::geo::department_label(&s.department)),
                prog = esc(&crate::service::consolidation::programme_name(&s.programme)),
                v = s.version,
                badge = status_badge(s.status),
                at = esc(&crate::time::french_datetime(&s.updated_at)),
                flagged = match flags.get(&s.department) {
                    Some(n) => format!("<span class=\"fr-badge fr-badge--sm fr-badge--info\">{n} à examiner</span>"),
                    None => "aucune".to_string(),
                },
                verb = if s.status == Status::Transmitted && ctx.user.role != Role::NationalReader { "Examiner" } else { "Consulter" },
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    match expected_block(&app, &ctx, year.unwrap_or_else(|| crate::time::current_year() - 1)).await {
        Ok(h) => body.push_str(&h),
        Err(r) => return r,
    }
    Page::new("File de revue", Some(&ctx), body)
        .crumbs(vec![("File de revue".to_string(), None)])
        .into_response()
}

/// The Départements of the reviewer's territory that have not transmitted the report of
/// the year shown, with the status of
/// their report when one exists (only the status: drafts stay the Département's).
async fn expected_block(app: &AppState, ctx: &Ctx, year: i32) -> Result<String, Response> {
    let departments: Vec<String> = match (ctx.user.role, ctx.user.territory.as_deref()) {
        (Role::PrefectureReviewer, Some(d)) => vec![d.to_string()],
        (Role::RegionalReviewer, Some(r)) => {
            bilan_domain::geo::departments_of_region(r).map(|d| d.code.to_string()).collect()
        }
        _ => return Ok(String::new()),
    };
    let all = app
        .store
        .reports(&ReportFilter { departments: Some(departments.clone()), statuses: None, year: Some(year) })
        .await
        .map_err(|e| store_error(ctx, e))?;
    let mut h = format!("<h2 id=\"attendus\">Rapports {year} attendus</h2>");
    let mut missing = String::new();
    for d in &departments {
        let status = all.iter().find(|s| &s.department == d).map(|s| s.status);
        if matches!(status, Some(Status::Transmitted | Status::Approved)) {
            continue;
        }
        let what = match status {
            None => "aucun rapport créé".to_string(),
            Some(s) => format!("rapport au statut « {} »", crate::views::layout::status_label(s)),
        };
        missing.push_str(&format!(
            "<li data-departement=\"{}\">{} : {}</li>",
            esc(d),
            esc(&bilan_domain::geo::department_label(d)),
            esc(&what)
        ));
    }
    if missing.is_empty() {
        h.push_str("<p id=\"tous-transmis\">Tous les rapports attendus ont été transmis.</p>");
    } else {
        h.push_str(&format!("<p>Pas encore transmis :</p><ul id=\"liste-non-transmis\">{missing}</ul>"));
    }
    Ok(h)
}

// ----- review page -----

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    pub cible: Option<String>,
    pub enregistre: Option<String>,
}

/// Loads a report for the review pages: visible, and the user a State role.
async fn load_for_review(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = report::load(app, ctx, id).await?;
    // Review pages are the State's: reviewers decide, the national reader reads.
    if !ctx.user.role.is_state() {
        return Err(crate::http::session::refused(
            ctx,
            "La page de revue est réservée aux services de l’État.",
        ));
    }
    Ok(l)
}

/// The comment targets of a report, as (value of the form's `cible`, French label).
fn targets(report: &Report, diags: &[Diagnostic]) -> Vec<(String, String)> {
    let mut out = vec![("rapport".to_string(), "Le rapport dans son ensemble".to_string())];
    for (mi, _, ai, a) in report.actions() {
        out.push((format!("action:{}", a.number), format!("Action {} – {}", a.number, a.title)));
        for (k, e) in a.expenses.iter().enumerate() {
            out.push((
                format!("ligne:mesures[{mi}].actions[{ai}].depenses[{k}]"),
                format!("Action {} – ligne de l’annexe « {} »", a.number, e.label),
            ));
        }
        if let Some(ex) = &a.executed {
            for (k, line) in ex.lines.iter().enumerate() {
                out.push((
                    format!("ligne:mesures[{mi}].actions[{ai}].execution.lignes[{k}]"),
                    format!("Action {} – ligne du tableau 5.2 « {} »", a.number, line.label),
                ));
            }
        }
    }
    for d in diags {
        out.push((
            format!("diagnostic:{}:{}", d.code, d.path),
            format!("{} {} – {}", capitalize(d.severity.label()), d.code, d.message),
        ));
    }
    out
}

fn parse_target(value: &str) -> Option<CommentTarget> {
    if value == "rapport" {
        return Some(CommentTarget::Report);
    }
    if let Some(n) = value.strip_prefix("action:") {
        return Some(CommentTarget::Action { number: n.to_string() });
    }
    if let Some(p) = value.strip_prefix("ligne:") {
        return Some(CommentTarget::Line { path: p.to_string() });
    }
    let rest = value.strip_prefix("diagnostic:")?;
    let (code, path) = rest.split_once(':')?;
    Some(CommentTarget::Diagnostic { code: code.to_string(), path: path.to_string() })
}

pub fn target_value(t: &CommentTarget) -> String {
    match t {
        CommentTarget::Report => "rapport".to_string(),
        CommentTarget::Action { number } => format!("action:{number}"),
        CommentTarget::Line { path } => format!("ligne:{path}"),
        CommentTarget::Diagnostic { code, path } => format!("diagnostic:{code}:{path}"),
    }
}

/// "Action 1.2.1", "Diagnostic BUD001 (mesures[0]…)", with a link to the place.
pub fn target_html(id: i64, report: &Report, t: &CommentTarget) -> String {
    match t {
        CommentTarget::Report => "Rapport".to_string(),
        CommentTarget::Action { number } => match report.actions().find(|(_, _, _, a)| &a.number == number) {
            Some((mi, _, ai, _)) => format!(
                "<a href=\"{}\">Action {}</a>",
                esc(&link_for(id, report, &format!("mesures[{mi}].actions[{ai}]"))),
                esc(number)
            ),
            None => format!("Action {}", esc(number)),
        },
        CommentTarget::Line { path } => {
            format!("<a href=\"{}\">Ligne {}</a>", esc(&link_for(id, report, path)), esc(path))
        }
        CommentTarget::Diagnostic { code, path } => format!(
            "Diagnostic {} sur <a href=\"{}\">{}</a>",
            esc(code),
            esc(&link_for(id, report, path)),
            esc(path)
        ),
    }
}

/// The comments of a report, newest version first; shared by the review page and the
/// Département's overview.
pub async fn comments_block(app: &AppState, ctx: &Ctx, l: &Loaded) -> Result<String, Response> {
    let comments = app.store.comments(l.id()).await.map_err(|e| store_error(ctx, e))?;
    let mut h = format!("<h2 id=\"commentaires\">Commentaires de revue ({})</h2>", comments.len());
    if comments.is_empty() {
        h.push_str("<p id=\"aucun-commentaire\">Aucun commentaire.</p>");
        return Ok(h);
    }
    h.push_str("<ul class=\"fr-raw-list\" id=\"liste-commentaires\">");
    for c in comments.iter().rev() {
        h.push_str(&format!(
            "<li class=\"commentaire fr-mb-2w\" id=\"commentaire-{}\" data-cible=\"{}\" data-version=\"{}\"><p class=\"fr-mb-0\"><strong>{}</strong>, version {}, le {} – {}</p><blockquote class=\"fr-mt-1v\">{}</blockquote></li>",
            c.id,
            esc(&target_value(&c.target)),
            c.version,
            esc(&c.author_name),
            c.version,
            esc(&crate::time::french_datetime(&c.at)),
            target_html(l.id(), &l.report, &c.target),
            crate::views::layout::multiline(&c.text),
        ));
    }
    h.push_str("</ul>");
    Ok(h)
}

/// The State's comments about one action (the action itself, its lines, its diagnostics),
/// shown on the action's form so the Département corrects with the remark in view.
pub fn action_comments(comments: &[bilan_store::Comment], number: &str, base: &str) -> String {
    let prefix = format!("{base}.");
    let about: Vec<&bilan_store::Comment> = comments
        .iter()
        .filter(|c| match &c.target {
            CommentTarget::Action { number: n } => n == number,
            CommentTarget::Line { path } | CommentTarget::Diagnostic { path, .. } => {
                path == base || path.starts_with(&prefix)
            }
            CommentTarget::Report => false,
        })
        .collect();
    if about.is_empty() {
        return String::new();
    }
    let items: String = about
        .iter()
        .rev()
        .map(|c| {
            format!(
                "<li data-cible=\"{}\"><strong>{}</strong> (version {}, {}) : {}</li>",
                esc(&target_value(&c.target)),
                esc(&c.author_name),
                c.version,
                esc(&crate::time::french_datetime(&c.at)),
                esc(&c.text)
            )
        })
        .collect();
    alert(
        "info",
        "commentaires-action",
        "Remarques des services de l’État sur cette action",
        &format!("<ul id=\"liste-commentaires-action\">{items}</ul>"),
    )
}

pub async fn review_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
) -> Response {
    let l = match load_for_review(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let id = l.id();
    let s = &l.stored.summary;
    let diags = report::diagnostics(&app, &l.report).await;
    let js = match report::justifications(&app, id).await {
        Ok(j) => j,
        Err(e) => return store_error(&ctx, e),
    };
    let can_decide = access::can_review(&ctx.user).is_ok();
    let mut h = format!(
        "<h1 id=\"titre-revue\">Revue du rapport {} – {}</h1><div class=\"fr-mb-2w\">{} <span id=\"version\">version {}</span></div>\
         <p class=\"fr-text--lead\">{}</p>",
        s.year,
        esc(&bilan_domain::geo::department_label(&s.department)),
        status_badge(s.status),
        s.version,
        esc(&l.report.title),
    );
    if q.enregistre.is_some() {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>Votre commentaire a été enregistré.</p>",
        ));
    }
    if let Some(t) = &l.stored.transmitted_at {
        h.push_str(&format!("<p id=\"transmission\">Transmis le {}.", esc(&crate::time::french_datetime(t))));
        if let Some(d) = l.report.deadline {
            h.push_str(&format!(" Échéance d’adoption : {}.", esc(&d.to_french())));
        }
        h.push_str("</p>");
    }
    h.push_str(&format!(
        "<ul class=\"fr-btns-group fr-btns-group--inline-md fr-btns-group--sm\" id=\"outils-revue\">\
         <li><a class=\"fr-btn fr-btn--secondary\" href=\"/rapports/{id}\" id=\"lien-rapport\">Le rapport</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary\" href=\"/rapports/{id}/annexe\">Annexe financière</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary\" href=\"/rapports/{id}/credits\" id=\"lien-credits\">Crédits {}</a></li>\
         <li><a class=\"fr-btn fr-btn--tertiary\" href=\"/rapports/{id}/historique\">Historique</a></li>\
         <li><a class=\"fr-btn fr-btn--tertiary\" href=\"#decision\" id=\"lien-decision\">Aller à la décision</a></li></ul>",
        s.year + 1
    ));

    // Figures per action.
    h.push_str(&figures_table(&l));

    // Diagnostics and justifications.
    h.push_str(&diagnostics_block(&l, &diags, &js, can_decide));

    // Changes since the previous transmitted version.
    match previous_version_block(&app, &l).await {
        Ok(b) => h.push_str(&b),
        Err(e) => return store_error(&ctx, e),
    }
    // Comparison with last year and outliers.
    match year_block(&app, &l).await {
        Ok(b) => h.push_str(&b),
        Err(e) => return store_error(&ctx, e),
    }
    match outliers_block(&app, &l).await {
        Ok(b) => h.push_str(&b),
        Err(e) => return store_error(&ctx, e),
    }

    // Comments.
    match comments_block(&app, &ctx, &l).await {
        Ok(b) => h.push_str(&b),
        Err(r) => return r,
    }
    if can_decide && matches!(s.status, Status::Transmitted | Status::Approved) {
        let selected = q.cible.clone().unwrap_or_else(|| "rapport".to_string());
        let mut options = String::new();
        // A diagnostic repeated at one place is one target: offered once.
        let mut offered = std::collections::BTreeSet::new();
        for (value, label) in targets(&l.report, &diags) {
            if !offered.insert(value.clone()) {
                continue;
            }
            let short: String = label.chars().take(140).collect();
            options.push_str(&format!(
                "<option value=\"{}\"{}>{}</option>",
                esc(&value),
                if value == selected { " selected" } else { "" },
                esc(&short)
            ));
        }
        h.push_str(&format!(
            "<form method=\"post\" action=\"/rapports/{id}/commentaires\" id=\"form-commentaire\" class=\"fr-mt-2w\">{}\
             <fieldset class=\"fr-fieldset\"><legend class=\"fr-fieldset__legend\">Ajouter un commentaire</legend>\
             <div class=\"fr-fieldset__element\"><div class=\"fr-select-group\"><label class=\"fr-label\" for=\"cible\">Porte sur</label>\
             <select class=\"fr-select\" id=\"cible\" name=\"cible\">{options}</select></div></div>\
             <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"texte\">Commentaire<span class=\"fr-hint-text\">4 000 caractères au plus. Il sera visible du Département.</span></label>\
             <textarea class=\"fr-input\" id=\"texte\" name=\"texte\" rows=\"4\" required maxlength=\"4000\"></textarea></div></div></fieldset>\
             <button class=\"fr-btn fr-btn--secondary\" type=\"submit\" id=\"bouton-commenter\">Enregistrer le commentaire</button></form>",
            csrf_field(&ctx.csrf)
        ));
    }
    // The decision comes last: the reviewer reads, comments, then decides.
    h.push_str(&decision_panel(&ctx, &l, can_decide));
    let crumbs = vec![
        ("File de revue".to_string(), Some("/revue".to_string())),
        (l.label(), Some(format!("/rapports/{id}"))),
        ("Revue".to_string(), None),
    ];
    Page::new(format!("Revue – {}", l.label()), Some(&ctx), h).crumbs(crumbs).into_response()
}

fn decision_panel(ctx: &Ctx, l: &Loaded, can_decide: bool) -> String {
    let id = l.id();
    let csrf = csrf_field(&ctx.csrf);
    let mut h = String::from("<section id=\"decision\" class=\"fr-mb-4w\"><h2>Décision</h2>");
    match (l.stored.summary.status, can_decide) {
        (Status::Transmitted, true) => h.push_str(&format!(
            "<p>Renvoyez le rapport pour correction avec un motif (vos commentaires lui sont joints), ou approuvez-le.</p>\
             <form method=\"post\" action=\"/rapports/{id}/renvoyer\" id=\"form-renvoyer\">{csrf}\
             <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"motif\">Motif du renvoi pour correction</label>\
             <textarea class=\"fr-input\" id=\"motif\" name=\"motif\" rows=\"3\" required maxlength=\"3900\"></textarea></div>\
             <button class=\"fr-btn fr-btn--secondary\" type=\"submit\" id=\"bouton-renvoyer\">Renvoyer pour correction</button></form>\
             <form method=\"post\" action=\"/rapports/{id}/approuver\" id=\"form-approuver\" class=\"fr-mt-3w\">{csrf}\
             <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"observation\">Observation (facultative)</label>\
             <textarea class=\"fr-input\" id=\"observation\" name=\"observation\" rows=\"2\" maxlength=\"4000\"></textarea></div>\
             <button class=\"fr-btn\" type=\"submit\" id=\"bouton-approuver\">Approuver le rapport</button></form>"
        )),
        (Status::Approved, true) => h.push_str(&format!(
            "<p id=\"rapport-approuve\">Le rapport est approuvé. Vous pouvez le rouvrir pour un nouvel examen : le motif est enregistré au journal.</p>\
             <form method=\"post\" action=\"/rapports/{id}/rouvrir\" id=\"form-rouvrir\">{csrf}\
             <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"motif-reouverture\">Motif de la réouverture</label>\
             <textarea class=\"fr-input\" id=\"motif-reouverture\" name=\"motif\" rows=\"2\" required maxlength=\"4000\"></textarea></div>\
             <button class=\"fr-btn fr-btn--secondary\" type=\"submit\" id=\"bouton-rouvrir\">Rouvrir le rapport</button></form>"
        )),
        (status, _) => h.push_str(&format!(
            "<p id=\"decision-lecture\">Statut : {}. Aucune décision ne vous revient sur ce rapport.</p>",
            esc(crate::views::layout::status_label(status))
        )),
    }
    h.push_str("</section>");
    h
}

fn figures_table(l: &Loaded) -> String {
    let r = &l.report;
    let mut rows = String::new();
    let mut total = bilan_consolidate::Figures::default();
    for (mi, _, ai, a) in r.actions() {
        let f = bilan_consolidate::ActionFigures::of(r, mi, ai, a);
        total.add_action(&f);
        let v = |x: &Option<bilan_consolidate::figures::ActionFigure>| x.as_ref().map(|x| x.value);
        let rate = match (v(&f.planned), v(&f.spent)) {
            (Some(p), Some(s)) => Rate::of_money(s, p),
            _ => None,
        };
        rows.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"{}\">{}</a> {}</th><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td></tr>",
            esc(&link_for(l.id(), r, &format!("mesures[{mi}].actions[{ai}]"))),
            esc(&a.number),
            esc(&a.title),
            money_cell(v(&f.state_share)),
            money_cell(v(&f.planned)),
            money_cell(v(&f.committed)),
            money_cell(v(&f.spent)),
            money_cell(v(&f.carry_over)),
            rate_cell(rate),
        ));
    }
    format!(
        "<h2 id=\"chiffres\">Chiffres par action</h2><div class=\"fr-table\"><table id=\"table-chiffres\"><caption>Chiffres retenus par action (prévu : annexe, consommé : section 5.2)</caption>\
         <thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Part État</th><th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th><th scope=\"col\">Consommé</th><th scope=\"col\">Report</th><th scope=\"col\">Taux d’exécution</th></tr></thead>\
         <tbody>{rows}</tbody><tfoot><tr><th scope=\"row\">Total</th><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td></tr></tfoot></table></div>",
        money_cell(total.state_share.is_stated().then_some(total.state_share.value)),
        money_cell(total.planned.is_stated().then_some(total.planned.value)),
        money_cell(total.committed.is_stated().then_some(total.committed.value)),
        money_cell(total.spent.is_stated().then_some(total.spent.value)),
        money_cell(total.carry_over.is_stated().then_some(total.carry_over.value)),
        esc(&total.execution_rate_french()),
    )
}

fn diagnostics_block(
    l: &Loaded,
    diags: &[Diagnostic],
    js: &[bilan_store::Justification],
    can_comment: bool,
) -> String {
    let (errors, warnings, infos) = bilan_check::counts(diags);
    let just: BTreeMap<(String, String), &str> =
        js.iter().map(|j| ((j.code.clone(), j.path.clone()), j.text.as_str())).collect();
    let mut h = format!(
        "<h2 id=\"diagnostics\">Diagnostics et justifications</h2><p id=\"resume-diagnostics\">{errors} erreur(s), {warnings} avertissement(s), {infos} information(s).</p>"
    );
    if diags.is_empty() {
        h.push_str("<p>Aucun diagnostic.</p>");
        return h;
    }
    h.push_str("<ul class=\"fr-raw-list\" id=\"liste-diagnostics\">");
    for d in diags.iter().filter(|d| d.severity != Severity::Info) {
        let justification = just.get(&(d.code.to_string(), d.path.clone()));
        let comment_link = if can_comment {
            format!(
                " <a class=\"fr-link fr-link--sm\" href=\"/rapports/{}/revue?cible={}#form-commentaire\">Commenter</a>",
                l.id(),
                crate::views::layout::seg(&format!("diagnostic:{}:{}", d.code, d.path))
            )
        } else {
            String::new()
        };
        h.push_str(&format!(
            "<li class=\"fr-mb-2w\" data-code=\"{code}\" data-chemin=\"{path}\"><strong>{sev} {code}</strong> : {msg} \
             <a class=\"fr-link fr-link--sm\" href=\"{link}\">Voir le champ</a>{comment_link}{just}</li>",
            sev = esc(&capitalize(d.severity.label())),
            code = esc(d.code),
            msg = esc(&d.message),
            path = esc(&d.path),
            link = esc(&link_for(l.id(), &l.report, &d.path)),
            just = match justification {
                Some(t) => format!("<p class=\"fr-mb-0 justification\"><em>Justification du Département :</em> {}</p>", esc(t)),
                None if d.severity == Severity::Warning => "<p class=\"fr-mb-0\"><em>Sans justification.</em></p>".to_string(),
                None => String::new(),
            },
        ));
    }
    h.push_str("</ul>");
    if infos > 0 {
        h.push_str(&format!(
            "<p>{infos} information(s) sans action requise : voir les <a href=\"/rapports/{}/diagnostics\">diagnostics</a>.</p>",
            l.id()
        ));
    }
    h
}

async fn previous_version_block(app: &AppState, l: &Loaded) -> Result<String, bilan_store::StoreError> {
    let v = l.stored.summary.version;
    let mut h = String::from("<h2 id=\"modifications\">Modifications depuis la version précédente</h2>");
    if v <= 1 {
        h.push_str("<p id=\"premiere-version\">Première version transmise : pas de version précédente.</p>");
        return Ok(h);
    }
    let Some(text) = app.store.frozen_text(l.id(), v - 1).await? else {
        h.push_str("<p>La version précédente n’est pas disponible.</p>");
        return Ok(h);
    };
    let Some(old) = report::parse_text(&text) else {
        h.push_str("<p>La version précédente est illisible.</p>");
        return Ok(h);
    };
    let changes = version_changes(&old, &l.report);
    if changes.is_empty() {
        h.push_str(&format!(
            "<p id=\"aucune-modification\">Aucune modification depuis la version {}.</p>",
            v - 1
        ));
        return Ok(h);
    }
    h.push_str(&format!(
        "<div class=\"fr-table\"><table id=\"table-modifications\"><caption>{} modification(s) entre la version {} et la version {v}</caption>\
         <thead><tr><th scope=\"col\">Élément</th><th scope=\"col\">Version {}</th><th scope=\"col\">Version {v}</th></tr></thead><tbody>",
        changes.len(),
        v - 1,
        v - 1
    ));
    for c in &changes {
        h.push_str(&format!(
            "<tr data-chemin=\"{}\"><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td></tr>",
            esc(&c.path),
            esc(&link_for(l.id(), &l.report, &c.path)),
            esc(&c.place),
            esc(&c.before),
            esc(&c.after)
        ));
    }
    h.push_str("</tbody></table></div>");
    Ok(h)
}

/// Last year's report of the same Département and programme, if stored and transmitted
/// or approved (the State never reads drafts).
async fn previous_year(app: &AppState, l: &Loaded) -> Result<Option<Report>, bilan_store::StoreError> {
    let s = &l.stored.summary;
    let rows = app
        .store
        .reports_with_text(&ReportFilter {
            departments: Some(vec![s.department.clone()]),
            statuses: Some(vec![Status::Transmitted, Status::Approved]),
            year: Some(s.year - 1),
        })
        .await?;
    Ok(rows.into_iter().find(|(p, _)| p.programme == s.programme).and_then(|(_, t)| report::parse_text(&t)))
}

async fn year_block(app: &AppState, l: &Loaded) -> Result<String, bilan_store::StoreError> {
    let year = l.stored.summary.year;
    let mut h = format!("<h2 id=\"comparaison\">Comparaison avec {}</h2>", year - 1);
    let Some(prev) = previous_year(app, l).await? else {
        h.push_str(&format!(
            "<p id=\"pas-de-precedent\">Aucun rapport {} transmis pour ce Département et ce programme.</p>",
            year - 1
        ));
        return Ok(h);
    };
    let cmp = year_comparison(&prev, &l.report);
    h.push_str(&format!(
        "<div class=\"fr-table\"><table id=\"table-comparaison\"><caption>Chiffres par action, {p} et {year}</caption>\
         <thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Prévu {p}</th><th scope=\"col\">Prévu {year}</th><th scope=\"col\">Consommé {p}</th><th scope=\"col\">Consommé {year}</th><th scope=\"col\">Taux {p}</th><th scope=\"col\">Taux {year}</th></tr></thead><tbody>",
        p = year - 1
    ));
    for r in &cmp.actions {
        let name = match &r.path {
            Some(path) => format!(
                "<a href=\"{}\">{}</a> {}",
                esc(&link_for(l.id(), &l.report, path)),
                esc(&r.number),
                esc(&r.title)
            ),
            None => format!("{} {} <em>(seulement en {})</em>", esc(&r.number), esc(&r.title), year - 1),
        };
        h.push_str(&format!(
            "<tr><th scope=\"row\">{name}</th><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td></tr>",
            money_cell(r.planned.0),
            money_cell(r.planned.1),
            money_cell(r.spent.0),
            money_cell(r.spent.1),
            rate_cell(r.rate.0),
            rate_cell(r.rate.1),
        ));
    }
    h.push_str("</tbody></table></div>");
    if !cmp.indicators.is_empty() {
        h.push_str(&format!(
            "<div class=\"fr-table\"><table id=\"table-indicateurs-comparaison\"><caption>Indicateurs, {p} et {year}</caption>\
             <thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Indicateur</th><th scope=\"col\">Résultat {p}</th><th scope=\"col\">Résultat {year}</th><th scope=\"col\">Évolution</th></tr></thead><tbody>",
            p = year - 1
        ));
        for i in &cmp.indicators {
            h.push_str(&format!(
                "<tr><td>{}</td><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.action),
                esc(&link_for(l.id(), &l.report, &i.path)),
                esc(&i.name),
                esc(&i.previous),
                esc(&i.current),
                i.change_percent.map_or_else(|| "—".to_string(), |p| match p - 100 {
                    d if d > 0 => format!("+{d}\u{a0}%"),
                    d if d < 0 => format!("−{}\u{a0}%", -d),
                    _ => "0\u{a0}%".to_string(),
                }),
            ));
        }
        h.push_str("</tbody></table></div>");
    }
    Ok(h)
}

/// The outliers of every transmitted or approved report of a programme year, nationally.
async fn national_outliers(
    app: &AppState,
    programme: &str,
    year: i32,
) -> Result<Vec<Outlier>, bilan_store::StoreError> {
    let national = crate::service::consolidation::load(
        app,
        &crate::policy::perimeter::Perimeter::National,
        programme,
        year,
    )
    .await?;
    let pairs: Vec<(bilan_consolidate::ReportState, &Report)> = national
        .counted
        .iter()
        .map(|(x, r)| (crate::service::consolidation::state_of(x.status), r))
        .collect();
    Ok(across_departments(&bilan_consolidate::Scope::national(programme, year), &pairs))
}

/// Figures of this report far from the other Départements' of the same programme and
/// year (all transmitted or approved reports nationally: the reviewer sees only the flags
/// about this report and the fences, never another Département's figures), and indicator
/// jumps from last year.
async fn outliers_block(app: &AppState, l: &Loaded) -> Result<String, bilan_store::StoreError> {
    let s = &l.stored.summary;
    let mut found: Vec<Outlier> = national_outliers(app, &s.programme, s.year)
        .await?
        .into_iter()
        .filter(|o| o.department == l.report.department)
        .collect();
    if let Some(prev) = previous_year(app, l).await? {
        found.extend(year_over_year(&l.report, &prev).unwrap_or_default());
    }
    let mut h = String::from("<h2 id=\"valeurs-atypiques\">Valeurs atypiques</h2>");
    if found.is_empty() {
        h.push_str("<p id=\"aucune-valeur-atypique\">Aucune valeur atypique par rapport aux autres Départements ni à l’année précédente.</p>");
        return Ok(h);
    }
    h.push_str("<ul id=\"liste-valeurs-atypiques\">");
    for o in &found {
        let link = o.sources.first().map(|p| link_for(l.id(), &l.report, &p.path));
        h.push_str(&format!(
            "<li data-type=\"{}\">{}{}</li>",
            match o.kind {
                bilan_consolidate::OutlierKind::CostPerPerson => "cout-par-personne",
                bilan_consolidate::OutlierKind::ExecutionRate => "taux-execution",
                bilan_consolidate::OutlierKind::IndicatorJump => "saut-indicateur",
            },
            esc(&o.message),
            link.map(|u| format!(" <a class=\"fr-link fr-link--sm\" href=\"{}\">Voir</a>", esc(&u)))
                .unwrap_or_default()
        ));
    }
    h.push_str("</ul>");
    Ok(h)
}

// ----- comment and reopen -----

pub async fn add_comment(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let l = match load_for_review(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_review(&ctx.user) {
        return crate::http::session::refused(&ctx, m);
    }
    let text = fields.text("texte").trim().to_string();
    let target = parse_target(&fields.text("cible"));
    // Actions and lines must exist; a diagnostic is checked against the current ones below.
    let valid_target = target.as_ref().is_some_and(|t| {
        matches!(t, CommentTarget::Diagnostic { .. })
            || targets(&l.report, &[]).iter().any(|(v, _)| *v == target_value(t))
    });
    if text.is_empty() || text.chars().count() > 4000 || !valid_target {
        return error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Commentaire non enregistré",
            &format!(
                "<p id=\"erreur-commentaire\">{}</p><p><a href=\"/rapports/{}/revue\">Retour à la revue</a></p>",
                if valid_target {
                    "Le commentaire est vide ou dépasse 4 000 caractères. Rien n’a été enregistré."
                } else {
                    "L’élément commenté n’existe pas dans ce rapport. Rien n’a été enregistré."
                },
                l.id()
            ),
        );
    }
    let Some(target) = target else { return not_found(Some(&ctx)) };
    if let CommentTarget::Diagnostic { code, path } = &target {
        let diags = report::diagnostics(&app, &l.report).await;
        if !diags.iter().any(|d| d.code == code && &d.path == path) {
            return error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&ctx),
                "Commentaire non enregistré",
                "<p id=\"erreur-commentaire\">Ce diagnostic n’existe plus sur ce rapport. Rien n’a été enregistré.</p>",
            );
        }
    }
    match app.store.add_comment(ctx.user.id, l.id(), l.stored.summary.version, &target, &text).await {
        Ok(_) => {
            Redirect::to(&format!("/rapports/{}/revue?enregistre=1#commentaires", l.id())).into_response()
        }
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn reopen(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let l = match load_for_review(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_review(&ctx.user) {
        return crate::http::session::refused(&ctx, m);
    }
    if l.stored.summary.status != Status::Approved {
        return error_page(
            StatusCode::CONFLICT,
            Some(&ctx),
            "Opération impossible",
            "<p>Seul un rapport approuvé peut être rouvert.</p>",
        );
    }
    let reason = fields.text("motif").trim().to_string();
    if reason.is_empty() || reason.chars().count() > 4000 {
        return error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Motif requis",
            &format!(
                "<p id=\"erreur-motif\">Indiquez le motif de la réouverture (4 000 caractères au plus). Rien n’a été modifié.</p>\
                 <p><a href=\"/rapports/{}/revue\">Retour à la revue</a></p>",
                l.id()
            ),
        );
    }
    match app
        .store
        .set_status(
            ctx.user.id,
            l.id(),
            Status::Approved,
            Status::Transmitted,
            &format!("réouverture : {reason}"),
            None,
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/rapports/{}/revue", l.id())).into_response(),
        Err(e) => store_error(&ctx, e),
    }
}
