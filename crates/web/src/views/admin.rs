//! The administrator's page: the accounts, with their actions, and the form creating one.

use axum::http::StatusCode;
use bilan_store::{Role, User};
use maud::{html, Markup};

use crate::error::AppError;
use crate::policy::access::{role_label, territory_label};
use crate::policy::Ctx;
use crate::service::accounts::MIN_PASSWORD;
use crate::views::components::{alert, csrf_input};

/// What the page says above the list after a change.
pub enum Notice {
    None,
    /// Done: the sentence saying what.
    Saved(String),
    /// Nothing saved: the reason.
    Refused(String),
    /// Nothing saved: the form's problems, one per line.
    Problems(Vec<String>),
}

pub fn accounts(ctx: &Ctx, users: &[User], notice: &Notice) -> Markup {
    html! {
        h1 { "Comptes" }
        @match notice {
            Notice::None => {},
            Notice::Saved(m) => (alert("success", "message-admin", "Enregistré", html! { p { (m) } })),
            Notice::Refused(m) => (alert("error", "message-admin", "Rien n’a été enregistré", html! { p { (m) } })),
            Notice::Problems(problems) => (alert("error", "message-admin", "Rien n’a été enregistré", html! {
                ul { @for p in problems { li { (p) } } }
            })),
        }
        div.fr-table { table #table-comptes {
            caption { "Comptes des agents" }
            thead { tr {
                th scope="col" { "Identifiant" }
                th scope="col" { "Nom" }
                th scope="col" { "Rôle" }
                th scope="col" { "Territoire" }
                th scope="col" { "Courriel" }
                th scope="col" { "État" }
                th scope="col" { "Actions" }
            } }
            tbody { @for u in users { (row(ctx, u)) } }
        } }
        h2 #nouveau-compte { "Créer un compte" }
        form method="post" action="/admin/comptes" #form-compte {
            (csrf_input(&ctx.csrf))
            div.fr-input-group {
                label.fr-label for="compte-login" { "Identifiant" }
                input.fr-input type="text" #compte-login name="login" required;
            }
            div.fr-input-group {
                label.fr-label for="compte-nom" { "Nom affiché" }
                input.fr-input type="text" #compte-nom name="nom" required;
            }
            div.fr-input-group {
                label.fr-label for="compte-mdp" { "Mot de passe" span.fr-hint-text { (MIN_PASSWORD) " caractères au moins" } }
                input.fr-input type="password" #compte-mdp name="mot_de_passe" autocomplete="new-password" required;
            }
            div.fr-input-group {
                label.fr-label for="compte-courriel" {
                    "Adresse électronique"
                    span.fr-hint-text { "Facultative : les notifications y sont envoyées" }
                }
                input.fr-input type="email" #compte-courriel name="courriel" autocomplete="off";
            }
            div.fr-select-group {
                label.fr-label for="compte-role" { "Rôle" }
                select.fr-select #compte-role name="role" {
                    @for r in Role::ALL { option value=(r.as_str()) { (role_label(r)) } }
                }
            }
            div.fr-input-group {
                label.fr-label for="compte-territoire" {
                    "Territoire"
                    span.fr-hint-text { "Code du département (rédacteur, signataire, préfecture) ou de la région (région) ; vide sinon" }
                }
                input.fr-input type="text" #compte-territoire name="territoire";
            }
            button.fr-btn type="submit" #bouton-creer-compte { "Créer le compte" }
        }
    }
}

fn row(ctx: &Ctx, u: &User) -> Markup {
    html! {
        tr id={ "compte-" (u.login) } {
            td { (u.login) }
            td { (u.display_name) }
            td { (role_label(u.role)) }
            td { (territory_label(u.role, u.territory.as_deref())) }
            td {
                form method="post" action={ "/admin/comptes/" (u.id) "/courriel" } id={ "form-courriel-" (u.login) } {
                    (csrf_input(&ctx.csrf))
                    label.fr-label.fr-sr-only for={ "courriel-" (u.id) } { "Adresse électronique de " (u.login) }
                    input.fr-input type="email" id={ "courriel-" (u.id) } name="courriel"
                        value=(u.email.as_deref().unwrap_or("")) autocomplete="off";
                    button.fr-btn.fr-btn--sm.fr-btn--tertiary.fr-mt-1w type="submit" {
                        "Enregistrer l’adresse" span.fr-sr-only { " de " (u.login) }
                    }
                }
            }
            td { @if u.active { "actif" } @else { "désactivé" } }
            td {
                @if u.id != ctx.user.id {
                    @let (action, label) = if u.active { ("desactiver", "Désactiver") } else { ("activer", "Activer") };
                    form method="post" action={ "/admin/comptes/" (u.id) "/" (action) } id={ "form-" (action) "-" (u.login) } {
                        (csrf_input(&ctx.csrf))
                        button.fr-btn.fr-btn--sm.fr-btn--secondary type="submit" { (label) span.fr-sr-only { " " (u.login) } }
                    }
                }
                form.fr-mt-1w method="post" action={ "/admin/comptes/" (u.id) "/mot-de-passe" } id={ "form-mot-de-passe-" (u.login) } {
                    (csrf_input(&ctx.csrf))
                    label.fr-label.fr-sr-only for={ "mdp-" (u.id) } { "Nouveau mot de passe de " (u.login) }
                    input.fr-input type="password" id={ "mdp-" (u.id) } name="mot_de_passe" autocomplete="new-password"
                        minlength=(MIN_PASSWORD) required;
                    button.fr-btn.fr-btn--sm.fr-btn--tertiary type="submit" { "Changer le mot de passe" }
                }
            }
        }
    }
}

/// Too many passwords being hashed (503); `nothing` says what was not done (« créé »,
/// « modifié »).
pub fn busy(nothing: &str) -> AppError {
    AppError::page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service momentanément saturé",
        html! {
            p { "Trop de mots de passe sont en cours de traitement : réessayez dans une minute. Rien n’a été " (nothing) "." }
        },
    )
}
