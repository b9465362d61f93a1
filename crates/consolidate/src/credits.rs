//! The State credits for year N+1, computed from the approved report of year N.
//!
//! # Rules
//!
//! For each action of the report (figures read as in [`crate::figures`]):
//!
//! 1. **State credit used in N** = min(part État ; consommé × taux maximal). The State
//!    pays at most its share (the programme's `max_state_share_percent`, 50 % for CALPAE
//!    and the Pacte) of what was actually spent, and never more than the part État of
//!    the convention. An action that spent more than planned (overspent) uses its whole
//!    part État.
//! 2. **Unspent State credit** = part État − State credit used (never negative).
//! 3. **Carry-overs** are requested per expense line (`depenses[].report` of the annex).
//!    The State part of a request = report × taux maximal. The reviewer accepts or
//!    refuses each line, by its [`LineKey`]. The State parts are capped by the action's
//!    unspent State credit: accepted lines take from it first, in document order, then
//!    refused and undecided lines, so that accepted + refused + undecided never exceed
//!    the unspent credit.
//! 4. **Réfaction** (reduction) of the action = unspent State credit − accepted State
//!    carry-over (never negative), when the rules cut unspent credit
//!    ([`CreditRules::reduction_applies`]); otherwise 0. Each action stands alone: an
//!    overspent action does not make up for an underspent one, since the State pays at
//!    most its share *of each action*.
//!
//! For the whole report: **delegated N+1** = State amount N+1 (set by the convention's
//! avenant) + Σ accepted State carry-over − Σ réfaction, never negative.
//!
//! # Decisions where the domain is silent
//!
//! - **Rounding**: a share of an amount (consommé × taux, report × taux) is rounded *down*
//!   to the cent: the State pays at most its share.
//! - **A line without a decision** is treated as not accepted (it adds nothing to N+1,
//!   and its credit is cut with the rest of the unspent credit) and is listed in
//!   [`CreditsNote::undecided`]; the note is final only when that list is empty
//!   ([`CreditsNote::is_final`]).
//! - **Decisions that match no line** are listed in [`CreditsNote::unknown_decisions`] and
//!   ignored.
//! - **Only annex lines carry requests.** A carry-over stated in the body (section 5.2)
//!   but not in the annex lines is not submitted to decision; the action's explanation
//!   and [`CreditsNote::warnings`] say so, so that the Département can be asked to put
//!   it in its annex.
//! - **Zero requests** ("-  €") are not lines to decide.
//! - **No part État** (not stated, or budget carried by another action): no State credit
//!   is at stake; a carry-over requested on it has a State part of 0 €.
//! - **No spent figure**: counted as 0 € spent (the State pays only for declared
//!   spending), with a warning.
//! - **Negative figures** (impossible from a file, possible from code) count as 0 €; a
//!   percentage outside 0–100 is brought back into that range.
//! - Two lines of one action with the same key share one decision.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use bilan_domain::{figure, Action, DepartmentCode, ExpenseLine, Money, Report};

use crate::figures::ActionFigures;
use crate::stats::clamp_i64;
use crate::text::percent;
use crate::{action_path, Provenance};

/// The stable key of an expense line, for the reviewer's decision: the action's printed
/// number and the line's id (or, when the line has none, its label with whitespace
/// collapsed). Keys survive edits of amounts and comments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineKey {
    pub action: String,
    pub line: String,
}

impl LineKey {
    pub fn new(action: &str, line: &str) -> LineKey {
        LineKey { action: action.trim().to_string(), line: collapse(line) }
    }

    /// The key of `line` in `action`.
    pub fn of(action: &Action, line: &ExpenseLine) -> LineKey {
        let id = if line.id.trim().is_empty() { &line.label } else { &line.id };
        LineKey::new(&action.number, id)
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for LineKey {
    /// "1.1.2 / ase-a2-subvention-ml".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.action, self.line)
    }
}

/// The reviewer's decision on one carry-over line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Accept,
    Refuse,
}

