//! ProConnect sign-in: the application as an OpenID Connect relying party (authorization
//! code flow with PKCE S256, `state` and `nonce`, ID token and userinfo signatures verified
//! against the provider's JWKS). No HTML, no axum.
//!
//! The provider is discovered when the server starts ([`Oidc::discover`]): its metadata and
//! keys are fetched once, and a server whose provider does not answer, or answers
//! inconsistently, does not start. The keys are fetched again when a token names a `kid`
//! they lack (key rotation), at most once per [`JWKS_REFRESH`].
//!
//! A sign-in: [`begin`] records the pending sign-in (hashed `state`, the browser's cookie
//! hashed, `nonce`, PKCE verifier, return path) and gives the provider's URL; [`finish`]
//! takes it back by `state` (once: a replayed `state` finds nothing), checks the browser,
//! exchanges the code, verifies the tokens and opens the session through
//! `Store::oidc_sign_in`, which binds the identity to an account (see ARCHITECTURE.md,
//! « ProConnect »).

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use sha2::{Digest, Sha256};

use bilan_store::time as stime;
use bilan_store::{OidcOutcome, OidcPending, OidcSignIn, Store, User};

use crate::error::AppError;
use crate::service::accounts::{random_token, sha256_hex, SESSION_HOURS};
use crate::service::jwt::{self, Expected, Jwk, JwtError};

/// The scopes asked for: ProConnect's scopes are its claim names.
pub const SCOPES: &str = "openid email given_name usual_name";
/// How long a sign-in may stay at the provider.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Sign-ins waiting at the provider, per client address.
pub const MAX_PENDING_PER_CLIENT: i64 = 20;
/// The keys are fetched again on an unknown `kid` at most this often.
pub const JWKS_REFRESH: Duration = Duration::from_secs(30);
/// Largest document accepted from the provider.
const MAX_BODY: usize = 1024 * 1024;

/// How the provider is reached (`bilan servir --oidc-issuer …`).
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL: `https://…`, or `http://` on loopback only (tests).
    pub issuer: String,
    pub client_id: String,
    /// Never a flag: from the environment or the configuration file.
    pub client_secret: String,
    /// This application's callback, `…/connexion/proconnect/retour`, as registered.
    pub redirect_uri: String,
    /// Where the provider's logout sends the browser back, `…/connexion`, as registered.
    pub post_logout_redirect_uri: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .field("post_logout_redirect_uri", &self.post_logout_redirect_uri)
            .finish()
    }
}

/// The endpoints the discovery document gives.
#[derive(Clone, Debug)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
}

/// A discovered provider: its endpoints, its keys and the HTTP client that reaches it.
pub struct Oidc {
    config: OidcConfig,
    meta: Metadata,
    http: reqwest::Client,
    keys: RwLock<Vec<Jwk>>,
    refreshed: Mutex<Instant>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc").field("config", &self.config).field("meta", &self.meta).finish()
    }
}

/// Whether a URL may be used: `https`, or `http` to a loopback address (a provider started
/// by the tests). Anything else would send the client secret or codes in clear.
fn acceptable_url(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else { return false };
    match u.scheme() {
        "https" => u.host_str().is_some_and(|h| !h.is_empty()),
        "http" => match u.host_str() {
            Some(h) if h.eq_ignore_ascii_case("localhost") => true,
            Some(h) => h
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => false,
        },
        _ => false,
    }
}

