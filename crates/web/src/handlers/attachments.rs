//! Attached files: an editor attaches a supporting document to an action or removes one
//! (while the report is editable); whoever sees the report downloads them (the State only
//! what was transmitted). Checks and storage: `service::attachments`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bilan_store::{AttachmentKind, StoreError};

use crate::error::AppError;
use crate::http::session::multipart_parts;
use crate::policy::{access, Ctx};
use crate::service::attachments::{self as service, MAX_BYTES};
use crate::service::editing;
use crate::service::report::{self, Loaded};
use crate::views::layout::Page;
use crate::AppState;

/// The page of a refused document (422 unless said), nothing written.
fn refused(ctx: &Ctx, l: &Loaded, back: &str, problems: Vec<String>, status: StatusCode) -> AppError {
    Page::new("Document refusé", Some(ctx), crate::views::attachments::refused(back, &problems))
        .crumbs(l.crumbs())
        .status(status)
        .into_response()
        .into()
}

/// POST `/rapports/{id}/actions/{num}/pieces` (multipart: `titre`, `fichier`, `csrf`).
pub async fn add_piece(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = report::parse_id(&id)?;
    let (l, a) = editing::load_action(&app, &ctx, id, &num).await?;
    access::can_edit(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)?;
    let back = a.url(id);
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = match multipart_parts(ct, body).await {
        Ok(p) => p,
        Err(e) => return Err(refused(&ctx, &l, &back, vec![e], StatusCode::BAD_REQUEST)),
    };
    let mut title = String::new();
    let mut file = None;
    for p in parts {
        match p.name.as_str() {
            "titre" => title = String::from_utf8_lossy(&p.data).into_owned(),
            "fichier" if !p.data.is_empty() => file = Some((p.file_name.unwrap_or_default(), p.data)),
            _ => {}
        }
    }
    let Some((name, data)) = file else {
        return Err(refused(
            &ctx,
            &l,
            &back,
            vec!["aucun fichier choisi (ou fichier vide)".into()],
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    if data.len() > MAX_BYTES {
        return Err(AppError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Fichier trop volumineux",
            crate::views::import::too_large(
                "Le document dépasse la taille maximale",
                MAX_BYTES / (1024 * 1024),
            ),
        ));
    }
    let checked = match service::check(
        &app,
        AttachmentKind::Piece,
        Some(a.number.clone()),
        &title,
        &name,
        data.to_vec(),
    )
    .await?
    {
        Ok(c) => c,
        Err(m) => return Err(refused(&ctx, &l, &back, vec![m], StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match app.store.add_attachment(ctx.user.id, id, &checked.attachment).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?piece=1#pieces-action")).into_response()),
        Err(StoreError::BadTransition { .. }) => Err(AppError::forbidden(FROZEN)),
        Err(StoreError::Rejected(m)) => {
            Err(refused(&ctx, &l, &back, vec![m], StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

const FROZEN: &str = "Le rapport n’est pas modifiable dans son statut actuel : ses pièces jointes non plus.";

/// POST `/rapports/{id}/pieces/{pid}/supprimer`: removes a piece of the working set.
pub async fn remove_piece(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = report::parse_id(&id)?;
    let pid = report::parse_id(&pid)?;
    let l = report::load(&app, &ctx, id).await?;
    access::can_edit(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)?;
    let a = app.store.attachment(id, pid).await?.ok_or(AppError::NotFound)?;
    if a.frozen_version.is_some() || a.kind != AttachmentKind::Piece {
        return Err(AppError::NotFound);
    }
    match app.store.remove_attachment(ctx.user.id, id, pid).await {
        Ok(()) => {}
        Err(StoreError::BadTransition { .. }) => return Err(AppError::forbidden(FROZEN)),
        Err(e) => return Err(e.into()),
    }
    let back = match a.action.as_deref().and_then(|n| editing::find_action(&l.report, n)) {
        Some(r) => format!("{}#pieces-action", r.url(id)),
        None => format!("/rapports/{id}"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// GET `/rapports/{id}/pieces/{pid}`: the file, for whoever sees the report (the State
/// only the files transmitted with a version); 404 otherwise.
pub async fn download(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = report::parse_id(&id)?;
    let pid = report::parse_id(&pid)?;
    let _l = report::load(&app, &ctx, id).await?;
    let a = app.store.attachment(id, pid).await?.ok_or(AppError::NotFound)?;
    if !service::may_download(&ctx.user, &a) {
        return Err(AppError::NotFound);
    }
    let bytes = service::content(&app, &a).await?;
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", a.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
