//! Loading a report for a user (404 outside its scope), running the checks, mapping store
//! errors to French pages, and the conflict page of a stale form.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Report;
use bilan_store::{Justification, ReportFilter, Status, StoreError, StoredReport};

use crate::auth::Ctx;
use crate::forms::{Spec, Values};
use crate::html::{error_page, esc, hidden, internal_error, not_found, Page};
use crate::AppState;

pub struct Loaded {
    pub stored: StoredReport,
    pub report: Report,
}

impl Loaded {
    pub fn id(&self) -> i64 {
        self.stored.summary.id
    }
    /// "Allier (03) – 2019".
    pub fn label(&self) -> String {
        format!(
            "{} – {}",
            bilan_domain::geo::department_label(&self.stored.summary.department),
            self.stored.summary.year
        )
    }
    pub fn crumbs(&self) -> Vec<(String, Option<String>)> {
        vec![
            ("Mes rapports".to_string(), Some("/rapports".to_string())),
            (self.label(), Some(format!("/rapports/{}", self.id()))),
        ]
    }
    pub fn action_revision(&self, number: &str) -> i64 {
        self.stored.action_revisions.get(number).copied().unwrap_or(0)
    }
}

/// Parses a stored text; `None` when it cannot be read (never expected: the app writes it).
pub fn parse_text(text: &str) -> Option<Report> {
    bilan_source::parse_str(text).ok().map(|p| p.report)
}

/// The report `id` if the user may see it; otherwise the response to send (404).
pub async fn load(app: &AppState, ctx: &Ctx, id: i64) -> Result<Loaded, Response> {
    let stored = match app.store.report(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(not_found(Some(ctx))),
        Err(e) => return Err(internal_error(Some(ctx), &e)),
    };
    if !crate::access::can_see(&ctx.user, &stored.summary) {
        return Err(not_found(Some(ctx)));
    }
    match parse_text(&stored.text) {
        Some(report) => Ok(Loaded { stored, report }),
        None => Err(internal_error(Some(ctx), &format!("rapport {id} illisible"))),
    }
}

/// Last year's report of the same Département, as the checks compare with it: only once
/// it is transmitted or approved (a draft is the Département's own business, and would
/// leak into the messages a reviewer reads).
pub async fn previous_year(app: &AppState, report: &Report) -> Option<Report> {
    let filter = ReportFilter {
        departments: Some(vec![report.department.as_str().to_string()]),
        statuses: Some(vec![Status::Transmitted, Status::Approved]),
        year: Some(report.year - 1),
    };
    let list = app.store.reports(&filter).await.ok()?;
    let s = list.first()?;
    app.store.report(s.id).await.ok().flatten().and_then(|r| parse_text(&r.text))
}

/// The checks of a report, with last year's report of the same Département when it counts
/// (see [`previous_year`]).
pub async fn diagnostics(app: &AppState, report: &Report) -> Vec<Diagnostic> {
    let previous = previous_year(app, report).await;
    bilan_check::check_with(report, bilan_check::Context { previous: previous.as_ref() })
}

pub async fn justifications(app: &AppState, id: i64) -> Result<Vec<Justification>, StoreError> {
    app.store.justifications(id).await
}

/// (code, path) of every justified warning.
pub fn justified_keys(js: &[Justification]) -> BTreeSet<(String, String)> {
    js.iter().filter(|j| !j.text.trim().is_empty()).map(|j| (j.code.clone(), j.path.clone())).collect()
}

/// What blocks transmission: errors, and warnings without a justification.
pub fn blocking<'a>(diags: &'a [Diagnostic], justified: &BTreeSet<(String, String)>) -> Vec<&'a Diagnostic> {
    diags
        .iter()
        .filter(|d| match d.severity {
            Severity::Error => true,
            Severity::Warning => !justified.contains(&(d.code.to_string(), d.path.clone())),
            Severity::Info => false,
        })
        .collect()
}

