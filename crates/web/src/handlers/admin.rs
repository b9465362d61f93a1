//! The administrator's page: list accounts, create one, activate or deactivate, reset a
//! password. Every change is audited by the store.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_store::Role;

use crate::error::AppError;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::accounts::{self, AccountProblem, NewAccount, MIN_PASSWORD};
use crate::service::forms::Fields;
use crate::service::notifications;
use crate::views::admin::{self, Notice};
use crate::views::layout::Page;
use crate::AppState;

fn only_admin(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("Seul l’administrateur gère les comptes.".to_string()))
    }
}

/// The page with the current accounts.
async fn page(app: &AppState, ctx: &Ctx, notice: Notice, status: StatusCode) -> Result<Response, AppError> {
    let users = app.store.users().await?;
    Ok(Page::new("Comptes", Some(ctx), admin::accounts(ctx, &users, &notice)).status(status).into_response())
}

/// `GET /admin/comptes`.
pub async fn users_page(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    only_admin(&ctx)?;
    page(&app, &ctx, Notice::None, StatusCode::OK).await
}

/// `POST /admin/comptes` (`login`, `nom`, `mot_de_passe`, `role`, `territoire`).
pub async fn create_user(
    State(app): State<AppState>,
    ctx: Ctx,
    fields: Fields,
) -> Result<Response, AppError> {
    only_admin(&ctx)?;
    let login = fields.get("login").unwrap_or("").trim().to_string();
    let account = NewAccount {
        login: login.clone(),
        name: fields.get("nom").unwrap_or("").trim().to_string(),
        password: fields.get("mot_de_passe").unwrap_or("").to_string(),
        role: access::role_of_code(fields.get("role").unwrap_or("")),
        territory: fields.get("territoire").unwrap_or("").to_string(),
        email: fields.get("courriel").unwrap_or("").to_string(),
    };
    let notice = match accounts::create_account(&app.store, ctx.user.id, account).await? {
        Ok(()) => Notice::Saved(format!("Le compte « {login} » a été créé.")),
        Err(AccountProblem::Busy) => return Err(admin::busy("créé")),
        Err(AccountProblem::Duplicate) => {
            Notice::Refused(format!("L’identifiant « {login} » est déjà utilisé."))
        }
        Err(AccountProblem::Invalid(problems)) => Notice::Problems(problems),
        Err(AccountProblem::ShortPassword) => short_password(),
    };
    let status =
        if matches!(notice, Notice::Saved(_)) { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(&app, &ctx, notice, status).await
}

fn short_password() -> Notice {
    Notice::Refused(format!("Mot de passe : {MIN_PASSWORD} caractères au moins."))
}

/// `POST /admin/comptes/{uid}/{action}`: `activer`, `desactiver` (not one's own account),
/// `mot-de-passe` (`mot_de_passe`) or `courriel` (`courriel`, empty: none).
pub async fn user_action(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((uid, action)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    only_admin(&ctx)?;
    let uid = uid.parse::<i64>().map_err(|_| AppError::NotFound)?;
    match action.as_str() {
        "activer" | "desactiver" => {
            accounts::set_active(&app.store, ctx.user.id, uid, action == "activer").await?
        }
        "mot-de-passe" => {
            let password = fields.get("mot_de_passe").unwrap_or("").to_string();
            match accounts::reset_password(&app.store, ctx.user.id, uid, password).await? {
                Ok(()) => {}
                Err(AccountProblem::Busy) => return Err(admin::busy("modifié")),
                Err(_) => return page(&app, &ctx, short_password(), StatusCode::UNPROCESSABLE_ENTITY).await,
            }
        }
        "courriel" => {
            let problem = match notifications::typed_address(&fields.text("courriel")) {
                Ok(address) => {
                    notifications::set_address(&app, ctx.user.id, uid, address.as_deref()).await?.err()
                }
                Err(problem) => Some(problem),
            };
            if let Some(problem) = problem {
                let notice =
                    Notice::Refused(format!("Adresse électronique non enregistrée : {}", problem.message()));
                return page(&app, &ctx, notice, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(Redirect::to("/admin/comptes").into_response())
}
