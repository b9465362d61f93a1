//! New reports: an empty skeleton for a Département and year, or next year's draft
//! carried forward from this year's report.
//!
//! Empty sections hold the template's bracketed instructions, as the official template
//! does: `bilan check` flags them (TXT001) until someone writes the real text.

use crate::amount::{figure, Amount};
use crate::collectivite::CollectiviteCode;
use crate::date::Date;
use crate::indicator::Indicator;
use crate::model::*;
use crate::money::Money;
use crate::referentiel::Programme;

const DESCRIBE: &str = "[Décrivez l'action : objectifs, public visé, modalités]";
const REVIEW: &str =
    "[Rendez compte de l'exécution de l'action au 31/12 : réalisations, résultats, difficultés]";
const OUTLOOK: &str = "[Poursuite ou réorientation de l'action, donnez des précisions. Réorientation des cibles des indicateurs le cas échéant.]";

fn empty_action(number: String, title: String) -> Action {
    Action {
        description: DESCRIBE.into(),
        forecast: Some(Forecast::default()),
        execution_review: REVIEW.into(),
        outlook: OUTLOOK.into(),
        ..Action::blank(number, title)
    }
}

/// A new, empty report of a signatory: the programme's socle measures of the year, each
/// with its reference code and one action carrying the measure's catalogue indicators of
/// the year (code, title and unit; the values are the collectivité's to fill). Its
/// `departement` is the signatory's principal territory, and `collectivite` is set when
/// the signatory is not that Département (69M, 20R, 6AE).
pub fn skeleton(signatory: CollectiviteCode, year: i32, programme: &Programme) -> Report {
    let department = signatory.principal();
    let collectivite = (signatory.as_str() != department.as_str()).then_some(signatory);
    let who = match collectivite {
        Some(c) => c.name(),
        None => format!("Département {}", department.info().of_name),
    };
    let measures: Vec<Measure> = programme
        .core_measures(year)
        .enumerate()
        .map(|(i, m)| {
            let number = format!("1.{}", i + 1);
            let mut action = empty_action(format!("{number}.1"), "[Intitulé de l'action]".into());
            action.indicators = programme
                .indicators_of(&m.code, year)
                .map(|c| Indicator {
                    code: Some(c.code.clone()),
                    measure_label: String::new(),
                    name: c.title.clone(),
                    unit: Some(c.unit),
                    baseline: None,
                    target: None,
                    result: None,
                    justification: String::new(),
                })
                .collect();
            Measure {
                actions: vec![action],
                number,
                kind: MeasureKind::Core,
                code: Some(m.code.clone()),
                title: m.title.clone(),
            }
        })
        .collect();
    let groups = measures
        .iter()
        .map(|m| AnnexGroup {
            label: m.title.clone(),
            subtotal_label: String::new(),
            actions: m.actions.iter().map(|a| a.number.clone()).collect(),
            state_revenue: None,
            subtotal: None,
        })
        .collect();
    Report {
        programme: programme.id.to_string(),
        department,
        collectivite,
        year,
        title: format!("Rapport d'exécution {year} – {} – {who}", programme.name),
        deadline: programme.deadline(year),
        preamble: String::new(),
        convention: Convention { title: programme.name.to_string(), ..Convention::default() },
        deliberation: None,
        transmitted_on: None,
        measures,
        annex: Annex { groups, ..Annex::default() },
    }
}

