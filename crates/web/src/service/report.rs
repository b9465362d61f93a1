//! Loading a report for a user (404 outside its scope) and running the checks.

use std::collections::BTreeSet;
use std::sync::Arc;

use bilan_check::Diagnostic;
use bilan_domain::Report;
use bilan_store::{Id, Justification, ReportFilter, ReportSummary, Status, StoreError, StoredReport};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::cache::{Cached, PreviousKey};
use crate::AppState;

/// A report as one request sees it: shared with the server's cache
/// ([`crate::service::cache`]), read at `stored.summary.revision`.
pub struct Loaded {
    pub stored: Arc<StoredReport>,
    pub report: Arc<Report>,
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

/// An id from the URL (a report's, a campaign's: a positive integer); anything else is a page that does not
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
    let c = fetch(app, id).await?.ok_or(AppError::NotFound)?;
    if !crate::policy::access::can_see(&ctx.user, &c.stored.summary) {
        return Err(AppError::NotFound);
    }
    Ok(Loaded { stored: c.stored, report: c.report })
}

/// The report `id` as stored now, parsed: its revision is read from the database (one
/// primary-key lookup), then the row and its parsed report come from the server's cache
/// when it holds that revision, else from the database (and go into the cache). `None`:
/// no such report. A stored text that does not parse is an internal error (the app wrote it).
pub async fn fetch(app: &AppState, id: Id) -> Result<Option<Cached>, AppError> {
    let Some(revision) = app.store.report_revision(id).await? else { return Ok(None) };
    at_revision(app, id, revision).await
}

/// The report `id` at `revision` (read from the database just before): from the cache
/// when it holds that revision, else read, parsed and cached (under the revision read with
/// the row, which a write in between may have moved on).
async fn at_revision(app: &AppState, id: Id, revision: i64) -> Result<Option<Cached>, AppError> {
    if let Some(c) = app.reports.report(id, revision) {
        return Ok(Some(c));
    }
    let Some(stored) = app.store.report(id).await? else { return Ok(None) };
    match parse_text(&stored.text) {
        Some(report) => Ok(Some(app.reports.insert(stored, report))),
        None => Err(AppError::internal(format!("rapport {id} illisible"))),
    }
}

/// The report of `current` (a row read inside a write transaction, about to be changed),
/// parsed: a copy of the cached one when the cache holds that revision.
pub fn parse_current(app: &AppState, current: &StoredReport) -> Option<Report> {
    match app.reports.report(current.summary.id, current.summary.revision) {
        Some(c) => Some(Report::clone(&c.report)),
        None => parse_text(&current.text),
    }
}

/// Last year's report of the same collectivité and programme, when it is transmitted or
/// approved (the State never reads drafts). The collectivité is the store's key
/// (`summary.department`), not the file's Département: the Métropole de Lyon's previous
/// report is its own, never the Rhône's, though both cover 69 (the store's filter matches
/// territories too, so the key is compared exactly).
pub async fn previous_year(app: &AppState, s: &ReportSummary) -> Option<Arc<Report>> {
    previous_year_keyed(app, s).await.1
}

/// [`previous_year`] with its (id, revision), the key of the diagnostics computed against it.
async fn previous_year_keyed(app: &AppState, s: &ReportSummary) -> (PreviousKey, Option<Arc<Report>>) {
    let filter = ReportFilter {
        departments: Some(vec![s.department.clone()]),
        statuses: Some(vec![Status::Transmitted, Status::Approved]),
        year: Some(s.year - 1),
    };
    let found = app
        .store
        .reports(&filter)
        .await
        .ok()
        .and_then(|l| l.into_iter().find(|p| p.department == s.department && p.programme == s.programme));
    let Some(s) = found else { return (None, None) };
    // An unreadable row counts as no report: the checks then run without a comparison.
    match at_revision(app, s.id, s.revision).await.ok().flatten() {
        Some(c) => (Some((c.stored.summary.id, c.stored.summary.revision)), Some(c.report)),
        None => (None, None),
    }
}

/// The checks of a report, with last year's report of the same collectivité when it counts
/// (see [`previous_year`]) and the reference data in force; computed once per (revision,
/// last year's revision, reference data) and kept in the server's cache.
pub async fn diagnostics(app: &AppState, l: &Loaded) -> Arc<Vec<Diagnostic>> {
    let (previous_key, previous) = previous_year_keyed(app, &l.stored.summary).await;
    let reference = super::referentiel::current(app);
    let (id, revision) = (l.id(), l.stored.summary.revision);
    if let Some(list) = app.reports.diagnostics(id, revision, previous_key, &reference) {
        return list;
    }
    let list = Arc::new(bilan_check::check_with(
        &l.report,
        super::referentiel::check_context(&reference, &l.report, previous.as_deref()),
    ));
    app.reports.set_diagnostics(id, revision, previous_key, &reference, &list);
    list
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
