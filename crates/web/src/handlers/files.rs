//! Downloads: the report (PDF with the `pdf` feature, ODT, DOCX, TOML) and its annex
//! (XLSX, ODS, CSV); frozen versions as TOML.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use bilan_domain::Report;

use crate::handlers::reports::rid;
use crate::policy::Ctx;
use crate::service::report;
use crate::views::layout::{error_page, internal_error, not_found};
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

pub fn downloads_block(id: i64) -> String {
    let mut h = String::from("<h2 id=\"telechargements\">Télécharger</h2><ul id=\"liste-telechargements\">");
    for (format, label, _) in FORMATS {
        h.push_str(&format!(
            "<li><a class=\"fr-link fr-icon-download-line fr-link--icon-left\" id=\"telecharger-{format}\" href=\"/rapports/{id}/telecharger/{format}\" download>{label}</a></li>"
        ));
    }
    h.push_str("</ul>");
    h
}

pub fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

enum Rendered {
    Ok(Vec<u8>),
    /// The PDF writer is not compiled in (crate feature `pdf`).
    #[cfg_attr(feature = "pdf", allow(dead_code))]
    NotBuilt,
    Failed(String),
}

fn render(format: &str, report: &Report, text: &str) -> Rendered {
    match format {
        "odt" | "docx" | "pdf" => {
            let diags = bilan_check::check(report);
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

pub async fn download(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, format)): Path<(String, String)>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let Some(&(format, _, content_type)) = FORMATS.iter().find(|(f, _, _)| *f == format) else {
        return not_found(Some(&ctx));
    };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let s = &l.stored.summary;
    let base = if matches!(format, "xlsx" | "ods" | "csv") { "annexe" } else { "rapport" };
    let file_name = format!("{base}-{}-{}-v{}.{format}", s.department, s.year, s.version);
    let (report, text) = (l.report.clone(), l.stored.text.clone());
    let rendered = tokio::task::spawn_blocking(move || render(format, &report, &text)).await;
    match rendered {
        Ok(Rendered::Ok(bytes)) => attachment(content_type, &file_name, bytes),
        Ok(Rendered::NotBuilt) => error_page(
            StatusCode::NOT_IMPLEMENTED,
            Some(&ctx),
            "PDF indisponible",
            "<p>Cette installation de bilan a été compilée sans la production de PDF (option <code>--features pdf</code>). \
             Téléchargez le rapport au format ODT ou DOCX.</p>",
        ),
        Ok(Rendered::Failed(e)) => internal_error(Some(&ctx), &e),
        Err(e) => internal_error(Some(&ctx), &e),
    }
}

pub async fn frozen_version(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let Ok(version) = version.trim_end_matches(".toml").parse::<i32>() else { return not_found(Some(&ctx)) };
    let versions = match app.store.frozen_versions(id).await {
        Ok(v) => v,
        Err(e) => return crate::views::layout::store_error(&ctx, e),
    };
    match versions.into_iter().find(|(v, _, _)| *v == version) {
        Some((_, _, text)) => {
            let s = &l.stored.summary;
            attachment(
                "application/toml; charset=utf-8",
                &format!("rapport-{}-{}-v{version}-transmis.toml", s.department, s.year),
                text.into_bytes(),
            )
        }
        None => not_found(Some(&ctx)),
    }
}