/// The decisions on a report's carry-over lines.
pub type Decisions = BTreeMap<LineKey, Decision>;

/// The rules of a programme for a year. Data, not code: the defaults come from the
/// programme's reference data and each field may be overridden by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRules {
    /// Programme id ("calpae", "pacte").
    pub programme: String,
    /// The year N of the report the rules apply to.
    pub year: i32,
    /// The largest share of an action's spending the State pays, in percent.
    pub max_state_share_percent: i64,
    /// Whether unspent State credit that is not carried over is cut from the N+1
    /// delegation (réfaction).
    pub reduction_applies: bool,
}

/// The share used when a programme is unknown to the reference data (the same fallback
/// as `bilan-check`).
pub const FALLBACK_MAX_STATE_SHARE_PERCENT: i64 = 50;

impl CreditRules {
    /// The defaults: the programme's `max_state_share_percent` (50 % when the programme
    /// is unknown) and réfaction applied.
    pub fn defaults(programme: &str, year: i32) -> CreditRules {
        CreditRules {
            programme: programme.to_string(),
            year,
            max_state_share_percent: bilan_source::referentiel::builtin()
                .programme(programme)
                .map_or(FALLBACK_MAX_STATE_SHARE_PERCENT, |p| p.max_state_share_percent),
            reduction_applies: true,
        }
    }

    /// The defaults for the report's programme and year.
    pub fn for_report(report: &Report) -> CreditRules {
        CreditRules::defaults(&report.programme, report.year)
    }

    /// The percentage actually applied: brought back into 0–100.
    pub fn share_percent(&self) -> i64 {
        self.max_state_share_percent.clamp(0, 100)
    }

    /// "Règles CALPAE 2019 : l'État finance au plus 50 % de la dépense ; le crédit État
    /// non consommé et non reporté fait l'objet d'une réfaction."
    pub fn describe(&self) -> String {
        let name = bilan_source::referentiel::builtin()
            .programme(&self.programme)
            .map_or(self.programme.as_str(), |p| p.short_name.as_str());
        let cut = if self.reduction_applies {
            "le crédit État non consommé et non reporté fait l'objet d'une réfaction"
        } else {
            "le crédit État non consommé et non reporté ne fait pas l'objet de réfaction"
        };
        format!(
            "Règles {name} {} : l'État finance au plus {} de la dépense ; {cut}.",
            self.year,
            percent(self.share_percent())
        )
    }
}

/// `amount × pct / 100`, rounded down to the cent (the State pays *at most* its share).
fn share_of(amount: Money, pct: i64) -> Money {
    let n = i128::from(amount.cents().max(0)) * i128::from(pct.clamp(0, 100));
    Money::from_cents(clamp_i64(n / 100))
}

/// One carry-over request: an expense line with a non-zero `report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarryOverLine {
    pub key: LineKey,
    pub label: String,
    /// `mesures[i].actions[j].depenses[k].report`.
    pub at: Provenance,
    /// Report demandé (the whole amount, all funders).
    pub requested: Money,
    /// requested × taux maximal, rounded down to the cent.
    pub state_part: Money,
    /// The State part once capped by the action's unspent State credit.
    pub state_part_capped: Money,
    /// `None`: no decision yet.
    pub decision: Option<Decision>,
    pub explanation: String,
}

/// The computation for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditLine {
    pub measure: String,
    pub action: String,
    pub title: String,
    /// The action (`mesures[i].actions[j]`).
    pub at: Provenance,
    /// Part État of the convention (`None` when not stated).
    pub state_share: Option<Money>,
    /// Consommé as read by [`crate::figures`] (`None` when not stated).
    pub spent: Option<Money>,
    /// Where the spent figure was read.
    pub spent_sources: Vec<Provenance>,
    pub state_credit_used: Money,
    pub unspent_state_credit: Money,
    pub carry_overs: Vec<CarryOverLine>,
    pub accepted_carry_over: Money,
    pub refused_carry_over: Money,
    pub undecided_carry_over: Money,
    pub reduction: Money,
    /// The computation in French, step by step.
    pub explanation: String,
}

