//! Tokens of the read-only API (`/api/v1`): each signed-in user (but the administrator)
//! lists, creates and revokes its own on `/compte/jetons`. A token is `bilan_` followed by
//! 32 random bytes in hex; only its SHA-256 is stored, so it is shown once, on the page
//! that created it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_store::{ApiToken, Id, Role, Store, StoreError};

use crate::http::session::{random_token, sha256_hex};
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, not_found, Page};
use crate::AppState;

/// What every API token starts with (recognisable in logs and by secret scanners).
pub const TOKEN_PREFIX: &str = "bilan_";
/// The longest token name.
pub const MAX_NAME: usize = 100;
/// How long a token lives unless its owner chooses otherwise.
pub const DEFAULT_DAYS: u32 = 365;
/// The longest a token may live.
pub const MAX_DAYS: u32 = 730;
/// The validity periods the page offers (days, label).
const DURATIONS: [(u32, &str); 4] = [(30, "30 jours"), (90, "90 jours"), (180, "6 mois"), (365, "1 an")];

/// A new token and the hash to store; `None` without an OS random source.
pub fn new_token() -> Option<(String, String)> {
    let random = random_token();
    if random.is_empty() {
        return None;
    }
    let token = format!("{TOKEN_PREFIX}{random}");
    let hash = sha256_hex(&token);
    Some((token, hash))
}

/// Whether a text has the shape of a token (checked before any database read).
pub fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// Why a token name is refused (French), if it is.
pub fn name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        Some("Donnez un nom au jeton (par exemple « tableau de bord régional »).".to_string())
    } else if name.chars().count() > MAX_NAME {
        Some(format!("Le nom du jeton ne doit pas dépasser {MAX_NAME} caractères."))
    } else {
        None
    }
}

/// Creates a token for account `user` (on behalf of `actor`) and returns it: the only
/// moment it exists in clear. `Rejected` with a French message when the name is refused
/// or no random source is available.
pub async fn issue(store: &Store, actor: Id, user: Id, name: &str, days: u32) -> Result<String, StoreError> {
    if let Some(problem) = name_problem(name) {
        return Err(StoreError::Rejected(problem));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(StoreError::Rejected(format!(
            "La durée de validité d’un jeton va de 1 à {MAX_DAYS} jours."
        )));
    }
    let Some((token, hash)) = new_token() else {
        return Err(StoreError::Rejected("Source d’aléa indisponible : aucun jeton n’a été créé.".into()));
    };
    let expires = bilan_store::time::now_plus(std::time::Duration::from_secs(u64::from(days) * 86_400));
    store.create_api_token(actor, user, name.trim(), &hash, &expires).await?;
    Ok(token)
}

fn no_admin(ctx: &Ctx) -> Result<(), Response> {
    if ctx.user.role == Role::Admin {
        Err(crate::http::session::refused(
            ctx,
            "Le compte administrateur n’a pas accès à l’API de consultation des rapports : il n’a pas de jeton.",
        ))
    } else {
        Ok(())
    }
}

/// What the page shows above the list.
enum Notice {
    None,
    Created(String),
    Revoked,
    Invalid { name: String, problem: String },
}

