//! One error type for the handlers. A handler returns `Result<Response, AppError>` and uses
//! `?` on a store error, a refusal or a report outside the user's territory; the error
//! becomes a French page. The page is drawn by the session guard (`http::session::guard`),
//! which knows the signed-in user and so gives the error page the same header as any other.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bilan_store::StoreError;
use maud::{html, Markup};

/// An error page waiting for its layout: `AppError` puts it in the response's extensions
/// and the session guard draws it with the signed-in user's header.
#[derive(Clone, Debug)]
pub struct PendingPage {
    pub title: String,
    pub message: Markup,
}

#[derive(Debug)]
pub enum AppError {
    /// 404: absent, or outside the user's territory (the two are never told apart).
    NotFound,
    /// 403, with the reason in French.
    Forbidden(String),
    /// Any other French error page.
    Page { status: StatusCode, title: String, message: Markup },
    /// What the user cannot act on: logged under the request's id, which the page shows as
    /// the reference to quote; the cause is never shown.
    Internal(String),
    /// A page already built (a form shown again with its errors, a conflict page).
    Ready(Response),
}

impl AppError {
    pub fn page(status: StatusCode, title: impl Into<String>, message: Markup) -> AppError {
        AppError::Page { status, title: title.into(), message }
    }

    pub fn internal(what: impl std::fmt::Display) -> AppError {
        AppError::Internal(what.to_string())
    }

    /// 403 for a refusal of the access policy (its French reason).
    pub fn forbidden(reason: &str) -> AppError {
        AppError::Forbidden(reason.to_string())
    }

    /// 422 for a request that is well formed but cannot be done (a campaign already open,
    /// a year no programme covers), with the French reason.
    pub fn unprocessable(message: impl Into<String>) -> AppError {
        let message = message.into();
        AppError::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Demande impossible",
            html! { p #motif-refus { (message) } },
        )
    }

    /// 400 for a malformed request (a form field missing, a year that is not one).
    pub fn bad_request(message: impl Into<String>) -> AppError {
        let message = message.into();
        AppError::page(StatusCode::BAD_REQUEST, "Requête invalide", html! { p { (message) } })
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::BadTransition { from } => AppError::page(
                StatusCode::CONFLICT,
                "Statut du rapport modifié",
                html! {
                    p { "Le rapport est désormais au statut « " (crate::policy::access::status_label(from))
                        " » : l’opération n’est plus possible et rien n’a été modifié." }
                },
            ),
            StoreError::Rejected(message) => AppError::page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Modification refusée",
                html! { p { (message) " Rien n’a été modifié." } },
            ),
            StoreError::Duplicate => AppError::page(
                StatusCode::CONFLICT,
                "Déjà existant",
                html! { p { "Un élément portant cet identifiant existe déjà ; rien n’a été modifié." } },
            ),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Response> for AppError {
    fn from(r: Response) -> AppError {
        AppError::Ready(r)
    }
}

tokio::task_local! {
    /// The id of the request being answered, set by `http::observe` around the whole
    /// request: the reference shown on a 500 page, logged and sent as `x-request-id`.
    static REQUEST_ID: String;
}

/// Runs `f` as the request `id`: errors built inside quote it.
pub async fn with_request_id<F: std::future::Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// A new request id: 16 hex digits (64 random bits, unique across servers in practice).
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of the current request (a fresh one outside a request).
pub fn request_id() -> String {
    REQUEST_ID.try_with(String::clone).unwrap_or_else(|_| new_request_id())
}

/// Logs an internal error under the current request's id and returns that id (the
/// reference the user is shown).
pub fn log_internal(what: &dyn std::fmt::Display) -> String {
    let reference = request_id();
    tracing::error!(requete = %reference, "erreur interne : {what}");
    reference
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, page) = match self {
            AppError::Ready(r) => return r,
            AppError::NotFound => (StatusCode::NOT_FOUND, not_found_message()),
            AppError::Forbidden(reason) => (StatusCode::FORBIDDEN, forbidden_message(&reason)),
            AppError::Page { status, title, message } => (status, PendingPage { title, message }),
            AppError::Internal(what) => {
                let reference = log_internal(&what);
                (StatusCode::INTERNAL_SERVER_ERROR, internal_message(&reference))
            }
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(page);
        r
    }
}

pub fn not_found_message() -> PendingPage {
    PendingPage {
        title: "Page introuvable".to_string(),
        message: html! { p { "La page demandée n’existe pas, ou vous n’y avez pas accès." } },
    }
}

pub fn forbidden_message(reason: &str) -> PendingPage {
    PendingPage { title: "Action non autorisée".to_string(), message: html! { p { (reason) } } }
}

fn internal_message(reference: &str) -> PendingPage {
    PendingPage {
        title: "Erreur interne".to_string(),
        message: html! {
            p { "Une erreur inattendue s’est produite ; rien n’a été modifié. Si elle se reproduit, communiquez la référence "
                strong #reference-erreur { (reference) } " à l’administrateur." }
        },
    }
}

/// For handlers not yet returning `AppError` (their `?` on a service call).
impl From<AppError> for Response {
    fn from(e: AppError) -> Response {
        e.into_response()
    }
}
