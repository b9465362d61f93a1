//! Who may see and do what: roles, territories, perimeters. Pure functions over users and
//! report summaries: no axum, no HTML, no store access.

pub mod access;
pub mod credits;
pub mod notify;
pub mod perimeter;

/// The signed-in user of a request, and the CSRF token of their session (which every form
/// they are shown carries). The session layer (`http::session`) extracts it.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: bilan_store::User,
    pub csrf: String,
    /// How many of the user's notifications are unread (the header shows it).
    pub unread: i64,
}
