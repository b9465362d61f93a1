//! Transmitted and approved reports pass every check; drafts carry a few slips; every
//! report survives the TOML round trip.

mod common;

use bilan_check::{check_with, Context, Severity};
use bilan_synthetic::{national_dataset, Stage, SyntheticReport};
use common::{dataset, find};

/// The checks' context of a report: last year's report and the report's programme.
fn context<'a>(r: &bilan_domain::Report, previous: Option<&'a bilan_domain::Report>) -> Context<'a> {
    Context { previous, programme: bilan_source::referentiel::builtin().programme(&r.programme) }
}

/// Rules whose evidence is read from free text or from comparisons across rows and
/// years: the easiest to make noisy.
const PROSE_AND_HISTORY_RULES: &[&str] = &[
    "BUD013", "BUD014", "BUD015", "NAR001", "NAR002", "NAR003", "IND005", "IND006", "IND007", "DAT006",
    "DAT007", "ANX007",
];

#[test]
fn prose_and_history_rules_stay_silent_on_every_report() {
    // Drafts included: their planted slips are of other kinds.
    for s in dataset() {
        let r = &s.report;
        let previous = find(r.signatory().as_str(), r.year - 1).map(|p| &p.report);
        let noisy: Vec<String> = check_with(r, context(r, previous))
            .into_iter()
            .filter(|d| PROSE_AND_HISTORY_RULES.contains(&d.code))
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(noisy.is_empty(), "{} {}: {noisy:?}", r.department, r.year);
    }
}

/// Adopted, transmitted and approved reports, each against its previous year's report.
fn assert_clean(data: &[SyntheticReport]) {
    let mut failures = Vec::new();
    let mut with_previous = 0;
    for s in data.iter().filter(|s| s.stage.is_transmitted() || s.stage == Stage::Adopted) {
        let r = &s.report;
        let previous = data
            .iter()
            .find(|p| p.report.signatory() == r.signatory() && p.report.year == r.year - 1)
            .map(|p| &p.report);
        with_previous += usize::from(previous.is_some());
        for d in check_with(r, context(r, previous)) {
            // The rules that read prose, formulas, durations and indicator histories must not
            // cry wolf at scale: not even an info from them on a transmitted report.
            if d.severity != Severity::Info || PROSE_AND_HISTORY_RULES.contains(&d.code) {
                failures.push(format!("{} {} {}: {} {}", r.department, r.year, d.code, d.path, d.message));
            }
        }
    }
    assert!(failures.is_empty(), "{} diagnostics:\n{}", failures.len(), failures.join("\n"));
    assert!(with_previous > 350, "{with_previous}");
}

#[test]
fn transmitted_and_approved_reports_have_no_error_and_no_warning() {
    assert_clean(dataset());
}

#[test]
fn clean_whatever_the_seed() {
    assert_clean(&national_dataset(u64::MAX));
}

#[test]
fn drafts_carry_one_or_two_slips() {
    let mut drafts = 0;
    for s in dataset().iter().filter(|s| s.stage == Stage::Draft) {
        drafts += 1;
        let r = &s.report;
        let previous = find(r.signatory().as_str(), r.year - 1).map(|p| &p.report);
        let found: Vec<&str> = check_with(r, context(r, previous))
            .into_iter()
            .filter(|d| d.severity != Severity::Info && d.code != "COM004")
            .map(|d| d.code)
            .collect();
        assert!((1..=4).contains(&found.len()), "{} {}: {found:?}", r.department, r.year);
        assert!(
            found.iter().all(|c| ["BUD001", "BUD003", "TXT001", "COM003", "IND002", "ANX001"].contains(c)),
            "{found:?}"
        );
    }
    assert!(drafts >= 10);
}

#[test]
fn every_report_survives_the_toml_round_trip() {
    for s in dataset() {
        let text = bilan_source::to_toml(&s.report);
        let back = match bilan_source::parse_str(&text) {
            Ok(p) => p.report,
            Err(e) => panic!("{} {}: {e}", s.report.department, s.report.year),
        };
        assert!(back == s.report, "{} {} differs after the round trip", s.report.department, s.report.year);
    }
}
