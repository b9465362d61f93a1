//! Route handlers, one module per route group: extract → policy → service → view. Nothing
//! imports this layer but the router.

pub mod account;
pub mod action;
pub mod admin;
pub mod annex;
pub mod attachments;
pub mod campaigns;
pub mod credits;
pub mod dashboard;
pub mod diagnostics;
pub mod files;
pub mod import;
pub mod login;
pub mod notifications;
pub mod oidc;
pub mod ops;
pub mod referentiel;
pub mod reports;
pub mod review;
pub mod structure;
pub mod tokens;
pub mod workflow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::report::Loaded;
use crate::views::conflict::{conflict, Conflict};
use crate::views::layout::Page;

/// The conflict page of a stale form on a report (409, nothing written).
pub fn conflict_page(ctx: &Ctx, l: &Loaded, c: Conflict<'_>) -> Response {
    Page::new("Modification concurrente", Some(ctx), conflict(&c))
        .crumbs(l.crumbs())
        .status(StatusCode::CONFLICT)
        .into_response()
}

/// `?enregistre=1`: the page shown again after a successful save.
#[derive(serde::Deserialize)]
pub struct SavedQuery {
    pub enregistre: Option<String>,
    /// A piece was just attached (`?piece=1` on the action page).
    pub piece: Option<String>,
}

/// 403 unless the user may edit the report now.
pub fn may_edit(ctx: &Ctx, l: &Loaded) -> Result<(), AppError> {
    crate::policy::access::can_edit(&ctx.user, &l.stored.summary).map_err(AppError::forbidden)
}

/// The revision the form was drawn at; 400 when the form has none.
pub fn revision(fields: &crate::service::forms::Fields) -> Result<i64, AppError> {
    fields.revision().ok_or_else(|| {
        AppError::page(StatusCode::BAD_REQUEST, "Formulaire incomplet", crate::views::reports::bad_form())
    })
}
