//! Which field of a report gives each figure of an action, and sums that remember where
//! every euro comes from.
//!
//! A report states the same money in several places (section 5.1, the section 5.2 totals
//! or table, the annex lines), and they do not always agree: reconciling them is
//! `bilan-check`'s job. The State side needs one figure per action, so the rules below
//! pick one source per figure, always the same, and record it:
//!
//! | figure | read from, in order of preference |
//! |---|---|
//! | planned (montant inscrit) | Σ `depenses[].inscrit` (annex lines) · else `prevision.total` · else part État + part CD |
//! | committed (engagé) | `execution.engage` · else Σ `execution.lignes[].engage` · else Σ `depenses[].engage` |
//! | spent (consommé) | `execution.consomme` · else Σ `execution.lignes[].consomme` · else Σ `depenses[].realise` |
//! | carry-over (report) | Σ `depenses[].report` · else `execution.report` · else Σ `execution.lignes[].report` |
//! | State share | `prevision.part_etat` |
//! | Département share | `prevision.part_cd` |
//!
//! Why: planned and carry-over are annex notions, decided line by line (the State's
//! decision on carry-overs is per expense line, see [`crate::credits`]); committed and
//! spent are stated first in section 5.2, printed to the cent where some annexes round to
//! the euro, and `bilan-check` holds the body to these same figures. A sum uses only the
//! lines that print a figure; a blank ("€") is no figure; "-  €" is a zero figure.

use bilan_domain::{figure, Action, Amount, Money, Report};

use crate::stats::Rate;
use crate::{action_path, Provenance};

/// One field that contributed to a figure, and how much it brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub at: Provenance,
    pub amount: Money,
}

/// One figure of one action and the fields it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFigure {
    pub value: Money,
    pub sources: Vec<Source>,
}

/// The figures of one action, per the rules of this module. `None`: the report states
/// no such figure for the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFigures {
    /// The action itself (`mesures[i].actions[j]`).
    pub at: Provenance,
    pub planned: Option<ActionFigure>,
    pub committed: Option<ActionFigure>,
    pub spent: Option<ActionFigure>,
    pub carry_over: Option<ActionFigure>,
    pub state_share: Option<ActionFigure>,
    pub department_share: Option<ActionFigure>,
    /// The action's budget is carried by another action ("CF. budget de l'action …") and
    /// it states no figure of its own: missing figures are then not reported as missing.
    pub budget_elsewhere: bool,
}

struct Picker<'a> {
    report: &'a Report,
    action: &'a Action,
    path: String,
}

impl Picker<'_> {
    fn single(&self, amount: &Option<Amount>, field: &str) -> Option<ActionFigure> {
        figure(amount).map(|value| ActionFigure {
            value,
            sources: vec![Source {
                at: Provenance::new(self.report, &self.action.number, format!("{}.{field}", self.path)),
                amount: value,
            }],
        })
    }

    /// Σ over the items that print a figure; `None` when none does.
    fn sum<'b, T: 'b>(
        &self,
        items: impl Iterator<Item = &'b T>,
        pick: impl Fn(&T) -> &Option<Amount>,
        field: impl Fn(usize) -> String,
    ) -> Option<ActionFigure> {
        let mut sources = Vec::new();
        for (i, item) in items.enumerate() {
            if let Some(amount) = figure(pick(item)) {
                sources.push(Source {
                    at: Provenance::new(
                        self.report,
                        &self.action.number,
                        format!("{}.{}", self.path, field(i)),
                    ),
                    amount,
                });
            }
        }
        (!sources.is_empty())
            .then(|| ActionFigure { value: Money::sum(sources.iter().map(|s| s.amount)), sources })
    }
}

