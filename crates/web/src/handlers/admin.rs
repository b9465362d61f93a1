//! The administrator's page: list accounts, create one, activate or deactivate, reset a
//! password. Every change is audited by the store.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_domain::geo;
use bilan_store::{NewUser, Role, StoreError, User};

use crate::http::session::hash_password;
use crate::policy::access::{self, role_label, territory_label};
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, Page};
use crate::AppState;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

fn only_admin(ctx: &Ctx) -> Result<(), Response> {
    if ctx.user.role == Role::Admin {
        Ok(())
    } else {
        Err(crate::http::session::refused(ctx, "Seul l’administrateur gère les comptes."))
    }
}

/// Checks a new account's fields; the French problems otherwise.
pub fn validate_account(
    login: &str,
    name: &str,
    password: &str,
    role: Option<Role>,
    territory: &str,
) -> Result<(Role, Option<String>), Vec<String>> {
    let mut problems = Vec::new();
    if login.is_empty()
        || login.len() > 64
        || !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        problems.push("identifiant : de 1 à 64 caractères parmi lettres sans accent, chiffres, « . », « - », « _ », « @ »".to_string());
    }
    if name.trim().is_empty() || name.chars().count() > 200 {
        problems.push("nom affiché : obligatoire, 200 caractères au plus".to_string());
    }
    if password.chars().count() < MIN_PASSWORD {
        problems.push(format!("mot de passe : {MIN_PASSWORD} caractères au moins"));
    }
    let Some(role) = role else {
        problems.push("rôle : choisissez un rôle de la liste".to_string());
        return Err(problems);
    };
    let territory = territory.trim();
    let territory = match access::territory_kind(role) {
        Some(true) => match geo::department(territory) {
            Some(d) => Some(d.code.to_string()),
            None => {
                problems.push(
                    "territoire : code INSEE de département attendu (par exemple 03, 2A, 974)".to_string(),
                );
                None
            }
        },
        Some(false) => match geo::region(territory) {
            Some(r) => Some(r.code.to_string()),
            None => {
                problems.push("territoire : code INSEE de région attendu (par exemple 84)".to_string());
                None
            }
        },
        None => None,
    };
    if problems.is_empty() {
        Ok((role, territory))
    } else {
        Err(problems)
    }
}

fn page(ctx: &Ctx, users: &[User], message: Option<(&str, String)>, status: StatusCode) -> Response {
    let csrf = csrf_field(&ctx.csrf);
    let mut rows = String::new();
    for u in users {
        let toggle = if u.id == ctx.user.id {
            String::new()
        } else {
            let (action, label) =
                if u.active { ("desactiver", "Désactiver") } else { ("activer", "Activer") };
            format!(
                "<form method=\"post\" action=\"/admin/comptes/{}/{action}\" id=\"form-{action}-{}\">{csrf}<button class=\"fr-btn fr-btn--sm fr-btn--secondary\" type=\"submit\">{label}<span class=\"fr-sr-only\"> {}</span></button></form>",
                u.id,
                esc(&u.login),
                esc(&u.login)
            )
        };
        rows.push_str(&format!(
            "<tr id=\"compte-{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{toggle}\
             <form method=\"post\" action=\"/admin/comptes/{}/mot-de-passe\" id=\"form-mot-de-passe-{}\" class=\"fr-mt-1w\">{csrf}\
             <label class=\"fr-label fr-sr-only\" for=\"mdp-{}\">Nouveau mot de passe de {}</label>\
             <input class=\"fr-input\" type=\"password\" id=\"mdp-{}\" name=\"mot_de_passe\" autocomplete=\"new-password\" minlength=\"{MIN_PASSWORD}\" required>\
             <button class=\"fr-btn fr-btn--sm fr-btn--tertiary\" type=\"submit\">Changer le mot de passe</button></form></td></tr>",
            esc(&u.login),
            esc(&u.login),
            esc(&u.display_name),
            esc(role_label(u.role)),
            esc(&territory_label(u.role, u.territory.as_deref())),
            if u.active { "actif" } else { "désactivé" },
            u.id,
            esc(&u.login),
            u.id,
            esc(&u.login),
            u.id,
        ));
    }
    let mut roles = String::new();
    for r in Role::ALL {
        roles.push_str(&format!("<option value=\"{}\">{}</option>", r.as_str(), esc(role_label(r))));
    }
    let notice = match message {
        Some(("success", m)) => {
            alert("success", "message-admin", "Enregistré", &format!("<p>{}</p>", esc(&m)))
        }
        Some((_, m)) => alert("error", "message-admin", "Rien n’a été enregistré", &m),
        None => String::new(),
    };
    let h = format!(
        "<h1>Comptes</h1>{notice}<div class=\"fr-table\"><table id=\"table-comptes\"><caption>Comptes des agents</caption>\
         <thead><tr><th scope=\"col\">Identifiant</th><th scope=\"col\">Nom</th><th scope=\"col\">Rôle</th><th scope=\"col\">Territoire</th><th scope=\"col\">État</th><th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table></div>\
         <h2 id=\"nouveau-compte\">Créer un compte</h2>\
         <form method=\"post\" action=\"/admin/comptes\" id=\"form-compte\">{csrf}\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"compte-login\">Identifiant</label><input class=\"fr-input\" type=\"text\" id=\"compte-login\" name=\"login\" required></div>\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"compte-nom\">Nom affiché</label><input class=\"fr-input\" type=\"text\" id=\"compte-nom\" name=\"nom\" required></div>\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"compte-mdp\">Mot de passe<span class=\"fr-hint-text\">{MIN_PASSWORD} caractères au moins</span></label><input class=\"fr-input\" type=\"password\" id=\"compte-mdp\" name=\"mot_de_passe\" autocomplete=\"new-password\" required></div>\
         <div class=\"fr-select-group\"><label class=\"fr-label\" for=\"compte-role\">Rôle</label><select class=\"fr-select\" id=\"compte-role\" name=\"role\">{roles}</select></div>\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"compte-territoire\">Territoire<span class=\"fr-hint-text\">Code du département (rédacteur, signataire, préfecture) ou de la région (région) ; vide sinon</span></label><input class=\"fr-input\" type=\"text\" id=\"compte-territoire\" name=\"territoire\"></div>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-creer-compte\">Créer le compte</button></form>"
    );
    Page::new("Comptes", Some(ctx), h).status(status).into_response()
}

