//! The credits note ("Note de calcul des crédits N+1") as a PDF/A-2b document: the
//! note's outline (`bilan_render::credits_note_outline`, the same as its HTML and ODT)
//! typeset by the report's Typst template, user text only as string literals.

use bilan_consolidate::CreditsNote;
use bilan_render::NoteMeta;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::world::ReportWorld;
use crate::{messages, now_utc, source, PdfError};

/// The credits note as a PDF/A-2b file.
pub fn credits_note_pdf(note: &CreditsNote, meta: &NoteMeta) -> Result<Vec<u8>, PdfError> {
    let outline = bilan_render::credits_note_outline(note, meta);
    // The note has no chart: the world serves an empty file that the source never reads.
    let world = ReportWorld::new(source::typst_source(&outline), source::CHART_PATH, String::new());
    let compiled = typst::compile::<PagedDocument>(&world).output;
    let document =
        compiled.map_err(|errors| PdfError::Layout(messages(errors.iter().map(|e| e.message.as_str()))));
    // Typst memoizes across compilations; keep a server's memory bounded.
    typst::comemo::evict(10);
    let standards =
        PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| PdfError::Export(e.message().to_string()))?;
    let options = PdfOptions { standards, timestamp: now_utc(), ..PdfOptions::default() };
    typst_pdf::pdf(&document?, &options)
        .map_err(|errors| PdfError::Export(messages(errors.iter().map(|e| e.message.as_str()))))
}
