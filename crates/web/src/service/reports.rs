//! The report pages' data: the list of a user's reports, the overview (totals, completion
//! and open points per action, frozen versions), saving the general information, and the
//! history.

use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Money, Report};
use bilan_store::{AuditEntry, Edit, EditScope, ReportSummary, StoreError, User};

use crate::error::AppError;
use crate::policy::{access, Ctx};
use crate::service::diagnostics::{self, Checked};
use crate::service::forms::Patch;
use crate::service::report::{self, Loaded};
use crate::service::values;
use crate::AppState;

/// The reports the user may see, as the store lists them.
pub async fn list(app: &AppState, user: &User) -> Result<Vec<ReportSummary>, AppError> {
    let list = app.store.reports(&access::filter_for(user)).await?;
    Ok(list.into_iter().filter(|s| access::can_see(user, s)).collect())
}

/// The totals of the annex, computed from its lines, and of the actions' forecasts.
pub struct Totals {
    pub planned: Money,
    pub spent: Money,
    pub carry_over: Money,
    pub state_revenue: Option<Money>,
    pub forecast: Money,
}

pub struct MeasureRow {
    /// Its field path, `mesures[0]`.
    pub path: String,
    pub number: String,
    pub title: String,
    pub actions: Vec<ActionRow>,
}

pub struct ActionRow {
    pub number: String,
    pub title: String,
    /// Sections filled in, out of `sections`.
    pub filled: usize,
    pub sections: usize,
    pub forecast: Option<Money>,
    /// Σ of the action's expense lines (the annex).
    pub spent: Money,
    /// Diagnostics that block transmission inside the action.
    pub open: usize,
}

pub struct FrozenVersion {
    pub version: i32,
    /// RFC 3339.
    pub at: String,
    /// The SHA-256 stored when the version was frozen (`bilan audit verify` checks it).
    pub sha256: Option<String>,
}

pub struct Overview {
    pub checked: Checked,
    /// The State left comments on the report.
    pub has_comments: bool,
    pub totals: Totals,
    pub measures: Vec<MeasureRow>,
    pub versions: Vec<FrozenVersion>,
    /// The deliberation recorded at adoption: (number, French date).
    pub deliberation: Option<(String, String)>,
}

pub async fn overview(app: &AppState, l: &Loaded) -> Result<Overview, AppError> {
    let id = l.id();
    let checked = diagnostics::check(app, l).await?;
    let has_comments = !app.store.comments(id).await?.is_empty();
    let versions = app.store.frozen_versions(id).await?;
    let versions = if versions.is_empty() {
        Vec::new()
    } else {
        let fingerprints: std::collections::BTreeMap<i32, Option<String>> =
            app.store.version_fingerprints(id).await?.into_iter().collect();
        versions
            .into_iter()
            .map(|(version, at, _)| FrozenVersion {
                version,
                at,
                sha256: fingerprints.get(&version).cloned().flatten(),
            })
            .collect()
    };
    let blocking = checked.blocking();
    let measures = measures(&l.report, &blocking);
    let deliberation = l.stored.deliberation_number.as_ref().map(|n| {
        let date = l
            .stored
            .deliberation_date
            .as_deref()
            .and_then(|d| bilan_domain::Date::parse(d).ok())
            .map(|d| d.to_french())
            .unwrap_or_default();
        (n.clone(), date)
    });
    Ok(Overview { totals: totals(&l.report), measures, versions, has_comments, deliberation, checked })
}

fn totals(r: &Report) -> Totals {
    let table = AnnexTable::from_report(r);
    Totals {
        planned: table.total.planned,
        spent: table.total.spent,
        carry_over: table.total.carry_over,
        state_revenue: table.total.state_revenue,
        forecast: Money::sum(
            r.actions().filter_map(|(_, _, _, a)| a.forecast.as_ref().and_then(|f| figure(&f.total))),
        ),
    }
}

fn measures(r: &Report, blocking: &[&bilan_check::Diagnostic]) -> Vec<MeasureRow> {
    r.measures
        .iter()
        .enumerate()
        .map(|(mi, m)| MeasureRow {
            path: format!("mesures[{mi}]"),
            number: m.number.clone(),
            title: m.title.clone(),
            actions: m
                .actions
                .iter()
                .enumerate()
                .map(|(ai, a)| {
                    let prefix = format!("mesures[{mi}].actions[{ai}]");
                    let (filled, sections) = bilan_check::completion(a);
                    ActionRow {
                        number: a.number.clone(),
                        title: a.title.clone(),
                        filled,
                        sections,
                        forecast: a.forecast.as_ref().and_then(|f| figure(&f.total)),
                        spent: Money::sum(a.expenses.iter().filter_map(|e| figure(&e.spent))),
                        open: blocking.iter().filter(|d| d.path.starts_with(&prefix)).count(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Saves the general information of report `id` at `revision`; `StoreError::Conflict`
/// when the report changed since.
pub async fn save_general(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    patch: Patch,
) -> Result<(), StoreError> {
    app.store
        .update_report(ctx.user.id, id, EditScope::Whole { expected_revision: revision }, move |current| {
            let mut r = report::parse_current(app, current).ok_or("rapport illisible")?;
            let before = general_fragment(&r);
            values::apply_general(&mut r, &patch);
            Ok(Edit {
                text: bilan_source::to_toml(&r),
                audit_action: "rapport.general".into(),
                audit_target: "informations générales".into(),
                before,
                after: general_fragment(&r),
                actions: values::action_numbers(&r),
            })
        })
        .await
        .map(|_| ())
}

/// The general information as the audit log records it.
pub fn general_fragment(r: &Report) -> Option<String> {
    Some(format!(
        "titre = {:?}\necheance = {:?}\nconvention = {:?}",
        r.title,
        r.deadline.map(|d| d.iso()).unwrap_or_default(),
        r.convention.title
    ))
}

/// The last 200 entries of the report's audit log.
pub async fn history(app: &AppState, id: i64) -> Result<Vec<AuditEntry>, AppError> {
    Ok(app.store.audit(Some(id), 200).await?)
}
