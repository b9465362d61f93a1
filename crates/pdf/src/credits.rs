//! The credits note ("Note de calcul des crédits N+1") as a PDF/A-2b document: the
//! note's outline (`bilan_render::credits_note_outline`, the same as its HTML and ODT)
//! typeset by the report's Typst template, user text only as string literals.

use crate::world::ReportWorld;
use crate::{source, PdfError};
use bilan_consolidate::CreditsNote;
use bilan_render::NoteMeta;

/// The credits note as a PDF/A-2b file.
pub fn credits_note_pdf(note: &CreditsNote, meta: &NoteMeta) -> Result<Vec<u8>, PdfError> {
    let outline = bilan_render::credits_note_outline(note, meta);
    // The note has no chart: the world serves an empty file that the source never reads.
    let world = ReportWorld::new(source::typst_source(&outline), source::CHART_PATH, String::new());
    crate::compile(&world)
}