fn page(ctx: &Ctx, tokens: &[ApiToken], notice: Notice) -> Response {
    let csrf = csrf_field(&ctx.csrf);
    let (status, top, typed, field_error) = match &notice {
        Notice::None => (StatusCode::OK, String::new(), String::new(), None),
        Notice::Created(token) => (
            StatusCode::OK,
            format!(
                "<div class=\"fr-alert fr-alert--success fr-mb-3w\" id=\"jeton-cree\" role=\"status\">\
                 <h2 class=\"fr-alert__title\">Jeton créé</h2>\
                 <p><strong>Copiez ce jeton maintenant : il ne sera plus jamais affiché.</strong> \
                 Conservez-le comme un mot de passe ; en cas de perte, révoquez-le et créez-en un autre.</p>\
                 <p><code id=\"jeton-valeur\">{}</code></p>\
                 <p>Utilisation : en-tête <code>Authorization: Bearer {}</code> sur <code>/api/v1/…</code> \
                 (documentation : <a href=\"/api/openapi.json\">/api/openapi.json</a>).</p></div>",
                esc(token),
                esc(token)
            ),
            String::new(),
            None,
        ),
        Notice::Revoked => (
            StatusCode::OK,
            alert(
                "success",
                "jeton-revoque",
                "Jeton révoqué",
                "<p>Le jeton ne donne plus accès à l’API.</p>",
            ),
            String::new(),
            None,
        ),
        Notice::Invalid { name, problem } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            alert(
                "error",
                "erreurs-formulaire",
                "Le formulaire contient des erreurs : aucun jeton n’a été créé",
                &format!("<ul><li><a href=\"#jeton-nom\">Nom du jeton</a> : {}</li></ul>", esc(problem)),
            ),
            name.clone(),
            Some(problem.clone()),
        ),
    };
    let now = bilan_store::time::now();
    let mut rows = String::new();
    for t in tokens {
        let last_used = t.last_used_at.as_deref().map(crate::time::french_datetime);
        let expired = t.expires_at.as_deref().is_some_and(|at| at <= now.as_str());
        let (state, action) = match &t.revoked_at {
            Some(at) => (format!("révoqué le {}", esc(&crate::time::french_datetime(at))), String::new()),
            None if expired => ("expiré".to_string(), String::new()),
            None => (
                "actif".to_string(),
                format!(
                    "<form method=\"post\" action=\"/compte/jetons/{id}/revoquer\" id=\"revoquer-jeton-{id}\">{csrf}\
                     <button class=\"fr-btn fr-btn--sm fr-btn--secondary\" type=\"submit\" id=\"bouton-revoquer-{id}\">\
                     Révoquer<span class=\"fr-sr-only\"> le jeton « {} »</span></button></form>",
                    esc(&t.name),
                    id = t.id
                ),
            ),
        };
        rows.push_str(&format!(
            "<tr id=\"jeton-{id}\" data-etat=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{action}</td></tr>",
            if t.revoked_at.is_some() {
                "revoque"
            } else if expired {
                "expire"
            } else {
                "actif"
            },
            esc(&t.name),
            esc(&crate::time::french_datetime(&t.created_at)),
            esc(&t.expires_at.as_deref().map(crate::time::french_datetime).unwrap_or_else(|| "jamais".to_string())),
            esc(&last_used.unwrap_or_else(|| "jamais".to_string())),
            id = t.id
        ));
    }
    let table = if tokens.is_empty() {
        "<p id=\"aucun-jeton\">Vous n’avez encore créé aucun jeton.</p>".to_string()
    } else {
        format!(
            "<div class=\"fr-table\"><table id=\"table-jetons\"><caption>Vos jetons d’API</caption>\
             <thead><tr><th scope=\"col\">Nom</th><th scope=\"col\">Créé le</th><th scope=\"col\">Expire le</th><th scope=\"col\">Dernière utilisation</th>\
             <th scope=\"col\">État</th><th scope=\"col\">Action</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let (group_class, input_attrs, error_html) = match &field_error {
        Some(problem) => (
            " fr-input-group--error",
            " aria-describedby=\"jeton-nom-erreur\" aria-invalid=\"true\"",
            format!("<p class=\"fr-error-text\" id=\"jeton-nom-erreur\">{}</p>", esc(problem)),
        ),
        None => ("", "", String::new()),
    };
    let durations: String = DURATIONS
        .iter()
        .map(|(d, label)| {
            let selected = if *d == DEFAULT_DAYS { " selected" } else { "" };
            format!("<option value=\"{d}\"{selected}>{label}</option>")
        })
        .collect();
    let body = format!(
        "<h1 id=\"titre-jetons\">Jetons d’API</h1>{top}\
         <p>Un jeton permet à un programme (tableur, tableau de bord, script) de lire par l’API \
         <code>/api/v1</code> les rapports que vous voyez dans l’application, avec vos droits, \
         sans rien pouvoir modifier. Il s’envoie dans l’en-tête <code>Authorization: Bearer …</code>. \
         La description complète de l’API est <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>\
         {table}\
         <h2 id=\"nouveau-jeton\">Créer un jeton</h2>\
         <form method=\"post\" action=\"/compte/jetons\" id=\"form-jeton\">{csrf}\
         <div class=\"fr-input-group{group_class}\"><label class=\"fr-label\" for=\"jeton-nom\">Nom du jeton\
         <span class=\"fr-hint-text\">À quoi il sert, pour le reconnaître (100 caractères au plus)</span></label>\
         <input class=\"fr-input\" type=\"text\" id=\"jeton-nom\" name=\"nom\" maxlength=\"{MAX_NAME}\" required value=\"{}\"{input_attrs}>{error_html}</div>\
         <div class=\"fr-select-group\"><label class=\"fr-label\" for=\"jeton-duree\">Durée de validité\
         <span class=\"fr-hint-text\">Passé ce délai, le jeton n’ouvre plus l’API</span></label>\
         <select class=\"fr-select\" id=\"jeton-duree\" name=\"duree\">{durations}</select></div>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-creer-jeton\">Créer le jeton</button></form>",
        esc(&typed)
    );
    Page::new("Jetons d’API", Some(ctx), body).status(status).into_response()
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    revoque: Option<String>,
}

