//! Campaigns: the list and opening form, a campaign's follow-up and its per-convention
//! deadlines; and a Département creating its own report when no campaign did.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use bilan_domain::Date;
use bilan_store::Role;

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::campaigns as service;
use crate::service::forms::Fields;
use crate::service::referentiel;
use crate::views::campaigns as view;
use crate::views::layout::Page;
use crate::AppState;

/// A deadline typed in a form: empty is `None`, anything else must be a date.
fn deadline_field(fields: &Fields) -> Result<Option<Date>, AppError> {
    match fields.get("echeance").map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Date::parse(t).map(Some).map_err(|m| AppError::unprocessable(format!("Échéance : {m}."))),
    }
}

/// `GET /campagnes`.
pub async fn list(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let campaigns = service::list(&app, &ctx).await?;
    let reference = referentiel::current(&app);
    let names = |id: &str| reference.programme(id).map_or_else(|| id.to_string(), |p| p.short_name.clone());
    let form = (ctx.user.role == Role::NationalReader).then(|| view::OpenForm {
        csrf: &ctx.csrf,
        programmes: reference
            .programmes
            .iter()
            .map(|p| (p.id.clone(), p.short_name.clone(), p.first_year, p.last_year))
            .collect(),
        year: crate::time::current_year() - 1,
    });
    Ok(Page::new("Campagnes", Some(&ctx), view::list(&campaigns, &names, form.as_ref())).into_response())
}

/// `POST /campagnes` (`programme`, `annee`, `echeance`): 303 to the new campaign.
pub async fn open(State(app): State<AppState>, ctx: Ctx, fields: Fields) -> Result<Response, AppError> {
    service::may_open(&ctx)?;
    let programme = fields.get("programme").unwrap_or("").trim().to_string();
    let year: i32 = fields
        .get("annee")
        .and_then(|y| y.trim().parse().ok())
        .ok_or_else(|| AppError::unprocessable("Année : écrivez une année, par exemple 2025."))?;
    let deadline = deadline_field(&fields)?;
    let id = service::open(&app, &ctx, &programme, year, deadline).await?;
    Ok(Redirect::to(&format!("/campagnes/{id}?enregistre=1")).into_response())
}

/// `GET /campagnes/{id}`.
pub async fn page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let p = service::page(&app, &ctx, id).await?;
    let title = format!("Campagne {} {}", p.programme_name, p.campaign.year);
    let body = view::page(&p, &ctx.csrf, ctx.user.role == Role::NationalReader);
    Ok(Page::new(title, Some(&ctx), body)
        .crumbs(vec![("Campagnes".into(), Some("/campagnes".into()))])
        .into_response())
}

/// `POST /campagnes/{id}/echeances` (`collectivite`, `echeance`; empty: the campaign's).
pub async fn set_deadline(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    service::may_open(&ctx)?;
    let deadline = deadline_field(&fields)?;
    let collectivite = fields.get("collectivite").unwrap_or("").trim().to_string();
    service::set_deadline(&app, &ctx, id, &collectivite, deadline).await?;
    Ok(Redirect::to(&format!("/campagnes/{id}?enregistre=1#convention-{collectivite}")).into_response())
}

/// `POST /rapports/nouveau` (`annee`, `depart` = `precedent` | `vide`): a Département's own
/// report; 303 to it.
pub async fn create_report(
    State(app): State<AppState>,
    ctx: Ctx,
    fields: Fields,
) -> Result<Response, AppError> {
    let year: i32 = fields
        .get("annee")
        .and_then(|y| y.trim().parse().ok())
        .ok_or_else(|| AppError::unprocessable("Année : choisissez l’année du rapport."))?;
    let from_previous = fields.get("depart") != Some("vide");
    let id = service::create_own(&app, &ctx, year, from_previous).await?;
    Ok(Redirect::to(&format!("/rapports/{id}")).into_response())
}
