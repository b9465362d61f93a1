//! The outermost middleware: one id per request, one log line per request, the request
//! metrics.
//!
//! The id is 16 hex digits, or the `x-request-id` a trusted proxy sends (so that the proxy's
//! log and ours share it); it scopes the whole request (`error::with_request_id`), so an
//! internal error logs it and the 500 page shows it as its reference; it goes back in the
//! `x-request-id` response header. The log line (target `bilan::requete`) carries the
//! method, the matched route (`/rapports/{id}`), the path without its query (a query may
//! hold a token), the status, the latency in milliseconds, the client's address and the id.
//! `/sante` and `/metriques`, polled by machines, log at debug only.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Routes polled by machines: logged at debug, so they do not drown the requests of people.
const QUIET: [&str; 2] = ["/sante", "/metriques"];

/// An id a trusted proxy may hand us: 8 to 64 characters among `[A-Za-z0-9._-]` (nginx's
/// `$request_id` is 32 hex digits). Anything else is replaced.
fn acceptable_id(v: &str) -> bool {
    (8..=64).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Counts a request in flight until dropped, also when the client goes away mid-request
/// (the request's future is then dropped, not finished).
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        crate::metrics::in_flight(1);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        crate::metrics::in_flight(-1);
    }
}

/// Gives the request its id, logs it once answered and counts it.
pub async fn observe(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let trusted = &app.options.trusted_proxies;
    let peer_trusted = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|ci| trusted.contains(&ci.0.ip()));
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| peer_trusted && acceptable_id(v))
        .map(str::to_string)
        .unwrap_or_else(crate::error::new_request_id);
    let method = req.method().as_str().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let quiet = route.as_deref().is_some_and(|r| QUIET.contains(&r));
    // The log line's own fields only when it will be written.
    let logged = if quiet {
        tracing::enabled!(target: "bilan::requete", tracing::Level::DEBUG)
    } else {
        tracing::enabled!(target: "bilan::requete", tracing::Level::INFO)
    };
    let (path, client) = if logged {
        (req.uri().path().to_string(), super::session::client_ip(req.extensions(), req.headers(), trusted))
    } else {
        (String::new(), String::new())
    };

    let in_flight = InFlight::start();
    let mut response = crate::error::with_request_id(id.clone(), next.run(req)).await;
    drop(in_flight);

    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    // Unmatched paths share one label: a scanner's paths must not grow the metrics.
    let route = route.unwrap_or_else(|| "(aucune)".to_string());
    crate::metrics::record_request(&route, &method, status, elapsed.as_secs_f64());
    let ms = elapsed.as_secs_f64() * 1000.0;
    if logged && quiet {
        tracing::debug!(target: "bilan::requete", requete = %id, methode = %method, route = %route, chemin = %path, statut = status, duree_ms = ms, client = %client);
    } else if logged {
        tracing::info!(target: "bilan::requete", requete = %id, methode = %method, route = %route, chemin = %path, statut = status, duree_ms = ms, client = %client);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_ids() {
        assert!(acceptable_id("0123456789abcdef0123456789abcdef"));
        assert!(acceptable_id("req-2026.12_02"));
        assert!(!acceptable_id("court"));
        assert!(!acceptable_id("a b c d e f g h"));
        assert!(!acceptable_id(&"a".repeat(65)));
        assert!(!acceptable_id("abcdefgh\nX-Injecte: 1"));
    }
}
