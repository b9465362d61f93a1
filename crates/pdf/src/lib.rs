//! The execution report as a PDF/A-2b document, typeset by Typst used as a library.
//!
//! The Typst source is written from the same [`bilan_render::outline::Outline`] as the
//! HTML, ODT and DOCX documents, so numbering, tables and sums are identical. User text
//! only ever enters it as string literals (see [`source::lit`]). Fonts come from the
//! `typst-assets` crate; nothing is read from disk.
//!
//! This crate is a leaf: Typst takes minutes to build, so binaries depend on it through
//! an optional feature.

mod credits;
mod source;
mod world;

use bilan_check::Diagnostic;
use bilan_domain::Report;
use typst::foundations::Datetime;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use credits::credits_note_pdf;
pub use source::typst_source;

/// Why a PDF could not be produced. The message is French: it reaches users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("la mise en page du document a échoué\u{a0}: {0}")]
    Layout(String),
    #[error("l’export au format PDF/A a échoué\u{a0}: {0}")]
    Export(String),
}

/// The report as a PDF/A-2b file, with its "Points de vigilance" section listing
/// `diagnostics`.
pub fn pdf(report: &Report, diagnostics: &[Diagnostic]) -> Result<Vec<u8>, PdfError> {
    let outline = bilan_render::outline(report, diagnostics);
    let source = typst_source(&outline);
    let world = world::ReportWorld::new(source, source::CHART_PATH, bilan_render::chart_svg(report));
    compile(&world)
}

/// Typesets a world's source and exports it as PDF/A-2b.
fn compile(world: &world::ReportWorld) -> Result<Vec<u8>, PdfError> {
    let compiled = typst::compile::<PagedDocument>(world).output;
    let document =
        compiled.map_err(|errors| PdfError::Layout(messages(errors.iter().map(|e| e.message.as_str()))));
    // Typst memoizes across compilations; keep a server's memory bounded.
    typst::comemo::evict(10);
    let standards =
        PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| PdfError::Export(e.message().to_string()))?;
    // PDF/A needs a creation date: the time of generation.
    let options = PdfOptions { standards, timestamp: now_utc(), ..PdfOptions::default() };
    typst_pdf::pdf(&document?, &options)
        .map_err(|errors| PdfError::Export(messages(errors.iter().map(|e| e.message.as_str()))))
}

fn messages<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.collect::<Vec<_>>().join(" ; ")
}

/// The current time, in UTC, as Typst wants it.
fn now_utc() -> Option<Timestamp> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    let (y, m, d) = civil_from_days(days);
    let rest = secs % 86_400;
    let (h, min, s) = ((rest / 3600) as u8, (rest % 3600 / 60) as u8, (rest % 60) as u8);
    Datetime::from_ymd_hms(y, m, d, h, min, s).map(Timestamp::new_utc)
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    /// Only the faces the document sets are parsed: the Allier report is in Libertinus
    /// Serif (New Computer Modern is its fallback), never in the monospace or math fonts.
    #[test]
    fn a_report_parses_only_the_fonts_it_uses() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/allier-2019.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let report = bilan_source::parse_str(&text).unwrap().report;
        let pdf = super::pdf(&report, &[]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let (parsed, all) = super::world::fonts_parsed();
        assert!(parsed.iter().any(|f| f == "Libertinus Serif"), "{parsed:?}");
        assert!(parsed.iter().all(|f| f == "Libertinus Serif" || f == "New Computer Modern"), "{parsed:?}");
        assert!(parsed.len() < all, "{} of {all} faces parsed", parsed.len());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_443), (2020, 6, 30));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
