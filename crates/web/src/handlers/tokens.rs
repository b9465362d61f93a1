//! Tokens of the read-only API (`/api/v1`): each signed-in user (but the administrator)
//! lists, creates and revokes its own on `/compte/jetons`. What a token is and how it is
//! issued: `service::tokens`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_store::{Id, Role, StoreError};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::service::tokens::{self as service, chosen_days, issue, name_problem};
use crate::views::layout::Page;
use crate::views::tokens::{self as view, Notice};
use crate::AppState;

fn no_admin(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role == Role::Admin {
        Err(AppError::Forbidden(
            "Le compte administrateur n’a pas accès à l’API de consultation des rapports : il n’a pas de jeton."
                .to_string(),
        ))
    } else {
        Ok(())
    }
}

async fn page(app: &AppState, ctx: &Ctx, notice: Notice) -> Result<Response, AppError> {
    let tokens = service::list(&app.store, ctx.user.id).await?;
    let status = if matches!(notice, Notice::Invalid { .. }) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(Page::new("Jetons d’API", Some(ctx), view::tokens(ctx, &tokens, &notice))
        .status(status)
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    revoque: Option<String>,
}

/// `GET /compte/jetons`.
pub async fn tokens_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    no_admin(&ctx)?;
    page(&app, &ctx, if q.revoque.is_some() { Notice::Revoked } else { Notice::None }).await
}

/// `POST /compte/jetons` (`nom`, `duree`): shows the new token once (200), or the form
/// again (422).
pub async fn create_token(
    State(app): State<AppState>,
    ctx: Ctx,
    fields: Fields,
) -> Result<Response, AppError> {
    no_admin(&ctx)?;
    let name = fields.get("nom").unwrap_or("").to_string();
    let notice = match (name_problem(&name), chosen_days(fields.get("duree"))) {
        (Some(problem), _) => Notice::Invalid { name, problem },
        (None, None) => {
            Notice::Invalid { name, problem: "Choisissez une durée de validité proposée.".to_string() }
        }
        (None, Some(days)) => match issue(&app.store, ctx.user.id, ctx.user.id, &name, days).await {
            Ok(token) => Notice::Created(token),
            Err(StoreError::Rejected(problem)) => Notice::Invalid { name, problem },
            Err(e) => return Err(e.into()),
        },
    };
    page(&app, &ctx, notice).await
}

/// `POST /compte/jetons/{tid}/revoquer`: 303 to the list; 404 for another user's token.
pub async fn revoke_token(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(tid): Path<String>,
) -> Result<Response, AppError> {
    no_admin(&ctx)?;
    let tid = tid.parse::<Id>().ok().filter(|n| *n > 0).ok_or(AppError::NotFound)?;
    app.store.revoke_api_token(ctx.user.id, ctx.user.id, tid).await?;
    Ok(Redirect::to("/compte/jetons?revoque=1").into_response())
}