impl ActionFigures {
    /// The figures of the action at `mesures[mi].actions[ai]` of `report`.
    pub fn of(report: &Report, mi: usize, ai: usize, action: &Action) -> ActionFigures {
        let p = Picker { report, action, path: action_path(mi, ai) };
        let forecast = action.forecast.clone().unwrap_or_default();
        let executed = action.executed.clone().unwrap_or_default();
        let lines = &executed.lines;
        let expenses = &action.expenses;

        let planned = p
            .sum(expenses.iter(), |e| &e.planned, |i| format!("depenses[{i}].inscrit"))
            .or_else(|| p.single(&forecast.total, "prevision.total"))
            .or_else(|| {
                let s = p.single(&forecast.state_share, "prevision.part_etat")?;
                let d = p.single(&forecast.department_share, "prevision.part_cd")?;
                let mut sources = s.sources;
                sources.extend(d.sources);
                Some(ActionFigure { value: s.value.add(d.value), sources })
            });
        let committed = p
            .single(&executed.committed, "execution.engage")
            .or_else(|| p.sum(lines.iter(), |l| &l.committed, |i| format!("execution.lignes[{i}].engage")))
            .or_else(|| p.sum(expenses.iter(), |e| &e.committed, |i| format!("depenses[{i}].engage")));
        let spent = p
            .single(&executed.spent, "execution.consomme")
            .or_else(|| p.sum(lines.iter(), |l| &l.spent, |i| format!("execution.lignes[{i}].consomme")))
            .or_else(|| p.sum(expenses.iter(), |e| &e.spent, |i| format!("depenses[{i}].realise")));
        let carry_over = p
            .sum(expenses.iter(), |e| &e.carry_over, |i| format!("depenses[{i}].report"))
            .or_else(|| p.single(&executed.carry_over, "execution.report"))
            .or_else(|| p.sum(lines.iter(), |l| &l.carry_over, |i| format!("execution.lignes[{i}].report")));
        let state_share = p.single(&forecast.state_share, "prevision.part_etat");
        let department_share = p.single(&forecast.department_share, "prevision.part_cd");

        let states_nothing = planned.is_none() && committed.is_none() && spent.is_none();
        ActionFigures {
            at: Provenance::new(report, &action.number, p.path.clone()),
            planned,
            committed,
            spent,
            carry_over,
            state_share,
            department_share,
            budget_elsewhere: action.budget_shared_with.is_some() && states_nothing,
        }
    }

    /// Where a missing figure would be written (for the "missing" lists).
    fn missing_at(&self, field: &str) -> Provenance {
        Provenance { path: format!("{}.{field}", self.at.path), ..self.at.clone() }
    }
}

/// A sum over several actions (and Départements): the value, every field it adds up,
/// and the actions that should have stated a figure and did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcedAmount {
    pub value: Money,
    pub sources: Vec<Source>,
    /// Actions with no figure for this amount (the path names the field that would hold
    /// it). A carry-over never counts as missing: no carry-over means none was asked.
    pub missing: Vec<Provenance>,
}

impl SourcedAmount {
    fn absorb(&mut self, fig: &Option<ActionFigure>, missing: Option<Provenance>) {
        match fig {
            Some(f) => {
                self.value = self.value.add(f.value);
                self.sources.extend(f.sources.iter().cloned());
            }
            None => self.missing.extend(missing),
        }
    }

    pub fn merge(&mut self, other: &SourcedAmount) {
        self.value = self.value.add(other.value);
        self.sources.extend(other.sources.iter().cloned());
        self.missing.extend(other.missing.iter().cloned());
    }

    /// True when at least one action stated a figure.
    pub fn is_stated(&self) -> bool {
        !self.sources.is_empty()
    }
}

/// The five amounts the consolidation adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub planned: SourcedAmount,
    pub committed: SourcedAmount,
    pub spent: SourcedAmount,
    pub carry_over: SourcedAmount,
    /// Σ part État.
    pub state_share: SourcedAmount,
    /// Σ part CD (the Département's share of the convention).
    pub department_share: SourcedAmount,
}

impl Figures {
    /// Adds one action's figures.
    pub fn add_action(&mut self, a: &ActionFigures) {
        let miss = |field: &str| (!a.budget_elsewhere).then(|| a.missing_at(field));
        self.planned.absorb(&a.planned, miss("depenses"));
        self.committed.absorb(&a.committed, miss("execution.engage"));
        self.spent.absorb(&a.spent, miss("execution.consomme"));
        self.carry_over.absorb(&a.carry_over, None);
        self.state_share.absorb(&a.state_share, miss("prevision.part_etat"));
        self.department_share.absorb(&a.department_share, miss("prevision.part_cd"));
    }