pub async fn users_page(State(app): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = only_admin(&ctx) {
        return r;
    }
    match app.store.users().await {
        Ok(users) => page(&ctx, &users, None, StatusCode::OK),
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn create_user(State(app): State<AppState>, ctx: Ctx, fields: Fields) -> Response {
    if let Err(r) = only_admin(&ctx) {
        return r;
    }
    let login = fields.get("login").unwrap_or("").trim().to_string();
    let name = fields.get("nom").unwrap_or("").trim().to_string();
    let password = fields.get("mot_de_passe").unwrap_or("").to_string();
    let role = access::role_of_code(fields.get("role").unwrap_or(""));
    let result = match validate_account(
        &login,
        &name,
        &password,
        role,
        fields.get("territoire").unwrap_or(""),
    ) {
        Ok((role, territory)) => {
            let Some(hash) = crate::http::session::bounded_hash(move || hash_password(&password)).await
            else {
                return crate::views::layout::error_page(
                        StatusCode::SERVICE_UNAVAILABLE,
                        Some(&ctx),
                        "Service momentanément saturé",
                        "<p>Trop de mots de passe sont en cours de traitement : réessayez dans une minute. Rien n’a été créé.</p>",
                    );
            };
            let new =
                NewUser { login: login.clone(), display_name: name, password_hash: hash, role, territory };
            match app.store.create_user(Some(ctx.user.id), new).await {
                Ok(_) => Ok(format!("Le compte « {login} » a été créé.")),
                Err(StoreError::Duplicate) => {
                    Err(format!("<p>L’identifiant « {} » est déjà utilisé.</p>", esc(&login)))
                }
                Err(e) => return store_error(&ctx, e),
            }
        }
        Err(problems) => Err(format!(
            "<ul>{}</ul>",
            problems.iter().map(|p| format!("<li>{}</li>", esc(p))).collect::<String>()
        )),
    };
    let users = match app.store.users().await {
        Ok(u) => u,
        Err(e) => return store_error(&ctx, e),
    };
    match result {
        Ok(m) => page(&ctx, &users, Some(("success", m)), StatusCode::OK),
        Err(m) => page(&ctx, &users, Some(("error", m)), StatusCode::UNPROCESSABLE_ENTITY),
    }
}

pub async fn user_action(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((uid, action)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    if let Err(r) = only_admin(&ctx) {
        return r;
    }
    let Ok(uid) = uid.parse::<i64>() else { return crate::views::layout::not_found(Some(&ctx)) };
    let result = match action.as_str() {
        "activer" | "desactiver" if uid != ctx.user.id => {
            app.store.set_user_active(ctx.user.id, uid, action == "activer").await
        }
        "mot-de-passe" => {
            let password = fields.get("mot_de_passe").unwrap_or("").to_string();
            if password.chars().count() < MIN_PASSWORD {
                let users = app.store.users().await.unwrap_or_default();
                return page(
                    &ctx,
                    &users,
                    Some(("error", format!("<p>Mot de passe : {MIN_PASSWORD} caractères au moins.</p>"))),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            let Some(hash) = crate::http::session::bounded_hash(move || hash_password(&password)).await
            else {
                return crate::views::layout::error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some(&ctx),
                    "Service momentanément saturé",
                    "<p>Trop de mots de passe sont en cours de traitement : réessayez dans une minute. Rien n’a été modifié.</p>",
                );
            };
            app.store.set_password_hash(Some(ctx.user.id), uid, &hash).await
        }
        _ => return crate::views::layout::not_found(Some(&ctx)),
    };
    match result {
        Ok(()) => Redirect::to("/admin/comptes").into_response(),
        Err(e) => store_error(&ctx, e),
    }
}
