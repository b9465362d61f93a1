//! The dataset against the national catalogue (`data/referentiels/*.toml`, as
//! `bilan_source::referentiel::builtin` reads them): coded socle
//! measures carry all their catalogue indicators with the catalogue's unit, and the
//! consolidation by code finds exactly the planted indicators outside the catalogue.

mod common;

use bilan_consolidate::{consolidate_by_code, Aggregate, Scope};
use bilan_domain::referentiel::Programme;
use bilan_domain::IndicatorUnit;
use bilan_synthetic::{planted_indicators, PlantedIndicatorKind, YEARS};
use common::{dataset, of_year};

fn catalogue(id: &str) -> &'static Programme {
    bilan_source::referentiel::builtin().programme(id).unwrap_or_else(|| panic!("{id}"))
}

/// The Départements that report the RSA orientation delay in another unit.
const OVERRIDES: [&str; 3] = ["23", "87", "971"];

#[test]
fn coded_socle_measures_carry_all_their_catalogue_indicators() {
    for (year, id) in YEARS {
        let p = catalogue(id);
        for s in dataset().iter().filter(|s| s.report.year == year) {
            let r = &s.report;
            let measure_codes: Vec<&str> = r.measures.iter().filter_map(|m| m.code.as_deref()).collect();
            let socle: Vec<&str> = p.core_measures(year).map(|m| m.code.as_str()).collect();
            assert_eq!(measure_codes, socle, "{} {year}", r.department);
            for m in &r.measures {
                let Some(code) = m.code.as_deref() else { continue };
                let carried: Vec<&str> =
                    m.actions.iter().flat_map(|a| &a.indicators).filter_map(|i| i.code.as_deref()).collect();
                for c in p.indicators_of(code, year) {
                    assert!(
                        carried.contains(&c.code.as_str()),
                        "{} {year}: {} missing",
                        r.department,
                        c.code
                    );
                }
            }
            for i in r.measures.iter().flat_map(|m| &m.actions).flat_map(|a| &a.indicators) {
                let Some(code) = i.code.as_deref() else { continue };
                let c = p.indicator(code).unwrap_or_else(|| panic!("{code} not in {id}"));
                assert!(c.applies_to(year), "{code} {year}");
                let overridden = code == "PACTE-EMPLOI-02" && OVERRIDES.contains(&r.department.as_str());
                assert_eq!(i.unit == Some(c.unit), !overridden, "{} {year} {code}", r.department);
            }
        }
    }
}

#[test]
fn consolidation_by_code_finds_the_planted_indicators() {
    for (year, id) in [(2019, "calpae"), (2024, "pacte")] {
        let p = catalogue(id);
        let c = consolidate_by_code(&Scope::national(id, year), p, &of_year(year));
        assert!(c.unknown_codes.is_empty(), "{year}");
        let unlinked: Vec<(&str, &str, &str)> = c
            .unlinked
            .iter()
            .map(|u| {
                (u.indicator.at.signatory.as_str(), u.indicator.at.action.as_str(), u.suggested_code.as_str())
            })
            .collect();
        let planted: Vec<(&str, &str, &str)> = planted_indicators()
            .iter()
            .filter(|p| p.programme == id)
            .filter_map(|p| match p.kind {
                PlantedIndicatorKind::Unlinked { suggested_code } => {
                    Some((p.signatory, p.action, suggested_code))
                }
                PlantedIndicatorKind::Local => None,
            })
            .collect();
        assert_eq!(unlinked, planted, "{year}");
        for p in
            planted_indicators().iter().filter(|p| p.programme == id && p.kind == PlantedIndicatorKind::Local)
        {
            let l = c.local.iter().find(|l| l.signatory.as_str() == p.signatory).expect("local of the plant");
            assert!(l.indicators.iter().any(|i| i.name == p.name && i.at.action == p.action), "{}", p.name);
        }
        // Every catalogue indicator of the year is reported by every signatory (all
        // approved): 101 in 2019, 100 in 2024.
        for i in &c.indicators {
            assert_eq!(i.reported_by.len(), if year == 2019 { 101 } else { 100 }, "{}", i.code);
            assert!(i.not_reported.is_empty(), "{}", i.code);
            assert!(i.aggregate.count() > 0, "{}", i.code);
        }
    }
}

#[test]
fn pacte_rules_sum_weighted_mean_distribution_and_incompatible_unit() {
    let p = catalogue("pacte");
    let c = consolidate_by_code(&Scope::national("pacte", 2024), p, &of_year(2024));
    let sum = c.indicator("PACTE-EMPLOI-01").expect("emploi-01");
    let Aggregate::Sum { total, count } = &sum.aggregate else { panic!("{:?}", sum.aggregate) };
    let by_hand = sum.values.iter().fold(bilan_domain::Quantity::default(), |t, v| t.add(v.value));
    assert_eq!(*total, by_hand);
    assert_eq!(*count, sum.values.len());
    let rate = c.indicator("PACTE-EMPLOI-03").expect("emploi-03");
    let Aggregate::WeightedMean { mean: Some(mean), .. } = rate.aggregate else {
        panic!("{:?}", rate.aggregate)
    };
    let (lo, hi) = rate.values.iter().fold((i64::MAX, i64::MIN), |(lo, hi), v| {
        (lo.min(v.value.hundredths()), hi.max(v.value.hundredths()))
    });
    assert!((lo..=hi).contains(&mean.hundredths()), "{lo} ≤ {} ≤ {hi}", mean.hundredths());
    assert!(rate.values.iter().all(|v| v.weight.is_some()));
    let delay = c.indicator("PACTE-EMPLOI-02").expect("emploi-02");
    assert!(matches!(delay.aggregate, Aggregate::Distribution { stats: Some(_) }));
    let mut odd: Vec<&str> = delay.incompatible.iter().map(|v| v.at.signatory.as_str()).collect();
    odd.dedup();
    assert_eq!(odd, ["23", "87", "971"]);
    assert!(delay.incompatible.iter().all(|v| v.unit != Some(IndicatorUnit::Days)));
}
