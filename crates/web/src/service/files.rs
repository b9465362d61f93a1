//! A report in every format it can be downloaded in (PDF with the `pdf` feature, ODT,
//! DOCX, TOML; its annex as XLSX, ODS, CSV), and its frozen versions.

use bilan_domain::Report;
use bilan_store::ReportSummary;

use crate::error::AppError;
use crate::AppState;

/// (format, label, content type).
pub const FORMATS: &[(&str, &str, &str)] = &[
    ("pdf", "Rapport (PDF)", "application/pdf"),
    ("odt", "Rapport (ODT, traitement de texte libre)", "application/vnd.oasis.opendocument.text"),
    (
        "docx",
        "Rapport (DOCX, Word)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "Annexe financière (XLSX, Excel)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ods", "Annexe financière (ODS, tableur libre)", "application/vnd.oasis.opendocument.spreadsheet"),
    ("csv", "Annexe financière (CSV)", "text/csv; charset=utf-8"),
    ("toml", "Fichier du rapport (TOML)", "application/toml; charset=utf-8"),
];

/// A format of [`FORMATS`] and its content type.
pub fn format(name: &str) -> Option<(&'static str, &'static str)> {
    FORMATS.iter().find(|(f, _, _)| *f == name).map(|&(f, _, ct)| (f, ct))
}

/// "rapport-03-2019-v1.odt", "annexe-03-2019-v1.xlsx" for the spreadsheets.
pub fn file_name(s: &ReportSummary, format: &str) -> String {
    let base = if matches!(format, "xlsx" | "ods" | "csv") { "annexe" } else { "rapport" };
    format!("{base}-{}-{}-v{}.{format}", s.department, s.year, s.version)
}

pub enum Rendered {
    Ok(Vec<u8>),
    /// The PDF writer is not compiled in (crate feature `pdf`).
    #[cfg_attr(feature = "pdf", allow(dead_code))]
    NotBuilt,
    Failed(String),
}

/// The report (whose stored text is `text`) in `format`. CPU-bound: run it off the async
/// threads.
pub fn render(reference: &bilan_domain::Referentiel, format: &str, report: &Report, text: &str) -> Rendered {
    match format {
        "odt" | "docx" | "pdf" => {
            let diags =
                bilan_check::check_with(report, super::referentiel::check_context(reference, report, None));
            match format {
                "odt" => Rendered::Ok(bilan_render::odt(report, &diags)),
                "docx" => Rendered::Ok(bilan_render::docx(report, &diags)),
                _ => pdf(report, &diags),
            }
        }
        "xlsx" => match bilan_sheets::xlsx(report) {
            Ok(b) => Rendered::Ok(b),
            Err(e) => Rendered::Failed(e.to_string()),
        },
        "ods" => match bilan_sheets::ods(report) {
            Ok(b) => Rendered::Ok(b),
            Err(e) => Rendered::Failed(e.to_string()),
        },
        "csv" => Rendered::Ok(bilan_sheets::csv(report)),
        _ => Rendered::Ok(text.as_bytes().to_vec()),
    }
}

#[cfg(feature = "pdf")]
fn pdf(report: &Report, diags: &[bilan_check::Diagnostic]) -> Rendered {
    match bilan_pdf::pdf(report, diags) {
        Ok(b) => Rendered::Ok(b),
        Err(e) => Rendered::Failed(e.to_string()),
    }
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &Report, _: &[bilan_check::Diagnostic]) -> Rendered {
    Rendered::NotBuilt
}

/// The text of frozen version `version` (`"3"` or `"3.toml"`) of report `id`; 404 when
/// there is no such version.
pub async fn frozen_text(app: &AppState, id: i64, version: &str) -> Result<(i32, String), AppError> {
    let version = version.trim_end_matches(".toml").parse::<i32>().map_err(|_| AppError::NotFound)?;
    let versions = app.store.frozen_versions(id).await?;
    versions
        .into_iter()
        .find(|(v, _, _)| *v == version)
        .map(|(_, _, text)| (version, text))
        .ok_or(AppError::NotFound)
}
