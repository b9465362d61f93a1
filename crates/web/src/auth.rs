//! Accounts and sessions: argon2id passwords, the session cookie, the CSRF guard that
//! every POST goes through, login with rate limiting, logout.

use std::net::SocketAddr;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use bilan_store::{time as stime, User};

use crate::forms::Fields;
use crate::html::{alert, csrf_field, error_page, esc, Page};
use crate::AppState;

pub const SESSION_COOKIE: &str = "bilan_session";
pub const LOGIN_CSRF_COOKIE: &str = "bilan_csrf_login";
/// How long a session lasts.
const SESSION_HOURS: u64 = 10;
/// Failed logins allowed per login and per client IP within [`WINDOW`].
pub const MAX_FAILURES: i64 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Largest urlencoded form body.
pub const FORM_LIMIT: usize = 1024 * 1024;

/// Hashes a password with argon2id (PHC string, random 16-byte salt).
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    if getrandom::fill(&mut salt).is_err() {
        // No randomness: refuse to produce a weak hash; this one never verifies.
        return "!indisponible".to_string();
    }
    let Ok(salt) = SaltString::encode_b64(&salt) else { return "!indisponible".to_string() };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_else(|_| "!indisponible".to_string())
}

/// Checks a password against a PHC string; false on any malformed hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so that timing does not tell.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("mot de passe factice pour égaliser les temps"))
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without an OS random source no session can be created safely: an empty token is
        // refused everywhere.
        return String::new();
    }
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Constant-time comparison of two tokens.
fn same_token(a: &str, b: &str) -> bool {
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: User,
    pub csrf: String,
}

/// What the guard found, for the extractors.
#[derive(Clone)]
struct SessionInfo(Option<Ctx>);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<SessionInfo>() {
            Some(SessionInfo(Some(ctx))) => Ok(ctx.clone()),
            _ => {
                let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
                Err(Redirect::to(&format!("/connexion?suite={next}")).into_response())
            }
        }
    }
}

/// The signed-in user, if any.
pub struct MaybeCtx(pub Option<Ctx>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeCtx(parts.extensions.get::<SessionInfo>().and_then(|s| s.0.clone())))
    }
}

/// The cookies of a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalide=; Max-Age=0"))
}

fn client_ip(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "inconnue".to_string())
}

/// Whether the Origin (or Sec-Fetch-Site) of a state-changing request says another site
/// sent it. Absent headers are accepted: the CSRF token decides.
fn cross_site(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return true };
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    !origin_host.eq_ignore_ascii_case(host)
}

/// Reads a body up to `limit` bytes. Beyond, the rest is drained (up to a bound) so the
/// client receives the French error rather than a reset connection.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, bool> {
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| false)?;
        if buf.len() + chunk.len() > limit {
            let mut drained = 0usize;
            while let Some(Ok(c)) = stream.next().await {
                drained += c.len();
                if drained > 64 * 1024 * 1024 {
                    break;
                }
            }
            return Err(true);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// One part of a multipart body: (field name, file name, content).
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Bytes,
}

/// Parses a buffered `multipart/form-data` body.
pub async fn multipart_parts(content_type: &str, body: Bytes) -> Result<Vec<Part>, String> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| "formulaire d’envoi invalide".to_string())?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let data = field.bytes().await.map_err(|_| "formulaire d’envoi illisible".to_string())?;
                parts.push(Part { name, file_name, data });
            }
            Ok(None) => break,
            Err(_) => return Err("formulaire d’envoi illisible".into()),
        }
    }
    Ok(parts)
}

fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The guard every request goes through: finds the session, and for every method other
/// than GET/HEAD checks the Origin, the body size and the CSRF token before any handler
/// runs. Adds the security headers to every response.
pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    // The API authenticates by bearer token only (no cookie, hence no CSRF): see api.rs.
    if req.uri().path() == "/api" || req.uri().path().starts_with("/api/") {
        return secure(next.run(req).await);
    }
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path();
    let asset = parts.method == Method::GET && (path.starts_with("/dsfr/") || path.starts_with("/static/"));
    let ctx = match cookie(&parts.headers, SESSION_COOKIE) {
        _ if asset => None,
        Some(token) if !token.is_empty() => match app.store.session(&sha256_hex(&token)).await {
            Ok(Some((user, csrf))) => Some(Ctx { user, csrf }),
            Ok(None) => None,
            Err(e) => return secure(crate::html::internal_error(None, &e)),
        },
        _ => None,
    };
    let safe = parts.method == Method::GET || parts.method == Method::HEAD;
    let body = if safe {
        body
    } else {
        if cross_site(&parts.headers) {
            return secure(error_page(
                StatusCode::FORBIDDEN,
                ctx.as_ref(),
                "Requête refusée",
                "<p>Cette requête provient d’un autre site : elle a été refusée et rien n’a été modifié.</p>",
            ));
        }
        let ct = content_type(&parts.headers);
        let multipart = ct.starts_with("multipart/form-data");
        let limit = if multipart { app.options.upload_limit + 256 * 1024 } else { FORM_LIMIT };
        let bytes = match read_body(body, limit).await {
            Ok(b) => b,
            Err(too_large) => {
                return secure(if too_large {
                    too_large_page(ctx.as_ref(), app.options.upload_limit)
                } else {
                    error_page(
                        StatusCode::BAD_REQUEST,
                        ctx.as_ref(),
                        "Requête illisible",
                        "<p>La requête n’a pas pu être lue ; rien n’a été modifié.</p>",
                    )
                });
            }
        };
        let submitted = if multipart {
            match multipart_parts(&ct, bytes.clone()).await {
                Ok(ps) => ps
                    .into_iter()
                    .find(|p| p.name == "csrf")
                    .map(|p| String::from_utf8_lossy(&p.data).into_owned()),
                Err(_) => None,
            }
        } else {
            Fields::parse(&bytes).get("csrf").map(str::to_string)
        };
        let expected = if parts.uri.path() == "/connexion" {
            cookie(&parts.headers, LOGIN_CSRF_COOKIE)
        } else {
            ctx.as_ref().map(|c| c.csrf.clone())
        };
        let ok = matches!((&submitted, &expected), (Some(s), Some(e)) if same_token(s, e));
        if !ok {
            let message = if expected.is_none() && parts.uri.path() != "/connexion" {
                "<p>Votre session a expiré ou vous n’êtes pas connecté : <a href=\"/connexion\">reconnectez-vous</a>. Rien n’a été modifié.</p>"
            } else {
                "<p>Le jeton de sécurité du formulaire est absent ou invalide (formulaire trop ancien, ou envoyé depuis un autre site). Rien n’a été modifié : rechargez la page et recommencez.</p>"
            };
            return secure(error_page(StatusCode::FORBIDDEN, ctx.as_ref(), "Requête refusée", message));
        }
        Body::from(bytes)
    };
    parts.extensions.insert(SessionInfo(ctx));
    let response = next.run(Request::from_parts(parts, body)).await;
    secure(response)
}

fn too_large_page(ctx: Option<&Ctx>, limit: usize) -> Response {
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        ctx,
        "Fichier trop volumineux",
        &format!(
            "<p>Le fichier envoyé dépasse la taille maximale de {} Mo : il a été refusé et rien n’a été modifié.</p>",
            limit / (1024 * 1024)
        ),
    )
}

/// Security headers on every response.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// `suite` must stay on this site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/rapports".to_string(),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    suite: Option<String>,
}

fn login_page(token: &str, login: &str, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let error_html = error
        .map(|e| alert("error", "erreur-connexion", "Connexion impossible", &format!("<p>{}</p>", esc(e))))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"fr-grid-row fr-grid-row--center\"><div class=\"fr-col-12 fr-col-md-8 fr-col-lg-6\">\
         <h1>Connexion à bilan</h1>{error_html}\
         <form method=\"post\" action=\"/connexion\" id=\"form-connexion\">{}{}\
         <fieldset class=\"fr-fieldset\"><legend class=\"fr-fieldset__legend\">Vos identifiants</legend>\
         <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"login\">Identifiant</label>\
         <input class=\"fr-input\" type=\"text\" id=\"login\" name=\"login\" autocomplete=\"username\" required value=\"{}\"></div></div>\
         <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"mot_de_passe\">Mot de passe</label>\
         <input class=\"fr-input\" type=\"password\" id=\"mot_de_passe\" name=\"mot_de_passe\" autocomplete=\"current-password\" required></div></div>\
         </fieldset>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-connexion\">Se connecter</button></form></div></div>",
        csrf_field(token),
        crate::html::hidden("suite", next),
        esc(login)
    );
    Page::new("Connexion", None, body).status(status).into_response()
}

/// The login form's token: the double-submit cookie, created when missing.
fn login_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => (t, false),
        _ => (random_token(), true),
    }
}