/// Reads a response body up to [`MAX_BODY`].
async fn body(mut r: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = r.chunk().await.map_err(|e| format!("réponse interrompue ({e})"))? {
        if out.len() + chunk.len() > MAX_BODY {
            return Err("réponse trop volumineuse".into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The seconds since the epoch.
fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Oidc {
    /// Fetches the provider's discovery document and keys; a French message when the
    /// provider cannot be used (unreachable, not an OpenID provider, another issuer, no
    /// usable key, an endpoint in clear…).
    pub async fn discover(config: OidcConfig) -> Result<Oidc, String> {
        let issuer = config.issuer.trim_end_matches('/').to_string();
        let fail = |m: String| format!("fournisseur d’identité {issuer} : {m}");
        if !acceptable_url(&config.issuer) {
            return Err(fail(
                "adresse https:// attendue (http:// n’est admis que sur cette machine, 127.0.0.1)".into(),
            ));
        }
        if config.client_id.trim().is_empty() {
            return Err(fail("identifiant client (--oidc-client-id) manquant".into()));
        }
        if config.client_secret.is_empty() {
            return Err(fail(
                "secret client manquant : variable BILAN_OIDC_SECRET_CLIENT ou clé secret_client de la table [oidc] du fichier de configuration".into(),
            ));
        }
        for (what, url) in [
            ("adresse de retour", &config.redirect_uri),
            ("adresse de retour après déconnexion", &config.post_logout_redirect_uri),
        ] {
            if reqwest::Url::parse(url).is_err() {
                return Err(fail(format!("{what} invalide : « {url} »")));
            }
        }
        // rustls with ring (not aws-lc-rs).
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bilan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| fail(format!("client HTTP impossible à créer ({e})")))?;
        let url = format!("{issuer}/.well-known/openid-configuration");
        let doc = get_json(&http, &url).await.map_err(|m| fail(format!("découverte ({url}) : {m}")))?;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
        let announced = text("issuer").unwrap_or_default();
        if announced.trim_end_matches('/') != issuer {
            return Err(fail(format!(
                "le document de découverte annonce un autre émetteur (« {announced} »)"
            )));
        }
        let required =
            |k: &str| text(k).ok_or_else(|| fail(format!("le document de découverte n’a pas de « {k} »")));
        let meta = Metadata {
            issuer: announced.clone(),
            authorization_endpoint: required("authorization_endpoint")?,
            token_endpoint: required("token_endpoint")?,
            userinfo_endpoint: text("userinfo_endpoint"),
            jwks_uri: required("jwks_uri")?,
            end_session_endpoint: text("end_session_endpoint"),
        };
        let endpoints = [
            Some(&meta.authorization_endpoint),
            Some(&meta.token_endpoint),
            meta.userinfo_endpoint.as_ref(),
            Some(&meta.jwks_uri),
            meta.end_session_endpoint.as_ref(),
        ];
        for e in endpoints.into_iter().flatten() {
            if !acceptable_url(e) {
                return Err(fail(format!("point d’accès refusé (https:// attendu) : « {e} »")));
            }
        }
        let list = |k: &str| -> Option<Vec<String>> {
            doc.get(k)
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
        };
        if list("response_types_supported").is_some_and(|l| !l.iter().any(|t| t == "code")) {
            return Err(fail("le fournisseur ne propose pas le flux « code »".into()));
        }
        if list("code_challenge_methods_supported").is_some_and(|l| !l.iter().any(|t| t == "S256")) {
            return Err(fail("le fournisseur ne propose pas PKCE S256".into()));
        }
        if list("id_token_signing_alg_values_supported")
            .is_some_and(|l| !l.iter().any(|a| a == "RS256" || a == "ES256"))
        {
            return Err(fail("le fournisseur ne signe ses jetons ni en RS256 ni en ES256".into()));
        }
        let keys = fetch_keys(&http, &meta.jwks_uri)
            .await
            .map_err(|m| fail(format!("clés ({}) : {m}", meta.jwks_uri)))?;
        Ok(Oidc { config, meta, http, keys: RwLock::new(keys), refreshed: Mutex::new(Instant::now()) })
    }

    /// The issuer as the provider announces it (what `iss` must say).
    pub fn issuer(&self) -> &str {
        &self.meta.issuer
    }

    /// The origin of the provider's logout endpoint, for the pages' `form-action`
    /// (sign-out is a form whose answer redirects there).
    pub fn logout_origin(&self) -> Option<String> {
        let url = reqwest::Url::parse(self.meta.end_session_endpoint.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }

    /// Verifies a JWS from the provider, fetching the keys again once when it names a key
    /// they lack.
    async fn verify(&self, token: &str) -> Result<jwt::Jws, JwtError> {
        let jws = jwt::parse(token)?;
        let first = {
            let keys = self.keys.read().map_err(|_| JwtError::UnknownKey)?;
            jws.verify(&keys)
        };
        match first {
            Err(JwtError::UnknownKey) => {
                if self.refresh_keys().await {
                    let keys = self.keys.read().map_err(|_| JwtError::UnknownKey)?;
                    jws.verify(&keys)?;
                } else {
                    return Err(JwtError::UnknownKey);
                }
            }
            other => other?,
        }
        Ok(jws)
    }

    /// Fetches the keys again unless that was done less than [`JWKS_REFRESH`] ago; whether
    /// it was done.
    async fn refresh_keys(&self) -> bool {
        {
            let Ok(mut last) = self.refreshed.lock() else { return false };
            if last.elapsed() < JWKS_REFRESH {
                return false;
            }
            *last = Instant::now();
        }
        match fetch_keys(&self.http, &self.meta.jwks_uri).await {
            Ok(keys) => {
                if let Ok(mut k) = self.keys.write() {
                    *k = keys;
                }
                tracing::info!("clés du fournisseur d’identité rechargées");
                true
            }
            Err(m) => {
                tracing::warn!("clés du fournisseur d’identité : {m}");
                false
            }
        }
    }

    /// The provider's logout URL for a session opened with `id_token`, if it has one.
    pub fn logout_url(&self, id_token: &str) -> Option<String> {
        let mut url = reqwest::Url::parse(self.meta.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("state", &random_token())
            .append_pair("post_logout_redirect_uri", &self.config.post_logout_redirect_uri);
        Some(url.into())
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let r = http.get(url).send().await.map_err(|e| format!("injoignable ({})", without_url(&e)))?;
    if !r.status().is_success() {
        return Err(format!("réponse HTTP {}", r.status().as_u16()));
    }
    let bytes = body(r).await?;
    serde_json::from_slice(&bytes).map_err(|_| "réponse qui n’est pas du JSON".to_string())
}

/// A reqwest error without its URL (which may hold a code or a token).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "délai dépassé"
    } else if e.is_connect() {
        "connexion refusée ou impossible"
    } else {
        "erreur réseau"
    };
    kind.to_string()
}

async fn fetch_keys(http: &reqwest::Client, url: &str) -> Result<Vec<Jwk>, String> {
    let keys = jwt::keys_of(&get_json(http, url).await?);
    if keys.is_empty() {
        return Err("aucune clé de signature RSA ou P-256 publiée".into());
    }
    Ok(keys)
}

// ---- Starting a sign-in

/// A sign-in ready to go to the provider.
pub struct Started {
    /// The provider's authorization URL, with every parameter.
    pub url: String,
}

/// Why a sign-in was not started.
pub enum NotStarted {
    /// Too many sign-ins are waiting from this address.
    TooMany,
}

/// The PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()))
}

/// Records a sign-in and gives the provider's URL. `browser` is the value of the browser's
/// sign-in cookie, `next` the (already checked) return path, `client` the address.
pub async fn begin(
    oidc: &Oidc,
    store: &Store,
    browser: &str,
    next: &str,
    client: &str,
) -> Result<Result<Started, NotStarted>, AppError> {
    let (state, nonce, verifier) = (random_token(), random_token(), random_token());
    if state.is_empty() || nonce.is_empty() || verifier.is_empty() || browser.is_empty() {
        return Err(AppError::internal("source d'aléa indisponible"));
    }
    let pending = OidcPending {
        state_hash: sha256_hex(&state),
        browser_hash: sha256_hex(browser),
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        next: next.to_string(),
        client: client.to_string(),
        expires_at: stime::now_plus(PENDING_LIFETIME),
    };
    if !store.begin_oidc_login(&pending, MAX_PENDING_PER_CLIENT).await? {
        return Ok(Err(NotStarted::TooMany));
    }
    let mut url = reqwest::Url::parse(&oidc.meta.authorization_endpoint).map_err(AppError::internal)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oidc.config.client_id)
        .append_pair("redirect_uri", &oidc.config.redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(Ok(Started { url: url.into() }))
}

// ---- The provider's answer

/// The callback's query, as the provider sent it.
#[derive(Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// How a provider's answer ended.
pub enum Finished {
    /// Signed in: the session token (for the cookie) and where to go.
    Session { token: String, next: String, user: User },
    /// Refused before any session: why (the French page says it).
    Refused(Refusal),
}

/// Why an answer was refused; each is a French page, and no session is opened.
#[derive(Debug)]
pub enum Refusal {
    /// No `state`, or one unknown, expired or already used (a replay).
    UnknownState,
    /// The answer came back to another browser than the one that started it.
    OtherBrowser,
    /// The provider said no (the user cancelled, or the provider refused): its error code.
    ProviderSaidNo(String),
    /// The answer names another issuer (RFC 9207).
    WrongIssuer,
    /// No code in the answer.
    NoCode,
    /// The token endpoint refused the code, or did not answer.
    TokenExchange(String),
    /// A token failed verification.
    Token(JwtError),
    /// The userinfo endpoint failed, or its answer is not about the same user.
    UserInfo(String),
    /// The provider asserted no usable e-mail.
    NoEmail,
    /// No account has this e-mail (nor this identity).
    UnknownIdentity { email: String },
    /// The account is deactivated.
    Inactive,
    /// The account with this e-mail is bound to another identity of the provider.
    OtherIdentity { email: String },
}

impl Refusal {
    /// The reason in French, for the page.
    pub fn reason(&self) -> String {
        match self {
            Refusal::UnknownState => {
                "La réponse du fournisseur d’identité ne correspond à aucune connexion en cours : elle a expiré, ou elle a déjà servi.".into()
            }
            Refusal::OtherBrowser => {
                "La réponse du fournisseur d’identité ne revient pas au navigateur qui a demandé la connexion.".into()
            }
            Refusal::ProviderSaidNo(code) if code == "access_denied" => {
                "La connexion a été annulée ou refusée sur ProConnect.".into()
            }
            Refusal::ProviderSaidNo(code) => format!("ProConnect a refusé la connexion (code « {code} »)."),
            Refusal::WrongIssuer => "La réponse provient d’un autre fournisseur d’identité que ProConnect.".into(),
            Refusal::NoCode => "La réponse du fournisseur d’identité est incomplète.".into(),
            Refusal::TokenExchange(m) => format!("ProConnect n’a pas confirmé la connexion ({m})."),
            Refusal::Token(e) => format!("Le jeton d’identité reçu est refusé : {e}."),
            Refusal::UserInfo(m) => format!("Les informations d’identité reçues sont refusées : {m}."),
            Refusal::NoEmail => "ProConnect n’a pas transmis d’adresse électronique valide.".into(),
            Refusal::UnknownIdentity { .. } | Refusal::OtherIdentity { .. } | Refusal::Inactive => {
                String::new()
            }
        }
    }
}

/// Handles the provider's answer: takes the sign-in of its `state` (once), checks the
/// browser, exchanges the code and verifies the tokens, then opens the session.
/// `browser` is the browser's sign-in cookie.
pub async fn finish(
    oidc: &Oidc,
    store: &Store,
    answer: &Callback,
    browser: Option<&str>,
) -> Result<Finished, AppError> {
    use Finished::Refused;
    let Some(state) = answer.state.as_deref().filter(|s| !s.is_empty() && s.len() <= 512) else {
        return Ok(Refused(Refusal::UnknownState));
    };
    // Taken whatever follows: a state answers once.
    let Some(pending) = store.take_oidc_login(&sha256_hex(state)).await? else {
        return Ok(Refused(Refusal::UnknownState));
    };
    let same_browser = browser.is_some_and(|b| jwt::same(&sha256_hex(b), &pending.browser_hash));
    if !same_browser {
        return Ok(Refused(Refusal::OtherBrowser));
    }
    if let Some(error) = &answer.error {
        let code: String = error.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        return Ok(Refused(Refusal::ProviderSaidNo(code)));
    }
    if let Some(iss) = &answer.iss {
        if iss != &oidc.meta.issuer {
            return Ok(Refused(Refusal::WrongIssuer));
        }
    }
    let Some(code) = answer.code.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(Refused(Refusal::NoCode));
    };
    let tokens = match exchange(oidc, code, &pending.verifier).await {
        Ok(t) => t,
        Err(m) => return Ok(Refused(Refusal::TokenExchange(m))),
    };
    let now = now_seconds();
    let id_token = match oidc.verify(&tokens.id_token).await {
        Ok(jws) => jws,
        Err(e) => return Ok(Refused(Refusal::Token(e))),
    };
    let expected = Expected {
        issuer: &oidc.meta.issuer,
        client_id: &oidc.config.client_id,
        nonce: Some(pending.nonce.as_str()),
        now,
        expiring: true,
    };
    let sub = match jwt::check_claims(&id_token.claims, &expected) {
        Ok(sub) => sub,
        Err(e) => return Ok(Refused(Refusal::Token(e))),
    };
    let mut email = id_token.claims.get("email").and_then(Value::as_str).map(str::to_string);
    if let Some(endpoint) = &oidc.meta.userinfo_endpoint {
        match userinfo(oidc, endpoint, &tokens.access_token, &sub, now).await {
            Ok(Some(e)) => email = Some(e),
            Ok(None) => {}
            Err(m) => return Ok(Refused(Refusal::UserInfo(m))),
        }
    }
    let Some(email) = email.filter(|e| bilan_store::check_email(e).is_ok()) else {
        return Ok(Refused(Refusal::NoEmail));
    };
    let session = random_token();
    let csrf = random_token();
    if session.is_empty() || csrf.is_empty() {
        return Err(AppError::internal("source d'aléa indisponible"));
    }
    let expires = stime::now_plus(Duration::from_secs(SESSION_HOURS * 3600));
    let token_hash = sha256_hex(&session);
    let sign_in = OidcSignIn {
        issuer: &oidc.meta.issuer,
        subject: &sub,
        email: &email,
        token_hash: &token_hash,
        csrf_token: &csrf,
        expires_at: &expires,
        id_token: &tokens.id_token,
    };
    Ok(match store.oidc_sign_in(&sign_in).await? {
        OidcOutcome::SignedIn { user, newly_bound } => {
            if newly_bound {
                tracing::info!(compte = %user.login, "identité ProConnect rattachée au compte");
            }
            Finished::Session { token: session, next: pending.next, user }
        }
        OidcOutcome::Unknown => Refused(Refusal::UnknownIdentity { email }),
        OidcOutcome::Inactive(_) => Refused(Refusal::Inactive),
        OidcOutcome::OtherIdentity(_) => Refused(Refusal::OtherIdentity { email }),
    })
}

struct Tokens {
    id_token: String,
    access_token: String,
}

/// The token endpoint (`client_secret_post`, as ProConnect takes it).
async fn exchange(oidc: &Oidc, code: &str, verifier: &str) -> Result<Tokens, String> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", oidc.config.redirect_uri.as_str()),
        ("client_id", oidc.config.client_id.as_str()),
        ("client_secret", oidc.config.client_secret.as_str()),
        ("code_verifier", verifier),
    ];
    let r = oidc
        .http
        .post(&oidc.meta.token_endpoint)
        .form(&form)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| without_url(&e))?;
    let status = r.status();
    let bytes = body(r).await?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| "réponse illisible".to_string())?;
    if !status.is_success() {
        let error = doc.get("error").and_then(Value::as_str).unwrap_or("inconnue");
        let error: String = error.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        return Err(format!("réponse HTTP {}, erreur « {error} »", status.as_u16()));
    }
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Tokens {
        id_token: text("id_token").ok_or("pas de jeton d’identité dans la réponse")?,
        access_token: text("access_token").unwrap_or_default(),
    })
}

