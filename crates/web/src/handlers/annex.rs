//! The financial annex page and its form.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_domain::annex_table::AnnexTable;

use super::SavedQuery;
use super::{may_edit, revision};
use crate::error::AppError;
use crate::policy::{access, Ctx};
use crate::service::annex;
use crate::service::editing::{self, Audit};
use crate::service::forms::{Errors, Fields, Values};
use crate::service::report::{self, Loaded};
use crate::service::values;
use crate::views::annex::AnnexForm;
use crate::AppState;

fn page(
    ctx: &Ctx,
    l: &Loaded,
    values: &Values,
    errors: &Errors,
    saved: bool,
    status: StatusCode,
) -> Response {
    let table = AnnexTable::from_report(&l.report);
    let form = AnnexForm {
        loaded: l,
        table: &table,
        editable: access::can_edit(&ctx.user, &l.stored.summary).is_ok(),
        values,
        errors,
        saved,
    };
    crate::views::annex::page(ctx, &form).status(status).into_response()
}

pub async fn annex_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let l = report::load_from_url(&app, &ctx, &id).await?;
    Ok(page(&ctx, &l, &annex::values(&l.report), &Errors::new(), q.enregistre.is_some(), StatusCode::OK))
}

pub async fn annex_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let id = crate::service::report::parse_id(&id)?;
    let l = report::load(&app, &ctx, id).await?;
    may_edit(&ctx, &l)?;
    let revision = revision(&fields)?;
    // Validate against the loaded version first: a malformed amount saves nothing.
    let errors = annex::apply(&mut bilan_domain::Report::clone(&l.report), &fields);
    if !errors.is_empty() {
        let values = annex::submitted(&l.report, &fields);
        return Ok(page(&ctx, &l, &values, &errors, false, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let saved = editing::edit_report(&app, &ctx, id, revision, |r| {
        let before = values::fragment(&r.annex);
        if let Some((_, m)) = annex::apply(r, &fields).into_iter().next() {
            return Err(m);
        }
        let audit = Audit {
            action: "annexe.save".into(),
            target: "annexe financière".into(),
            before,
            after: values::fragment(&r.annex),
        };
        Ok((audit, ()))
    })
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/rapports/{id}/annexe?enregistre=1")).into_response()),
        Err(e) => e.or_conflict(|current, _| {
            let differences = annex::differences(&l.report, &fields, current.as_ref());
            crate::views::annex::conflict(&ctx, &l, &differences).status(StatusCode::CONFLICT).into_response()
        }),
    }
}
