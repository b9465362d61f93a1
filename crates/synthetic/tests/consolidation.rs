//! What the State side computes from the dataset: national consolidation and outliers.

mod common;

use bilan_consolidate::consolidation::IndicatorOutcome;
use bilan_consolidate::outliers::Direction;
use bilan_consolidate::{across_signatories, consolidate, year_over_year, OutlierKind, ReportState, Scope};
use bilan_domain::{MeasureKind, Report};
use bilan_synthetic::{national_dataset, planted_anomalies, AnomalyKind, SyntheticReport};
use common::{dataset, find, of_year, state};

#[test]
fn national_consolidation_of_calpae_2019() {
    let reports = of_year(2019);
    let c = consolidate(&Scope::national("calpae", 2019), &reports);
    assert!(c.not_transmitted.is_empty());
    assert_eq!(c.counted.len(), 101);
    let core: Vec<_> = c.measures.iter().filter(|m| m.key.kind == MeasureKind::Core).collect();
    let programme = bilan_source::referentiel::builtin().programme("calpae").expect("calpae");
    let expected = programme.core_measures(2019).count();
    assert_eq!(core.len(), expected, "one group per core measure");
    for (rank, m) in core.iter().enumerate() {
        assert_eq!(m.core_rank, Some(rank));
        assert_eq!(m.cells.len(), 101, "{}", m.title);
        assert!(m.absent_from.is_empty());
    }
    let outcomes: Vec<&IndicatorOutcome> =
        c.measures.iter().flat_map(|m| m.indicators.iter()).map(|i| &i.outcome).collect();
    assert!(outcomes.iter().any(|o| matches!(o, IndicatorOutcome::Summed { .. })));
    let incompatible: Vec<_> = c
        .measures
        .iter()
        .flat_map(|m| m.indicators.iter())
        .filter(|i| matches!(i.outcome, IndicatorOutcome::Incompatible { .. }))
        .collect();
    assert!(incompatible.iter().any(|i| i.name == "Délai moyen d'orientation des allocataires du RSA"));
    assert!(c.measures.iter().any(|m| m.indicators.iter().any(|i| !i.missing.is_empty())), "some ND");
}

#[test]
fn consolidation_of_2025_lists_the_late_departments() {
    let reports = of_year(2025);
    let c = consolidate(&Scope::national("pacte", 2025), &reports);
    // 100 signatories in 2025, 25 late.
    assert_eq!(c.counted.len(), 75);
    assert_eq!(c.not_transmitted.len(), 25);
    assert!(c.not_transmitted.iter().any(|d| d.as_str() == "03"));
    let region = consolidate(&Scope::region("pacte", 2025, "84"), &reports);
    assert!(region.not_transmitted.iter().any(|d| d.as_str() == "03"));
}

fn year_of(data: &[SyntheticReport], year: i32) -> Vec<(ReportState, &Report)> {
    data.iter().filter(|s| s.report.year == year).map(|s| (state(s.stage), &s.report)).collect()
}

fn report_of<'a>(data: &'a [SyntheticReport], code: &str, year: i32) -> &'a Report {
    let found = data.iter().find(|s| s.report.signatory().as_str() == code && s.report.year == year);
    &found.expect("every Département and year is generated").report
}

fn assert_planted_outliers_flagged(data: &[SyntheticReport]) {
    assert!(!planted_anomalies().is_empty());
    for a in planted_anomalies() {
        let report = report_of(data, a.department, a.year);
        match a.kind {
            AnomalyKind::CostPerPerson | AnomalyKind::ExecutionRate => {
                let flags =
                    across_signatories(&Scope::national(&report.programme, a.year), &year_of(data, a.year));
                let (kind, direction) = match a.kind {
                    AnomalyKind::CostPerPerson => (OutlierKind::CostPerPerson, Direction::High),
                    _ => (OutlierKind::ExecutionRate, Direction::Low),
                };
                let hit = flags.iter().any(|o| {
                    o.kind == kind
                        && o.direction == direction
                        && o.signatory.as_str() == a.department
                        && (a.action.is_empty() || o.action == a.action)
                });
                assert!(hit, "{a:?} not flagged");
                if a.kind == AnomalyKind::ExecutionRate {
                    assert!(
                        flags.iter().any(|o| o.kind == kind
                            && o.signatory.as_str() == a.department
                            && o.subject == "l'ensemble des mesures"),
                        "whole-report rate of {} {}",
                        a.department,
                        a.year
                    );
                }
            }
            AnomalyKind::IndicatorJump => {
                let previous = report_of(data, a.department, a.year - 1);
                let jumps = year_over_year(report, previous).expect("same Département, consecutive years");
                let hit = jumps.iter().find(|o| {
                    o.kind == OutlierKind::IndicatorJump
                        && o.direction == Direction::High
                        && o.action == a.action
                });
                let hit = hit.unwrap_or_else(|| panic!("{a:?} not flagged: {jumps:?}"));
                assert!((450..=800).contains(&hit.value), "ratio ×{}", hit.value as f64 / 100.0);
            }
        }
    }
}