/// Next year's draft from this year's report: same measures and actions, baselines set
/// to this year's results, requested carry-overs added as planned lines, and every
/// figure of execution left to fill.
pub fn follow_up(previous: &Report, year: i32, programme: &Programme) -> Report {
    let prev_year = previous.year;
    let measures = previous
        .measures
        .iter()
        .map(|m| Measure {
            number: m.number.clone(),
            kind: m.kind,
            code: m.code.clone(),
            title: m.title.clone(),
            actions: m.actions.iter().map(|a| carry_action(a, prev_year)).collect(),
        })
        .collect();
    let annex = Annex {
        title: String::new(),
        subtitle: String::new(),
        legend: previous.annex.legend.clone(),
        rounding: Rounding::Cent,
        groups: previous
            .annex
            .groups
            .iter()
            .map(|g| AnnexGroup { state_revenue: None, subtotal: None, ..g.clone() })
            .collect(),
        total: None,
    };
    Report {
        programme: programme.id.to_string(),
        department: previous.department,
        collectivite: previous.collectivite,
        year,
        title: previous.title.replace(&prev_year.to_string(), &year.to_string()),
        deadline: previous
            .deadline
            .and_then(|d| Date::new(d.year() + (year - prev_year), d.month(), d.day()))
            .or_else(|| programme.deadline(year)),
        preamble: if previous.preamble.trim().is_empty() {
            String::new()
        } else {
            format!("[Mettez à jour le préambule pour l'année {year}]\n\n{}", previous.preamble)
        },
        convention: previous.convention.clone(),
        deliberation: None,
        transmitted_on: None,
        measures,
        annex,
    }
}

