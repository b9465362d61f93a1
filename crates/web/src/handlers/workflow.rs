//! The workflow's routes: adopt, back to draft, transmit (the signatory), send back and
//! approve (the State's reviewers; their forms are on the review page). The rules are in
//! `service::workflow`, the markup in `views::workflow`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bilan_store::AttachmentKind;

use crate::error::AppError;
use crate::http::session::multipart_parts;
use crate::policy::Ctx;
use crate::service::attachments;
use crate::service::forms::Fields;
use crate::service::report::Loaded;
use crate::service::workflow::{self, Failure, Refused};
use crate::views::layout::Page;
use crate::AppState;

fn status_of(r: &Refused) -> StatusCode {
    match r {
        Refused::Deliberation(_) | Refused::ReasonRequired | Refused::ObservationTooLong => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Refused::NotAdoptable
        | Refused::NotAdopted
        | Refused::NotAdoptedYet
        | Refused::Blocking(_)
        | Refused::NotTransmitted => StatusCode::CONFLICT,
    }
}

/// A failed step as the user's page: a refusal on the report's page, or the error.
fn failed(ctx: &Ctx, l: Option<&Loaded>, f: Failure) -> AppError {
    use crate::views::workflow as view;
    match (f, l) {
        (Failure::App(e), _) => e,
        (Failure::Refused(r), Some(l)) => AppError::Ready(
            Page::new(view::refusal_title(&r), Some(ctx), view::refusal(l.id(), &r))
                .crumbs(l.crumbs())
                .status(status_of(&r))
                .into_response(),
        ),
        // Before the report is loaded: the plain error page.
        (Failure::Refused(r), None) => {
            AppError::page(status_of(&r), view::refusal_title(&r), view::refusal_message(0, &r))
        }
    }
}

fn to_report(l: &Loaded) -> Response {
    Redirect::to(&format!("/rapports/{}", l.id())).into_response()
}

/// The adoption form: urlencoded, or multipart when it carries the signed deliberation
/// (`deliberation_fichier`, a PDF of at most 10 Mo, checked by its content). A refused
/// file, like a refused deliberation, writes nothing.
pub async fn adopt(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let l = workflow::load_for_signatory(&app, &ctx, &id).await?;
    let refuse = |m: String| failed(&ctx, Some(&l), Refused::Deliberation(vec![m]).into());
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (fields, file) = if ct.starts_with("multipart/form-data") {
        let parts = multipart_parts(ct, body).await.map_err(&refuse)?;
        let mut fields = Fields::default();
        let mut file = None;
        for p in parts {
            if p.name == "deliberation_fichier" {
                if !p.data.is_empty() {
                    file = Some((p.file_name.unwrap_or_default(), p.data));
                }
            } else {
                fields.0.push((p.name, String::from_utf8_lossy(&p.data).into_owned()));
            }
        }
        (fields, file)
    } else {
        (Fields::parse(&body), None)
    };
    let (number, date, instance) = (
        fields.text("deliberation_numero"),
        fields.text("deliberation_date"),
        fields.text("deliberation_instance"),
    );
    let signed = match file {
        None => None,
        Some((_, data)) if data.len() > attachments::MAX_BYTES => {
            return Err(AppError::page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Fichier trop volumineux",
                crate::views::import::too_large("La délibération signée dépasse la taille maximale", 10),
            ));
        }
        Some((name, data)) => {
            let title = format!("Délibération n° {}", number.trim());
            match attachments::check(&app, AttachmentKind::Deliberation, None, &title, &name, data.to_vec())
                .await?
            {
                Ok(c) => Some(c.attachment),
                Err(m) => return Err(refuse(format!("délibération signée : {m}"))),
            }
        }
    };
    workflow::adopt(&app, &ctx, &l, &number, &date, &instance, signed)
        .await
        .map_err(|f| failed(&ctx, Some(&l), f))?;
    Ok(to_report(&l))
}

pub async fn back_to_draft(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let l = workflow::load_for_signatory(&app, &ctx, &id).await?;
    workflow::back_to_draft(&app, &ctx, &l).await.map_err(|f| failed(&ctx, Some(&l), f))?;
    Ok(to_report(&l))
}

pub async fn transmit(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let l = workflow::load_for_signatory(&app, &ctx, &id).await?;
    workflow::transmit(&app, &ctx, &l).await.map_err(|f| failed(&ctx, Some(&l), f))?;
    Ok(to_report(&l))
}

pub async fn send_back(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let l = workflow::load_for_reviewer(&app, &ctx, &id).await.map_err(|f| failed(&ctx, None, f))?;
    workflow::send_back(&app, &ctx, &l, &fields.text("motif"))
        .await
        .map_err(|f| failed(&ctx, Some(&l), f))?;
    // The reviewer no longer sees a report sent back: back to the queue.
    Ok(Redirect::to("/revue?renvoye=1").into_response())
}

pub async fn approve(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let l = workflow::load_for_reviewer(&app, &ctx, &id).await.map_err(|f| failed(&ctx, None, f))?;
    workflow::approve(&app, &ctx, &l, &fields.text("observation"))
        .await
        .map_err(|f| failed(&ctx, Some(&l), f))?;
    Ok(Redirect::to(&format!("/rapports/{}/revue", l.id())).into_response())
}
