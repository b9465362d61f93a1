//! The login page.

use axum::http::StatusCode;
use maud::{html, Markup};

use crate::error::AppError;
use crate::service::oidc::Refusal;
use crate::views::components::{alert, csrf_input, hidden};

/// The login form: `token` is the login form's CSRF token, `login` the identifier typed
/// before (kept after a failure), `next` where to go once signed in, `error` why the last
/// attempt failed; `proconnect`: the ProConnect button is shown (sign-in configured).
pub fn login(token: &str, login: &str, next: &str, error: Option<&str>, proconnect: bool) -> Markup {
    let start: String = form_urlencoded::Serializer::new(String::new()).append_pair("suite", next).finish();
    html! {
        div.fr-grid-row.fr-grid-row--center { div.fr-col-12.fr-col-md-8.fr-col-lg-6 {
            h1 { "Connexion à bilan" }
            @if let Some(e) = error {
                (alert("error", "erreur-connexion", "Connexion impossible", html! { p { (e) } }))
            }
            @if proconnect {
                section #connexion-proconnect .fr-mb-4w {
                    h2.fr-h4 { "Agents de l’État" }
                    div.fr-connect-group {
                        a.fr-connect #bouton-proconnect href={ "/connexion/proconnect?" (start) } {
                            span.fr-connect__login { "S’identifier avec" }
                            " "
                            span.fr-connect__brand { "ProConnect" }
                        }
                        p {
                            a href="https://www.proconnect.gouv.fr/" target="_blank" rel="noopener"
                                title="Qu’est-ce que ProConnect ? – nouvelle fenêtre" { "Qu’est-ce que ProConnect ?" }
                        }
                    }
                    p.fr-hr-or { "ou" }
                }
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

/// The page of a refused ProConnect answer (no session was opened): what happened, and for
/// an identity without account whom to ask.
pub fn proconnect_refused(refusal: &Refusal) -> AppError {
    let back = html! {
        p { a.fr-link #lien-connexion href="/connexion" { "Revenir à la page de connexion" } }
    };
    let (title, message) = match refusal {
        Refusal::UnknownIdentity { email } => (
            "Aucun compte ne correspond à votre identité ProConnect",
            html! {
                p #motif-refus-proconnect {
                    "ProConnect vous identifie avec l’adresse électronique "
                    strong #courriel-proconnect { (email) }
                    ", mais aucun compte de bilan n’a cette adresse."
                }
                p { "Demandez à l’administrateur de bilan de votre service (ou à votre correspondant à la préfecture) \
                     de créer votre compte avec cette adresse électronique, puis reconnectez-vous avec ProConnect. \
                     Aucune session n’a été ouverte." }
                (back)
            },
        ),
        Refusal::OtherIdentity { email } => (
            "Compte déjà rattaché à une autre identité ProConnect",
            html! {
                p #motif-refus-proconnect {
                    "Le compte dont l’adresse électronique est "
                    strong #courriel-proconnect { (email) }
                    " est déjà rattaché à une autre identité ProConnect : une adresse électronique seule ne suffit pas \
                     à le rattacher à la vôtre."
                }
                p { "Demandez à l’administrateur de bilan de vérifier votre compte. Aucune session n’a été ouverte." }
                (back)
            },
        ),
        Refusal::Inactive => (
            "Compte désactivé",
            html! {
                p #motif-refus-proconnect {
                    "Votre identité ProConnect correspond à un compte de bilan désactivé. \
                     Demandez à l’administrateur de bilan de le réactiver. Aucune session n’a été ouverte."
                }
                (back)
            },
        ),
        other => (
            "Connexion ProConnect refusée",
            html! {
                p #motif-refus-proconnect { (other.reason()) }
                p { "Pour votre sécurité, la connexion a été refusée et aucune session n’a été ouverte. \
                     Recommencez depuis la page de connexion ; si le refus se répète, prévenez l’administrateur de bilan." }
                (back)
            },
        ),
    };
    AppError::page(StatusCode::FORBIDDEN, title, message)
}

/// Too many ProConnect sign-ins waiting from one address (429).
pub fn proconnect_too_many() -> AppError {
    AppError::page(
        StatusCode::TOO_MANY_REQUESTS,
        "Trop de connexions en cours",
        html! {
            p { "Trop de connexions ProConnect sont en cours depuis cette adresse : terminez-les, \
                 ou réessayez dans dix minutes." }
        },
    )
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
