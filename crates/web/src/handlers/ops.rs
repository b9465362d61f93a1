//! What the machines around the server ask: `/sante` for the reverse proxy or the
//! orchestrator, `/metriques` for Prometheus. Plain text, outside the session guard (no
//! session, no CSRF, no reference data refresh: they must answer when the database does not).

use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// How long the health check waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

fn text(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// `GET /sante`: 200 `ok` when the database answers a query (the one the session guard
/// runs on every request) within 3 s, else 503 with the reason in French.
pub async fn health(State(app): State<AppState>) -> Response {
    match tokio::time::timeout(HEALTH_TIMEOUT, app.store.referentiels_revision()).await {
        Ok(Ok(_)) => text(StatusCode::OK, "ok\n".into()),
        Ok(Err(e)) => {
            tracing::warn!("santé : la base de données ne répond pas : {e}");
            text(StatusCode::SERVICE_UNAVAILABLE, "indisponible : la base de données ne répond pas\n".into())
        }
        Err(_) => {
            tracing::warn!("santé : la base de données n'a pas répondu en {} s", HEALTH_TIMEOUT.as_secs());
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "indisponible : la base de données n’a pas répondu en {} s\n",
                    HEALTH_TIMEOUT.as_secs()
                ),
            )
        }
    }
}

/// Who may read the metrics: with a token configured, whoever sends it
/// (`Authorization: Bearer …`), from anywhere; without one, only a client on this machine
/// (loopback peer) whose request was not relayed by a proxy (no `X-Forwarded-For` nor
/// `Forwarded`): a reverse proxy on the same machine relays the internet's requests from a
/// loopback address, but adds that header.
fn metrics_refusal(
    app: &AppState,
    peer: Option<std::net::IpAddr>,
    headers: &HeaderMap,
) -> Option<&'static str> {
    match &app.options.metrics_token {
        Some(token) => {
            let sent = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            (!crate::http::session::same_token(sent.trim(), token)).then_some(
                "accès aux métriques refusé : jeton absent ou incorrect (Authorization: Bearer …)\n",
            )
        }
        None => {
            let relayed = headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
            let local = peer.is_some_and(|ip| ip.is_loopback());
            (relayed || !local).then_some(
                "accès aux métriques refusé : sans jeton configuré, seules les requêtes directes depuis cette machine sont admises\n",
            )
        }
    }
}

/// `GET /metriques`: the Prometheus text format (`crate::metrics`).
pub async fn metrics(State(app): State<AppState>, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|p| p.0.ip());
    if let Some(reason) = metrics_refusal(&app, peer, req.headers()) {
        return text(StatusCode::FORBIDDEN, reason.to_string());
    }
    let mut r = text(StatusCode::OK, crate::metrics::render());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}