/// The credits note: what the State delegates for N+1 and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditsNote {
    pub department: DepartmentCode,
    /// The year N of the report.
    pub year: i32,
    pub rules: CreditRules,
    pub lines: Vec<CreditLine>,
    /// The State amount for N+1 set by the convention.
    pub state_amount_next_year: Money,
    /// Σ State part of the accepted carry-overs (capped).
    pub accepted_carry_over: Money,
    /// Σ State part of the refused carry-overs (capped).
    pub refused_carry_over: Money,
    /// Σ State part of the carry-overs still without a decision (capped).
    pub undecided_carry_over: Money,
    /// Σ réfaction.
    pub reduction: Money,
    /// Crédits délégués N+1.
    pub delegated: Money,
    /// Lines with a carry-over and no decision.
    pub undecided: Vec<LineKey>,
    /// Decisions whose key matches no carry-over line of the report.
    pub unknown_decisions: Vec<LineKey>,
    /// Points the reviewer should look at (French).
    pub warnings: Vec<String>,
    /// The final computation in French.
    pub explanation: String,
}

impl CreditsNote {
    /// True when every carry-over line has a decision.
    pub fn is_final(&self) -> bool {
        self.undecided.is_empty()
    }
}

fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "accepté",
        Some(Decision::Refuse) => "refusé",
        None => "sans décision (traité comme non accepté)",
    }
}

