//! ProConnect sign-in (`/connexion/proconnect`, `/connexion/proconnect/retour`) over
//! `service::oidc`. Both answer 404 when the server has no provider configured.

use axum::extract::{Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::http::session::{
    client_ip, cookie, safe_next, set_cookie, MaybeCtx, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::service::accounts::{self, random_token};
use crate::service::oidc::{self, Callback, Finished, NotStarted, PENDING_LIFETIME};
use crate::views::login;
use crate::AppState;

/// The cookie binding a sign-in to the browser that started it (its SHA-256 is stored with
/// the pending sign-in; the provider's answer must come back with it).
pub const BROWSER_COOKIE: &str = "bilan_proconnect";

#[derive(serde::Deserialize)]
pub struct StartQuery {
    suite: Option<String>,
}

/// The browser's sign-in cookie, or a new one.
fn browser_secret(headers: &axum::http::HeaderMap) -> String {
    match cookie(headers, BROWSER_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => t,
        _ => random_token(),
    }
}

/// `GET /connexion/proconnect?suite=…`: records the sign-in and sends the browser to the
/// provider (303).
pub async fn start(
    State(app): State<AppState>,
    MaybeCtx(ctx): MaybeCtx,
    Query(q): Query<StartQuery>,
    req: Request,
) -> Result<Response, AppError> {
    let Some(provider) = app.options.oidc.clone() else { return Err(AppError::NotFound) };
    let next = safe_next(q.suite.as_deref());
    if ctx.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let ip = client_ip(req.extensions(), req.headers(), &app.options.trusted_proxies);
    let browser = browser_secret(req.headers());
    let started = match oidc::begin(&provider, &app.store, &browser, &next, &ip).await? {
        Ok(s) => s,
        Err(NotStarted::TooMany) => return Err(login::proconnect_too_many()),
    };
    let mut r = Redirect::to(&started.url).into_response();
    let age = i64::try_from(PENDING_LIFETIME.as_secs()).unwrap_or(600);
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(BROWSER_COOKIE, &browser, app.options.secure_cookies, Some(age)),
    );
    Ok(r)
}

/// `GET /connexion/proconnect/retour?code=…&state=…`: the provider's answer. A session and
/// 303 to the sign-in's `suite`, or a French 403 page and no session.
pub async fn callback(
    State(app): State<AppState>,
    Query(answer): Query<Callback>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let Some(provider) = app.options.oidc.clone() else { return Err(AppError::NotFound) };
    let browser = cookie(&headers, BROWSER_COOKIE);
    match oidc::finish(&provider, &app.store, &answer, browser.as_deref()).await? {
        Finished::Session { token, next, user } => {
            tracing::info!(compte = %user.login, "connexion par ProConnect");
            // The browser's previous session, if any, ends (as with a password sign-in).
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                let _ = accounts::sign_out(&app.store, &old).await;
            }
            let secure = app.options.secure_cookies;
            let mut r = Redirect::to(&next).into_response();
            let h = r.headers_mut();
            h.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, secure, None));
            h.append(header::SET_COOKIE, set_cookie(BROWSER_COOKIE, "", secure, Some(0)));
            h.append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", secure, Some(0)));
            Ok(r)
        }
        Finished::Refused(refusal) => {
            tracing::warn!(motif = ?refusal, "connexion ProConnect refusée");
            Err(login::proconnect_refused(&refusal))
        }
    }
}
