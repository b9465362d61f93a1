//! The session and its plumbing: the session cookie, the `Ctx`/`MaybeCtx` extractors, the
//! CSRF/Origin guard that every request goes through (it also draws the `AppError` pages
//! with the signed-in user's header), body reading, multipart, the client's address, the
//! urlencoded form extractor. Signing in and out is `handlers::login` over
//! `service::accounts`.

use std::net::{IpAddr, SocketAddr};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;

pub use crate::policy::Ctx;

use crate::error::{AppError, PendingPage};
use crate::service::accounts::{random_token, sha256_hex};
use crate::service::forms::Fields;
use crate::views::components::pending_page;
use crate::views::errors;
use crate::AppState;

pub const SESSION_COOKIE: &str = "bilan_session";
pub const LOGIN_CSRF_COOKIE: &str = "bilan_csrf_login";
/// Largest urlencoded form body.
pub const FORM_LIMIT: usize = 1024 * 1024;
/// Largest login form body (an identifier, a password, the CSRF token and `suite`).
pub const LOGIN_FORM_LIMIT: usize = 16 * 1024;

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, for the whole site.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalide=; Max-Age=0"))
}

/// The client's address: the peer's, unless the peer is a trusted reverse proxy, in
/// which case the right-most address of `X-Forwarded-For` that is not itself a trusted
/// proxy (what a client writes to the left of it cannot be trusted).
pub fn client_ip(req_ext: &axum::http::Extensions, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = req_ext.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip()) else {
        return "inconnue".to_string();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip.to_string(),
            // A malformed hop: stop at the last address we can vouch for.
            Err(_) => break,
        }
    }
    peer.to_string()
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

/// The urlencoded form body of a handler (the guard has already bounded its size).
impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            let page = errors::rejection(StatusCode::PAYLOAD_TOO_LARGE);
            AppError::page(StatusCode::PAYLOAD_TOO_LARGE, page.title, page.message)
        })?;
        Ok(Fields::parse(&bytes))
    }
}

/// An [`AppError`] as its page, drawn with `ctx`'s header.
fn error_response(e: AppError, ctx: Option<&Ctx>) -> Response {
    let r = e.into_response();
    match r.extensions().get::<PendingPage>() {
        Some(page) => pending_page(r.status(), ctx, page.clone()),
        None => r,
    }
}

/// The largest file a multipart form of `path` may carry: an attachment (the adoption's
/// deliberation, an action's piece) 10 Mo, other uploads the configured limit.
pub fn upload_limit(app: &AppState, path: &str) -> usize {
    if path.ends_with("/adopter") || path.ends_with("/pieces") {
        crate::service::attachments::MAX_BYTES
    } else {
        app.options.upload_limit
    }
}

