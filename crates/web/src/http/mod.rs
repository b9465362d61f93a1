//! HTTP plumbing: the session and its extractors, the CSRF/Origin guard, multipart bodies,
//! static assets. No application logic.

pub mod assets;
pub mod session;
