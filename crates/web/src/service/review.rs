//! The State's review, as data: the queue of a reviewer's reports for one year (with the
//! national outlier flags and who has not transmitted), and what the review page of one
//! report shows (figures per action, diagnostics and justifications, changes since the
//! previous version and since last year, outliers, comments). Also the comment targets
//! and the checks of a comment or a reopening reason. No HTML.

use std::collections::{BTreeMap, BTreeSet};

use bilan_check::Diagnostic;
use bilan_consolidate::{
    consolidate, version_changes, year_comparison, year_over_year, ActionFigures, Change, Outlier, Rate,
    ReportState, Scope, YearComparison,
};
use bilan_domain::{CollectiviteCode, Money, Report};
use bilan_store::{Comment, CommentTarget, Justification, ReportSummary, Role, Status, StoreError, User};

use crate::error::AppError;
use crate::policy::access;
use crate::policy::perimeter::Perimeter;
use crate::policy::Ctx;
use crate::service::consolidation::{self, state_of};
use crate::service::report::{self, Loaded};
use crate::AppState;

/// The longest comment or reason, in characters.
pub const MAX_NOTE: usize = 4000;

// ----- the queue -----

/// One row of the queue.
pub struct QueueRow {
    pub summary: ReportSummary,
    /// The adoption deadline the report states.
    pub deadline: Option<bilan_domain::Date>,
    /// Transmitted after its deadline (a transmitted report's last change is its
    /// transmission).
    pub late: bool,
    /// How many national outliers concern its collectivité this year.
    pub outliers: usize,
}

/// A signatory of the reviewer's territory (a Département, the Métropole de Lyon…) whose
/// report of the year is not transmitted, with the status of its report when one exists
/// (only the status: drafts stay the collectivité's).
pub struct Missing {
    /// Its collectivité code ("03", "69M").
    pub signatory: String,
    pub status: Option<Status>,
}

/// Who has not transmitted, for a reviewer with a territory (a préfecture, a region).
pub struct Expected {
    pub year: i32,
    pub missing: Vec<Missing>,
}

/// Which reports the queue shows: those of one year (by default), or, for a reviewer with a
/// territory, those of every year at once (a préfecture with several years to examine
/// approves them together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueYears {
    /// The year asked for, or by default the most recent year with a report to examine.
    One(Option<i32>),
    All,
}

/// The value of `?annee=` that asks for every year.
pub const ALL_YEARS: &str = "toutes";

/// `?annee=`: empty or absent (the default year), a year, or [`ALL_YEARS`].
pub fn parse_queue_years(text: Option<&str>) -> Result<QueueYears, String> {
    match text.map(str::trim) {
        Some(ALL_YEARS) => Ok(QueueYears::All),
        t => consolidation::parse_year(t).map(QueueYears::One),
    }
}

pub struct Queue {
    /// Every year with a report the user sees, the most recent first.
    pub years: Vec<i32>,
    /// The year shown; `None` when the user sees no report at all, or every year.
    pub year: Option<i32>,
    /// Every year is shown (`?annee=toutes`).
    pub all_years: bool,
    /// To examine (transmitted) first, then in Département order.
    pub rows: Vec<QueueRow>,
    /// `None` for the national reader (no territory to expect reports from).
    pub expected: Option<Expected>,
}

impl Queue {
    pub fn to_review(&self) -> usize {
        self.rows.iter().filter(|r| r.summary.status == Status::Transmitted).count()
    }
}

/// Whether `user` may ask for every year at once: a reviewer with a territory. The national
/// reader sees every report of France, hence one year at a time.
pub fn may_see_all_years(user: &User) -> bool {
    matches!(user.role, Role::PrefectureReviewer | Role::RegionalReviewer)
}