/// A store error as a French page.
pub fn store_error(ctx: &Ctx, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => not_found(Some(ctx)),
        StoreError::BadTransition { from } => error_page(
            StatusCode::CONFLICT,
            Some(ctx),
            "Statut du rapport modifié",
            &format!(
                "<p>Le rapport est désormais au statut « {} » : l’opération n’est plus possible et rien n’a été modifié.</p>",
                crate::html::status_label(from)
            ),
        ),
        StoreError::Rejected(message) => error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(ctx),
            "Modification refusée",
            &format!("<p>{} Rien n’a été modifié.</p>", esc(&message)),
        ),
        StoreError::Duplicate => error_page(
            StatusCode::CONFLICT,
            Some(ctx),
            "Déjà existant",
            "<p>Un élément portant cet identifiant existe déjà ; rien n’a été modifié.</p>",
        ),
        other => internal_error(Some(ctx), &other),
    }
}

/// The page of a stale form: the user's values beside the current ones, nothing written.
/// `current` is `None` when the item no longer exists. The form at the bottom lets the
/// user deliberately save their values over the current version.
pub struct Conflict<'a> {
    pub loaded: &'a Loaded,
    pub title: String,
    pub specs: Vec<&'a Spec>,
    pub submitted: Values,
    pub current: Option<Values>,
    pub current_revision: i64,
    /// URL of the form (for reloading and re-posting).
    pub form_url: String,
}

pub fn conflict_page(ctx: &Ctx, c: Conflict<'_>) -> Response {
    let mut rows = String::new();
    for spec in &c.specs {
        let mine = c.submitted.get(spec.name).cloned().unwrap_or_default();
        let theirs = c.current.as_ref().and_then(|v| v.get(spec.name).cloned()).unwrap_or_default();
        let differs = mine.trim() != theirs.trim();
        rows.push_str(&format!(
            "<tr{} data-champ=\"{}\"><th scope=\"row\">{}</th><td class=\"texte-rapport conflit-mien\">{}</td><td class=\"texte-rapport conflit-actuel\">{}</td></tr>",
            if differs { " class=\"conflit-diff\"" } else { "" },
            esc(spec.name),
            esc(spec.label),
            esc(&mine),
            esc(&theirs),
        ));
    }
    let current_note = if c.current.is_none() {
        "<p><strong>Cet élément n’existe plus dans la version actuelle</strong> (il a été supprimé par un autre agent).</p>"
    } else {
        ""
    };
    let mut replay = String::new();
    if c.current.is_some() {
        for spec in &c.specs {
            replay.push_str(&hidden(spec.name, c.submitted.get(spec.name).map(String::as_str).unwrap_or("")));
        }
        replay = format!(
            "<form method=\"post\" action=\"{}\" id=\"form-conflit-remplacer\" class=\"fr-mt-2w\">{}{}{replay}\
             <button class=\"fr-btn fr-btn--secondary\" type=\"submit\" id=\"bouton-conflit-remplacer\">Remplacer la version actuelle par ma saisie</button></form>",
            esc(&c.form_url),
            crate::html::csrf_field(&ctx.csrf),
            hidden("revision", &c.current_revision.to_string())
        );
    }
    let body = format!(
        "<h1 id=\"titre-conflit\">Modification concurrente : rien n’a été enregistré</h1>\
         <div class=\"fr-alert fr-alert--warning fr-mb-3w\" role=\"alert\"><h2 class=\"fr-alert__title\">{}</h2>\
         <p>Un autre agent a enregistré cet élément depuis que vous avez ouvert le formulaire. \
         Votre saisie n’a pas été enregistrée et la version actuelle n’a pas été modifiée. \
         Comparez les deux versions ci-dessous (les lignes différentes sont surlignées).</p>{current_note}</div>\
         <div class=\"fr-table\"><table id=\"table-conflit\"><caption>Votre saisie et la version actuelle</caption>\
         <thead><tr><th scope=\"col\">Champ</th><th scope=\"col\">Votre saisie (non enregistrée)</th><th scope=\"col\">Version actuelle</th></tr></thead>\
         <tbody>{rows}</tbody></table></div>\
         <ul class=\"fr-btns-group fr-btns-group--inline\"><li><a class=\"fr-btn\" id=\"lien-conflit-recharger\" href=\"{}\">Reprendre la saisie sur la version actuelle</a></li></ul>{replay}",
        esc(&c.title),
        esc(&c.form_url),
    );
    Page::new("Modification concurrente", Some(ctx), body)
        .crumbs(c.loaded.crumbs())
        .status(StatusCode::CONFLICT)
        .into_response()
}
