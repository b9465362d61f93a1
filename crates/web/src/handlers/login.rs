//! Signing in (`/connexion`, rate limited) and out (`/deconnexion`).

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::http::session::{
    client_ip, cookie, login_token, safe_next, set_cookie, MaybeCtx, LOGIN_CSRF_COOKIE, LOGIN_FORM_LIMIT,
    SESSION_COOKIE,
};
use crate::service::accounts::{self, SignIn};
use crate::service::forms::Fields;
use crate::views::layout::Page;
use crate::views::login;
use crate::AppState;

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    suite: Option<String>,
}

fn page(
    app: &AppState,
    token: &str,
    login: &str,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let proconnect = app.options.oidc.is_some();
    Page::new("Connexion", None, login::login(token, login, next, error, proconnect))
        .status(status)
        .into_response()
}

/// `GET /connexion`: the form (or straight to `suite` when already signed in).
pub async fn login_form(
    State(app): State<AppState>,
    MaybeCtx(ctx): MaybeCtx,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = safe_next(q.suite.as_deref());
    if ctx.is_some() {
        return Redirect::to(&next).into_response();
    }
    let (token, fresh) = login_token(&headers);
    let mut r = page(&app, &token, "", &next, None, StatusCode::OK);
    if fresh {
        r.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &token, app.options.secure_cookies, None),
        );
    }
    r
}

/// `POST /connexion` (`login`, `mot_de_passe`, `suite`).
pub async fn login(State(app): State<AppState>, req: Request) -> Result<Response, AppError> {
    let ip = client_ip(req.extensions(), req.headers(), &app.options.trusted_proxies);
    let old_session = cookie(req.headers(), SESSION_COOKIE);
    let (token, _) = login_token(req.headers());
    let bytes =
        axum::body::to_bytes(req.into_body(), LOGIN_FORM_LIMIT).await.map_err(|_| login::unreadable())?;
    let fields = Fields::parse(&bytes);
    let user = fields.get("login").unwrap_or("").trim().to_string();
    let password = fields.get("mot_de_passe").unwrap_or("");
    let next = safe_next(fields.get("suite"));
    let session = match accounts::sign_in(&app.store, &user, password, &ip, old_session.as_deref()).await? {
        SignIn::Session(session) => session,
        SignIn::TooManyAttempts => return Err(login::too_many_attempts()),
        SignIn::Busy => return Err(login::busy()),
        SignIn::Refused => {
            return Ok(page(
                &app,
                &token,
                &user,
                &next,
                Some("Identifiant ou mot de passe incorrect, ou compte désactivé."),
                StatusCode::UNAUTHORIZED,
            ))
        }
    };
    let mut r = Redirect::to(&next).into_response();
    let secure = app.options.secure_cookies;
    r.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session, secure, None));
    r.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", secure, Some(0)));
    Ok(r)
}

/// `POST /deconnexion`: closes the session, back to the login form — through the
/// provider's logout when the session was opened with ProConnect and the provider has one.
pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let mut id_token = None;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        id_token = accounts::sign_out(&app.store, &token).await?;
    }
    let provider_logout = match (&app.options.oidc, id_token) {
        (Some(provider), Some(id_token)) => provider.logout_url(&id_token),
        _ => None,
    };
    let mut r = Redirect::to(provider_logout.as_deref().unwrap_or("/connexion")).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", app.options.secure_cookies, Some(0)));
    Ok(r)
}
