//! Regional and national dashboards and their open data files: extract the perimeter and
//! the year, open the consolidation (`service::dashboard`), draw it (`views::dashboard`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use bilan_domain::geo;

use crate::error::AppError;
use crate::http::attachment;
use crate::policy::perimeter::{self, Perimeter};
use crate::policy::Ctx;
use crate::service::dashboard::{self as service, Opened, Refusal};
use crate::views::dashboard as view;
use crate::views::layout::Page;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    pub annee: Option<String>,
    pub mesure: Option<String>,
}

pub async fn index(ctx: Ctx) -> Result<Response, AppError> {
    let perimeters = perimeter::perimeters_of(&ctx.user);
    match perimeters.as_slice() {
        [] => Err(AppError::Forbidden(
            "Les tableaux de bord sont réservés aux services régionaux et nationaux de l’État.".into(),
        )),
        [only] => Ok(Redirect::to(&only.path()).into_response()),
        _ => Ok(Page::new("Tableaux de bord", Some(&ctx), view::perimeters(&perimeters)).into_response()),
    }
}

pub async fn national(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashQuery>,
) -> Result<Response, AppError> {
    dashboard(&app, &ctx, Perimeter::National, q).await
}

pub async fn region(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> Result<Response, AppError> {
    dashboard(&app, &ctx, region_of(code)?, q).await
}

/// A region's perimeter; 404 for an unknown region.
fn region_of(code: String) -> Result<Perimeter, AppError> {
    match geo::region(&code) {
        Some(_) => Ok(Perimeter::Region(code)),
        None => Err(AppError::NotFound),
    }
}

/// The dashboard's and the open data's common start, with its refusals as French pages.
async fn open(app: &AppState, ctx: &Ctx, perimeter: Perimeter, q: &DashQuery) -> Result<Opened, AppError> {
    service::open(app, &ctx.user, perimeter, q.annee.as_deref()).await.map_err(|r| match r {
        Refusal::Perimeter => AppError::Forbidden(service::OUTSIDE_PERIMETER.into()),
        Refusal::Year(m) => {
            AppError::page(StatusCode::BAD_REQUEST, "Paramètre invalide", view::bad_parameter(&m))
        }
        Refusal::Error(e) => e,
    })
}

async fn dashboard(
    app: &AppState,
    ctx: &Ctx,
    perimeter: Perimeter,
    q: DashQuery,
) -> Result<Response, AppError> {
    let o = open(app, ctx, perimeter, &q).await?;
    let measure = match q.mesure.as_deref().and_then(|m| m.parse::<usize>().ok()) {
        Some(k) => Some(o.consolidation().measures.get(k).ok_or(AppError::NotFound)?),
        None => None,
    };
    let outliers = o.loaded.outliers();
    let label = o.perimeter.label();
    let crumbs = vec![("Tableaux de bord".to_string(), Some("/tableaux".to_string())), (label.clone(), None)];
    Ok(Page::new(format!("{label} – {}", o.year), Some(ctx), view::dashboard(&o, measure, outliers))
        .crumbs(crumbs)
        .into_response())
}

pub async fn national_data(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<DashQuery>,
) -> Result<Response, AppError> {
    open_data(&app, &ctx, Perimeter::National, &file, q).await
}

pub async fn region_data(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((code, file)): Path<(String, String)>,
    Query(q): Query<DashQuery>,
) -> Result<Response, AppError> {
    open_data(&app, &ctx, region_of(code)?, &file, q).await
}

async fn open_data(
    app: &AppState,
    ctx: &Ctx,
    perimeter: Perimeter,
    file: &str,
    q: DashQuery,
) -> Result<Response, AppError> {
    let o = open(app, ctx, perimeter, &q).await?;
    let f = service::open_data_file(&o, file)?;
    let mut r = attachment(f.content_type, &f.file_name, f.body);
    if f.no_store {
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(r)
}