/// The queue of one year (`One(year)`: the one asked for; by default the most recent year
/// with a report to examine, else the most recent year), or of every year (`All`, for a
/// reviewer with a territory, see [`may_see_all_years`]; the national reader gets the
/// default year).
pub async fn queue(app: &AppState, user: &User, years_asked: QueueYears) -> Result<Queue, StoreError> {
    let summaries: Vec<ReportSummary> = app
        .store
        .reports(&access::filter_for(user))
        .await?
        .into_iter()
        .filter(|s| access::can_see(user, s))
        .collect();
    let mut years: Vec<i32> = summaries.iter().map(|s| s.year).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let all_years = years_asked == QueueYears::All && may_see_all_years(user);
    let asked = match years_asked {
        QueueYears::One(y) => y,
        QueueYears::All => None,
    };
    let year = asked.or_else(|| {
        summaries
            .iter()
            .filter(|s| s.status == Status::Transmitted)
            .map(|s| s.year)
            .max()
            .or_else(|| years.first().copied())
    });
    let year = if all_years { None } else { year };
    // The State sees transmitted and approved reports only: exactly those the national
    // load of their programme year counts (cached, `consolidation::load`), which gives
    // their deadline (from the stored figures) and the outlier flags.
    let shown: Vec<ReportSummary> =
        summaries.into_iter().filter(|s| all_years || (year.is_some() && Some(s.year) == year)).collect();
    let programme_years: BTreeSet<(String, i32)> =
        shown.iter().map(|s| (s.programme.clone(), s.year)).collect();
    let mut nationals: BTreeMap<(String, i32), std::sync::Arc<consolidation::Loaded>> = BTreeMap::new();
    let mut flags: BTreeMap<(String, i32), usize> = BTreeMap::new();
    for (p, y) in programme_years {
        let national = consolidation::load(app, &Perimeter::National, &p, y).await?;
        for o in national.outliers() {
            *flags.entry((o.signatory.as_str().to_string(), y)).or_default() += 1;
        }
        nationals.insert((p, y), national);
    }
    let mut rows: Vec<QueueRow> = shown
        .into_iter()
        .map(|summary| {
            let deadline = nationals
                .get(&(summary.programme.clone(), summary.year))
                .and_then(|n| n.counted.iter().find(|(s, _)| s.id == summary.id))
                .and_then(|(_, r)| r.deadline);
            let sent = crate::time::parse_rfc3339(&summary.updated_at).and_then(crate::time::paris_date);
            let late = summary.status == Status::Transmitted
                && matches!((deadline, sent), (Some(d), Some(t)) if t > d);
            let outliers = flags.get(&(summary.department.clone(), summary.year)).copied().unwrap_or(0);
            QueueRow { summary, deadline, late, outliers }
        })
        .collect();
    rows.sort_by_key(|r| {
        let rank = CollectiviteCode::parse(&r.summary.department).map_or(usize::MAX, CollectiviteCode::rank);
        (r.summary.status != Status::Transmitted, std::cmp::Reverse(r.summary.year), rank)
    });
    if all_years {
        // Who has not transmitted is a question of one year.
        return Ok(Queue { years, year, all_years, rows, expected: None });
    }
    let expected_year = year.unwrap_or_else(|| crate::time::current_year() - 1);
    let reference = crate::service::referentiel::current(app);
    let expected = match expected_scope(&reference, user, expected_year) {
        None => None,
        Some(scope) => {
            // Loaded above when the queue shows that year's reports of the programme.
            let national = match nationals.remove(&(scope.programme.clone(), expected_year)) {
                Some(n) => n,
                None => {
                    consolidation::load(app, &Perimeter::National, &scope.programme, expected_year).await?
                }
            };
            Some(expected(&scope, &national))
        }
    };
    Ok(Queue { years, year, all_years, rows, expected })
}

/// The signatories a reviewer expects reports from: a préfecture those covering its
/// Département (69: the Rhône and the Métropole de Lyon), a regional reviewer its
/// region's; none for the national reader. The programme is the
/// year's (none for a year no programme covers: then nothing can be transmitted).
fn expected_scope(reference: &bilan_domain::Referentiel, user: &User, year: i32) -> Option<Scope> {
    let programme = consolidation::programme_of_year(reference, year).unwrap_or_default();
    let programme = programme.as_str();
    match (user.role, user.territory.as_deref()) {
        (Role::PrefectureReviewer, Some(d)) => Some(Scope::territory(programme, year, d)),
        (Role::RegionalReviewer, Some(r)) => Some(Scope::region(programme, year, r)),
        _ => None,
    }
}

/// Who has not transmitted, as the consolidation of the scope lists them, with the status
/// of their report.
fn expected(scope: &Scope, national: &consolidation::Loaded) -> Expected {
    let pairs: Vec<(ReportState, &Report)> = national
        .counted
        .iter()
        .filter(|(_, r)| scope.expected.contains(&r.signatory()))
        .map(|(s, r)| (state_of(s.status), r))
        .collect();
    let c = consolidate(scope, &pairs);
    let missing = c
        .not_transmitted
        .iter()
        .map(|d| Missing { signatory: d.as_str().to_string(), status: national.other_status(d.as_str()) })
        .collect();
    Expected { year: scope.year, missing }
}

// ----- the review page -----

