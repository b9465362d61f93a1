//! Loading a report for a user (404 outside its scope) and running the checks.

use std::collections::BTreeSet;

use bilan_check::Diagnostic;
use bilan_domain::Report;
use bilan_store::{Justification, ReportFilter, ReportSummary, Status, StoreError, StoredReport};

use crate::error::AppError;
use crate::policy::Ctx;
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
            bilan_domain::collectivite::label(&self.stored.summary.department),
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

/// A report id from the URL (a positive integer); anything else is a page that does not
/// exist (404).
pub fn parse_id(text: &str) -> Result<i64, AppError> {
    text.parse().ok().filter(|n: &i64| *n > 0).ok_or(AppError::NotFound)
}

/// The report named by a URL segment (its id as text) if the user may see it; 404 otherwise.
pub async fn load_from_url(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, AppError> {
    load(app, ctx, parse_id(id)?).await
}

/// The report `id` if the user may see it; 404 otherwise (absent and out of territory are
/// the same answer).
pub async fn load(app: &AppState, ctx: &Ctx, id: i64) -> Result<Loaded, AppError> {
    let stored = app.store.report(id).await?.ok_or(AppError::NotFound)?;
    if !crate::policy::access::can_see(&ctx.user, &stored.summary) {
        return Err(AppError::NotFound);
    }
    match parse_text(&stored.text) {
        Some(report) => Ok(Loaded { stored, report }),
        None => Err(AppError::internal(format!("rapport {id} illisible"))),
    }
}

/// Last year's report of the same collectivité and programme, when it is transmitted or
/// approved (the State never reads drafts). The collectivité is the store's key
/// (`summary.department`), not the file's Département: the Métropole de Lyon's previous
/// report is its own, never the Rhône's, though both cover 69 (the store's filter matches
/// territories too, so the key is compared exactly).
pub async fn previous_year(app: &AppState, s: &ReportSummary) -> Result<Option<Report>, StoreError> {
    let filter = ReportFilter {
        departments: Some(vec![s.department.clone()]),
        statuses: Some(vec![Status::Transmitted, Status::Approved]),
        year: Some(s.year - 1),
    };
    let rows = app.store.reports_with_text(&filter).await?;
    Ok(rows
        .into_iter()
        .find(|(p, _)| p.department == s.department && p.programme == s.programme)
        .and_then(|(_, t)| parse_text(&t)))
}

/// The checks of a loaded report, with last year's report of the same collectivité when it
/// counts (see [`previous_year`]).
pub async fn diagnostics(app: &AppState, l: &Loaded) -> Vec<Diagnostic> {
    let previous = previous_year(app, &l.stored.summary).await.ok().flatten();
    bilan_check::check_with(
        &l.report,
        super::referentiel::check_context(&super::referentiel::current(app), &l.report, previous.as_ref()),
    )
}

pub async fn justifications(app: &AppState, id: i64) -> Result<Vec<Justification>, StoreError> {
    app.store.justifications(id).await
}

/// (code, path) of every justified warning (the rule: [`bilan_check::justified_keys`]).
pub fn justified_keys(js: &[Justification]) -> BTreeSet<(String, String)> {
    bilan_check::justified_keys(js.iter().map(|j| (j.code.as_str(), j.path.as_str(), j.text.as_str())))
}

/// What blocks transmission: errors, and warnings without a justification (the rule:
/// [`bilan_check::blocking`]).
pub fn blocking<'a>(diags: &'a [Diagnostic], justified: &BTreeSet<(String, String)>) -> Vec<&'a Diagnostic> {
    bilan_check::blocking(diags, justified)
}
