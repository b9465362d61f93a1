//! Documents generated from a report: an accessible HTML page, OpenDocument and Word
//! files, an SVG chart. Every format writes the same [`outline::Outline`], so numbering,
//! tables and sums are decided once, in [`outline`]; `bilan-pdf` writes it too.
//!
//! All user-facing words are French. Amounts print as "145 468,26 €" (narrow no-break
//! spaces), dates as "30 juin 2020", labels as "Part État : …" (no-break space before
//! the colon). User text is escaped in every format: a narrative is never markup.

mod chart;
mod docx;
mod html;
mod odt;
pub mod outline;
mod package;
pub mod text;
use bilan_xml as xml;

use bilan_check::Diagnostic;
use bilan_domain::Report;

pub use outline::{outline, Outline};

/// One self-contained HTML page (`lang="fr"`, print styles inline, no external resource).
pub fn html(report: &Report, diagnostics: &[Diagnostic]) -> String {
    html::write(&outline(report, diagnostics), &chart_svg(report))
}

/// An OpenDocument Text file (.odt).
pub fn odt(report: &Report, diagnostics: &[Diagnostic]) -> Vec<u8> {
    odt::write(&outline(report, diagnostics), &chart_svg(report))
}

/// A WordprocessingML file (.docx).
pub fn docx(report: &Report, diagnostics: &[Diagnostic]) -> Vec<u8> {
    docx::write(&outline(report, diagnostics))
}

/// "Prévu et réalisé par mesure": an accessible SVG bar chart (`role="img"`, `<title>`,
/// `<desc>`), two bars per measure.
pub fn chart_svg(report: &Report) -> String {
    chart::svg(report.year, &outline::figures(report))
}

pub mod credits;
pub use credits::{credits_note_html, credits_note_odt, credits_note_outline, NoteMeta};
pub mod bars;
pub mod map;
pub use bars::{planned_vs_spent_svg, BarRow};
pub use map::{department_map_svg, MapClass, MapEntry, MapLegend};