/// Loads a report for the review pages: visible, and the user a State role (reviewers
/// decide, the national reader reads).
pub async fn load(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, AppError> {
    let id: i64 = id.parse().ok().filter(|n: &i64| *n > 0).ok_or(AppError::NotFound)?;
    let l = report::load(app, ctx, id).await?;
    if !ctx.user.role.is_state() {
        return Err(AppError::Forbidden("La page de revue est réservée aux services de l’État.".to_string()));
    }
    Ok(l)
}

/// Loads a report for a reviewer's decision (a comment, a reopening): as [`load`], and the
/// user may review.
pub async fn load_for_decision(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, AppError> {
    let l = load(app, ctx, id).await?;
    access::can_review(&ctx.user).map_err(AppError::forbidden)?;
    Ok(l)
}

/// The figures of one action as the consolidation reads them.
pub struct FigureRow {
    /// Field path of the action (`mesures[0].actions[1]`).
    pub path: String,
    pub number: String,
    pub title: String,
    pub state_share: Option<Money>,
    pub planned: Option<Money>,
    pub committed: Option<Money>,
    pub spent: Option<Money>,
    pub carry_over: Option<Money>,
    pub rate: Option<Rate>,
}

pub struct FigureTable {
    pub rows: Vec<FigureRow>,
    /// The totals (same columns), `None` where no action states the figure.
    pub total: [Option<Money>; 5],
    /// "63,2 %" or "—".
    pub total_rate: String,
}

/// Figures per action, and their totals.
pub fn figures(r: &Report) -> FigureTable {
    let mut rows = Vec::new();
    let mut total = bilan_consolidate::Figures::default();
    for (mi, _, ai, a) in r.actions() {
        let f = ActionFigures::of(r, mi, ai, a);
        total.add_action(&f);
        let v = |x: &Option<bilan_consolidate::figures::ActionFigure>| x.as_ref().map(|x| x.value);
        let rate = match (v(&f.planned), v(&f.spent)) {
            (Some(p), Some(s)) => Rate::of_money(s, p),
            _ => None,
        };
        rows.push(FigureRow {
            path: format!("mesures[{mi}].actions[{ai}]"),
            number: a.number.clone(),
            title: a.title.clone(),
            state_share: v(&f.state_share),
            planned: v(&f.planned),
            committed: v(&f.committed),
            spent: v(&f.spent),
            carry_over: v(&f.carry_over),
            rate,
        });
    }
    let stated = |s: &bilan_consolidate::SourcedAmount| s.is_stated().then_some(s.value);
    FigureTable {
        rows,
        total: [
            stated(&total.state_share),
            stated(&total.planned),
            stated(&total.committed),
            stated(&total.spent),
            stated(&total.carry_over),
        ],
        total_rate: total.execution_rate_french(),
    }
}

/// The changes since the previous transmitted version.
pub enum VersionDiff {
    /// Version 1: nothing before.
    First,
    /// The previous version is not stored.
    Unavailable,
    /// The previous version cannot be read.
    Unreadable,
    Changes {
        previous: i32,
        changes: Vec<Change>,
    },
}

pub async fn version_diff(app: &AppState, l: &Loaded) -> Result<VersionDiff, StoreError> {
    let v = l.stored.summary.version;
    if v <= 1 {
        return Ok(VersionDiff::First);
    }
    let Some(text) = app.store.frozen_text(l.id(), v - 1).await? else {
        return Ok(VersionDiff::Unavailable);
    };
    let Some(old) = report::parse_text(&text) else {
        return Ok(VersionDiff::Unreadable);
    };
    Ok(VersionDiff::Changes { previous: v - 1, changes: version_changes(&old, &l.report) })
}

/// Everything the review page shows besides the report itself.
pub struct Review {
    pub figures: FigureTable,
    pub diagnostics: std::sync::Arc<Vec<Diagnostic>>,
    pub justifications: Vec<Justification>,
    pub version_diff: VersionDiff,
    /// Against last year's report, when there is one.
    pub year_comparison: Option<YearComparison>,
    /// This report's figures far from the other Départements' of the same programme and
    /// year (all transmitted or approved reports nationally: the reviewer sees only the
    /// flags about this report, never another Département's figures), and indicator jumps
    /// from last year.
    pub outliers: Vec<Outlier>,
    pub comments: Vec<Comment>,
}

pub async fn review(app: &AppState, l: &Loaded) -> Result<Review, StoreError> {
    let s = &l.stored.summary;
    let diagnostics = report::diagnostics(app, l).await;
    let justifications = report::justifications(app, l.id()).await?;
    let version_diff = version_diff(app, l).await?;
    let previous = report::previous_year(app, s).await;
    let national = consolidation::load(app, &Perimeter::National, &s.programme, s.year).await?;
    let mut outliers: Vec<Outlier> =
        national.outliers().iter().filter(|o| o.signatory.as_str() == s.department).cloned().collect();
    if let Some(prev) = &previous {
        outliers.extend(year_over_year(&l.report, prev).unwrap_or_default());
    }
    let year_comparison = previous.as_ref().map(|prev| year_comparison(prev, &l.report));
    let comments = app.store.comments(l.id()).await?;
    Ok(Review {
        figures: figures(&l.report),
        diagnostics,
        justifications,
        version_diff,
        year_comparison,
        outliers,
        comments,
    })
}

// ----- comments -----

/// The comment targets of a report, as (value of the form's `cible`, French label); a
/// diagnostic repeated at one place is one target.
pub fn targets(report: &Report, diags: &[Diagnostic]) -> Vec<(String, String)> {
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
            format!("{} {} – {}", d.severity.title(), d.code, d.message),
        ));
    }
    let mut offered = BTreeSet::new();
    out.retain(|(value, _)| offered.insert(value.clone()));
    out
}

