//! The signed-in user's own account: changing one's password. The current password is
//! asked again (a session left open must not be enough to take the account over); the
//! change ends every other session of the account.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::http::session::{cookie, SESSION_COOKIE};
use crate::policy::Ctx;
use crate::service::accounts::{self, PasswordProblem};
use crate::service::forms::Fields;
use crate::views::account::{password_form as view, Notice};
use crate::views::layout::Page;
use crate::AppState;

fn page(ctx: &Ctx, notice: Notice, status: StatusCode) -> Response {
    Page::new("Changer de mot de passe", Some(ctx), view(ctx, &notice)).status(status).into_response()
}

/// `GET /compte/mot-de-passe`.
pub async fn password_form(ctx: Ctx) -> Response {
    page(&ctx, Notice::None, StatusCode::OK)
}

/// `POST /compte/mot-de-passe` (`actuel`, `nouveau`, `confirmation`).
pub async fn change_password(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, AppError> {
    let keep = cookie(&headers, SESSION_COOKIE);
    let changed = accounts::change_own_password(
        &app.store,
        &ctx.user,
        fields.text("actuel"),
        fields.text("nouveau"),
        &fields.text("confirmation"),
        keep.as_deref(),
    )
    .await?;
    Ok(match changed {
        Ok(()) => page(&ctx, Notice::Changed, StatusCode::OK),
        Err(problem) => {
            let status = match problem {
                PasswordProblem::Busy => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(&ctx, Notice::Refused(problem.message()), status)
        }
    })
}
