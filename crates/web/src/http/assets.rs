//! Static files: the DSFR from `assets_dir` (npm package, never copied into the repo) and
//! this application's own small CSS and JS, embedded.

use std::path::{Component, Path};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::AppState;

const OWN_JS: &str = include_str!("../../static/bilan.js");
const OWN_CSS: &str = include_str!("../../static/bilan.css");

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "json" | "map" | "webmanifest" => "application/json",
        _ => "application/octet-stream",
    }
}

fn with_type(status: StatusCode, ct: &'static str, body: impl IntoResponse) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

pub async fn dsfr(State(app): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    let Some(dir) = app.options.assets_dir.as_ref() else {
        return (StatusCode::NOT_FOUND, "").into_response();
    };
    let rel = Path::new(&path);
    // Only plain names: no "..", no root, no prefix.
    if path.contains('\\') || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    let full = dir.join(rel);
    match tokio::fs::read(&full).await {
        Ok(bytes) => with_type(StatusCode::OK, content_type(&full), bytes),
        Err(_) => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

pub async fn own(UrlPath(file): UrlPath<String>) -> Response {
    match file.as_str() {
        "bilan.js" => with_type(StatusCode::OK, "text/javascript; charset=utf-8", OWN_JS),
        "bilan.css" => with_type(StatusCode::OK, "text/css; charset=utf-8", OWN_CSS),
        _ => (StatusCode::NOT_FOUND, "").into_response(),
    }
}
