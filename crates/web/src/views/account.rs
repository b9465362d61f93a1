//! The signed-in user's own password change (`/compte/mot-de-passe`).

use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::accounts::MIN_PASSWORD;
use crate::views::components::{alert, csrf_input};

/// What the page says above the form.
pub enum Notice {
    None,
    /// Not changed: why.
    Refused(String),
    Changed,
}

pub fn password_form(ctx: &Ctx, notice: &Notice) -> Markup {
    html! {
        h1 #titre-mot-de-passe { "Changer de mot de passe" }
        @match notice {
            Notice::None => {},
            Notice::Refused(message) => (alert(
                "error",
                "erreurs-mot-de-passe",
                "Le mot de passe n’a pas été changé",
                html! { p { (message) } },
            )),
            Notice::Changed => (alert("success", "mot-de-passe-change", "Mot de passe changé", html! {
                p { "Votre mot de passe a été changé ; vos autres sessions ont été fermées." }
            })),
        }
        p {
            "Le changement ferme vos autres sessions ouvertes (sur d’autres postes ou navigateurs). \
             Vos jetons d’API restent valables."
        }
        form method="post" action="/compte/mot-de-passe" #form-mot-de-passe {
            (csrf_input(&ctx.csrf))
            div.fr-input-group {
                label.fr-label for="actuel" { "Mot de passe actuel" }
                input.fr-input type="password" #actuel name="actuel" autocomplete="current-password" required;
            }
            div.fr-input-group {
                label.fr-label for="nouveau" {
                    "Nouveau mot de passe"
                    span.fr-hint-text { (MIN_PASSWORD) " caractères au moins" }
                }
                input.fr-input type="password" #nouveau name="nouveau" autocomplete="new-password"
                    minlength=(MIN_PASSWORD) required;
            }
            div.fr-input-group {
                label.fr-label for="confirmation" { "Confirmation du nouveau mot de passe" }
                input.fr-input type="password" #confirmation name="confirmation" autocomplete="new-password" required;
            }
            button.fr-btn type="submit" #bouton-mot-de-passe { "Changer le mot de passe" }
        }
    }
}
