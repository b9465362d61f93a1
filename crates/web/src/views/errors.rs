//! The error pages of the request guard (refused or unreadable requests) and of axum's own
//! rejections, as pages waiting for the layout (the guard draws them with the user's
//! header).

use axum::http::StatusCode;
use maud::{html, Markup};

use crate::error::PendingPage;

fn refused(message: Markup) -> PendingPage {
    PendingPage { title: "Requête refusée".to_string(), message }
}

/// A state-changing request without a session.
pub fn session_expired() -> PendingPage {
    refused(html! {
        p { "Votre session a expiré ou vous n’êtes pas connecté : " a href="/connexion" { "reconnectez-vous" } ". Rien n’a été modifié." }
    })
}

/// A state-changing request sent from another site.
pub fn cross_site() -> PendingPage {
    refused(html! {
        p { "Cette requête provient d’un autre site : elle a été refusée et rien n’a été modifié." }
    })
}

/// A form whose CSRF token is absent or wrong.
pub fn bad_token() -> PendingPage {
    refused(html! {
        p { "Le jeton de sécurité du formulaire est absent ou invalide (formulaire trop ancien, ou envoyé depuis un autre site). \
             Rien n’a été modifié : rechargez la page et recommencez." }
    })
}

/// A body that could not be read.
pub fn unreadable() -> PendingPage {
    PendingPage {
        title: "Requête illisible".to_string(),
        message: html! { p { "La requête n’a pas pu être lue ; rien n’a été modifié." } },
    }
}

/// A body larger than allowed; `limit_mb` is the largest file, in Mo.
pub fn too_large(limit_mb: usize) -> PendingPage {
    PendingPage {
        title: "Fichier trop volumineux".to_string(),
        message: html! {
            p { "Le fichier envoyé dépasse la taille maximale de " (limit_mb) " Mo : il a été refusé et rien n’a été modifié." }
        },
    }
}

/// One of axum's own rejections (a path or query that is not UTF-8, a missing form field,
/// an unsupported method…), other than 404 and 5xx, told without internals.
pub fn rejection(status: StatusCode) -> PendingPage {
    let (title, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            ("Opération non prévue", "Cette adresse ne prend pas en charge cette opération.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("Requête trop volumineuse", "La requête dépasse la taille admise."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("Format non pris en charge", "Le format de la requête n’est pas celui attendu.")
        }
        _ => (
            "Requête invalide",
            "L’adresse ou le formulaire envoyé est mal formé (caractères invalides ou champ manquant).",
        ),
    };
    PendingPage { title: title.to_string(), message: html! { p { (message) " Rien n’a été modifié." } } }
}
