//! Notifications: the user's list and their reading (`/notifications`), their e-mail
//! preferences (`/compte/notifications`), the administrator's outbox
//! (`/admin/courriels`). What the notifications say and to whom: `service::notifications`
//! and `policy::notify`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_store::Role;

use crate::error::AppError;
use crate::handlers::SavedQuery;
use crate::policy::notify;
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::service::notifications as service;
use crate::views::layout::Page;
use crate::views::notifications::{self as view, PreferencesNotice};
use crate::AppState;

/// `GET /notifications`.
pub async fn list(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let notes = service::list(&app, ctx.user.id).await?;
    Ok(Page::new("Notifications", Some(&ctx), view::list(&ctx, &notes)).into_response())
}

/// `GET /notifications/{nid}`: the link of one of the user's notifications. Following it
/// marks it read, then 303 to the page concerned; 404 for an unknown notification or
/// another user's.
pub async fn open(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(nid): Path<String>,
) -> Result<Response, AppError> {
    let nid = nid.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let notes = service::list(&app, ctx.user.id).await?;
    let note = notes.iter().find(|n| n.id == nid).ok_or(AppError::NotFound)?;
    app.store.mark_notifications_read(ctx.user.id, Some(nid)).await?;
    // The links are the application's own paths; anything else goes back to the list.
    let to = if note.link.starts_with('/') && !note.link.starts_with("//") {
        &note.link
    } else {
        "/notifications"
    };
    Ok(Redirect::to(to).into_response())
}

/// `POST /notifications/{nid}/lue`: 303 to the list (an unknown or another user's
/// notification changes nothing).
pub async fn read_one(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(nid): Path<String>,
) -> Result<Response, AppError> {
    let nid = nid.parse::<i64>().map_err(|_| AppError::NotFound)?;
    app.store.mark_notifications_read(ctx.user.id, Some(nid)).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// `POST /notifications/lues`: every notification of the user read; 303 to the list.
pub async fn read_all(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    app.store.mark_notifications_read(ctx.user.id, None).await?;
    Ok(Redirect::to("/notifications").into_response())
}

fn preferences_page(
    ctx: &Ctx,
    address: &str,
    kinds: Vec<(&'static str, &'static str, bool)>,
    notice: PreferencesNotice,
) -> Result<Response, AppError> {
    let status = if matches!(notice, PreferencesNotice::Refused(_)) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(Page::new("Notifications par courriel", Some(ctx), view::preferences(ctx, address, &kinds, &notice))
        .status(status)
        .into_response())
}

/// `GET /compte/notifications`.
pub async fn preferences_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let kinds = service::preferences(&app, ctx.user.id).await?;
    let notice = if q.enregistre.is_some() { PreferencesNotice::Saved } else { PreferencesNotice::None };
    let address = ctx.user.email.clone().unwrap_or_default();
    preferences_page(&ctx, &address, kinds, notice)
}

/// `POST /compte/notifications` (`courriel`, `courriel-{type}` = `oui`): 303 to
/// `?enregistre=1`; 422 with the form as typed when the address is invalid or another
/// account's, nothing saved.
pub async fn preferences_save(
    State(app): State<AppState>,
    ctx: Ctx,
    fields: Fields,
) -> Result<Response, AppError> {
    let address = fields.text("courriel");
    let wanted: Vec<String> = notify::KINDS
        .iter()
        .filter(|(k, _)| fields.get(&format!("courriel-{k}")) == Some("oui"))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    match service::save_preferences(&app, &ctx.user, &address, &wanted).await? {
        Ok(()) => Ok(Redirect::to("/compte/notifications?enregistre=1").into_response()),
        Err(problem) => {
            let kinds =
                notify::KINDS.iter().map(|(k, label)| (*k, *label, wanted.iter().any(|w| w == k))).collect();
            preferences_page(&ctx, &address, kinds, PreferencesNotice::Refused(problem.message()))
        }
    }
}

/// `GET /admin/courriels`: the administrator only.
pub async fn outbox_page(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.role != Role::Admin {
        return Err(AppError::Forbidden("Seul l’administrateur consulte les courriels envoyés.".to_string()));
    }
    let mails = service::outbox(&app).await?;
    let smtp = app.options.smtp.as_ref().map(|c| c.url.clone());
    Ok(Page::new("Courriels envoyés", Some(&ctx), view::outbox(&mails, smtp.as_deref())).into_response())
}
