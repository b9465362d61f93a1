//! Parse + check of the Allier 2019 report: what `bilan check` does per file.
//! Run: `cargo bench -p bilan-benches --bench check`.

use bilan_benches::ALLIER_2019;

fn main() {
    divan::main();
}

#[divan::bench]
fn parse() -> bilan_source::Parsed {
    bilan_source::parse_str(divan::black_box(ALLIER_2019)).expect("Allier parses")
}

/// What `bilan check` runs: every rule, with the report's programme from the reference data.
fn check_report(report: &bilan_domain::Report) -> Vec<bilan_check::Diagnostic> {
    let programme = bilan_source::referentiel::builtin().programme(&report.programme);
    bilan_check::check_with(report, bilan_check::Context { previous: None, programme })
}

#[divan::bench]
fn check(bencher: divan::Bencher) {
    let parsed = bilan_source::parse_str(ALLIER_2019).expect("Allier parses");
    bencher.bench(|| check_report(divan::black_box(&parsed.report)));
}

#[divan::bench]
fn parse_and_check() -> usize {
    let parsed = bilan_source::parse_str(divan::black_box(ALLIER_2019)).expect("Allier parses");
    check_report(&parsed.report).len()
}