/// "erreur" → "Erreur".
/// The comments of a report, every version, as the overview and the action form show them.
pub async fn comments(app: &AppState, l: &Loaded) -> Result<Vec<Comment>, StoreError> {
    app.store.comments(l.id()).await
}

pub fn parse_target(value: &str) -> Option<CommentTarget> {
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

/// The value of a target in the form's `cible` and in `data-cible`.
pub fn target_value(t: &CommentTarget) -> String {
    match t {
        CommentTarget::Report => "rapport".to_string(),
        CommentTarget::Action { number } => format!("action:{number}"),
        CommentTarget::Line { path } => format!("ligne:{path}"),
        CommentTarget::Diagnostic { code, path } => format!("diagnostic:{code}:{path}"),
    }
}

/// A comment or a reason: trimmed, not empty, at most [`MAX_NOTE`] characters.
pub fn note(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty() && t.chars().count() <= MAX_NOTE).then(|| t.to_string())
}

/// Why a comment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Empty, or longer than [`MAX_NOTE`].
    Empty,
    /// No such action or line in the report, or not a target at all.
    UnknownTarget,
    /// The diagnostic is not one of the report's current ones.
    GoneDiagnostic,
}

impl Refused {
    /// The French reason.
    pub fn message(self) -> &'static str {
        match self {
            Refused::Empty => "Le commentaire est vide ou dépasse 4 000 caractères. Rien n’a été enregistré.",
            Refused::UnknownTarget => {
                "L’élément commenté n’existe pas dans ce rapport. Rien n’a été enregistré."
            }
            Refused::GoneDiagnostic => "Ce diagnostic n’existe plus sur ce rapport. Rien n’a été enregistré.",
        }
    }
}

/// Checks a comment and its target: the target must exist in the report (actions and
/// lines), a diagnostic must be one of the current ones.
pub async fn check_comment(
    app: &AppState,
    l: &Loaded,
    target: &str,
    text: &str,
) -> Result<(CommentTarget, String), Refused> {
    let target = parse_target(target).filter(|t| {
        matches!(t, CommentTarget::Diagnostic { .. })
            || targets(&l.report, &[]).iter().any(|(v, _)| *v == target_value(t))
    });
    let Some(target) = target else { return Err(Refused::UnknownTarget) };
    let Some(text) = note(text) else { return Err(Refused::Empty) };
    if let CommentTarget::Diagnostic { code, path } = &target {
        let diags = report::diagnostics(app, l).await;
        if !diags.iter().any(|d| d.code == code && &d.path == path) {
            return Err(Refused::GoneDiagnostic);
        }
    }
    Ok((target, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip() {
        for v in
            ["rapport", "action:1.2.1", "ligne:mesures[0].actions[1].depenses[2]", "diagnostic:BUD001:titre"]
        {
            assert_eq!(target_value(&parse_target(v).unwrap()), v);
        }
        assert!(parse_target("n'importe").is_none());
        assert!(parse_target("diagnostic:BUD001").is_none());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(note("  a \n"), Some("a".to_string()));
        assert_eq!(note(" \n "), None);
        assert!(note(&"é".repeat(MAX_NOTE)).is_some());
        assert!(note(&"é".repeat(MAX_NOTE + 1)).is_none());
    }

    #[test]
    fn query_years() {
        use crate::service::consolidation::parse_year;
        assert_eq!(parse_year(None), Ok(None));
        assert_eq!(parse_year(Some("  ")), Ok(None));
        assert_eq!(parse_year(Some(" 2019 ")), Ok(Some(2019)));
        assert_eq!(parse_year(Some("deux")), Err("« deux » n’est pas une année.".to_string()));
    }
}
