//! The login page.

use axum::http::StatusCode;
use maud::{html, Markup};

use crate::error::AppError;
use crate::views::components::{alert, csrf_input, hidden};

/// The login form: `token` is the login form's CSRF token, `login` the identifier typed
/// before (kept after a failure), `next` where to go once signed in, `error` why the last
/// attempt failed.
pub fn login(token: &str, login: &str, next: &str, error: Option<&str>) -> Markup {
    html! {
        div.fr-grid-row.fr-grid-row--center { div.fr-col-12.fr-col-md-8.fr-col-lg-6 {
            h1 { "Connexion à bilan" }
            @if let Some(e) = error {
                (alert("error", "erreur-connexion", "Connexion impossible", html! { p { (e) } }))
            }
            form method="post" action="/connexion" #form-connexion {
                (csrf_input(token))
                (hidden("suite", next))
                fieldset.fr-fieldset {
                    legend.fr-fieldset__legend { "Vos identifiants" }
                    div.fr-fieldset__element { div.fr-input-group {
                        label.fr-label for="login" { "Identifiant" }
                        input.fr-input type="text" #login name="login" autocomplete="username" required value=(login);
                    } }
                    div.fr-fieldset__element { div.fr-input-group {
                        label.fr-label for="mot_de_passe" { "Mot de passe" }
                        input.fr-input type="password" #mot_de_passe name="mot_de_passe" autocomplete="current-password" required;
                    } }
                }
                button.fr-btn type="submit" #bouton-connexion { "Se connecter" }
            }
        } }
    }
}

/// The login form's body could not be read.
pub fn unreadable() -> AppError {
    AppError::page(
        StatusCode::BAD_REQUEST,
        "Requête illisible",
        html! { p { "Le formulaire de connexion n’a pas pu être lu ; rien n’a été modifié." } },
    )
}

/// Too many failed logins (429).
pub fn too_many_attempts() -> AppError {
    AppError::page(
        StatusCode::TOO_MANY_REQUESTS,
        "Trop de tentatives de connexion",
        html! {
            p { "Trop d’échecs de connexion pour cet identifiant depuis cette adresse : \
                 réessayez dans quinze minutes, ou demandez à l’administrateur de réinitialiser votre mot de passe." }
        },
    )
}

/// The page of a flooded login service (503).
pub fn busy() -> AppError {
    AppError::page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service momentanément saturé",
        html! {
            p { "Trop de connexions sont en cours de vérification : réessayez dans une minute. Rien n’a été modifié." }
        },
    )
}
