//! The API tokens page (`/compte/jetons`): the user's tokens, a new one shown once, the
//! form creating one.

use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::tokens::{Listed, TokenState, DEFAULT_DAYS, DURATIONS, MAX_NAME};
use crate::time::french_datetime;
use crate::views::components::{alert, csrf_input};

/// What the page shows above the list.
pub enum Notice {
    None,
    /// The token just created, in clear (the only time it is shown).
    Created(String),
    Revoked,
    /// The form again: the name typed and why it was refused.
    Invalid {
        name: String,
        problem: String,
    },
}

pub fn tokens(ctx: &Ctx, tokens: &[Listed], notice: &Notice) -> Markup {
    let (typed, problem) = match notice {
        Notice::Invalid { name, problem } => (name.as_str(), Some(problem.as_str())),
        _ => ("", None),
    };
    html! {
        h1 #titre-jetons { "Jetons d’API" }
        @match notice {
            Notice::None => {},
            Notice::Created(token) => (alert("success", "jeton-cree", "Jeton créé", html! {
                p {
                    strong { "Copiez ce jeton maintenant : il ne sera plus jamais affiché." }
                    " Conservez-le comme un mot de passe ; en cas de perte, révoquez-le et créez-en un autre."
                }
                p { code #jeton-valeur { (token) } }
                p {
                    "Utilisation : en-tête " code { "Authorization: Bearer " (token) } " sur " code { "/api/v1/…" }
                    " (documentation : " a href="/api/openapi.json" { "/api/openapi.json" } ")."
                }
            })),
            Notice::Revoked => (alert("success", "jeton-revoque", "Jeton révoqué", html! {
                p { "Le jeton ne donne plus accès à l’API." }
            })),
            Notice::Invalid { problem, .. } => (alert(
                "error",
                "erreurs-formulaire",
                "Le formulaire contient des erreurs : aucun jeton n’a été créé",
                html! { ul { li { a href="#jeton-nom" { "Nom du jeton" } " : " (problem) } } },
            )),
        }
        p {
            "Un jeton permet à un programme (tableur, tableau de bord, script) de lire par l’API "
            code { "/api/v1" }
            " les rapports que vous voyez dans l’application, avec vos droits, sans rien pouvoir modifier. \
             Il s’envoie dans l’en-tête "
            code { "Authorization: Bearer …" }
            ". La description complète de l’API est "
            a href="/api/openapi.json" { "/api/openapi.json" }
            "."
        }
        @if tokens.is_empty() {
            p #aucun-jeton { "Vous n’avez encore créé aucun jeton." }
        } @else {
            div.fr-table { table #table-jetons {
                caption { "Vos jetons d’API" }
                thead { tr {
                    th scope="col" { "Nom" }
                    th scope="col" { "Créé le" }
                    th scope="col" { "Expire le" }
                    th scope="col" { "Dernière utilisation" }
                    th scope="col" { "État" }
                    th scope="col" { "Action" }
                } }
                tbody { @for t in tokens { (row(ctx, t)) } }
            } }
        }
        h2 #nouveau-jeton { "Créer un jeton" }
        form method="post" action="/compte/jetons" #form-jeton {
            (csrf_input(&ctx.csrf))
            div.fr-input-group.fr-input-group--error[problem.is_some()] {
                label.fr-label for="jeton-nom" {
                    "Nom du jeton"
                    span.fr-hint-text { "À quoi il sert, pour le reconnaître (100 caractères au plus)" }
                }
                input.fr-input type="text" #jeton-nom name="nom" maxlength=(MAX_NAME) required value=(typed)
                    aria-describedby=[problem.map(|_| "jeton-nom-erreur")] aria-invalid=[problem.map(|_| "true")];
                @if let Some(problem) = problem {
                    p.fr-error-text #jeton-nom-erreur { (problem) }
                }
            }
            div.fr-select-group {
                label.fr-label for="jeton-duree" {
                    "Durée de validité"
                    span.fr-hint-text { "Passé ce délai, le jeton n’ouvre plus l’API" }
                }
                select.fr-select #jeton-duree name="duree" {
                    @for (days, label) in DURATIONS {
                        option value=(days) selected[days == DEFAULT_DAYS] { (label) }
                    }
                }
            }
            button.fr-btn type="submit" #bouton-creer-jeton { "Créer le jeton" }
        }
    }
}

fn row(ctx: &Ctx, listed: &Listed) -> Markup {
    let t = &listed.token;
    let code = match listed.state {
        TokenState::Revoked(_) => "revoque",
        TokenState::Expired => "expire",
        TokenState::Active => "actif",
    };
    let never = || "jamais".to_string();
    html! {
        tr id={ "jeton-" (t.id) } data-etat=(code) {
            td { (t.name) }
            td { (french_datetime(&t.created_at)) }
            td { (t.expires_at.as_deref().map(french_datetime).unwrap_or_else(never)) }
            td { (t.last_used_at.as_deref().map(french_datetime).unwrap_or_else(never)) }
            @match &listed.state {
                TokenState::Revoked(at) => { td { "révoqué le " (french_datetime(at)) } td {} },
                TokenState::Expired => { td { "expiré" } td {} },
                TokenState::Active => {
                    td { "actif" }
                    td {
                        form method="post" action={ "/compte/jetons/" (t.id) "/revoquer" } id={ "revoquer-jeton-" (t.id) } {
                            (csrf_input(&ctx.csrf))
                            button.fr-btn.fr-btn--sm.fr-btn--secondary type="submit" id={ "bouton-revoquer-" (t.id) } {
                                "Révoquer" span.fr-sr-only { " le jeton « " (t.name) " »" }
                            }
                        }
                    }
                },
            }
        }
    }
}
