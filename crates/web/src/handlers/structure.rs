//! The structure of a report (`/rapports/{id}/structure`): measures and actions added,
//! renamed, moved and removed, the confirmation page of every removal, and the restoration
//! of removed elements until transmission.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{may_edit, revision, SavedQuery};
use crate::error::AppError;
use crate::policy::{access, Ctx};
use crate::service::editing::{self, EditError, ItemKind};
use crate::service::forms::{field_id, join, Fields};
use crate::service::referentiel;
use crate::service::report::{self, Loaded};
use crate::service::structure::{self as service, NewMeasure};
use crate::service::values::seg;
use crate::views::structure::{self as view, num_id, Confirm, Structure};
use crate::AppState;

fn structure_url(id: i64) -> String {
    format!("/rapports/{id}/structure")
}

/// 303 to the structure page with the « Enregistré » notice, at `anchor`.
fn saved(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("{}?enregistre=1#{anchor}", structure_url(id))).into_response()
}

/// The answer to a refused structural edit: 409 (nothing written) when the form is stale.
fn failed<C>(id: i64, e: EditError<C>) -> AppError {
    match e {
        EditError::Conflict { .. } => AppError::page(
            StatusCode::CONFLICT,
            "Modification concurrente : rien n’a été modifié",
            view::stale(&structure_url(id)),
        ),
        EditError::Failed(e) => e,
    }
}

/// 422 with a French message and the way back.
fn refused(id: i64, message: &str) -> AppError {
    AppError::page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Modification refusée",
        view::refused(message, &structure_url(id)),
    )
}

/// The report of the URL, which the user may edit now, and the form's revision.
async fn editable(app: &AppState, ctx: &Ctx, id: &str, fields: &Fields) -> Result<(Loaded, i64), AppError> {
    let l = report::load_from_url(app, ctx, id).await?;
    may_edit(ctx, &l)?;
    let revision = revision(fields)?;
    Ok((l, revision))
}

fn title(id: i64, fields: &Fields) -> Result<String, AppError> {
    service::title(&fields.text("intitule")).map_err(|m| refused(id, &m))
}

pub async fn page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    let removals = service::removals(&app, l.id()).await?;
    let reference = referentiel::current(&app);
    let s = Structure {
        loaded: &l,
        editable: access::can_edit(&ctx.user, &l.stored.summary).is_ok(),
        missing_core: referentiel::missing_core_measures(&reference, &l.report),
        removals: &removals,
        saved: q.enregistre.is_some(),
    };
    Ok(view::page(&ctx, &s).into_response())
}

// ----- measures -----

pub async fn add_measure(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    let new = match fields.get("type").unwrap_or("initiative") {
        "socle" => match fields.get("code").map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => NewMeasure::Core { code: code.to_string() },
            None => return Err(refused(l.id(), "Choisissez la mesure socle à ajouter.")),
        },
        "initiative" => NewMeasure::Local { title: title(l.id(), &fields)? },
        _ => return Err(refused(l.id(), "Le type de mesure est « initiative » ou « socle ».")),
    };
    let number =
        service::add_measure(&app, &ctx, l.id(), revision, new).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), &format!("structure-mesure-{}", num_id(&number))))
}

pub async fn rename_measure(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    service::find_measure(&l.report, &m).ok_or(AppError::NotFound)?;
    let t = title(l.id(), &fields)?;
    service::rename_measure(&app, &ctx, l.id(), revision, &m, t).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), &format!("structure-mesure-{}", num_id(&m))))
}

async fn move_measure(
    app: AppState,
    ctx: Ctx,
    id: String,
    m: String,
    fields: Fields,
    up: bool,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    service::find_measure(&l.report, &m).ok_or(AppError::NotFound)?;
    service::move_measure(&app, &ctx, l.id(), revision, &m, up).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), &format!("structure-mesure-{}", num_id(&m))))
}

pub async fn measure_up(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    move_measure(app, ctx, id, m, fields, true).await
}

pub async fn measure_down(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    move_measure(app, ctx, id, m, fields, false).await
}