/// The userinfo endpoint: a signed JWT (ProConnect) or JSON; its `sub` must be the ID
/// token's. The e-mail it gives, if any.
async fn userinfo(
    oidc: &Oidc,
    endpoint: &str,
    access_token: &str,
    sub: &str,
    now: i64,
) -> Result<Option<String>, String> {
    if access_token.is_empty() {
        return Err("pas de jeton d’accès".into());
    }
    let r = oidc.http.get(endpoint).bearer_auth(access_token).send().await.map_err(|e| without_url(&e))?;
    if !r.status().is_success() {
        return Err(format!("réponse HTTP {}", r.status().as_u16()));
    }
    let kind = content_type(&r);
    let bytes = body(r).await?;
    let claims = if kind == "application/jwt" {
        let text = String::from_utf8(bytes).map_err(|_| "réponse illisible".to_string())?;
        let jws = oidc.verify(&text).await.map_err(|e| e.to_string())?;
        // A signed userinfo carries iss and aud (Core §5.3.2): checked when present.
        let expected = Expected {
            issuer: &oidc.meta.issuer,
            client_id: &oidc.config.client_id,
            nonce: None,
            now,
            expiring: false,
        };
        if jws.claims.contains_key("iss") || jws.claims.contains_key("aud") {
            jwt::check_claims(&jws.claims, &expected).map_err(|e| e.to_string())?;
        }
        jws.claims
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => m,
            _ => return Err("réponse illisible".into()),
        }
    };
    if claims.get("sub").and_then(Value::as_str) != Some(sub) {
        return Err("elles ne concernent pas l’utilisateur du jeton d’identité".into());
    }
    Ok(claims.get("email").and_then(Value::as_str).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn provider_urls_must_be_https_but_on_loopback() {
        for ok in [
            "https://auth.agentconnect.gouv.fr/api/v2",
            "http://127.0.0.1:4000",
            "http://localhost:4000/x",
            "http://[::1]:4000",
        ] {
            assert!(acceptable_url(ok), "{ok}");
        }
        for bad in ["http://auth.example.fr", "http://10.0.0.1", "ftp://x", "pas une adresse", "https://"] {
            assert!(!acceptable_url(bad), "{bad}");
        }
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let c = OidcConfig {
            issuer: "https://fournisseur.example".into(),
            client_id: "bilan".into(),
            client_secret: "tres-secret".into(),
            redirect_uri: "https://bilan.example/connexion/proconnect/retour".into(),
            post_logout_redirect_uri: "https://bilan.example/connexion".into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("tres-secret") && shown.contains("***"), "{shown}");
    }
}
