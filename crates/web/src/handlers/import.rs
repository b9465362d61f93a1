//! Uploads: a report's TOML file or its annex workbook. Extract the form, check the right
//! to edit and the revision, let `service::import` read and check the file (any error
//! changes nothing and is shown in French, at the line and column of the file or the
//! sheet and cell), write it, draw the outcome.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bilan_store::StoreError;

use crate::error::AppError;
use crate::http::session::multipart_parts;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::import::{self as service, Prepared, TOML_LIMIT};
use crate::service::report::{self, Loaded};
use crate::views::import as view;
use crate::views::layout::Page;
use crate::AppState;

pub async fn import_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    access::can_edit(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)?;
    let (toml_limit, limit) = service::limits_mb(app.options.upload_limit);
    let body = view::page(id, &ctx.csrf, l.stored.summary.revision, toml_limit, limit);
    let mut crumbs = l.crumbs();
    crumbs.push(("Importer".into(), None));
    Ok(Page::new("Importer un fichier", Some(&ctx), body).crumbs(crumbs).into_response())
}

/// What an upload form carries.
struct Upload {
    revision: Option<i64>,
    file: Option<(String, Bytes)>,
}

async fn read_upload(headers: &HeaderMap, body: Bytes) -> Result<Upload, String> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = multipart_parts(ct, body).await?;
    let mut up = Upload { revision: None, file: None };
    for p in parts {
        match p.name.as_str() {
            "revision" => up.revision = String::from_utf8_lossy(&p.data).trim().parse().ok(),
            "fichier" if !p.data.is_empty() => up.file = Some((p.file_name.unwrap_or_default(), p.data)),
            _ => {}
        }
    }
    Ok(up)
}

/// The page of a refused file (nothing changed).
fn failure(ctx: &Ctx, l: &Loaded, title: &str, errors: &[String], status: StatusCode) -> AppError {
    Page::new(title, Some(ctx), view::failure(l.id(), title, errors))
        .crumbs(l.crumbs())
        .status(status)
        .into_response()
        .into()
}

fn refused(ctx: &Ctx, l: &Loaded, errors: &[String]) -> AppError {
    failure(ctx, l, "Import refusé", errors, StatusCode::UNPROCESSABLE_ENTITY)
}

fn too_large(what: &str, limit: usize) -> AppError {
    AppError::page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Fichier trop volumineux",
        view::too_large(what, limit / (1024 * 1024)),
    )
}

fn conflict(ctx: &Ctx, l: &Loaded) -> AppError {
    failure(
        ctx,
        l,
        "Import refusé : rapport modifié entre-temps",
        &["le rapport a été modifié depuis l’ouverture de la page d’import ; rechargez-la et recommencez"
            .into()],
        StatusCode::CONFLICT,
    )
}

/// Common start of both uploads: the report, the right to edit, the file.
async fn start(
    app: &AppState,
    ctx: &Ctx,
    id: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Loaded, i64, Bytes), AppError> {
    let id = crate::service::report::parse_id(id)?;
    let l = report::load(app, ctx, id).await?;
    access::can_edit(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)?;
    let up = match read_upload(headers, body).await {
        Ok(u) => u,
        Err(e) => return Err(failure(ctx, &l, "Import refusé", &[e], StatusCode::BAD_REQUEST)),
    };
    let Some(revision) = up.revision else {
        return Err(failure(
            ctx,
            &l,
            "Import refusé",
            &["formulaire incomplet : rechargez la page".into()],
            StatusCode::BAD_REQUEST,
        ));
    };
    let Some((_name, data)) = up.file else {
        return Err(refused(ctx, &l, &["aucun fichier choisi (ou fichier vide)".into()]));
    };
    if data.len() > app.options.upload_limit {
        return Err(too_large("Le fichier envoyé dépasse la taille maximale", app.options.upload_limit));
    }
    // The prepared text is computed from the loaded version: it must be the one the form
    // was displayed with (the store then checks that it is still current).
    if l.stored.summary.revision != revision {
        return Err(conflict(ctx, &l));
    }
    Ok((l, revision, data))
}

/// Writes a prepared import and draws its outcome.
async fn finish(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    revision: i64,
    title: &str,
    p: Prepared,
) -> Result<Response, AppError> {
    match service::write(app, ctx.user.id, l.id(), revision, p.edit).await {
        Ok(()) => {
            let counts = service::diagnostic_counts(&crate::service::referentiel::current(app), &p.report);
            let body = view::success(l.id(), title, &p.summary, counts);
            Ok(Page::new(title, Some(ctx), body).crumbs(l.crumbs()).into_response())
        }
        Err(StoreError::Conflict { .. }) => Err(conflict(ctx, l)),
        Err(e) => Err(e.into()),
    }
}

pub async fn import_toml(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let (l, revision, data) = start(&app, &ctx, &id, &headers, body).await?;
    if data.len() > TOML_LIMIT {
        return Err(too_large("Le fichier TOML dépasse la taille maximale d’un rapport", TOML_LIMIT));
    }
    let prepared = service::prepare_toml(&l, &data).map_err(|e| refused(&ctx, &l, &e))?;
    finish(&app, &ctx, &l, revision, "Rapport importé", prepared).await
}

pub async fn import_annex(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let (l, revision, data) = start(&app, &ctx, &id, &headers, body).await?;
    let prepared = service::prepare_annex(&l.report, data).await?.map_err(|e| refused(&ctx, &l, &e))?;
    finish(&app, &ctx, &l, revision, "Annexe importée", prepared).await
}
