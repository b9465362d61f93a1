//! The process's metrics, served as Prometheus text at `/metriques`
//! (`handlers::ops`). One registry per process, like a Prometheus client library's default
//! registry: any part of the crate feeds it with a plain function call, without the app state.
//!
//! - requests: count and latency histogram by matched route, method and status class
//!   (`http::observe` records every request);
//! - caches: hits and misses by cache name ([`cache_hit`], [`cache_miss`]), for the
//!   per-revision report cache (its lookup calls one or the other);
//! - gauges by name ([`set_gauge`]): requests in flight here, the outbox depth once it exists.
//!
//! Metric names follow Prometheus conventions (English, `_total`, `_seconds`); help lines
//! are French, for the operators reading them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// Latency buckets, in seconds: from a static file to a national dashboard.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default, Clone)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let slot = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        self.buckets[slot] += 1;
        self.sum += seconds;
        self.count += 1;
    }
}

/// (route, method, status class).
type RequestKey = (String, String, &'static str);

#[derive(Default)]
struct Registry {
    requests: BTreeMap<RequestKey, Histogram>,
    /// (cache name, "hit" | "miss") → count.
    caches: BTreeMap<(&'static str, &'static str), u64>,
    /// name → (help, value).
    gauges: BTreeMap<&'static str, (&'static str, f64)>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);
static IN_FLIGHT: AtomicI64 = AtomicI64::new(0);

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    // A panic while holding the lock leaves counts that are still counts: keep going.
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Registry::default))
}

/// `2xx`, `3xx`, `4xx`, `5xx`.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// One answered request: `route` is the matched route (`/rapports/{id}`), never the raw path.
pub fn record_request(route: &str, method: &str, status: u16, seconds: f64) {
    with(|r| {
        r.requests
            .entry((route.to_string(), method.to_string(), status_class(status)))
            .or_default()
            .observe(seconds)
    });
}

/// A request starts (`+1`) or ends (`-1`) on this server.
pub fn in_flight(delta: i64) {
    IN_FLIGHT.fetch_add(delta, Ordering::Relaxed);
}

/// A lookup in the cache named `cache` found its entry.
pub fn cache_hit(cache: &'static str) {
    with(|r| *r.caches.entry((cache, "hit")).or_default() += 1);
}

/// A lookup in the cache named `cache` had to compute its entry.
pub fn cache_miss(cache: &'static str) {
    with(|r| *r.caches.entry((cache, "miss")).or_default() += 1);
}

/// Sets the gauge `name` (a Prometheus metric name, e.g. `bilan_outbox_depth`) with its
/// French help line.
pub fn set_gauge(name: &'static str, help: &'static str, value: f64) {
    with(|r| {
        r.gauges.insert(name, (help, value));
    });
}

/// A label value, escaped as the text format asks.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Every metric in the Prometheus text exposition format (version 0.0.4).
pub fn render() -> String {
    let mut out = String::new();
    let in_flight = IN_FLIGHT.load(Ordering::Relaxed);
    with(|r| {
        out.push_str(
            "# HELP bilan_http_requests_total Requêtes traitées, par route, méthode et classe de statut.\n",
        );
        out.push_str("# TYPE bilan_http_requests_total counter\n");
        for ((route, method, class), h) in &r.requests {
            let _ = writeln!(
                out,
                "bilan_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{class}\"}} {}",
                label(route),
                label(method),
                h.count
            );
        }
        out.push_str(
            "# HELP bilan_http_request_duration_seconds Durée des requêtes (secondes), par route, méthode et classe de statut.\n",
        );
        out.push_str("# TYPE bilan_http_request_duration_seconds histogram\n");
        for ((route, method, class), h) in &r.requests {
            let labels =
                format!("route=\"{}\",method=\"{}\",status=\"{class}\"", label(route), label(method));
            let mut cumulative = 0;
            for (i, le) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i];
                let _ = writeln!(
                    out,
                    "bilan_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "bilan_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "bilan_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "bilan_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        out.push_str("# HELP bilan_http_requests_in_flight Requêtes en cours sur ce serveur.\n");
        out.push_str("# TYPE bilan_http_requests_in_flight gauge\n");
        let _ = writeln!(out, "bilan_http_requests_in_flight {in_flight}");
        out.push_str("# HELP bilan_cache_hits_total Consultations d'un cache qui ont trouvé leur entrée.\n");
        out.push_str("# TYPE bilan_cache_hits_total counter\n");
        out.push_str(
            "# HELP bilan_cache_misses_total Consultations d'un cache qui ont dû calculer leur entrée.\n",
        );
        out.push_str("# TYPE bilan_cache_misses_total counter\n");
        for ((cache, kind), n) in &r.caches {
            let name = if *kind == "hit" { "bilan_cache_hits_total" } else { "bilan_cache_misses_total" };
            let _ = writeln!(out, "{name}{{cache=\"{}\"}} {n}", label(cache));
        }
        for (name, (help, value)) in &r.gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_escaped() {
        record_request("/essai/{id}", "GET", 200, 0.003);
        record_request("/essai/{id}", "GET", 204, 0.2);
        record_request("/essai/{id}", "GET", 200, 30.0);
        record_request("/\"guillemet\"", "POST", 500, 0.01);
        cache_hit("essai");
        cache_miss("essai");
        cache_hit("essai");
        set_gauge("bilan_essai_profondeur", "Profondeur d'essai.", 3.0);
        let text = render();
        let l = "route=\"/essai/{id}\",method=\"GET\",status=\"2xx\"";
        assert!(text.contains(&format!("bilan_http_requests_total{{{l}}} 3\n")), "{text}");
        assert!(text.contains(&format!("bilan_http_request_duration_seconds_bucket{{{l},le=\"0.005\"}} 1\n")));
        assert!(text.contains(&format!("bilan_http_request_duration_seconds_bucket{{{l},le=\"0.25\"}} 2\n")));
        assert!(text.contains(&format!("bilan_http_request_duration_seconds_bucket{{{l},le=\"10\"}} 2\n")));
        assert!(text.contains(&format!("bilan_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} 3\n")));
        assert!(text.contains("route=\"/\\\"guillemet\\\"\",method=\"POST\",status=\"5xx\"} 1\n"), "{text}");
        assert!(text.contains("bilan_cache_hits_total{cache=\"essai\"} 2\n"));
        assert!(text.contains("bilan_cache_misses_total{cache=\"essai\"} 1\n"));
        assert!(text.contains("# TYPE bilan_essai_profondeur gauge\nbilan_essai_profondeur 3\n"));
    }
}