/// `GET /compte/jetons`.
pub async fn tokens_page(State(app): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = no_admin(&ctx) {
        return r;
    }
    match app.store.api_tokens(ctx.user.id).await {
        Ok(tokens) => page(&ctx, &tokens, if q.revoque.is_some() { Notice::Revoked } else { Notice::None }),
        Err(e) => store_error(&ctx, e),
    }
}

/// `POST /compte/jetons` (`nom`): shows the new token once (200), or the form again (422).
pub async fn create_token(State(app): State<AppState>, ctx: Ctx, fields: Fields) -> Response {
    if let Err(r) = no_admin(&ctx) {
        return r;
    }
    let name = fields.get("nom").unwrap_or("").to_string();
    let days = match fields.get("duree") {
        None | Some("") => Some(DEFAULT_DAYS),
        Some(d) => d.parse::<u32>().ok().filter(|d| DURATIONS.iter().any(|(x, _)| x == d)),
    };
    let notice = match (name_problem(&name), days) {
        (Some(problem), _) => Notice::Invalid { name, problem },
        (None, None) => {
            Notice::Invalid { name, problem: "Choisissez une durée de validité proposée.".to_string() }
        }
        (None, Some(days)) => match issue(&app.store, ctx.user.id, ctx.user.id, &name, days).await {
            Ok(token) => Notice::Created(token),
            Err(StoreError::Rejected(problem)) => Notice::Invalid { name, problem },
            Err(e) => return store_error(&ctx, e),
        },
    };
    match app.store.api_tokens(ctx.user.id).await {
        Ok(tokens) => page(&ctx, &tokens, notice),
        Err(e) => store_error(&ctx, e),
    }
}

/// `POST /compte/jetons/{tid}/revoquer`: 303 to the list; 404 for another user's token.
pub async fn revoke_token(State(app): State<AppState>, ctx: Ctx, Path(tid): Path<String>) -> Response {
    if let Err(r) = no_admin(&ctx) {
        return r;
    }
    let Some(tid) = tid.parse::<Id>().ok().filter(|n| *n > 0) else { return not_found(Some(&ctx)) };
    match app.store.revoke_api_token(ctx.user.id, ctx.user.id, tid).await {
        Ok(()) => Redirect::to("/compte/jetons?revoque=1").into_response(),
        Err(e) => store_error(&ctx, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        let (token, hash) = new_token().unwrap();
        assert!(well_formed(&token), "{token}");
        assert_eq!(token.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash, sha256_hex(&token));
        assert!(!well_formed("bilan_"));
        assert!(!well_formed(&token.to_uppercase()));
        assert!(!well_formed(&token[1..]));
        assert_ne!(new_token().unwrap().0, token);
    }

    #[test]
    fn names() {
        assert!(name_problem("  ").is_some());
        assert!(name_problem("tableau de bord").is_none());
        assert!(name_problem(&"x".repeat(MAX_NAME + 1)).is_some());
    }
}
