//! Downloads: the report in every format (`service::files`) and its frozen versions as
//! TOML.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppError;
use crate::http::attachment;
use crate::policy::Ctx;
use crate::service::files::{self, Rendered};
use crate::service::report;
use crate::AppState;

pub async fn download(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let (format, content_type) = files::format(&format).ok_or(AppError::NotFound)?;
    let l = report::load(&app, &ctx, id).await?;
    let file_name = files::file_name(&l.stored.summary, format);
    let (report, stored) = (l.report, l.stored);
    let reference = crate::service::referentiel::current(&app);
    let rendered =
        tokio::task::spawn_blocking(move || files::render(&reference, format, &report, &stored.text))
            .await
            .map_err(AppError::internal)?;
    match rendered {
        Rendered::Ok(bytes) => Ok(attachment(content_type, &file_name, bytes)),
        Rendered::NotBuilt => Err(AppError::page(
            StatusCode::NOT_IMPLEMENTED,
            "PDF indisponible",
            crate::views::files::pdf_not_built(),
        )),
        Rendered::Failed(e) => Err(AppError::internal(e)),
    }
}

pub async fn frozen_version(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    let (version, text) = files::frozen_text(&app, id, &version).await?;
    let s = &l.stored.summary;
    Ok(attachment(
        "application/toml; charset=utf-8",
        &format!("rapport-{}-{}-v{version}-transmis.toml", s.department, s.year),
        text.into_bytes(),
    ))
}
