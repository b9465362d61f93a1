//! The annex upload reader (XLSX, ODS): any bytes give values or French errors, with
//! bounded work; values apply to a report without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn allier() -> &'static bilan_domain::Report {
    static REPORT: OnceLock<bilan_domain::Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        bilan_source::parse_str(include_str!("../../examples/allier-2019.toml")).expect("example").report
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(values) = bilan_sheets::read_annex(data) {
        let mut report = allier().clone();
        let _ = bilan_sheets::apply_annex(&mut report, &values);
    }
});
