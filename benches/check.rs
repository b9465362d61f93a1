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

#[divan::bench]
fn check(bencher: divan::Bencher) {
    let parsed = bilan_source::parse_str(ALLIER_2019).expect("Allier parses");
    bencher.bench(|| bilan_check::check(divan::black_box(&parsed.report)));
}

#[divan::bench]
fn parse_and_check() -> usize {
    let parsed = bilan_source::parse_str(divan::black_box(ALLIER_2019)).expect("Allier parses");
    bilan_check::check(&parsed.report).len()
}