    pub fn merge(&mut self, other: &Figures) {
        self.planned.merge(&other.planned);
        self.committed.merge(&other.committed);
        self.spent.merge(&other.spent);
        self.carry_over.merge(&other.carry_over);
        self.state_share.merge(&other.state_share);
        self.department_share.merge(&other.department_share);
    }

    /// Spent / planned, exact; `None` when nothing is planned (zero or no figure).
    pub fn execution_rate(&self) -> Option<Rate> {
        if !self.planned.is_stated() {
            return None;
        }
        Rate::of_money(self.spent.value, self.planned.value)
    }

    /// "63,2 %", or why there is no rate.
    pub fn execution_rate_french(&self) -> String {
        match self.execution_rate() {
            Some(r) => r.to_french(),
            None => "non calculable (aucun montant prévu)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(src: &str) -> Report {
        bilan_source::parse_str(src).unwrap().report
    }

    const HEAD: &str = "programme = \"calpae\"\ndepartement = \"15\"\nannee = 2020\n\
        [[mesures]]\nnumero = \"1\"\ntype = \"socle\"\nintitule = \"M\"\n\
        [[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n";

    #[test]
    fn body_first_for_spent_annex_first_for_planned_and_carry_over() {
        let r = report(&format!(
            "{HEAD}[mesures.actions.prevision]\npart_etat = \"50 €\"\npart_cd = \"50 €\"\ntotal = \"100 €\"\n\
             [mesures.actions.execution]\nconsomme = \"70 €\"\nreport = \"30 €\"\n\
             [[mesures.actions.depenses]]\nlibelle = \"a\"\ninscrit = \"60 €\"\nrealise = \"65 €\"\nreport = \"5 €\"\n\
             [[mesures.actions.depenses]]\nlibelle = \"b\"\ninscrit = \"€\"\nreport = \"-  €\"\n"
        ));
        let (mi, _, ai, a) = r.actions().next().unwrap();
        let f = ActionFigures::of(&r, mi, ai, a);
        let planned = f.planned.unwrap();
        assert_eq!(planned.value, Money::from_euros(60), "the blank line has no figure");
        assert_eq!(planned.sources.len(), 1);
        assert_eq!(planned.sources[0].at.path, "mesures[0].actions[0].depenses[0].inscrit");
        let spent = f.spent.unwrap();
        assert_eq!(spent.value, Money::from_euros(70));
        assert_eq!(spent.sources[0].at.path, "mesures[0].actions[0].execution.consomme");
        let carry = f.carry_over.unwrap();
        assert_eq!(carry.value, Money::from_euros(5), "annex lines, \"-  €\" is a zero figure");
        assert_eq!(carry.sources.len(), 2);
        assert_eq!(f.committed, None);
        assert_eq!(f.state_share.unwrap().value, Money::from_euros(50));
    }

    #[test]
    fn forecast_when_no_annex_line_and_missing_lists() {
        let r = report(&format!(
            "{HEAD}[mesures.actions.prevision]\npart_etat = \"40 €\"\npart_cd = \"60 €\"\n\
             [[mesures.actions]]\nnumero = \"1.2\"\nintitule = \"B\"\nbudget_commun_avec = \"1.1\"\n"
        ));
        let mut figs = Figures::default();
        for (mi, _, ai, a) in r.actions() {
            figs.add_action(&ActionFigures::of(&r, mi, ai, a));
        }
        assert_eq!(figs.planned.value, Money::from_euros(100), "part État + part CD");
        assert_eq!(figs.planned.sources.len(), 2);
        // 1.1 states no spent figure; 1.2's budget is elsewhere: not missing.
        assert_eq!(figs.spent.missing.len(), 1);
        assert_eq!(figs.spent.missing[0].path, "mesures[0].actions[0].execution.consomme");
        assert_eq!(figs.execution_rate().unwrap().to_french(), "0,0\u{a0}%");
        assert!(figs.carry_over.missing.is_empty());
        assert_eq!(Figures::default().execution_rate_french(), "non calculable (aucun montant prévu)");
    }
}