/// The guard every request goes through: finds the session, and for every method other
/// than GET/HEAD checks the Origin, the body size and the CSRF token before any handler
/// runs. Adds the security headers to every response.
pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    // The reference data of this request: reread only when an administrator (on any
    // server of the database) changed it.
    let asset_path = req.uri().path().starts_with("/dsfr/") || req.uri().path().starts_with("/static/");
    if !asset_path {
        if let Err(e) = crate::service::referentiel::refresh(&app).await {
            return secure(&app, error_response(e, None));
        }
    }
    // The API authenticates by bearer token only (no cookie, hence no CSRF): see api.rs.
    if req.uri().path() == "/api" || req.uri().path().starts_with("/api/") {
        return secure(&app, next.run(req).await);
    }
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path();
    let asset = parts.method == Method::GET && (path.starts_with("/dsfr/") || path.starts_with("/static/"));
    let ctx = match cookie(&parts.headers, SESSION_COOKIE) {
        _ if asset => None,
        Some(token) if !token.is_empty() => match app.store.session(&sha256_hex(&token)).await {
            Ok(Some((user, csrf))) => match app.store.unread_notifications(user.id).await {
                Ok(unread) => Some(Ctx { user, csrf, unread }),
                Err(e) => return secure(&app, error_response(AppError::internal(e), None)),
            },
            Ok(None) => None,
            Err(e) => return secure(&app, error_response(AppError::internal(e), None)),
        },
        _ => None,
    };
    let safe = parts.method == Method::GET || parts.method == Method::HEAD;
    let body = if safe {
        body
    } else {
        // Without a session, only the login form may be posted: anything else is refused
        // before its body is read (no upload is buffered or parsed for a stranger).
        if ctx.is_none() && parts.uri.path() != "/connexion" {
            return secure(&app, pending_page(StatusCode::FORBIDDEN, None, errors::session_expired()));
        }
        if cross_site(&parts.headers) {
            return secure(&app, pending_page(StatusCode::FORBIDDEN, ctx.as_ref(), errors::cross_site()));
        }
        let ct = content_type(&parts.headers);
        let multipart = ct.starts_with("multipart/form-data");
        let limit = if ctx.is_none() {
            // The login form: an identifier, a password, the token and `suite`.
            LOGIN_FORM_LIMIT
        } else if multipart {
            upload_limit(&app, parts.uri.path()) + 256 * 1024
        } else {
            FORM_LIMIT
        };
        let bytes = match read_body(body, limit).await {
            Ok(b) => b,
            Err(too_large) => {
                return secure(
                    &app,
                    if too_large {
                        let limit_mb = upload_limit(&app, parts.uri.path()) / (1024 * 1024);
                        pending_page(StatusCode::PAYLOAD_TOO_LARGE, ctx.as_ref(), errors::too_large(limit_mb))
                    } else {
                        pending_page(StatusCode::BAD_REQUEST, ctx.as_ref(), errors::unreadable())
                    },
                );
            }
        };
        let submitted = if multipart && ctx.is_some() {
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
            let page = if expected.is_none() && parts.uri.path() != "/connexion" {
                errors::session_expired()
            } else {
                errors::bad_token()
            };
            return secure(&app, pending_page(StatusCode::FORBIDDEN, ctx.as_ref(), page));
        }
        Body::from(bytes)
    };
    parts.extensions.insert(SessionInfo(ctx.clone()));
    // A panic in a handler answers the French 500 page (with its reference) instead of
    // dropping the connection.
    let run = std::panic::AssertUnwindSafe(next.run(Request::from_parts(parts, body)));
    let response = match futures_util::FutureExt::catch_unwind(run).await {
        Ok(r) => r,
        Err(_) => error_response(AppError::internal("panique dans un gestionnaire de requête"), ctx.as_ref()),
    };
    secure(&app, french_errors(response, ctx.as_ref()))
}

/// Rejections produced by axum itself (a path or query that is not UTF-8, a missing form
/// field, an unsupported method…) come as plain text: give them the French error page of
/// their status, with no internals. Our own pages (HTML) and downloads pass through.
fn french_errors(r: Response, ctx: Option<&Ctx>) -> Response {
    let status = r.status();
    // A handler's `AppError`: its page, drawn here with the signed-in header.
    if let Some(page) = r.extensions().get::<crate::error::PendingPage>() {
        return pending_page(status, ctx, page.clone());
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let html = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if html {
        return r;
    }
    let mut page = match status {
        StatusCode::NOT_FOUND => return pending_page(status, ctx, crate::error::not_found_message()),
        s if s.is_server_error() => {
            return error_response(AppError::internal(format!("réponse {s} sans page")), ctx);
        }
        _ => pending_page(status, ctx, errors::rejection(status)),
    };
    if let Some(allow) = r.headers().get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
}

/// The `Content-Security-Policy` of every page: this site only; `logout_origin` (the
/// OpenID provider's logout endpoint, when configured) is added to `form-action`, since
/// the sign-out form's answer redirects there and browsers check redirects of a form
/// submission against it.
pub fn csp(logout_origin: Option<&str>) -> HeaderValue {
    let extra = logout_origin
        .filter(|o| o.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b','))
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'{extra}; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// Security headers on every response.
fn secure(app: &AppState, mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, app.csp.clone());
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// `suite` must be a path of this site: one leading `/`, never `//` or a backslash
/// (browsers read `/\\host` and `//host` as another site, and drop tabs and newlines
/// before deciding), no control character anywhere. `next` is already percent-decoded;
/// what is kept is re-encoded where a `Location` header needs it.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/rapports";
    let Some(n) = next else { return HOME.to_string() };
    let bad_char = |c: char| c.is_control() || c == '\\' || c.is_whitespace();
    if !n.starts_with('/') || n.starts_with("//") || n.chars().any(bad_char) {
        return HOME.to_string();
    }
    // Non-ASCII characters are percent-encoded: a header value is bytes, not text.
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The login form's token: the double-submit cookie, created when missing (`true`).
pub fn login_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => (t, false),
        _ => (random_token(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
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
        assert_eq!(safe_next(Some("/\t/evil.example")), "/rapports");
        assert_eq!(safe_next(Some("/\\evil.example")), "/rapports");
        assert_eq!(safe_next(Some("/a\u{85}b")), "/rapports");
        assert_eq!(safe_next(Some("/r?x=é")), "/r?x=%C3%A9");
    }
}
