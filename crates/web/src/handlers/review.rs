//! The State's review: the queue of transmitted reports, the review page (report figures,
//! diagnostics and justifications, changes since the previous version and since last
//! year, outliers, comments), and the decisions — send back with comments, approve,
//! reopen an approved report with a recorded reason. Every decision goes through
//! `Store::set_status`, which writes the audit entry with its author and reason.
//!
//! Data: `service::review`; markup: `views::queue` and `views::review`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use bilan_store::{Role, Status, Transition};

use crate::error::AppError;
use crate::policy::access;
use crate::policy::notify::Event;
use crate::policy::Ctx;
use crate::service::consolidation::parse_year;
use crate::service::forms::Fields;
use crate::service::review;
use crate::views::layout::Page;
use crate::AppState;

// ----- queue -----

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    pub annee: Option<String>,
}

pub async fn queue(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    // Review pages are the State's: reviewers decide, the national reader reads.
    if !ctx.user.role.is_state() {
        return Err(AppError::Forbidden("La file de revue est réservée aux services de l’État.".to_string()));
    }
    let year = parse_year(q.annee.as_deref()).map_err(|reason| {
        AppError::page(StatusCode::BAD_REQUEST, "Paramètre invalide", crate::views::queue::bad_year(&reason))
    })?;
    let data = review::queue(&app, &ctx.user, year).await?;
    let body = crate::views::queue::queue(&data, ctx.user.role != Role::NationalReader);
    Ok(Page::new("File de revue", Some(&ctx), body)
        .crumbs(vec![("File de revue".to_string(), None)])
        .into_response())
}

// ----- review page -----

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    pub cible: Option<String>,
    pub enregistre: Option<String>,
}

pub async fn review_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    let l = review::load(&app, &ctx, &id).await?;
    let data = review::review(&app, &l).await?;
    let targets = review::targets(&l.report, &data.diagnostics);
    let body = crate::views::review::page(&crate::views::review::ReviewPage {
        l: &l,
        review: &data,
        csrf: &ctx.csrf,
        can_decide: access::can_review(&ctx.user).is_ok(),
        saved: q.enregistre.is_some(),
        targets: &targets,
        selected: q.cible.as_deref().unwrap_or("rapport"),
    });
    let crumbs = vec![
        ("File de revue".to_string(), Some("/revue".to_string())),
        (l.label(), Some(format!("/rapports/{}", l.id()))),
        ("Revue".to_string(), None),
    ];
    Ok(Page::new(format!("Revue – {}", l.label()), Some(&ctx), body).crumbs(crumbs).into_response())
}

// ----- comment and reopen -----

pub async fn add_comment(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    // The shared preamble: loaded for review, and the user a reviewer.
    let l = review::load_for_decision(&app, &ctx, &id).await?;
    let (target, text) = review::check_comment(&app, &l, &fields.text("cible"), &fields.text("texte"))
        .await
        .map_err(|why| {
            AppError::page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Commentaire non enregistré",
                crate::views::review::comment_refused(l.id(), why),
            )
        })?;
    let summary = &l.stored.summary;
    let notifications = crate::service::notifications::for_event(
        &app,
        Event::Comment,
        summary,
        summary.status,
        ctx.user.id,
        Some(text.as_str()),
    )
    .await?;
    app.store
        .add_comment_notifying(ctx.user.id, l.id(), summary.version, &target, &text, &notifications)
        .await?;
    Ok(Redirect::to(&format!("/rapports/{}/revue?enregistre=1#commentaires", l.id())).into_response())
}

pub async fn reopen(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    // The shared preamble: loaded for review, and the user a reviewer.
    let l = review::load_for_decision(&app, &ctx, &id).await?;
    if l.stored.summary.status != Status::Approved {
        return Err(AppError::page(
            StatusCode::CONFLICT,
            "Opération impossible",
            crate::views::review::reopen_not_approved(),
        ));
    }
    let reason = review::note(&fields.text("motif")).ok_or_else(|| {
        AppError::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Motif requis",
            crate::views::review::reopen_reason_missing(l.id()),
        )
    })?;
    let mut t = Transition::new(Status::Approved, Status::Transmitted, format!("réouverture : {reason}"));
    t.notifications = crate::service::notifications::for_event(
        &app,
        Event::Reopened,
        &l.stored.summary,
        Status::Transmitted,
        ctx.user.id,
        Some(reason.as_str()),
    )
    .await?;
    app.store.transition(ctx.user.id, l.id(), t, |_, _| Ok(None)).await?;
    Ok(Redirect::to(&format!("/rapports/{}/revue", l.id())).into_response())
}

// ----- for the pages not yet converted -----
