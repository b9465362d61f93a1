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
