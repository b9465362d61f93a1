//! Shared by the test files: the dataset of one seed, generated once per test binary.

#![allow(dead_code)]

use std::sync::OnceLock;

use bilan_consolidate::ReportState;
use bilan_domain::Report;
use bilan_synthetic::{national_dataset, Stage, SyntheticReport};

pub const SEED: u64 = 20_190_101;

pub fn dataset() -> &'static [SyntheticReport] {
    static DATA: OnceLock<Vec<SyntheticReport>> = OnceLock::new();
    DATA.get_or_init(|| national_dataset(SEED))
}

/// The report of a signatory ("03", "69M") and year.
pub fn find(code: &str, year: i32) -> Option<&'static SyntheticReport> {
    dataset().iter().find(|s| s.report.signatory().as_str() == code && s.report.year == year)
}

pub fn state(stage: Stage) -> ReportState {
    match stage {
        Stage::Draft => ReportState::Draft,
        Stage::Adopted => ReportState::Adopted,
        Stage::Transmitted => ReportState::Transmitted,
        Stage::Approved => ReportState::Approved,
    }
}

/// Every report of `year`, with its workflow state, as the State side receives them.
pub fn of_year(year: i32) -> Vec<(ReportState, &'static Report)> {
    dataset().iter().filter(|s| s.report.year == year).map(|s| (state(s.stage), &s.report)).collect()
}
