//! Accounts and sessions: argon2id passwords, the session cookie, the CSRF guard that
//! every POST goes through, login with rate limiting, logout.

use std::net::{IpAddr, SocketAddr};
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

use bilan_store::time as stime;

pub use crate::policy::Ctx;

use crate::service::forms::Fields;
use crate::views::layout::{alert, csrf_field, error_page, esc, Page};
use crate::AppState;

pub const SESSION_COOKIE: &str = "bilan_session";
pub const LOGIN_CSRF_COOKIE: &str = "bilan_csrf_login";
/// How long a session lasts.
const SESSION_HOURS: u64 = 10;
/// Failed logins allowed for one login from one client address within [`WINDOW`].
pub const MAX_FAILURES: i64 = 5;
/// Failed logins allowed from one client address, whatever the login, within [`WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Largest urlencoded form body.
pub const FORM_LIMIT: usize = 1024 * 1024;
/// Largest login form body (an identifier, a password, the CSRF token and `suite`).
const LOGIN_FORM_LIMIT: usize = 16 * 1024;
/// Password hashes computed at once (each argon2id run takes 19 MiB and a core).
const HASHES_AT_ONCE: usize = 4;
/// How long a login waits for a free hashing slot before being told to retry.
const HASH_WAIT: Duration = Duration::from_secs(10);

/// The bound on concurrent argon2 runs, shared by logins and password changes.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHES_AT_ONCE);
    &SLOTS
}

/// Runs an argon2 computation on the blocking pool once a slot is free; `None` when no
/// slot freed up in time (the server is flooded) or the task failed.
pub async fn bounded_hash<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = tokio::time::timeout(HASH_WAIT, hashing_slots().acquire()).await.ok()?.ok()?;
    let result = tokio::task::spawn_blocking(f).await.ok();
    drop(permit);
    result
}

/// The page of a flooded login service.
fn busy_page() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        None,
        "Service momentanément saturé",
        "<p>Trop de connexions sont en cours de vérification : réessayez dans une minute. Rien n’a été modifié.</p>",
    )
}

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

/// The client's address: the peer's, unless the peer is a trusted reverse proxy, in
/// which case the right-most address of `X-Forwarded-For` that is not itself a trusted
/// proxy (what a client writes to the left of it cannot be trusted).
fn client_ip(req_ext: &axum::http::Extensions, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
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
            Err(e) => return secure(crate::views::layout::internal_error(None, &e)),
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
            return secure(error_page(
                StatusCode::FORBIDDEN,
                None,
                "Requête refusée",
                "<p>Votre session a expiré ou vous n’êtes pas connecté : <a href=\"/connexion\">reconnectez-vous</a>. Rien n’a été modifié.</p>",
            ));
        }
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
        let limit = if ctx.is_none() {
            // The login form: an identifier, a password, the token and `suite`.
            LOGIN_FORM_LIMIT
        } else if multipart {
            app.options.upload_limit + 256 * 1024
        } else {
            FORM_LIMIT
        };
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
            let message = if expected.is_none() && parts.uri.path() != "/connexion" {
                "<p>Votre session a expiré ou vous n’êtes pas connecté : <a href=\"/connexion\">reconnectez-vous</a>. Rien n’a été modifié.</p>"
            } else {
                "<p>Le jeton de sécurité du formulaire est absent ou invalide (formulaire trop ancien, ou envoyé depuis un autre site). Rien n’a été modifié : rechargez la page et recommencez.</p>"
            };
            return secure(error_page(StatusCode::FORBIDDEN, ctx.as_ref(), "Requête refusée", message));
        }
        Body::from(bytes)
    };
    parts.extensions.insert(SessionInfo(ctx.clone()));
    // A panic in a handler answers the French 500 page (with its reference) instead of
    // dropping the connection.
    let run = std::panic::AssertUnwindSafe(next.run(Request::from_parts(parts, body)));
    let response = match futures_util::FutureExt::catch_unwind(run).await {
        Ok(r) => r,
        Err(_) => {
            crate::views::layout::internal_error(ctx.as_ref(), &"panique dans un gestionnaire de requête")
        }
    };
    secure(french_errors(response, ctx.as_ref()))
}

