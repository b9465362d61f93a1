//! The credits routes: the page `/rapports/{id}/credits` (the reviewer's form and the
//! note), its save, and the note's download (`note.odt`, `note.pdf`). The computations are
//! in `service::credits`, the markup in `views::credits`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::credits::{self as service, CreditInputs};
use crate::service::forms::Fields;
use crate::service::report::Loaded;
use crate::views::credits::{self as view, CreditsPage};
use crate::views::layout::Page;
use crate::AppState;

#[derive(serde::Deserialize, Default)]
pub struct CreditsQuery {
    pub enregistre: Option<String>,
}

pub async fn page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CreditsQuery>,
) -> Result<Response, AppError> {
    let l = service::load(&app, &ctx, &id).await?;
    let inputs = service::inputs(&app, l.id()).await?;
    Ok(render_page(&ctx, &l, &inputs, q.enregistre.is_some(), None, StatusCode::OK))
}

fn render_page(
    ctx: &Ctx,
    l: &Loaded,
    inputs: &CreditInputs,
    saved: bool,
    errors: Option<&[String]>,
    status: StatusCode,
) -> Response {
    let preview = service::preview(l, inputs);
    let meta = service::meta(l, inputs);
    let body = view::page(&CreditsPage {
        loaded: l,
        inputs,
        preview: &preview,
        meta: &meta,
        rules: service::rules(l).describe(),
        decide: service::may_decide(ctx, l).then_some(ctx.csrf.as_str()),
        saved,
        errors,
    });
    let name = view::name(l);
    let mut crumbs = l.crumbs();
    crumbs.push((name.clone(), None));
    Page::new(format!("{name} – {}", l.label()), Some(ctx), body)
        .crumbs(crumbs)
        .status(status)
        .into_response()
}

pub async fn save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let l = service::load(&app, &ctx, &id).await?;
    if !service::may_decide(&ctx, &l) {
        return Err(AppError::Forbidden(crate::policy::credits::NOT_DECIDER.to_string()));
    }
    match service::save(&app, &ctx, &l, &fields).await? {
        Ok(()) => Ok(Redirect::to(&format!("/rapports/{}/credits?enregistre=1", l.id())).into_response()),
        Err(n) => {
            let status = if n.conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            Ok(render_page(&ctx, &l, &n.inputs, false, Some(&n.errors), status))
        }
    }
}

pub async fn note_download(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let l = service::load(&app, &ctx, &id).await?;
    let inputs = service::inputs(&app, l.id()).await?;
    let Some(note) = service::note_with(&l, &inputs) else {
        return Err(AppError::page(StatusCode::NOT_FOUND, "Note indisponible", view::note_absent()));
    };
    let meta = service::meta(&l, &inputs);
    let file = service::note_file_name(&l, &format);
    match format.as_str() {
        "odt" => Ok(crate::http::attachment(
            "application/vnd.oasis.opendocument.text",
            &file,
            service::note_odt(&note, &meta),
        )),
        "pdf" => note_pdf(&note, &meta, &file).await,
        _ => Err(AppError::NotFound),
    }
}

#[cfg(feature = "pdf")]
async fn note_pdf(
    note: &bilan_consolidate::CreditsNote,
    meta: &bilan_render::NoteMeta,
    file: &str,
) -> Result<Response, AppError> {
    let bytes = service::note_pdf(note, meta).await?;
    Ok(crate::http::attachment("application/pdf", file, bytes))
}

#[cfg(not(feature = "pdf"))]
async fn note_pdf(
    _: &bilan_consolidate::CreditsNote,
    _: &bilan_render::NoteMeta,
    _: &str,
) -> Result<Response, AppError> {
    Err(AppError::page(StatusCode::NOT_IMPLEMENTED, "PDF indisponible", view::pdf_unavailable()))
}