#[test]
fn planted_outliers_are_flagged() {
    assert_planted_outliers_flagged(dataset());
}

#[test]
fn planted_outliers_are_flagged_whatever_the_seed() {
    for seed in [1, 0xDEAD_BEEF] {
        assert_planted_outliers_flagged(&national_dataset(seed));
    }
}

#[test]
fn only_the_planted_indicator_jumps() {
    let data = dataset();
    let mut jumps = Vec::new();
    for s in data {
        let Some(previous) = find(s.report.signatory().as_str(), s.report.year - 1) else { continue };
        let found = year_over_year(&s.report, &previous.report).expect("consecutive years");
        jumps.extend(found.into_iter().map(|o| (o.signatory.as_str(), o.year, o.action)));
    }
    assert_eq!(jumps, vec![("80", 2021, "1.6.1".to_string())]);
}

#[test]
fn planted_figures_are_the_intended_size() {
    // Execution rate about 25 %.
    let c = consolidate(&Scope::national("calpae", 2021), &of_year(2021));
    let loir = c.signatories.iter().find(|d| d.signatory.as_str() == "41").expect("41");
    let rate = loir.figures.execution_rate().expect("rate").per_mille();
    assert!((200..=300).contains(&rate), "{rate} ‰");
}

/// Issue 12, point 3: the figures the store keeps, computed from each report's text, give
/// back the same consolidation (measures, signatories, indicators by title and by
/// catalogue code), the same outliers and the same deadlines as the parsed texts, for
/// every programme year of the national dataset and with every workflow state.
#[test]
fn stored_figures_consolidate_like_the_parsed_texts() {
    use bilan_consolidate::consolidate_with_catalogue;
    use bilan_consolidate::stored::{figures_of, report_of};

    let parsed: Vec<(ReportState, Report)> = dataset()
        .iter()
        .map(|s| {
            let text = bilan_source::to_toml(&s.report);
            (state(s.stage), bilan_source::parse_str(&text).expect("the dataset parses").report)
        })
        .collect();
    let rebuilt: Vec<(ReportState, Report)> = parsed
        .iter()
        .map(|(st, r)| {
            let f = figures_of(r);
            let back = report_of(&r.programme, r.year, &f).expect("stored figures read back");
            assert_eq!(figures_of(&back), f, "{} {}", r.signatory().as_str(), r.year);
            assert_eq!(back.deadline, r.deadline);
            assert_eq!(back.signatory(), r.signatory());
            (*st, back)
        })
        .collect();
    let referentiel = bilan_source::referentiel::builtin();
    let mut years: Vec<(i32, String)> = parsed.iter().map(|(_, r)| (r.year, r.programme.clone())).collect();
    years.dedup();
    assert_eq!(years.len(), 6);
    for (year, programme) in years {
        fn pick(all: &[(ReportState, Report)], year: i32) -> Vec<(ReportState, &Report)> {
            all.iter().filter(|(_, r)| r.year == year).map(|(s, r)| (*s, r)).collect()
        }
        let (from_text, from_rows) = (pick(&parsed, year), pick(&rebuilt, year));
        let programme_ref = referentiel.programme(&programme).expect("programme");
        for scope in [Scope::national(&programme, year), Scope::region(&programme, year, "84")] {
            let a = consolidate_with_catalogue(&scope, programme_ref, &from_text);
            let b = consolidate_with_catalogue(&scope, programme_ref, &from_rows);
            assert!(a.total.planned.is_stated());
            assert_eq!(a, b, "{programme} {year}");
            assert_eq!(across_signatories(&scope, &from_text), across_signatories(&scope, &from_rows));
        }
    }
}

/// The benchmark's dataset ten times the national one: each report's actions repeated,
/// so every national total is multiplied and the signatories stay the same.
#[test]
fn a_scaled_dataset_multiplies_the_figures() {
    let reports = of_year(2019);
    let scaled: Vec<(ReportState, Report)> =
        reports.iter().map(|(s, r)| (*s, bilan_synthetic::scaled(r, 3))).collect();
    let pairs: Vec<(ReportState, &Report)> = scaled.iter().map(|(s, r)| (*s, r)).collect();
    let scope = Scope::national("calpae", 2019);
    let (one, three) = (consolidate(&scope, &reports), consolidate(&scope, &pairs));
    assert_eq!(three.counted, one.counted);
    let p = one.total.planned.value;
    assert_eq!(three.total.planned.value, p.add(p).add(p));
    assert_eq!(three.total.spent.sources.len(), 3 * one.total.spent.sources.len());
    let r = &scaled[0].1;
    let numbers: std::collections::BTreeSet<&str> =
        r.actions().map(|(_, _, _, a)| a.number.as_str()).collect();
    assert_eq!(numbers.len(), 3 * reports[0].1.actions().count(), "every copy has its own number");
    assert_eq!(bilan_synthetic::scaled(r, 1), *r);
}
