//! The financial annex as a table: computed once from the report, then written by every
//! format (the report documents and the XLSX, ODS, CSV spreadsheets) so that they can
//! never disagree.
//!
//! Rows are the [`ExpenseLine`](bilan_domain::ExpenseLine)s of the actions each annex group
//! lists, in order. Subtotals and the total are **computed** from those rows (a blank
//! amount counts as zero); the subtotals and total the Département *declared* are ignored
//! here: comparing them with the computed ones is `bilan-check`'s job. The Recette État of
//! a group is the sum of the part État of its actions (the identity the checks hold it
//! to); only a group none of whose actions states a part État shows the declared figure.
//!
//! Expense lines of actions that no declared group lists are gathered in a last group,
//! "Autres dépenses", so that no expense is left out of the annex.

use crate::{figure, Money, Report};

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
    /// Σ of [`Self::rows`]; `state_revenue` is Σ part État of the group's actions.
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
    /// Where the line is in the report: `measures[m].actions[a].expenses[k]` as `(m, a, k)`
    /// (the web annex form names its inputs after it).
    pub position: (usize, usize, usize),
}

/// Sums of a group or of the whole annex.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub planned: Money,
    pub spent: Money,
    pub carry_over: Money,
    /// Recette État: Σ part État of the group's actions (declared figure when none states
    /// one); for the total, Σ of the groups' (`None` when no group has one).
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
/// The label of the group gathering actions that no declared group lists.
pub const OTHER_EXPENSES_LABEL: &str = "Autres dépenses";

/// The label of a subtotal row when the group does not declare one.
pub fn default_subtotal_label(group_label: &str) -> String {
    format!("Sous-total - {group_label}")
}

impl AnnexTable {
    /// Builds the annex of a report. Never fails: unknown actions are listed in
    /// [`AnnexGroupTable::missing_actions`], blank amounts are `None`.
    pub fn from_report(report: &Report) -> AnnexTable {
        let groups_from_measures = report.annex.groups.is_empty();
        let mut groups: Vec<AnnexGroupTable> = if groups_from_measures {
            report
                .measures
                .iter()
                .map(|m| {
                    let numbers: Vec<&str> = m.actions.iter().map(|a| a.number.as_str()).collect();
                    build_group(report, &m.title, "", &numbers, None)
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
        if !groups_from_measures {
            let listed = |n: &str| report.annex.groups.iter().any(|g| g.actions.iter().any(|a| a == n));
            let left: Vec<&str> = report
                .actions()
                .map(|(_, _, _, a)| a)
                .filter(|a| !a.expenses.is_empty() && !listed(&a.number))
                .map(|a| a.number.as_str())
                .collect();
            if !left.is_empty() {
                groups.push(build_group(report, OTHER_EXPENSES_LABEL, "", &left, None));
            }
        }

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
    declared_revenue: Option<Money>,
) -> AnnexGroupTable {
    let mut rows = Vec::new();
    let mut missing_actions = Vec::new();
    for number in actions {
        let Some((mi, ai, action)) = report.action(number) else {
            missing_actions.push((*number).to_string());
            continue;
        };
        rows.extend(action.expenses.iter().enumerate().map(|(k, e)| AnnexRow {
            measure: label.to_string(),
            action: action.number.clone(),
            directorate: e.directorate.clone(),
            label: e.label.clone(),
            staff_time_valuation: e.staff_time_valuation,
            planned: figure(&e.planned),
            spent: figure(&e.spent),
            carry_over: figure(&e.carry_over),
            comment: e.comment.clone(),
            position: (mi, ai, k),
        }));
    }
    let shares: Vec<Money> = actions
        .iter()
        .filter_map(|n| report.action(n))
        .filter_map(|(_, _, a)| a.forecast.as_ref().and_then(|f| figure(&f.state_share)))
        .collect();
    let computed_revenue = (!shares.is_empty()).then(|| Money::sum(shares));
    let subtotal = Totals { state_revenue: computed_revenue.or(declared_revenue), ..Totals::of_rows(&rows) };
    let subtotal_label = if subtotal_label.trim().is_empty() {
        default_subtotal_label(label)
    } else {
        subtotal_label.trim().to_string()
    };
    AnnexGroupTable { label: label.to_string(), subtotal_label, rows, subtotal, missing_actions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Amount, AnnexGroup, ExpenseLine, Forecast, Measure, MeasureKind};

    fn action(number: &str, state_share: Option<i64>, planned: i64) -> Action {
        let mut a = crate::draft::skeleton(
            crate::CollectiviteCode::parse("03").unwrap(),
            2019,
            &crate::referentiel::test_programme("calpae"),
        )
        .measures[0]
            .actions[0]
            .clone();
        a.number = number.into();
        a.forecast = Some(Forecast {
            state_share: state_share.map(|e| Amount::Value(Money::from_euros(e))),
            ..Forecast::default()
        });
        a.expenses = vec![ExpenseLine {
            label: format!("ligne {number}"),
            planned: Some(Amount::Value(Money::from_euros(planned))),
            ..ExpenseLine::default()
        }];
        a
    }

    fn report() -> Report {
        let mut r = crate::draft::skeleton(
            crate::CollectiviteCode::parse("03").unwrap(),
            2019,
            &crate::referentiel::test_programme("calpae"),
        );
        r.measures = vec![Measure {
            number: "1.1".into(),
            kind: MeasureKind::Core,
            code: None,
            title: "M".into(),
            actions: vec![
                action("1.1.1", Some(100), 200),
                action("1.1.2", None, 50),
                action("1.1.3", Some(7), 9),
            ],
        }];
        r.annex.groups = vec![
            AnnexGroup {
                label: "G1".into(),
                actions: vec!["1.1.1".into(), "9.9".into()],
                state_revenue: Some(Amount::Value(Money::from_euros(999))),
                ..AnnexGroup::default()
            },
            AnnexGroup {
                label: "G2".into(),
                actions: vec!["1.1.2".into()],
                state_revenue: Some(Amount::Value(Money::from_euros(25))),
                ..AnnexGroup::default()
            },
        ];
        r
    }

    #[test]
    fn groups_sums_and_state_revenue() {
        let t = AnnexTable::from_report(&report());
        assert_eq!(t.groups.len(), 3, "1.1.3 is listed by no group: it goes to « Autres dépenses »");
        assert_eq!(t.groups[2].label, OTHER_EXPENSES_LABEL);
        assert_eq!(t.groups[0].missing_actions, vec!["9.9".to_string()]);
        assert_eq!(t.groups[0].subtotal_label, "Sous-total - G1");
        // Σ part État wins over the declared 999 €; G2's action states none: declared 25 €.
        assert_eq!(t.groups[0].subtotal.state_revenue, Some(Money::from_euros(100)));
        assert_eq!(t.groups[1].subtotal.state_revenue, Some(Money::from_euros(25)));
        assert_eq!(t.total.planned, Money::from_euros(259));
        assert_eq!(t.total.state_revenue, Some(Money::from_euros(132)));
    }

    #[test]
    fn one_group_per_measure_when_none_is_declared() {
        let mut r = report();
        r.annex.groups.clear();
        let t = AnnexTable::from_report(&r);
        assert!(t.groups_from_measures);
        assert_eq!(t.groups.len(), 1);
        assert_eq!(t.groups[0].rows.len(), 3);
        assert_eq!(t.groups[0].subtotal.state_revenue, Some(Money::from_euros(107)));
    }
}