pub async fn confirm_measure_removal(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    may_edit(&ctx, &l)?;
    let mi = service::find_measure(&l.report, &m).ok_or(AppError::NotFound)?;
    let measure = &l.report.measures[mi];
    let core = measure.kind == bilan_domain::MeasureKind::Core;
    let c = Confirm {
        loaded: &l,
        what: format!("la mesure {} – {}", measure.number, measure.title),
        lost: service::measure_loss(measure),
        refused: core.then_some(service::CORE_REFUSED),
        post_url: format!("/rapports/{}/mesures/{}/supprimer", l.id(), seg(&measure.number)),
        revision: l.stored.summary.revision,
        back_url: format!("{}#structure-mesure-{}", structure_url(l.id()), num_id(&measure.number)),
    };
    Ok(view::confirm(&ctx, &c).into_response())
}

pub async fn remove_measure(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    service::find_measure(&l.report, &m).ok_or(AppError::NotFound)?;
    service::remove_measure(&app, &ctx, l.id(), revision, &m).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), "elements-supprimes"))
}

// ----- actions -----

pub async fn add_action(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, m)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    service::find_measure(&l.report, &m).ok_or(AppError::NotFound)?;
    let t = title(l.id(), &fields)?;
    let number =
        service::add_action(&app, &ctx, l.id(), revision, &m, t).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), &format!("structure-action-{}", num_id(&number))))
}

async fn move_action(
    app: AppState,
    ctx: Ctx,
    id: String,
    num: String,
    fields: Fields,
    up: bool,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    editing::find_action(&l.report, &num).ok_or(AppError::NotFound)?;
    service::move_action(&app, &ctx, l.id(), revision, &num, up).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), &format!("structure-action-{}", num_id(&num))))
}

pub async fn action_up(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    move_action(app, ctx, id, num, fields, true).await
}

pub async fn action_down(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    move_action(app, ctx, id, num, fields, false).await
}

pub async fn confirm_action_removal(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    may_edit(&ctx, &l)?;
    let a = editing::find_action(&l.report, &num).ok_or(AppError::NotFound)?;
    let action = a.of(&l.report);
    let c = Confirm {
        loaded: &l,
        what: format!("l’action {} – {}", action.number, action.title),
        lost: service::action_loss(action),
        refused: None,
        post_url: format!("{}/supprimer", a.url(l.id())),
        revision: l.stored.summary.revision,
        back_url: a.url(l.id()),
    };
    Ok(view::confirm(&ctx, &c).into_response())
}

pub async fn remove_action(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    editing::find_action(&l.report, &num).ok_or(AppError::NotFound)?;
    service::remove_action(&app, &ctx, l.id(), revision, &num).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), "elements-supprimes"))
}

// ----- items of an action -----

/// The confirmation page of an item's removal (the POST is `handlers::action::item_delete`).
pub async fn confirm_item_removal(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    let l = report::load_from_url(&app, &ctx, &id).await?;
    let a = editing::find_action(&l.report, &num).ok_or(AppError::NotFound)?;
    let action = a.of(&l.report);
    let k = kind.index(action, &k).ok_or(AppError::NotFound)?;
    may_edit(&ctx, &l)?;
    let (what, lost) = service::item_loss(kind, action, k).ok_or(AppError::NotFound)?;
    let url = a.url(l.id());
    let c = Confirm {
        loaded: &l,
        what: match kind {
            ItemKind::Indicator => format!("l’{what}"),
            ItemKind::Expense | ItemKind::Line => format!("la {what}"),
        },
        lost,
        refused: None,
        post_url: format!("{url}/{}/{k}/supprimer", kind.segment()),
        revision: l.action_revision(&action.number),
        back_url: format!("{url}#{}", field_id(&join(&a.base(), kind.path()))),
    };
    Ok(view::confirm(&ctx, &c).into_response())
}

// ----- restoring -----

pub async fn restore(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, entry)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, revision) = editable(&app, &ctx, &id, &fields).await?;
    let entry = entry.parse::<i64>().map_err(|_| AppError::NotFound)?;
    service::restore(&app, &ctx, l.id(), revision, entry).await.map_err(|e| failed(l.id(), e))?;
    Ok(saved(l.id(), "elements-supprimes"))
}
