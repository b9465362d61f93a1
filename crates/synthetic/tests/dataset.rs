//! The shape of the dataset: counts, labels, stages, determinism, coherence of figures.

mod common;

use std::collections::BTreeSet;

use bilan_domain::collectivite::signatories;
use bilan_domain::geo;
use bilan_domain::{figure, IndicatorUnit, IndicatorValue, Money};
use bilan_synthetic::{national_dataset, signatory_year, Stage, LABEL, YEARS};
use common::{dataset, find, SEED};

#[test]
fn every_signatory_and_year_once_in_order() {
    let data = dataset();
    // 2019: 101 Départements − 2A − 2B + 20R + 69M; from 2020 also − 67 − 68 + 6AE.
    assert_eq!(data.len(), 101 + 5 * 100);
    let mut seen = BTreeSet::new();
    for s in data {
        assert!(
            seen.insert((s.report.year, s.report.signatory().as_str())),
            "duplicate {:?}",
            s.report.title
        );
    }
    for (year, programme) in YEARS {
        let of_year: Vec<_> = data.iter().filter(|s| s.report.year == year).collect();
        let codes: Vec<&str> = of_year.iter().map(|s| s.report.signatory().as_str()).collect();
        let expected: Vec<&str> = signatories(year).iter().map(|c| c.code).collect();
        assert_eq!(codes, expected, "{year}: every signatory, in their order");
        assert!(of_year.iter().all(|s| s.report.programme == programme));
        // The file says who signed when it is not the Département itself.
        for s in &of_year {
            let r = &s.report;
            assert!(r.signatory().territories().first() == Some(&r.department.as_str()), "{}", r.title);
            assert_eq!(r.collectivite.is_some(), r.signatory().as_str() != r.department.as_str());
        }
    }
    let codes = |year: i32| -> Vec<&str> {
        data.iter().filter(|s| s.report.year == year).map(|s| s.report.signatory().as_str()).collect()
    };
    let (y2019, y2020) = (codes(2019), codes(2020));
    assert_eq!(y2019.len(), 101);
    assert!(y2019.contains(&"69") && y2019.contains(&"69M") && y2019.contains(&"20R"));
    assert!(!y2019.contains(&"2A") && !y2019.contains(&"2B") && !y2019.contains(&"6AE"));
    assert!(y2019.contains(&"67") && y2019.contains(&"68"));
    assert!(y2020.contains(&"6AE") && !y2020.contains(&"67") && !y2020.contains(&"68"));
    let lyon = find("69M", 2024).expect("Métropole de Lyon 2024");
    assert_eq!(lyon.report.department.as_str(), "69");
    assert!(lyon.report.title.contains("Métropole de Lyon"), "{}", lyon.report.title);
    assert!(
        lyon.report.preamble.contains("entre l'État et la Métropole de Lyon"),
        "{}",
        lyon.report.preamble
    );
    let years: Vec<i32> = data.iter().map(|s| s.report.year).collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "ordered by year");
}

#[test]
fn every_report_is_labelled_synthetic() {
    for s in dataset() {
        let r = &s.report;
        assert!(r.title.contains(LABEL), "{}", r.title);
        assert!(r.preamble.starts_with(LABEL), "{}", r.preamble);
        let first_sentence = r.preamble.split('.').next().unwrap_or_default();
        assert!(first_sentence.contains("généré"), "{first_sentence}");
        assert!(r.annex.title.contains("données synthétiques"), "{}", r.annex.title);
    }
}

fn count(year: i32, stage: Stage) -> usize {
    dataset().iter().filter(|s| s.report.year == year && s.stage == stage).count()
}

