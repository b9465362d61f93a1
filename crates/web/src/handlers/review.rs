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
    let years = review::parse_queue_years(q.annee.as_deref()).map_err(|reason| {
        AppError::page(StatusCode::BAD_REQUEST, "Paramètre invalide", crate::views::queue::bad_year(&reason))
    })?;
    let data = review::queue(&app, &ctx.user, years).await?;
    let body = crate::views::queue::queue(
        &data,
        ctx.user.role != Role::NationalReader,
        review::may_see_all_years(&ctx.user),
        &ctx.csrf,
    );
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
    let attachments = crate::service::attachments::of_report(&app, &ctx.user, &l.stored.summary).await?;
    let body = crate::views::review::page(&crate::views::review::ReviewPage {
        l: &l,
        review: &data,
        csrf: &ctx.csrf,
        can_decide: access::can_review(&ctx.user).is_ok(),
        saved: q.enregistre.is_some(),
        targets: &targets,
        selected: q.cible.as_deref().unwrap_or("rapport"),
        attachments: &attachments,
    });
    let crumbs = vec![
        ("File de revue".to_string(), Some("/revue".to_string())),
        (l.label(), Some(format!("/rapports/{}", l.id()))),
        ("Revue".to_string(), None),
    ];
    Ok(Page::new(format!("Revue – {}", l.label()), Some(&ctx), body).crumbs(crumbs).into_response())
}

// ----- bulk work: approve several reports, download a perimeter -----

/// POST `/revue/approuver`: `rapports` (repeated report ids). Each report is approved in
/// its own transaction after being checked again; the page says which were and why not.
pub async fn approve_selection(
    State(app): State<AppState>,
    ctx: Ctx,
    fields: Fields,
) -> Result<Response, AppError> {
    if !ctx.user.role.is_state() {
        return Err(AppError::Forbidden("L’approbation est réservée aux services de l’État.".to_string()));
    }
    access::can_review(&ctx.user).map_err(AppError::forbidden)?;
    let mut ids = Vec::new();
    for (k, v) in &fields.0 {
        if k == "rapports" {
            // A value that is not an id is a report that does not exist.
            ids.push(v.trim().parse::<i64>().ok().filter(|n| *n > 0).unwrap_or(0));
        }
    }
    if ids.is_empty() {
        return Err(AppError::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Aucun rapport choisi",
            crate::views::queue::bulk_empty(),
        ));
    }
    let outcomes = crate::service::workflow::approve_many(&app, &ctx, &ids).await?;
    Ok(Page::new("Approbation groupée", Some(&ctx), crate::views::queue::bulk_result(&outcomes))
        .crumbs(vec![
            ("File de revue".to_string(), Some("/revue".to_string())),
            ("Approbation groupée".to_string(), None),
        ])
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ArchiveQuery {
    pub annee: Option<String>,
}

/// The year of an archive request: required, a year.
fn archive_year(ctx: &Ctx, q: &ArchiveQuery) -> Result<i32, AppError> {
    if !ctx.user.role.is_state() {
        return Err(AppError::Forbidden(
            "Les archives de périmètre sont réservées aux services de l’État.".to_string(),
        ));
    }
    let bad = |reason: String| {
        AppError::page(StatusCode::BAD_REQUEST, "Paramètre invalide", crate::views::queue::bad_year(&reason))
    };
    match parse_year(q.annee.as_deref()) {
        Ok(Some(y)) if (2000..=2100).contains(&y) => Ok(y),
        Ok(Some(y)) => Err(bad(format!("« {y} » n’est pas une année de rapport (2000 à 2100)."))),
        Ok(None) => Err(bad("Indiquez l’année des rapports (?annee=2019).".to_string())),
        Err(reason) => Err(bad(reason)),
    }
}

/// GET `/revue/archive?annee=Y`: what the archive will hold, and the link that starts it.
pub async fn archive_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ArchiveQuery>,
) -> Result<Response, AppError> {
    let year = archive_year(&ctx, &q)?;
    let reports = crate::service::archive::reports(&app, &ctx.user, year).await?;
    let body = crate::views::queue::archive(year, &reports, crate::service::archive::REPORT_FORMAT);
    Ok(Page::new(format!("Archive des rapports {year}"), Some(&ctx), body)
        .crumbs(vec![
            ("File de revue".to_string(), Some("/revue".to_string())),
            ("Archive".to_string(), None),
        ])
        .into_response())
}

/// GET `/revue/archive.zip?annee=Y`: the zip, streamed (no `Content-Length`), one report
/// after the other; `X-Bilan-Rapports` says how many.
pub async fn archive_download(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ArchiveQuery>,
) -> Result<Response, AppError> {
    let year = archive_year(&ctx, &q)?;
    let reports = crate::service::archive::reports(&app, &ctx.user, year).await?;
    let count = reports.len();
    let file_name = crate::service::archive::file_name(&ctx.user, year);
    let rx = crate::service::archive::stream(app.clone(), reports);
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk.map(axum::body::Bytes::from), rx))
    });
    let mut r = axum::body::Body::from_stream(chunks).into_response();
    let h = r.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/zip"));
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-bilan-rapports", axum::http::HeaderValue::from(count));
    Ok(r)
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