pub async fn login_form(
    State(app): State<AppState>,
    MaybeCtx(ctx): MaybeCtx,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let next = safe_next(q.suite.as_deref());
    if ctx.is_some() {
        return Redirect::to(&next).into_response();
    }
    let (token, fresh) = login_token(&headers);
    let mut r = login_page(&token, "", &next, None, StatusCode::OK);
    if fresh {
        r.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &token, app.options.secure_cookies, None),
        );
    }
    r
}

pub async fn login(State(app): State<AppState>, req: Request) -> Response {
    let ip = client_ip(req.extensions());
    let old_session = cookie(req.headers(), SESSION_COOKIE);
    let (token, _) = login_token(req.headers());
    let bytes = match axum::body::to_bytes(req.into_body(), FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let fields = Fields::parse(&bytes);
    let login = fields.get("login").unwrap_or("").trim().to_string();
    let password = fields.get("mot_de_passe").unwrap_or("").to_string();
    let next = safe_next(fields.get("suite"));
    let login_key = format!("login:{}", login.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let since = stime::now_minus(WINDOW);
    let store = &app.store;
    let failures = async {
        let a = store.login_failures_since(&login_key, &since).await?;
        let b = store.login_failures_since(&ip_key, &since).await?;
        Ok::<i64, bilan_store::StoreError>(a.max(b))
    };
    match failures.await {
        Ok(n) if n >= MAX_FAILURES => {
            return error_page(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                "Trop de tentatives de connexion",
                "<p>Trop d’échecs de connexion pour cet identifiant ou depuis cette adresse : \
                 réessayez dans quinze minutes, ou demandez à l’administrateur de réinitialiser votre mot de passe.</p>",
            );
        }
        Ok(_) => {}
        Err(e) => return crate::html::internal_error(None, &e),
    }
    let user = match store.user_by_login(&login).await {
        Ok(u) => u,
        Err(e) => return crate::html::internal_error(None, &e),
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let pw = password.clone();
    let verified = tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await.unwrap_or(false);
    let user = match user {
        Some(u) if verified && u.active && !login.is_empty() && !password.is_empty() => u,
        _ => {
            let now = stime::now();
            let recorded = async {
                store.record_login_failure(&login_key, &now).await?;
                store.record_login_failure(&ip_key, &now).await
            };
            if let Err(e) = recorded.await {
                return crate::html::internal_error(None, &e);
            }
            return login_page(
                &token,
                &login,
                &next,
                Some("Identifiant ou mot de passe incorrect, ou compte désactivé."),
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    let _ = store.clear_login_failures(&login_key).await;
    if let Some(old) = old_session {
        let _ = store.delete_session(&sha256_hex(&old)).await;
    }
    let session = random_token();
    let csrf = random_token();
    if session.is_empty() || csrf.is_empty() {
        return crate::html::internal_error(None, &"source d'aléa indisponible");
    }
    let expires = stime::now_plus(Duration::from_secs(SESSION_HOURS * 3600));
    if let Err(e) = store.create_session(&sha256_hex(&session), user.id, &csrf, &expires).await {
        return crate::html::internal_error(None, &e);
    }
    let mut r = Redirect::to(&next).into_response();
    let secure = app.options.secure_cookies;
    r.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session, secure, None));
    r.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", secure, Some(0)));
    r
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = app.store.delete_session(&sha256_hex(&token)).await {
            return crate::html::internal_error(None, &e);
        }
    }
    let mut r = Redirect::to("/connexion").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", app.options.secure_cookies, Some(0)));
    r
}

/// A plain HTML 403 for a refused action (used by handlers).
pub fn refused(ctx: &Ctx, message: &str) -> Response {
    crate::html::forbidden(Some(ctx), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("demo-bilan-2026");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("demo-bilan-2026", &h));
        assert!(!verify_password("demo-bilan-2027", &h));
        assert!(!verify_password("x", "pas un hash"));
    }

    #[test]
    fn tokens() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("", ""));
    }

    #[test]
    fn origins() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!cross_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(!cross_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(cross_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&h));
    }

    #[test]
    fn next_stays_here() {
        assert_eq!(safe_next(Some("/rapports/3")), "/rapports/3");
        assert_eq!(safe_next(Some("//evil.example")), "/rapports");
        assert_eq!(safe_next(Some("https://evil.example")), "/rapports");
        assert_eq!(safe_next(None), "/rapports");
    }
}
