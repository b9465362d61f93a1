//! HTTP plumbing: the session and its extractors, the CSRF/Origin guard, multipart bodies,
//! static assets. No application logic.

pub mod assets;
pub mod observe;
pub mod session;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A file sent as an attachment named `file_name`.
pub fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
