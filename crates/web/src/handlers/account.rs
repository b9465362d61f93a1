//! The signed-in user's own account: changing one's password. The current password is
//! asked again (a session left open must not be enough to take the account over); the
//! change ends every other session of the account.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::handlers::admin::MIN_PASSWORD as MIN_PASSWORD_CHARS;
use crate::http::session::{
    bounded_hash, cookie, hash_password, sha256_hex, verify_password, SESSION_COOKIE,
};
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::views::layout::{alert, csrf_field, esc, Page};
use crate::AppState;

fn page(ctx: &Ctx, notice: Option<String>, status: StatusCode) -> Response {
    let body = format!(
        "<h1 id=\"titre-mot-de-passe\">Changer de mot de passe</h1>{}\
         <p>Le changement ferme vos autres sessions ouvertes (sur d’autres postes ou navigateurs). \
         Vos jetons d’API restent valables.</p>\
         <form method=\"post\" action=\"/compte/mot-de-passe\" id=\"form-mot-de-passe\">{}\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"actuel\">Mot de passe actuel</label>\
         <input class=\"fr-input\" type=\"password\" id=\"actuel\" name=\"actuel\" autocomplete=\"current-password\" required></div>\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"nouveau\">Nouveau mot de passe\
         <span class=\"fr-hint-text\">{MIN_PASSWORD_CHARS} caractères au moins</span></label>\
         <input class=\"fr-input\" type=\"password\" id=\"nouveau\" name=\"nouveau\" autocomplete=\"new-password\" minlength=\"{MIN_PASSWORD_CHARS}\" required></div>\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"confirmation\">Confirmation du nouveau mot de passe</label>\
         <input class=\"fr-input\" type=\"password\" id=\"confirmation\" name=\"confirmation\" autocomplete=\"new-password\" required></div>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-mot-de-passe\">Changer le mot de passe</button></form>",
        notice.unwrap_or_default(),
        csrf_field(&ctx.csrf),
    );
    Page::new("Changer de mot de passe", Some(ctx), body).status(status).into_response()
}

/// `GET /compte/mot-de-passe`.
pub async fn password_form(ctx: Ctx) -> Response {
    page(&ctx, None, StatusCode::OK)
}

/// `POST /compte/mot-de-passe` (`actuel`, `nouveau`, `confirmation`).
pub async fn change_password(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    fields: Fields,
) -> Response {
    let current = fields.text("actuel");
    let new = fields.text("nouveau");
    let refuse = |message: &str, status: StatusCode| {
        let notice = alert(
            "error",
            "erreurs-mot-de-passe",
            "Le mot de passe n’a pas été changé",
            &format!("<p>{}</p>", esc(message)),
        );
        page(&ctx, Some(notice), status)
    };
    if new.chars().count() < MIN_PASSWORD_CHARS {
        let m = format!("Le nouveau mot de passe doit compter {MIN_PASSWORD_CHARS} caractères au moins.");
        return refuse(&m, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if new != fields.text("confirmation") {
        return refuse(
            "La confirmation ne correspond pas au nouveau mot de passe.",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let stored = ctx.user.password_hash.clone();
    let new_for_hash = new.clone();
    let checked =
        bounded_hash(move || verify_password(&current, &stored).then(|| hash_password(&new_for_hash))).await;
    let hash = match checked {
        None => {
            return refuse(
                "Le service est saturé : réessayez dans une minute.",
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
        Some(None) => {
            return refuse("Le mot de passe actuel est incorrect.", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Some(Some(h)) if h.starts_with('!') => {
            return crate::views::layout::internal_error(Some(&ctx), &"source d'aléa indisponible")
        }
        Some(Some(h)) => h,
    };
    let keep = cookie(&headers, SESSION_COOKIE).map(|t| sha256_hex(&t)).unwrap_or_default();
    if let Err(e) = app.store.change_own_password(ctx.user.id, &hash, &keep).await {
        return crate::views::layout::store_error(&ctx, e);
    }
    let notice = alert(
        "success",
        "mot-de-passe-change",
        "Mot de passe changé",
        "<p>Votre mot de passe a été changé ; vos autres sessions ont été fermées.</p>",
    );
    page(&ctx, Some(notice), StatusCode::OK)
}