fn carry_action(a: &Action, prev_year: i32) -> Action {
    let mut expenses: Vec<ExpenseLine> = a
        .expenses
        .iter()
        .map(|e| ExpenseLine {
            spent: None,
            committed: None,
            carry_over: None,
            comment: String::new(),
            ..e.clone()
        })
        .collect();
    // Requested carry-overs become credit of the new year, line by line.
    let mut carried = false;
    for e in &a.expenses {
        if let Some(m) = figure(&e.carry_over).filter(|m| *m > Money::ZERO) {
            carried = true;
            expenses.push(ExpenseLine {
                id: if e.id.is_empty() { String::new() } else { format!("{}-report-{prev_year}", e.id) },
                directorate: e.directorate.clone(),
                label: format!("{} (report {prev_year})", e.label),
                category: e.category.clone(),
                staff_time_valuation: e.staff_time_valuation,
                planned: Some(Amount::Value(m)),
                committed: None,
                spent: None,
                carry_over: None,
                comment: format!(
                    "Report des crédits {prev_year} demandé dans le rapport d'exécution {prev_year}"
                ),
            });
        }
    }
    // A carry-over stated only in the body (no annex line carries it) is kept as one line.
    if !carried {
        let body = a.executed.as_ref().and_then(|x| {
            figure(&x.carry_over).or_else(|| {
                let s = Money::sum(x.lines.iter().filter_map(|l| figure(&l.carry_over)));
                (s > Money::ZERO).then_some(s)
            })
        });
        if let Some(m) = body.filter(|m| *m > Money::ZERO) {
            expenses.push(ExpenseLine {
                label: format!("Report {prev_year}"),
                planned: Some(Amount::Value(m)),
                comment: format!(
                    "Report des crédits {prev_year} demandé dans le rapport d'exécution {prev_year}"
                ),
                ..ExpenseLine::default()
            });
        }
    }
    Action {
        number: a.number.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        start_text: a.start_text.clone(),
        start: a.start,
        end: a.end,
        partners: a.partners.clone(),
        duration: a.duration.clone(),
        budget_comment: String::new(),
        budget_shared_with: a.budget_shared_with.clone(),
        forecast: a.forecast.clone().map(|f| Forecast { comment: String::new(), ..f }),
        executed: None,
        expenses,
        fapi: a.fapi,
        indicators_comment: String::new(),
        indicators: a
            .indicators
            .iter()
            .map(|i| Indicator {
                code: i.code.clone(),
                measure_label: i.measure_label.clone(),
                name: i.name.clone(),
                unit: i.unit,
                baseline: i.result.clone(),
                target: None,
                result: None,
                justification: String::new(),
            })
            .collect(),
        // Next year's baseline is this year's result, which the Département reports.
        baseline_scope: None,
        execution_review: REVIEW.into(),
        review_includes_outlook: false,
        outlook: OUTLOOK.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::{IndicatorValue, Quantity};
    use crate::referentiel::test_programme as programme;

    #[test]
    fn skeleton_has_the_core_measures_of_the_year() {
        let p = &programme("calpae");
        let r = skeleton(CollectiviteCode::parse("2A").unwrap(), 2020, p);
        assert_eq!(r.measures.len(), 6, "2020 adds the training of social workers");
        assert!(r.title.contains("de la Corse-du-Sud"), "{}", r.title);
        assert_eq!(r.deadline, Date::new(2021, 6, 30));
        let r = skeleton(CollectiviteCode::parse("03").unwrap(), 2019, p);
        assert_eq!(r.measures.len(), 5);
        assert!(r.measures.iter().all(|m| m.code.is_some()));
        // Each measure's action carries its catalogue indicators, linked by code, unfilled.
        let rsa = r.measures.iter().find(|m| m.code.as_deref() == Some("CALPAE-RSA")).unwrap();
        let codes: Vec<&str> = rsa.actions[0].indicators.iter().filter_map(|i| i.code.as_deref()).collect();
        let expected: Vec<&str> = p.indicators_of("CALPAE-RSA", 2019).map(|i| i.code.as_str()).collect();
        assert_eq!(codes, expected);
        assert!(!codes.is_empty());
        let i = &rsa.actions[0].indicators[0];
        assert_eq!(i.unit, Some(crate::IndicatorUnit::Count));
        assert!(i.result.is_none() && i.target.is_none() && i.baseline.is_none() && !i.name.is_empty());
    }

    #[test]
    fn skeleton_of_a_collectivite_says_who_signs() {
        let p = &programme("pacte");
        let r = skeleton(CollectiviteCode::parse("20R").unwrap(), 2024, p);
        assert_eq!(
            (r.department.as_str(), r.collectivite.map(CollectiviteCode::as_str)),
            ("2A", Some("20R"))
        );
        assert_eq!(r.signatory().as_str(), "20R");
        assert!(r.title.ends_with("– Collectivité de Corse"), "{}", r.title);
        let next = follow_up(&r, 2025, p);
        assert_eq!(next.signatory().as_str(), "20R");
        let allier = skeleton(CollectiviteCode::parse("03").unwrap(), 2024, p);
        assert_eq!((allier.collectivite, allier.signatory().as_str()), (None, "03"));
    }

    #[test]
    fn follow_up_carries_results_and_carry_overs() {
        let p = &programme("calpae");
        let mut prev = skeleton(CollectiviteCode::parse("03").unwrap(), 2019, p);
        let a = &mut prev.measures[0].actions[0];
        a.indicators.clear();
        a.indicators.push(Indicator {
            code: None,
            measure_label: String::new(),
            name: "Nb".into(),
            unit: None,
            baseline: None,
            target: None,
            result: Some(IndicatorValue::Number(Quantity::from_int(12))),
            justification: String::new(),
        });
        a.expenses.push(ExpenseLine {
            id: "f".into(),
            label: "Formation".into(),
            planned: Some(Amount::Value(Money::from_euros(20_000))),
            spent: Some(Amount::Value(Money::ZERO)),
            carry_over: Some(Amount::Value(Money::from_euros(20_000))),
            ..ExpenseLine::default()
        });
        let next = follow_up(&prev, 2020, p);
        let a = &next.measures[0].actions[0];
        assert_eq!(a.indicators[0].baseline, Some(IndicatorValue::Number(Quantity::from_int(12))));
        assert_eq!(a.indicators[0].result, None);
        assert_eq!(a.expenses.len(), 2);
        assert_eq!(a.expenses[0].spent, None);
        assert_eq!(a.expenses[1].label, "Formation (report 2019)");
        assert_eq!(figure(&a.expenses[1].planned), Some(Money::from_euros(20_000)));
        assert_eq!(next.deadline, Date::new(2021, 6, 30));
        assert_eq!(next.measures[0].code.as_deref(), Some("CALPAE-ASE"), "codes are carried forward");
    }
}