#[test]
fn stages_per_year() {
    assert_eq!(count(2019, Stage::Approved), 101);
    for year in [2020, 2021, 2024] {
        assert_eq!(count(year, Stage::Approved), 100, "{year}");
    }
    assert_eq!(count(2022, Stage::Transmitted), 20);
    assert_eq!(count(2022, Stage::Approved), 80);
    assert_eq!(count(2025, Stage::Transmitted), 55);
    assert_eq!(count(2025, Stage::Approved), 20);
    assert!(count(2025, Stage::Draft) >= 10 && count(2025, Stage::Adopted) >= 10);
    assert_eq!(count(2025, Stage::Draft) + count(2025, Stage::Adopted), 25);

    let allier = find("03", 2025).expect("Allier 2025");
    assert!(!allier.stage.is_transmitted(), "Allier has not transmitted in 2025");
    for region in geo::REGIONS.iter() {
        let members: Vec<&str> =
            signatories(2025).iter().filter(|c| c.region_code() == region.code).map(|c| c.code).collect();
        if members.len() < 2 {
            continue;
        }
        let late = members.iter().filter(|c| !find(c, 2025).expect("report").stage.is_transmitted()).count();
        assert!(late >= 1, "region {} has every signatory transmitted in 2025", region.name);
    }
}

#[test]
fn workflow_dates_follow_the_stage() {
    for s in dataset() {
        let r = &s.report;
        match s.stage {
            Stage::Draft => assert!(r.deliberation.is_none() && r.transmitted_on.is_none()),
            Stage::Adopted => {
                assert!(r.deliberation.as_ref().and_then(|d| d.date).is_some());
                assert!(r.transmitted_on.is_none());
            }
            Stage::Transmitted | Stage::Approved => {
                let d = r.deliberation.as_ref().and_then(|d| d.date).expect("deliberation date");
                let t = r.transmitted_on.expect("transmission date");
                assert!(d <= t && Some(d) <= r.deadline, "{}", r.title);
            }
        }
        assert!(r.convention.signed_on.is_some());
    }
}

#[test]
fn same_seed_same_data_other_seed_other_amounts() {
    let again = national_dataset(SEED);
    assert!(again == dataset(), "same seed, same dataset");
    let other = national_dataset(SEED + 1);
    let totals = |data: &[bilan_synthetic::SyntheticReport]| -> Vec<Money> {
        data.iter()
            .map(|s| {
                Money::sum(
                    s.report
                        .actions()
                        .filter_map(|(_, _, _, a)| a.forecast.as_ref().and_then(|f| figure(&f.total))),
                )
            })
            .collect()
    };
    let (a, b) = (totals(dataset()), totals(&other));
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(differing > 590, "only {differing} reports differ in amounts with another seed");
}

#[test]
fn signatory_year_equals_the_dataset_element() {
    for s in dataset() {
        let alone = signatory_year(SEED, s.report.signatory().as_str(), s.report.year).expect("known");
        assert!(alone == *s, "{} {}", s.report.signatory(), s.report.year);
    }
    assert_eq!(signatory_year(SEED, "69m", 2019).map(|s| s.report.signatory().as_str()), Some("69M"));
    assert!(signatory_year(SEED, "2A", 2019).is_none(), "the Collectivité de Corse signs");
    assert!(signatory_year(SEED, "67", 2020).is_none(), "the Collectivité européenne d'Alsace signs");
    assert!(signatory_year(SEED, "99", 2019).is_none());
    assert!(signatory_year(SEED, "03", 2023).is_none());
}

#[test]
fn measures_are_the_core_ones_plus_local_ones() {
    let mut locals = BTreeSet::new();
    for s in dataset() {
        let r = &s.report;
        let p = bilan_source::referentiel::builtin().programme(&r.programme).expect("programme");
        let core: Vec<&str> = p.core_measures(r.year).map(|m| m.title.as_str()).collect();
        let titles: Vec<&str> = r.measures.iter().take(core.len()).map(|m| m.title.as_str()).collect();
        assert_eq!(titles, core, "{}", r.title);
        let n_local = r.measures.len() - core.len();
        assert!(n_local <= 2);
        locals.insert(n_local);
        for (mi, m) in r.measures.iter().enumerate() {
            assert!((1..=3).contains(&m.actions.len()));
            let part = if mi < core.len() { 1 } else { 2 };
            let k = if mi < core.len() { mi + 1 } else { mi - core.len() + 1 };
            assert_eq!(m.number, format!("{part}.{k}"));
            for (ai, a) in m.actions.iter().enumerate() {
                assert_eq!(a.number, format!("{}.{}", m.number, ai + 1));
                assert!(!a.indicators.is_empty());
            }
        }
    }
    assert_eq!(locals.len(), 3, "0, 1 and 2 local measures all occur");
}

