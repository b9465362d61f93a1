//! The financial annex of an execution report as spreadsheets: XLSX, ODS and CSV.
//!
//! One [`annex::AnnexTable`] is computed from the report, one [`layout::Grid`] places it
//! in cells, and each writer only renders that grid, so the three formats hold the same
//! rows at the same places:
//!
//! - a title row, the subtitle (when there is one), the colour legend, a header row;
//! - one row per expense line: Mesure, Action, Direction, Dépense, Valorisation ETP,
//!   Montant inscrit, Montant réalisé, Montant à reporter, Commentaires, Recette État;
//!   staff-time (valorisation ETP) rows in light green;
//! - after each group, a bold subtotal row whose amounts are real `SUM` formulas over the
//!   group's rows (with the computed result cached in the file, for readers that do not
//!   compute), and the group's Recette État (Σ part État of its actions);
//! - a bold "Montant total" row summing the subtotal cells.
//!
//! Every text cell that a spreadsheet could take for a formula (starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) is written with a leading apostrophe, as text:
//! see [`neutralize`].
//!
//! Money: the model holds exact cents; spreadsheets hold floats, written as
//! `cents as f64 / 100.0` (see [`layout::to_f64`]). ODS and CSV write the exact decimal
//! text of the cents.

/// The annex table shared with the report documents (it lives in the domain).
pub use bilan_domain::annex_table as annex;
mod csv;
pub mod layout;
mod ods;
pub mod read;
mod xlsx;
use bilan_xml as xml;

use std::borrow::Cow;

pub use annex::AnnexTable;
pub use csv::csv;
pub use ods::ods;
pub use read::{apply_annex, read_annex, AnnexValues, ReadError};
pub use xlsx::xlsx;

/// Why a spreadsheet could not be produced. The message is French and user-facing.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("impossible de produire le classeur XLSX : {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("impossible de produire le classeur ODS : {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("impossible d'écrire le classeur : {0}")]
    Io(#[from] std::io::Error),
}

/// Neutralises formula injection: text whose first significant character is `=`, `+`,
/// `-`, `@` (or their full-width forms, which some spreadsheets also read as formulas),
/// once leading spaces, tabs, line breaks and other control characters are skipped
/// (spreadsheets skip them too before deciding), gets a leading apostrophe, so no
/// spreadsheet (nor a CSV import) reads it as a formula. So does text that starts with a
/// tab or a carriage return. Other text is returned as is.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    let significant = text.trim_start_matches(|c: char| c.is_whitespace() || c.is_control()).chars().next();
    let formula = matches!(
        significant,
        Some('=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}')
    );
    if formula || text.starts_with(['\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Quotes a CSV field (RFC 4180) when it holds a quote, a line break or either usual
/// separator (`;` or `,`): a file opened with the other separator than the one it was
/// written with must still not split a field.
pub fn csv_field(field: &str) -> Cow<'_, str> {
    if field.contains([';', ',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn formula_like_text_is_neutralized() {
        for t in ["=HYPERLINK(\"x\")", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize(t), format!("'{t}"));
        }
        // What a spreadsheet skips before deciding does not hide a formula.
        for t in [" =1", "\n=cmd", " \u{3000}+1", "\u{1}@x", "＝HYPERLINK(\"x\")", "  -2"] {
            assert_eq!(neutralize(t), format!("'{t}"), "{t:?}");
        }
        for t in ["", "Frais de personnel", "DRH", "'déjà", "a=1", "Coût : -2 €", "   "] {
            assert_eq!(neutralize(t), t);
        }
    }

    #[test]
    fn csv_fields_are_quoted_for_either_separator() {
        use super::csv_field;
        assert_eq!(csv_field("DRH"), "DRH");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("dit \"oui\""), "\"dit \"\"oui\"\"\"");
        assert_eq!(csv_field("ligne\r\nsuite"), "\"ligne\r\nsuite\"");
    }
}

pub mod opendata;
pub use opendata::{opendata_csv, opendata_tables, opendata_xlsx, table_schema_json};
