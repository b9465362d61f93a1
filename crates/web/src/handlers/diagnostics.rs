//! The diagnostics panel with justifications, and the history.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::handlers::SavedQuery;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::diagnostics::{self as service, Refusal};
use crate::service::forms::Fields;
use crate::service::report;
use crate::views::diagnostics::{self as view, key_id};
use crate::views::layout::Page;
use crate::AppState;

// ----- diagnostics and justifications -----

pub async fn diagnostics_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    let checked = service::check(&app, &l).await?;
    let body = view::panel(&view::Panel {
        id: l.id(),
        report: &l.report,
        checked: &checked,
        can_justify: access::can_justify(&ctx.user, &l.stored.summary).is_ok(),
        csrf: &ctx.csrf,
        saved: q.enregistre.is_some(),
    });
    let mut crumbs = l.crumbs();
    crumbs.push(("Diagnostics".into(), None));
    Ok(Page::new("Diagnostics", Some(&ctx), body).crumbs(crumbs).into_response())
}

pub async fn justify(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    access::can_justify(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)?;
    let code = fields.get("code").unwrap_or("");
    let path = fields.get("chemin").unwrap_or("");
    match service::justify(&app, &ctx, &l, code, path, &fields.text("justification")).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/rapports/{id}/diagnostics?enregistre=1#diag-{}", key_id(code, path)))
                .into_response())
        }
        Err(Refusal::TooLong) => Err(AppError::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Justification trop longue",
            view::too_long(),
        )),
        Err(Refusal::NoSuchWarning) => Err(AppError::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Avertissement introuvable",
            view::no_such_warning(),
        )),
        Err(Refusal::Error(e)) => Err(e),
    }
}

// ----- history -----

pub async fn history(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    let entries = crate::service::reports::history(&app, l.id()).await?;
    let mut crumbs = l.crumbs();
    crumbs.push(("Historique".into(), None));
    Ok(Page::new("Historique", Some(&ctx), crate::views::history::page(&entries))
        .crumbs(crumbs)
        .into_response())
}