#[test]
fn money_is_coherent_and_scales_with_size() {
    let mut per_signatory: Vec<(Money, &str)> = Vec::new();
    for s in dataset() {
        let r = &s.report;
        let mut report_total = Money::ZERO;
        for (_, _, _, a) in r.actions() {
            let f = a.forecast.as_ref().expect("forecast");
            let (st, d, t) = (figure(&f.state_share), figure(&f.department_share), figure(&f.total));
            let (st, d, t) = (st.expect("part État"), d.expect("part CD"), t.expect("total"));
            if s.stage != Stage::Draft {
                assert_eq!(st.add(d), t);
            }
            assert!(st <= d, "part État ≤ part CD");
            let planned = Money::sum(a.expenses.iter().filter_map(|e| figure(&e.planned)));
            assert_eq!(planned, st.add(d), "expense lines add up to the forecast");
            for e in &a.expenses {
                let (c, sp) = (figure(&e.committed).expect("c"), figure(&e.spent).expect("s"));
                assert!(sp <= c && c <= figure(&e.planned).expect("p"));
                if let Some(co) = figure(&e.carry_over) {
                    assert!(co <= figure(&e.planned).expect("p").sub(sp));
                }
            }
            report_total = report_total.add(planned);
        }
        if s.report.year == 2021 {
            per_signatory.push((report_total, r.signatory().as_str()));
        }
    }
    per_signatory.sort();
    let (small, big) = (per_signatory[0].0, per_signatory[per_signatory.len() - 1].0);
    assert!(big.cents() >= 6 * small.cents(), "largest {big} vs smallest {small}");
    assert!(big.cents() <= 20 * small.cents(), "largest {big} vs smallest {small}");
}

#[test]
fn baselines_are_last_years_results() {
    let mut compared = 0;
    for s in dataset().iter().filter(|s| s.report.year != 2019 && s.report.year != 2024) {
        let Some(prev) = find(s.report.signatory().as_str(), s.report.year - 1) else {
            // Only the Collectivité européenne d'Alsace's first year has no previous report.
            assert_eq!((s.report.signatory().as_str(), s.report.year), ("6AE", 2020));
            continue;
        };
        for (_, _, _, a) in s.report.actions() {
            let Some((_, _, pa)) = prev.report.action(&a.number) else { continue };
            for i in &a.indicators {
                let Some(pi) = pa.indicators.iter().find(|p| p.name == i.name) else { continue };
                assert_eq!(i.baseline, pi.result, "{} {} {}", s.report.title, a.number, i.name);
                compared += 1;
            }
        }
    }
    assert!(compared > 5_000, "{compared}");
}

#[test]
fn indicators_mix_units_missing_values_and_breakdowns() {
    let mut units = BTreeSet::new();
    let (mut missing, mut breakdowns) = (0, 0);
    for s in dataset() {
        for (_, _, _, a) in s.report.actions() {
            for i in &a.indicators {
                units.insert(i.unit.map(IndicatorUnit::label));
                match &i.result {
                    Some(IndicatorValue::Missing { .. }) => {
                        missing += 1;
                        assert!(!i.justification.is_empty());
                    }
                    Some(IndicatorValue::Breakdown { parts, total }) => {
                        breakdowns += 1;
                        let sum = parts.iter().map(|p| p.value.hundredths()).sum::<i64>();
                        assert_eq!(Some(sum), total.map(|t| t.hundredths()));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(units.contains(&Some("nombre")) && units.contains(&Some("jours")) && units.contains(&Some("%")));
    assert!(missing >= 20, "{missing} missing results");
    assert!(breakdowns >= 50, "{breakdowns} breakdowns");
}