/// Rejections produced by axum itself (a path or query that is not UTF-8, a missing form
/// field, an unsupported method…) come as plain text: give them the French error page of
/// their status, with no internals. Our own pages (HTML) and downloads pass through.
fn french_errors(r: Response, ctx: Option<&Ctx>) -> Response {
    let status = r.status();
    // A handler's `AppError`: its page, drawn here with the signed-in header.
    if let Some(page) = r.extensions().get::<crate::error::PendingPage>() {
        return crate::views::components::pending_page(status, ctx, page.clone());
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
    let (title, message) = match status {
        StatusCode::NOT_FOUND => return crate::views::layout::not_found(ctx),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("Opération non prévue", "Cette adresse ne prend pas en charge cette opération.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("Requête trop volumineuse", "La requête dépasse la taille admise."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("Format non pris en charge", "Le format de la requête n’est pas celui attendu.")
        }
        s if s.is_server_error() => {
            return crate::views::layout::internal_error(ctx, &format!("réponse {s} sans page"));
        }
        _ => (
            "Requête invalide",
            "L’adresse ou le formulaire envoyé est mal formé (caractères invalides ou champ manquant).",
        ),
    };
    let mut page = error_page(status, ctx, title, &format!("<p>{message} Rien n’a été modifié.</p>"));
    if let Some(allow) = r.headers().get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
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
        crate::views::layout::hidden("suite", next),
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
    let ip = client_ip(req.extensions(), req.headers(), &app.options.trusted_proxies);
    let old_session = cookie(req.headers(), SESSION_COOKIE);
    let (token, _) = login_token(req.headers());
    let bytes = match axum::body::to_bytes(req.into_body(), LOGIN_FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                None,
                "Requête illisible",
                "<p>Le formulaire de connexion n’a pas pu être lu ; rien n’a été modifié.</p>",
            )
        }
    };
    let fields = Fields::parse(&bytes);
    let login = fields.get("login").unwrap_or("").trim().to_string();
    let password = fields.get("mot_de_passe").unwrap_or("").to_string();
    let next = safe_next(fields.get("suite"));
    // Failures count per (login, address) and per address, never per login alone: a
    // stranger's wrong passwords cannot lock the real user out from their own address.
    let pair_key = format!("login:{}|ip:{ip}", login.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let now = stime::now();
    let since = stime::now_minus(WINDOW);
    let store = &app.store;
    // The attempt is counted before the password is checked, atomically: parallel
    // guesses cannot all slip in before the first failure is written.
    let limits = [(pair_key.as_str(), MAX_FAILURES), (ip_key.as_str(), MAX_FAILURES_PER_ADDRESS)];
    match store.reserve_login_attempt(&limits, &since, &now).await {
        Ok(true) => {}
        Ok(false) => {
            return error_page(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                "Trop de tentatives de connexion",
                "<p>Trop d’échecs de connexion pour cet identifiant depuis cette adresse : \
                 réessayez dans quinze minutes, ou demandez à l’administrateur de réinitialiser votre mot de passe.</p>",
            );
        }
        Err(e) => return crate::views::layout::internal_error(None, &e),
    }
    let user = match store.user_by_login(&login).await {
        Ok(u) => u,
        Err(e) => return crate::views::layout::internal_error(None, &e),
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let pw = password.clone();
    let Some(verified) = bounded_hash(move || verify_password(&pw, &hash)).await else {
        // Not checked: the attempt is given back.
        let _ = store.forget_login_attempt(&pair_key, &now).await;
        let _ = store.forget_login_attempt(&ip_key, &now).await;
        return busy_page();
    };
    let user = match user {
        Some(u) if verified && u.active && !login.is_empty() && !password.is_empty() => u,
        _ => {
            // The failure is already recorded by the reservation.
            return login_page(
                &token,
                &login,
                &next,
                Some("Identifiant ou mot de passe incorrect, ou compte désactivé."),
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    // A success clears this login's failures from this address and gives back the
    // address's reserved attempt (an office behind one address logs in all day).
    let _ = store.clear_login_failures(&pair_key).await;
    let _ = store.forget_login_attempt(&ip_key, &now).await;
    if let Some(old) = old_session {
        let _ = store.delete_session(&sha256_hex(&old)).await;
    }
    let session = random_token();
    let csrf = random_token();
    if session.is_empty() || csrf.is_empty() {
        return crate::views::layout::internal_error(None, &"source d'aléa indisponible");
    }
    let expires = stime::now_plus(Duration::from_secs(SESSION_HOURS * 3600));
    if let Err(e) = store.create_session(&sha256_hex(&session), user.id, &csrf, &expires).await {
        return crate::views::layout::internal_error(None, &e);
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
            return crate::views::layout::internal_error(None, &e);
        }
    }
    let mut r = Redirect::to("/connexion").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", app.options.secure_cookies, Some(0)));
    r
}

/// A plain HTML 403 for a refused action (used by handlers).
pub fn refused(ctx: &Ctx, message: &str) -> Response {
    crate::views::layout::forbidden(Some(ctx), message)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_hashes_run_a_few_at_a_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..(HASHES_AT_ONCE * 4) {
            let (running, peak) = (running.clone(), peak.clone());
            tasks.push(tokio::spawn(bounded_hash(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
            })));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_some());
        }
        assert!(peak.load(Ordering::SeqCst) <= HASHES_AT_ONCE, "{peak:?}");
        assert!(peak.load(Ordering::SeqCst) >= 2, "they do run in parallel");
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
