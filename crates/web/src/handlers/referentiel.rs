//! The referentiels: read by the State and the administrator, changed by the
//! administrator (a year, a measure, an indicator), each change a new audited version.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use bilan_domain::referentiel::{Aggregation, CatalogueIndicator, MeasureRef};
use bilan_domain::IndicatorUnit;
use bilan_store::Role;

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::service::referentiel::{self as service, Change, Outcome};
use crate::views::layout::Page;
use crate::views::referentiel::{self as view, Notice};
use crate::AppState;

async fn page(app: &AppState, ctx: &Ctx, notice: Notice, status: StatusCode) -> Result<Response, AppError> {
    service::may_read(ctx)?;
    let reference = service::current(app);
    let mut versions = Vec::new();
    if ctx.user.role == Role::Admin {
        for p in &reference.programmes {
            versions.push((p.id.clone(), service::stored_version(app, &p.id).await?));
        }
    }
    let version_of = |id: &str| versions.iter().find(|(p, _)| p == id).map_or(0, |(_, v)| *v);
    let admin = (ctx.user.role == Role::Admin)
        .then_some(view::Admin { csrf: ctx.csrf.as_str(), version_of: &version_of as &dyn Fn(&str) -> i32 });
    Ok(Page::new("Référentiels", Some(ctx), view::page(&reference, admin, &notice))
        .status(status)
        .into_response())
}

/// `GET /referentiels`.
pub async fn list(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    page(&app, &ctx, Notice::None, StatusCode::OK).await
}

/// `GET /referentiels/{programme}/historique`.
pub async fn history(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(programme): Path<String>,
) -> Result<Response, AppError> {
    service::may_read(&ctx)?;
    let reference = service::current(&app);
    let p = reference.programme(&programme).ok_or(AppError::NotFound)?;
    let versions = service::history(&app, &p.id).await?;
    Ok(Page::new("Versions du référentiel", Some(&ctx), view::history(&p.short_name, &versions))
        .crumbs(vec![("Référentiels".into(), Some("/referentiels".into()))])
        .into_response())
}

fn text(fields: &Fields, name: &str) -> String {
    fields.get(name).unwrap_or("").trim().to_string()
}

fn year(fields: &Fields, name: &str) -> Result<i32, String> {
    let t = text(fields, name);
    t.parse().map_err(|_| format!("Première année : « {t} » n’est pas une année (par exemple 2025)."))
}

fn checked(fields: &Fields, name: &str) -> bool {
    fields.get(name) == Some("oui")
}

fn change_of(kind: &str, fields: &Fields) -> Result<Option<Change>, String> {
    Ok(Some(match kind {
        "annee" => Change::Year,
        "mesures" => Change::Measure(MeasureRef {
            code: text(fields, "code"),
            title: text(fields, "intitule"),
            socle: checked(fields, "socle"),
            since: year(fields, "depuis")?,
            until: None,
            source: text(fields, "source"),
            provisional: checked(fields, "provisoire"),
        }),
        "indicateurs" => {
            let unit = match text(fields, "unite").as_str() {
                "nombre" => IndicatorUnit::Count,
                "jours" => IndicatorUnit::Days,
                "%" => IndicatorUnit::Percent,
                "euros" => IndicatorUnit::Euros,
                "moyenne" => IndicatorUnit::Average,
                other => return Err(format!("Unité : « {other} » n’est pas une unité connue.")),
            };
            let aggregation = match text(fields, "agregation").as_str() {
                "somme" => Aggregation::Sum,
                "repartition" => Aggregation::Distribution,
                "moyenne_ponderee" => Aggregation::WeightedMean { weight: text(fields, "poids") },
                other => return Err(format!("Agrégation : « {other} » n’est pas une règle connue.")),
            };
            Change::Indicator(CatalogueIndicator {
                code: text(fields, "code"),
                title: text(fields, "intitule"),
                unit,
                aggregation,
                measure: text(fields, "mesure"),
                since: year(fields, "depuis")?,
                until: None,
                source: text(fields, "source"),
                provisional: checked(fields, "provisoire"),
            })
        }
        _ => return Ok(None),
    }))
}

/// `POST /referentiels/{programme}/{annee|mesures|indicateurs}` (`version` and the
/// entry's fields): the page again with the result (200), the reason (422) or the
/// conflict (409, another change was saved first).
pub async fn change(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((programme, kind)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    service::may_change(&ctx)?;
    let version: i32 = fields
        .get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| AppError::bad_request("Formulaire incomplet : la version du référentiel manque."))?;
    let change = match change_of(&kind, &fields) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(AppError::NotFound),
        Err(m) => return page(&app, &ctx, Notice::Refused(m), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match service::change(&app, &ctx, &programme, version, change).await? {
        Outcome::Saved(v) => {
            page(&app, &ctx, Notice::Saved(format!("Version {v} enregistrée.")), StatusCode::OK).await
        }
        Outcome::Refused(m) => page(&app, &ctx, Notice::Refused(m), StatusCode::UNPROCESSABLE_ENTITY).await,
        Outcome::Stale => {
            let m = "Le référentiel a été modifié entre-temps : voici sa version actuelle, refaites votre modification.";
            page(&app, &ctx, Notice::Refused(m.to_string()), StatusCode::CONFLICT).await
        }
    }
}
