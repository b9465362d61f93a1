//! The pages of a report: list, overview, general information; the fallback 404; and the
//! small helpers the report handlers share (`rid`, `bad_form`, the legacy string versions
//! of the view helpers for the pages not yet converted).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_store::{Role, StoreError};

use crate::error::AppError;
use crate::handlers::{conflict_page, may_edit, revision, SavedQuery};
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::forms::{self, Errors, Fields, Values};
use crate::service::report::{self, Loaded};
use crate::service::reports as service;
use crate::service::values;
use crate::views::conflict::Conflict;
use crate::views::layout::Page;
use crate::views::{general as general_view, overview as overview_view, reports as view};
use crate::AppState;

/// Any URL no route answers: 404, drawn by the session guard with the user's header.
pub async fn fallback() -> AppError {
    AppError::NotFound
}

// ----- list -----

pub async fn reports(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.role == Role::Admin {
        return Ok(Redirect::to("/admin/comptes").into_response());
    }
    let list = service::list(&app, &ctx.user).await?;
    let creatable = crate::service::campaigns::creatable_years(&app, &ctx).await?;
    Ok(Page::new("Mes rapports", Some(&ctx), view::list(&ctx, &list, &creatable)).into_response())
}

// ----- overview -----

pub async fn overview(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    let o = service::overview(&app, &l).await?;
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let comments = if o.has_comments {
        Some(crate::views::review::comments(&l, &crate::service::review::comments(&app, &l).await?))
    } else {
        None
    };
    let blocks = overview_view::Blocks {
        workflow: crate::views::workflow::panel(
            l.id(),
            &ctx.csrf,
            crate::service::workflow::step(&ctx, &l, o.checked.blocking().len()),
            crate::service::workflow::review(&ctx, &l),
        ),
        comments,
        downloads: crate::views::files::downloads(id),
        attachments: crate::views::attachments::report_section(
            &crate::service::attachments::of_report(&app, &ctx.user, &l.stored.summary).await?,
            ctx.user.role.is_state(),
        ),
    };
    let body = overview_view::page(&ctx, &l, &o, editable, blocks);
    Ok(Page::new(l.label(), Some(&ctx), body).crumbs(l.crumbs()).into_response())
}

// ----- general information -----

fn general_page(
    ctx: &Ctx,
    l: &Loaded,
    values: &Values,
    errors: &Errors,
    saved: bool,
    status: StatusCode,
) -> Response {
    let body = general_view::page(&general_view::General {
        id: l.id(),
        csrf: &ctx.csrf,
        revision: l.stored.summary.revision,
        editable: access::can_edit(&ctx.user, &l.stored.summary).is_ok(),
        values,
        errors,
        saved,
        deliberation: l.report.deliberation.as_ref(),
    });
    let mut crumbs = l.crumbs();
    crumbs.push(("Informations générales".into(), None));
    Page::new("Informations générales", Some(ctx), body).crumbs(crumbs).status(status).into_response()
}

pub async fn general_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    let values = values::general_values(&l.report);
    Ok(general_page(&ctx, &l, &values, &Vec::new(), q.enregistre.is_some(), StatusCode::OK))
}

pub async fn general_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    may_edit(&ctx, &l)?;
    let revision = revision(&fields)?;
    let patch = match forms::parse(forms::GENERAL_FIELDS, &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(forms::GENERAL_FIELDS, &fields);
            return Ok(general_page(&ctx, &l, &values, &errors, false, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match service::save_general(&app, &ctx, id, revision, patch).await {
        Ok(()) => Ok(Redirect::to(&format!("/rapports/{id}/general?enregistre=1")).into_response()),
        Err(StoreError::Conflict { current_text, current_revision }) => {
            let current = report::parse_text(&current_text).map(|r| values::general_values(&r));
            Ok(conflict_page(
                &ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: "Informations générales".into(),
                    specs: forms::GENERAL_FIELDS.iter().collect(),
                    submitted: forms::submitted(forms::GENERAL_FIELDS, &fields),
                    current,
                    current_revision,
                    form_url: format!("/rapports/{id}/general"),
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}
