//! The computing part of a national dashboard, without the web server: parsing the 101
//! reports of a year from their stored TOML (before issue 12) or rebuilding them from their
//! stored figures (since), consolidating them, finding the outliers, and
//! drawing the map. Input: the national synthetic dataset (CALPAE 2019, all approved).
//! Run: `cargo bench -p bilan-benches --bench consolidate`.

use bilan_consolidate::{across_signatories, consolidate, ReportState, Scope};
use bilan_domain::Report;

fn main() {
    divan::main();
}

/// The 101 reports of 2019 as the store keeps them (TOML text).
fn texts() -> Vec<String> {
    bilan_synthetic::national_dataset(2026)
        .into_iter()
        .filter(|s| s.report.year == 2019)
        .map(|s| bilan_source::to_toml(&s.report))
        .collect()
}

fn reports() -> Vec<Report> {
    texts().iter().map(|t| bilan_source::parse_str(t).expect("synthetic report parses").report).collect()
}

#[divan::bench(sample_count = 20)]
fn parse_101_reports(bencher: divan::Bencher) {
    let texts = texts();
    bencher.bench(|| {
        texts
            .iter()
            .map(|t| bilan_source::parse_str(divan::black_box(t)).map_or(0, |p| p.report.measures.len()))
            .sum::<usize>()
    });
}

/// What the dashboards do since the figures are stored (issue 12, point 3): rebuild the
/// 101 reports from their figures rows instead of parsing their texts.
#[divan::bench(sample_count = 20)]
fn rebuild_101_reports_from_figures(bencher: divan::Bencher) {
    let figures: Vec<_> = reports().iter().map(bilan_consolidate::stored::figures_of).collect();
    bencher.bench(|| {
        figures
            .iter()
            .map(|f| {
                bilan_consolidate::stored::report_of("calpae", 2019, divan::black_box(f))
                    .map_or(0, |r| r.measures.len())
            })
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 20)]
fn consolidate_national(bencher: divan::Bencher) {
    let reports = reports();
    let pairs: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Approved, r)).collect();
    let scope = Scope::national("calpae", 2019);
    bencher.bench(|| consolidate(divan::black_box(&scope), divan::black_box(&pairs)));
}

#[divan::bench(sample_count = 20)]
fn outliers_national(bencher: divan::Bencher) {
    let reports = reports();
    let pairs: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Approved, r)).collect();
    let scope = Scope::national("calpae", 2019);
    bencher.bench(|| across_signatories(divan::black_box(&scope), divan::black_box(&pairs)));
}

#[divan::bench(sample_count = 20)]
fn national_map_svg() -> String {
    let entries: Vec<bilan_render::MapEntry> = bilan_domain::geo::DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, d)| bilan_render::MapEntry {
            code: d.code.to_string(),
            value_label: format!("{} %", 50 + i % 50),
            class: bilan_render::MapClass::Bucket((i % 5) as u8),
            href: Some(format!("/rapports/{i}/revue")),
        })
        .collect();
    let legend = bilan_render::MapLegend {
        title: "Taux d’exécution".into(),
        buckets: ["a".into(), "b".into(), "c".into(), "d".into(), "e".into()],
        no_data: "non transmis".into(),
    };
    bilan_render::department_map_svg(divan::black_box(&entries), &legend, "Carte", None)
}
