//! The financial annex as a table: computed once from the report, then written by every
//! format (XLSX, ODS, CSV) so that they can never disagree.
//!
//! Rows are the [`ExpenseLine`](bilan_domain::ExpenseLine)s of the actions each annex group
//! lists, in order. Subtotals and the total are **computed** from those rows (a blank
//! amount counts as zero); the subtotals and total the Département *declared* are ignored
//! here: comparing them with the computed ones is `bilan-check`'s job. Only the Recette
//! État, which has no rows to be computed from, is taken as declared.

use bilan_domain::{figure, Money, Report};

/// The whole annex, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexTable {
    /// The report's year (N): headers say "réalisé au 31/12/N", "à reporter en N+1".
    pub year: i32,
    /// Title of the sheet: the annex's own title, or a default one.
    pub title: String,
    /// The annex's subtitle, possibly empty.
    pub subtitle: String,
    /// The legend of the colours ("En vert : valorisation ETP").
    pub legend: String,
    pub groups: Vec<AnnexGroupTable>,
    /// Σ of the group subtotals.
    pub total: Totals,
    /// True when the report declared no annex groups and the groups were made from its
    /// measures (one group per measure, with all its actions).
    pub groups_from_measures: bool,
}

/// One group of the annex (usually one measure) and its subtotal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexGroupTable {
    pub label: String,
    /// The label printed on the subtotal row.
    pub subtotal_label: String,
    pub rows: Vec<AnnexRow>,
    /// Σ of [`Self::rows`]; `state_revenue` is the group's declared Recette État.
    pub subtotal: Totals,
    /// Action numbers the group lists but the report does not contain: they show no row.
    /// (`bilan-check` reports them; the export only leaves them out.)
    pub missing_actions: Vec<String>,
}

/// One line of expense.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnexRow {
    /// The group's label (the measure).
    pub measure: String,
    /// The action's printed number ("1.1.1").
    pub action: String,
    pub directorate: String,
    pub label: String,
    pub staff_time_valuation: bool,
    /// Montant inscrit dans la convention; `None` when blank or absent.
    pub planned: Option<Money>,
    /// Montant réalisé au 31/12.
    pub spent: Option<Money>,
    /// Montant à reporter en N+1.
    pub carry_over: Option<Money>,
    pub comment: String,
}

/// Sums of a group or of the whole annex.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub planned: Money,
    pub spent: Money,
    pub carry_over: Money,
    /// Recette État: declared per group; for the total, Σ of the groups' (`None` when no
    /// group declares one).
    pub state_revenue: Option<Money>,
}

impl Totals {
    fn of_rows(rows: &[AnnexRow]) -> Totals {
        let sum = |f: fn(&AnnexRow) -> Option<Money>| Money::sum(rows.iter().filter_map(f));
        Totals {
            planned: sum(|r| r.planned),
            spent: sum(|r| r.spent),
            carry_over: sum(|r| r.carry_over),
            state_revenue: None,
        }
    }
}

/// The legend printed when the annex declares none.
pub const DEFAULT_LEGEND: &str = "En vert : valorisation ETP";
/// The label of the grand total row.
pub const TOTAL_LABEL: &str = "Montant total";

/// The label of a subtotal row when the group does not declare one.
pub fn default_subtotal_label(group_label: &str) -> String {
    format!("Sous-total – {group_label}")
}

impl AnnexTable {
    /// Builds the annex of a report. Never fails: unknown actions are listed in
    /// [`AnnexGroupTable::missing_actions`], blank amounts are `None`.
    pub fn from_report(report: &Report) -> AnnexTable {
        let groups_from_measures = report.annex.groups.is_empty();
        let groups: Vec<AnnexGroupTable> = if groups_from_measures {
            report
                .measures
                .iter()
                .map(|m| {
                    let numbers: Vec<&str> = m.actions.iter().map(|a| a.number.as_str()).collect();
                    // Recette État of a measure = Σ part État of its actions (domain
                    // identity), when at least one action states it.
                    let shares: Vec<Money> = m
                        .actions
                        .iter()
                        .filter_map(|a| a.forecast.as_ref().and_then(|f| figure(&f.state_share)))
                        .collect();
                    let revenue = (!shares.is_empty()).then(|| Money::sum(shares));
                    build_group(report, &m.title, "", &numbers, revenue)
                })
                .collect()
        } else {
            report
                .annex
                .groups
                .iter()
                .map(|g| {
                    let numbers: Vec<&str> = g.actions.iter().map(String::as_str).collect();
                    build_group(report, &g.label, &g.subtotal_label, &numbers, figure(&g.state_revenue))
                })
                .collect()
        };

        let revenues: Vec<Money> = groups.iter().filter_map(|g| g.subtotal.state_revenue).collect();
        let total = Totals {
            planned: Money::sum(groups.iter().map(|g| g.subtotal.planned)),
            spent: Money::sum(groups.iter().map(|g| g.subtotal.spent)),
            carry_over: Money::sum(groups.iter().map(|g| g.subtotal.carry_over)),
            state_revenue: (!revenues.is_empty()).then(|| Money::sum(revenues)),
        };

        let title = if report.annex.title.trim().is_empty() {
            let department = report.department.info();
            format!(
                "Annexe financière au rapport d'exécution {} – Département {}",
                report.year, department.of_name
            )
        } else {
            report.annex.title.trim().to_string()
        };
        let legend = if report.annex.legend.trim().is_empty() {
            DEFAULT_LEGEND.to_string()
        } else {
            report.annex.legend.trim().to_string()
        };

        AnnexTable {
            year: report.year,
            title,
            subtitle: report.annex.subtitle.trim().to_string(),
            legend,
            groups,
            total,
            groups_from_measures,
        }
    }

    /// Every expense row, group after group.
    pub fn rows(&self) -> impl Iterator<Item = &AnnexRow> {
        self.groups.iter().flat_map(|g| g.rows.iter())
    }
}

fn build_group(
    report: &Report,
    label: &str,
    subtotal_label: &str,
    actions: &[&str],
    state_revenue: Option<Money>,
) -> AnnexGroupTable {
    let mut rows = Vec::new();
    let mut missing_actions = Vec::new();
    for number in actions {
        let Some((_, _, action)) = report.action(number) else {
            missing_actions.push((*number).to_string());
            continue;
        };
        rows.extend(action.expenses.iter().map(|e| AnnexRow {
            measure: label.to_string(),
            action: action.number.clone(),
            directorate: e.directorate.clone(),
            label: e.label.clone(),
            staff_time_valuation: e.staff_time_valuation,
            planned: figure(&e.planned),
            spent: figure(&e.spent),
            carry_over: figure(&e.carry_over),
            comment: e.comment.clone(),
        }));
    }
    let subtotal = Totals { state_revenue, ..Totals::of_rows(&rows) };
    let subtotal_label = if subtotal_label.trim().is_empty() {
        default_subtotal_label(label)
    } else {
        subtotal_label.trim().to_string()
    };
    AnnexGroupTable { label: label.to_string(), subtotal_label, rows, subtotal, missing_actions }
}