/// Computes the credits note of an approved report. See the module documentation for
/// the rules. Never fails: every oddity of the report becomes a warning.
pub fn compute_credits(
    report: &Report,
    state_amount_next_year: Money,
    decisions: &Decisions,
    rules: &CreditRules,
) -> CreditsNote {
    let pct = rules.share_percent();
    let pct_text = percent(pct);
    let next = report.year.saturating_add(1);
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: BTreeSet<LineKey> = BTreeSet::new();
    let mut undecided = Vec::new();

    for (mi, measure, ai, action) in report.actions() {
        let figs = ActionFigures::of(report, mi, ai, action);
        let path = action_path(mi, ai);
        let state_share = figs.state_share.as_ref().map(|f| f.value.max(Money::ZERO));
        let spent = figs.spent.as_ref().map(|f| f.value.max(Money::ZERO));
        let mut text = Vec::new();

        // 1-2. State credit used and unspent.
        let (used, unspent) = match state_share {
            None => {
                if figs.budget_elsewhere {
                    text.push(format!(
                        "Budget porté par l'action {} : aucune part État propre à cette action.",
                        action.budget_shared_with.as_deref().unwrap_or("")
                    ));
                } else {
                    text.push("Aucune part État prévue : aucun crédit État en jeu.".to_string());
                }
                (Money::ZERO, Money::ZERO)
            }
            Some(share) => {
                let spent_value = match spent {
                    Some(s) => {
                        text.push(format!("Part État prévue : {} ; crédits consommés : {}.", share, s));
                        s
                    }
                    None => {
                        text.push(format!(
                            "Part État prévue : {share} ; aucun montant consommé déclaré : compté comme 0,00\u{a0}€."
                        ));
                        warnings.push(format!(
                            "Action {} : aucun montant consommé déclaré, compté comme 0,00\u{a0}€ ; toute la part État est non consommée.",
                            action.number
                        ));
                        Money::ZERO
                    }
                };
                let max_state = share_of(spent_value, pct);
                let used = max_state.min(share);
                if max_state >= share {
                    text.push(format!(
                        "L'État finance au plus {pct_text} de la dépense : {pct_text} × {spent_value} = {max_state}, \
                         au moins égal à la part État : crédit État utilisé {used} (part État entièrement utilisée)."
                    ));
                } else {
                    text.push(format!(
                        "L'État finance au plus {pct_text} de la dépense : {pct_text} × {spent_value} = {max_state} : \
                         crédit État utilisé {used}."
                    ));
                }
                let unspent = share.sub(used).max(Money::ZERO);
                text.push(format!("Crédit État non consommé : {share} − {used} = {unspent}."));
                (used, unspent)
            }
        };

        // 3. Carry-over requests, per annex line.
        let mut carry: Vec<CarryOverLine> = Vec::new();
        for (li, e) in action.expenses.iter().enumerate() {
            let Some(requested) = figure(&e.carry_over).map(|m| m.max(Money::ZERO)) else { continue };
            if requested == Money::ZERO {
                continue;
            }
            let key = LineKey::of(action, e);
            seen.insert(key.clone());
            let decision = decisions.get(&key).copied();
            if decision.is_none() {
                undecided.push(key.clone());
            }
            carry.push(CarryOverLine {
                key,
                label: e.label.clone(),
                at: Provenance::new(report, &action.number, format!("{path}.depenses[{li}].report")),
                requested,
                state_part: share_of(requested, pct),
                state_part_capped: Money::ZERO,
                decision,
                explanation: String::new(),
            });
        }
        let mut remaining = unspent;
        let accepted_first = carry
            .iter()
            .enumerate()
            .filter(|(_, c)| c.decision == Some(Decision::Accept))
            .map(|(i, _)| i)
            .chain(
                carry
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.decision != Some(Decision::Accept))
                    .map(|(i, _)| i),
            )
            .collect::<Vec<_>>();
        for i in accepted_first {
            if let Some(c) = carry.get_mut(i) {
                c.state_part_capped = c.state_part.min(remaining);
                remaining = remaining.sub(c.state_part_capped);
                let cap = if c.state_part_capped < c.state_part {
                    format!(
                        ", ramenée à {} (limite du crédit État non consommé de l'action)",
                        c.state_part_capped
                    )
                } else {
                    String::new()
                };
                c.explanation = format!(
                    "Ligne « {} » : report demandé {} ; part État {pct_text} × {} = {}{cap} : {}.",
                    c.label.trim(),
                    c.requested,
                    c.requested,
                    c.state_part,
                    decision_word(c.decision)
                );
            }
        }
        let sum_of = |d: Option<Decision>| {
            Money::sum(carry.iter().filter(|c| c.decision == d).map(|c| c.state_part_capped))
        };
        let accepted = sum_of(Some(Decision::Accept));
        let refused = sum_of(Some(Decision::Refuse));
        let pending = sum_of(None);
        for c in &carry {
            text.push(c.explanation.clone());
        }

        // Body carry-over the annex lines do not carry.
        let annex_requested = Money::sum(carry.iter().map(|c| c.requested));
        let ex = action.executed.clone().unwrap_or_default();
        let body_requested = figure(&ex.carry_over)
            .or_else(|| {
                let v: Vec<Money> = ex.lines.iter().filter_map(|l| figure(&l.carry_over)).collect();
                (!v.is_empty()).then(|| Money::sum(v))
            })
            .unwrap_or(Money::ZERO);
        if body_requested > annex_requested {
            let msg = format!(
                "Le corps du rapport demande un report de {body_requested}, les lignes de l'annexe {annex_requested} : \
                 seuls les reports des lignes de l'annexe sont soumis à décision."
            );
            text.push(msg.clone());
            warnings.push(format!("Action {} : {}", action.number, lowercase_first(&msg)));
        }

        // 4. Réfaction.
        let reduction =
            if rules.reduction_applies { unspent.sub(accepted).max(Money::ZERO) } else { Money::ZERO };
        if state_share.is_some() {
            if unspent == Money::ZERO {
                text.push("Aucun crédit État non consommé : pas de réfaction.".to_string());
            } else if rules.reduction_applies {
                text.push(format!(
                    "Réfaction : crédit État non consommé {unspent} − reports acceptés (part État) {accepted} = {reduction}."
                ));
            } else {
                text.push(format!(
                    "Pas de réfaction selon les règles applicables ; reports acceptés (part État) ajoutés à {next} : {accepted}."
                ));
            }
        }

        lines.push(CreditLine {
            measure: measure.number.clone(),
            action: action.number.clone(),
            title: action.title.clone(),
            at: figs.at.clone(),
            state_share,
            spent,
            spent_sources: figs.spent.iter().flat_map(|f| f.sources.iter().map(|s| s.at.clone())).collect(),
            state_credit_used: used,
            unspent_state_credit: unspent,
            carry_overs: carry,
            accepted_carry_over: accepted,
            refused_carry_over: refused,
            undecided_carry_over: pending,
            reduction,
            explanation: format!("Action {} — {}", action.number, text.join(" ")),
        });
    }

    let unknown_decisions: Vec<LineKey> = decisions.keys().filter(|k| !seen.contains(*k)).cloned().collect();
    for k in &unknown_decisions {
        warnings.push(format!(
            "La décision sur la ligne « {k} » ne correspond à aucun report demandé : ignorée."
        ));
    }
    for k in &undecided {
        warnings
            .push(format!("Le report de la ligne « {k} » attend une décision : compté comme non accepté."));
    }

    let accepted = Money::sum(lines.iter().map(|l| l.accepted_carry_over));
    let refused = Money::sum(lines.iter().map(|l| l.refused_carry_over));
    let pending = Money::sum(lines.iter().map(|l| l.undecided_carry_over));
    let reduction = Money::sum(lines.iter().map(|l| l.reduction));
    let raw = state_amount_next_year.add(accepted).sub(reduction);
    let delegated = raw.max(Money::ZERO);
    let mut explanation = format!(
        "Crédits État délégués pour {next} : montant État {next} de la convention {state_amount_next_year} \
         + reports acceptés (part État) {accepted} − réfaction {reduction} = {raw}"
    );
    if raw < Money::ZERO {
        explanation.push_str(", ramené à 0,00\u{a0}€ (un montant délégué ne peut être négatif)");
    }
    explanation.push('.');
    if refused > Money::ZERO {
        explanation.push_str(&format!(" Reports refusés (part État) : {refused}."));
    }
    if !undecided.is_empty() {
        let n = undecided.len();
        let (reports, counted) = if n > 1 { ("reports", "comptés") } else { ("report", "compté") };
        explanation.push_str(&format!(
            " Note provisoire : {n} {reports} sans décision ({pending} de part État), {counted} comme non accepté{}.",
            if n > 1 { "s" } else { "" }
        ));
    }

    CreditsNote {
        department: report.department,
        year: report.year,
        rules: rules.clone(),
        lines,
        state_amount_next_year,
        accepted_carry_over: accepted,
        refused_carry_over: refused,
        undecided_carry_over: pending,
        reduction,
        delegated,
        undecided,
        unknown_decisions,
        warnings,
        explanation,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(e: i64) -> Money {
        Money::from_euros(e)
    }

    fn cents(c: i64) -> Money {
        Money::from_cents(c)
    }

    /// One measure, actions given as TOML fragments.
    fn report(actions: &str) -> Report {
        let src = format!(
            "programme = \"calpae\"\ndepartement = \"15\"\nannee = 2020\n\
             [[mesures]]\nnumero = \"1\"\ntype = \"socle\"\nintitule = \"Référent de parcours\"\n{actions}"
        );
        bilan_source::parse_str(&src).unwrap_or_else(|e| panic!("{e}\n{src}")).report
    }

    const FORMATION: &str = "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"Formation\"\n\
        [mesures.actions.prevision]\npart_etat = \"50 000 €\"\npart_cd = \"50 000 €\"\ntotal = \"100 000 €\"\n\
        [mesures.actions.execution]\nconsomme = \"60 000 €\"\n\
        [[mesures.actions.depenses]]\nid = \"form\"\nlibelle = \"Formation\"\ninscrit = \"40 000 €\"\nrealise = \"20 000 €\"\nreport = \"20 000 €\"\n\
        [[mesures.actions.depenses]]\nid = \"etp\"\nlibelle = \"Temps agents\"\ninscrit = \"60 000 €\"\nrealise = \"40 000 €\"\n";

    #[test]
    fn carry_over_accepted() {
        // Part État 50 000; spent 60 000 → 50 % = 30 000 < 50 000: used 30 000,
        // unspent 20 000. Line "form" asks 20 000 → State part 10 000 ≤ 20 000: accepted.
        // Réfaction 20 000 − 10 000 = 10 000. Delegated: 100 000 + 10 000 − 10 000.
        let r = report(FORMATION);
        let d = Decisions::from([(LineKey::new("1.1", "form"), Decision::Accept)]);
        let n = compute_credits(&r, eur(100_000), &d, &CreditRules::for_report(&r));
        let l = &n.lines[0];
        assert_eq!((l.state_credit_used, l.unspent_state_credit), (eur(30_000), eur(20_000)));
        assert_eq!(l.carry_overs.len(), 1, "only the line with a report");
        assert_eq!(l.carry_overs[0].state_part, eur(10_000));
        assert_eq!(l.carry_overs[0].at.path, "mesures[0].actions[0].depenses[0].report");
        assert_eq!(
            (n.accepted_carry_over, n.refused_carry_over, n.reduction),
            (eur(10_000), eur(0), eur(10_000))
        );
        assert_eq!(n.delegated, eur(100_000));
        assert!(n.is_final());
        assert!(n.warnings.is_empty(), "{:?}", n.warnings);
        assert!(
            l.explanation.contains("50\u{a0}% × 60\u{202f}000,00\u{a0}€ = 30\u{202f}000,00\u{a0}€"),
            "{}",
            l.explanation
        );
        assert!(
            l.explanation.contains("Réfaction : crédit État non consommé 20\u{202f}000,00\u{a0}€"),
            "{}",
            l.explanation
        );
        assert!(l.carry_overs[0].explanation.ends_with(": accepté."), "{}", l.carry_overs[0].explanation);
        assert!(n.explanation.contains("= 100\u{202f}000,00\u{a0}€."), "{}", n.explanation);
    }

    #[test]
    fn carry_over_refused() {
        // Same action, line refused: nothing added; réfaction = all 20 000 unspent.
        // Delegated 100 000 + 0 − 20 000 = 80 000.
        let r = report(FORMATION);
        let d = Decisions::from([(LineKey::new("1.1", "form"), Decision::Refuse)]);
        let n = compute_credits(&r, eur(100_000), &d, &CreditRules::for_report(&r));
        assert_eq!(
            (n.accepted_carry_over, n.refused_carry_over, n.reduction),
            (eur(0), eur(10_000), eur(20_000))
        );
        assert_eq!(n.delegated, eur(80_000));
        assert!(n.lines[0].carry_overs[0].explanation.ends_with(": refusé."));
        assert!(n.explanation.contains("Reports refusés (part État) : 10\u{202f}000,00\u{a0}€"));
    }

    #[test]
    fn undecided_and_unknown_decisions() {
        let r = report(FORMATION);
        let d = Decisions::from([(LineKey::new("9.9", "form"), Decision::Accept)]);
        let n = compute_credits(&r, eur(100_000), &d, &CreditRules::for_report(&r));
        assert!(!n.is_final());
        assert_eq!(n.undecided, vec![LineKey::new("1.1", "form")]);
        assert_eq!(n.unknown_decisions, vec![LineKey::new("9.9", "form")]);
        assert_eq!(
            (n.undecided_carry_over, n.reduction, n.delegated),
            (eur(10_000), eur(20_000), eur(80_000))
        );
        assert_eq!(n.warnings.len(), 2);
        assert!(
            n.explanation.ends_with(
                " Note provisoire : 1 report sans décision (10\u{202f}000,00\u{a0}€ de part État), compté comme non accepté."
            ),
            "{}",
            n.explanation
        );
    }

    #[test]
    fn overspent_action_has_no_reduction() {
        // Part État 10 000; spent 30 000 → 50 % = 15 000 ≥ 10 000: used 10 000,
        // unspent 0. A 4 000 € request has a State part of 2 000, capped to 0.
        let r = report(
            "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n\
             [mesures.actions.prevision]\npart_etat = \"10 000 €\"\npart_cd = \"10 000 €\"\n\
             [mesures.actions.execution]\nconsomme = \"30 000 €\"\n\
             [[mesures.actions.depenses]]\nlibelle = \"Prestations  diverses\"\nreport = \"4 000 €\"\n",
        );
        let key = LineKey::new("1.1", "Prestations diverses");
        let n = compute_credits(
            &r,
            eur(5_000),
            &Decisions::from([(key, Decision::Accept)]),
            &CreditRules::for_report(&r),
        );
        let l = &n.lines[0];
        assert_eq!((l.state_credit_used, l.unspent_state_credit, l.reduction), (eur(10_000), eur(0), eur(0)));
        assert_eq!((l.carry_overs[0].state_part, l.carry_overs[0].state_part_capped), (eur(2_000), eur(0)));
        assert_eq!(n.delegated, eur(5_000));
        assert!(l.explanation.contains("part État entièrement utilisée"), "{}", l.explanation);
        assert!(l.explanation.contains("pas de réfaction"), "{}", l.explanation);
        assert!(l.carry_overs[0].explanation.contains("ramenée à 0,00\u{a0}€"));
    }

    #[test]
    fn action_without_part_etat() {
        // No part État: nothing at stake, even with spending and a carry-over.
        let r = report(
            "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n\
             [mesures.actions.execution]\nconsomme = \"3 000 €\"\n\
             [[mesures.actions.depenses]]\nid = \"x\"\nlibelle = \"x\"\nreport = \"1 000 €\"\n\
             [[mesures.actions]]\nnumero = \"1.2\"\nintitule = \"B\"\nbudget_commun_avec = \"1.1\"\n",
        );
        let d = Decisions::from([(LineKey::new("1.1", "x"), Decision::Accept)]);
        let n = compute_credits(&r, eur(1_000), &d, &CreditRules::for_report(&r));
        for l in &n.lines {
            assert_eq!((l.state_credit_used, l.unspent_state_credit, l.reduction), (eur(0), eur(0), eur(0)));
        }
        assert_eq!(n.lines[0].carry_overs[0].state_part_capped, eur(0));
        assert!(n.lines[0].explanation.contains("Aucune part État prévue"));
        assert!(n.lines[1].explanation.contains("Budget porté par l'action 1.1"));
        assert_eq!(n.delegated, eur(1_000));
    }

    #[test]
    fn cap_is_taken_by_accepted_lines_first() {
        // Part État 10 000, nothing spent: unspent 10 000. Line a (refused) asks 16 000
        // → 8 000; line b (accepted) asks 8 000 → 4 000. Accepted first: b takes 4 000,
        // then a gets min(8 000, 6 000) = 6 000. Réfaction 10 000 − 4 000 = 6 000.
        let r = report(
            "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n\
             [mesures.actions.prevision]\npart_etat = \"10 000 €\"\n\
             [mesures.actions.execution]\nconsomme = \"0 €\"\n\
             [[mesures.actions.depenses]]\nid = \"a\"\nlibelle = \"a\"\nreport = \"16 000 €\"\n\
             [[mesures.actions.depenses]]\nid = \"b\"\nlibelle = \"b\"\nreport = \"8 000 €\"\n",
        );
        let d = Decisions::from([
            (LineKey::new("1.1", "a"), Decision::Refuse),
            (LineKey::new("1.1", "b"), Decision::Accept),
        ]);
        let n = compute_credits(&r, eur(0), &d, &CreditRules::for_report(&r));
        let c = &n.lines[0].carry_overs;
        assert_eq!((c[0].state_part_capped, c[1].state_part_capped), (eur(6_000), eur(4_000)));
        assert_eq!(
            (n.accepted_carry_over, n.refused_carry_over, n.reduction),
            (eur(4_000), eur(6_000), eur(6_000))
        );
        // 0 + 4 000 − 6 000 < 0 → 0.
        assert_eq!(n.delegated, eur(0));
        assert!(n.explanation.contains("ramené à 0,00\u{a0}€"), "{}", n.explanation);
    }

    #[test]
    fn rules_are_data() {
        let r = report(FORMATION);
        let d = Decisions::new();
        // No réfaction: the unspent credit is neither carried nor cut.
        let rules = CreditRules { reduction_applies: false, ..CreditRules::for_report(&r) };
        let n = compute_credits(&r, eur(100_000), &d, &rules);
        assert_eq!((n.reduction, n.delegated), (eur(0), eur(100_000)));
        // 80 %: used min(50 000, 48 000) = 48 000, unspent 2 000; the 20 000 request has a
        // State part of 16 000, capped to 2 000.
        let rules = CreditRules { max_state_share_percent: 80, ..CreditRules::for_report(&r) };
        let n = compute_credits(&r, eur(0), &d, &rules);
        assert_eq!(n.lines[0].unspent_state_credit, eur(2_000));
        assert_eq!(n.lines[0].carry_overs[0].state_part_capped, eur(2_000));
        // Out-of-range percentages are clamped; absurd amounts do not panic.
        let rules = CreditRules { max_state_share_percent: i64::MAX, ..CreditRules::for_report(&r) };
        assert_eq!(rules.share_percent(), 100);
        let n = compute_credits(&r, Money::from_cents(i64::MAX), &d, &rules);
        assert!(n.delegated >= Money::ZERO);
        assert_eq!(CreditRules::defaults("inconnu", 2030).max_state_share_percent, 50);
        assert!(CreditRules::defaults("calpae", 2019)
            .describe()
            .starts_with("Règles CALPAE 2019 : l'État finance au plus 50\u{a0}%"));
    }

    #[test]
    fn shares_round_down_to_the_cent() {
        // 50 % of 0,05 € = 0,025 € → 0,02 € (at most), not 0,03 €.
        assert_eq!(share_of(cents(5), 50), cents(2));
        assert_eq!(share_of(cents(-5), 50), cents(0));
        assert_eq!(share_of(Money::from_cents(i64::MAX), 100), Money::from_cents(i64::MAX));
    }

    #[test]
    fn body_carry_over_outside_the_annex_is_flagged() {
        let r = report(
            "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n\
             [mesures.actions.prevision]\npart_etat = \"10 000 €\"\n\
             [mesures.actions.execution]\nconsomme = \"20 000 €\"\nreport = \"5 000 €\"\n",
        );
        let n = compute_credits(&r, eur(0), &Decisions::new(), &CreditRules::for_report(&r));
        assert!(n.lines[0].carry_overs.is_empty());
        assert_eq!(n.warnings.len(), 1);
        assert!(n.warnings[0]
            .starts_with("Action 1.1 : le corps du rapport demande un report de 5\u{202f}000,00"));
    }

    #[test]
    fn missing_spent_counts_as_zero() {
        let r = report(
            "[[mesures.actions]]\nnumero = \"1.1\"\nintitule = \"A\"\n\
             [mesures.actions.prevision]\npart_etat = \"10 000 €\"\n",
        );
        let n = compute_credits(&r, eur(0), &Decisions::new(), &CreditRules::for_report(&r));
        assert_eq!(n.reduction, eur(10_000));
        assert!(n.warnings[0].contains("aucun montant consommé déclaré"));
    }
}
