//! The read-only REST API, in JSON, under `/api/v1`, described by `docs/openapi.json`
//! (served at `/api/openapi.json`).
//!
//! - Authentication: `Authorization: Bearer bilan_…` only (tokens of `/compte/jetons`,
//!   see [`crate::service::tokens`]); cookies are ignored, so there is no CSRF to guard against:
//!   the API only reads (GET and HEAD; any other method answers 405 with `Allow`).
//! - Access is the pages' one ([`crate::policy::access::can_see`],
//!   [`crate::policy::perimeter::may_consolidate`]): a report outside the user's scope is 404, like an
//!   unknown id; the administrator gets 403 everywhere.
//! - Every error is `{"erreur": "message en français"}` with its status: 400 (a bad
//!   query or path parameter), 401 (with `WWW-Authenticate: Bearer`), 403, 404, 405, 500.
//!
//! The JSON documents are built in [`model`].

mod model;

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, MethodRouter};
use axum::Router;
use serde::Serialize;

use bilan_check::{DiagnosticDoc, Severity};
use bilan_domain::geo;
use bilan_store::{ReportSummary, Role, Status, StoreError, User};

use crate::policy::perimeter::{self, Perimeter};
use crate::service::consolidation;
use crate::AppState;

/// The OpenAPI document, written by hand and committed (`docs/openapi.json`).
pub const OPENAPI: &str = include_str!("../../../../docs/openapi.json");

/// The routes of the API, in the order of the document; each is documented there (a
/// test checks it).
pub const PATHS: [&str; 7] = [
    "/api/openapi.json",
    "/api/v1/rapports",
    "/api/v1/rapports/{id}",
    "/api/v1/rapports/{id}/diagnostics",
    "/api/v1/rapports/{id}/credits",
    "/api/v1/consolidations/national",
    "/api/v1/consolidations/regions/{code}",
];

/// The API's router (merged into the application's).
pub fn router() -> Router<AppState> {
    let handlers: [MethodRouter<AppState>; 7] = [
        get(openapi),
        get(reports),
        get(report),
        get(diagnostics),
        get(credits),
        get(national),
        get(regional),
    ];
    PATHS
        .into_iter()
        .zip(handlers)
        .fold(Router::new(), |r, (path, handler)| r.route(path, handler))
        .route("/api", any(unknown))
        .route("/api/", any(unknown))
        .route("/api/{*rest}", any(unknown))
        .layer(axum::middleware::from_fn(read_only))
}

// ----- errors -----------------------------------------------------------------------------

/// An error of the API: a status and a French message, sent as `{"erreur": message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }
    fn report_not_found() -> ApiError {
        ApiError::not_found("Rapport introuvable, ou vous n’y avez pas accès.")
    }
    fn unauthorized(message: &str, invalid_token: bool) -> Response {
        let mut r = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
        let challenge = if invalid_token {
            "Bearer realm=\"bilan\", error=\"invalid_token\""
        } else {
            "Bearer realm=\"bilan\""
        };
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        r
    }
    fn internal(what: &dyn std::fmt::Display) -> ApiError {
        let reference = crate::error::log_internal(what);
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Erreur interne : communiquez la référence {reference} à l’administrateur si elle se reproduit."
            ),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::report_not_found(),
            other => ApiError::internal(&other),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    erreur: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_bytes(self.status, &ErrorBody { erreur: &self.message });
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        r
    }
}

fn json_bytes<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

fn json<T: Serialize>(value: &T) -> Response {
    json_bytes(StatusCode::OK, value)
}

type ApiResult = Result<Response, ApiError>;

/// Only GET and HEAD reach the handlers.
async fn read_only(req: Request, next: Next) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Méthode {} non autorisée : l’API est en lecture seule (GET).", req.method()),
    )
    .into_response()
}

async fn unknown() -> ApiError {
    ApiError::not_found("Adresse inconnue dans l’API : la liste des adresses est dans /api/openapi.json.")
}

// ----- authentication ----------------------------------------------------------------------

/// The account of the request's bearer token (never the administrator).
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "Authentification requise : envoyez l’en-tête « Authorization: Bearer <jeton> » (jetons : page « Jetons d’API » de l’application).",
                false,
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let Some(token) = token else {
            return Err(ApiError::unauthorized(
                "En-tête Authorization invalide : « Bearer <jeton> » est attendu.",
                false,
            ));
        };
        let invalid = "Jeton d’API invalide, révoqué, ou compte désactivé.";
        if !crate::service::tokens::well_formed(token) {
            return Err(ApiError::unauthorized(invalid, true));
        }
        let user = match app.store.api_token_user(&crate::service::accounts::sha256_hex(token)).await {
            Ok(Some(u)) => u,
            Ok(None) => return Err(ApiError::unauthorized(invalid, true)),
            Err(e) => return Err(ApiError::internal(&e).into_response()),
        };
        if user.role == Role::Admin {
            return Err(ApiError::forbidden(
                "Le compte administrateur gère les comptes : il n’a pas accès aux rapports.",
            )
            .into_response());
        }
        Ok(ApiUser(user))
    }
}

// ----- parameters ------------------------------------------------------------------------

/// The query string, split once; each known parameter may appear at most once.
struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    fn parse(raw: Option<String>) -> QueryParams {
        let raw = raw.unwrap_or_default();
        QueryParams(
            form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        )
    }

    fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad_request(format!("Le paramètre « {name} » est donné plusieurs fois.")));
        }
        Ok(first)
    }

    fn year(&self) -> Result<Option<i32>, ApiError> {
        self.get("annee")?.map(parse_year).transpose()
    }

    fn programme(&self, known: &bilan_domain::Referentiel) -> Result<Option<String>, ApiError> {
        self.get("programme")?
            .map(|p| {
                known.programme(p).map(|x| x.id.clone()).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Paramètre « programme » invalide : « {p} » n’est pas un programme connu ({}).",
                        bilan_source::referentiel::quoted_ids(known)
                    ))
                })
            })
            .transpose()
    }

    fn department(&self) -> Result<Option<&'static str>, ApiError> {
        self.get("departement")?
            .map(|d| {
                geo::DEPARTMENTS.iter().find(|x| x.code == d).map(|x| x.code).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Paramètre « departement » invalide : « {d} » n’est pas un code INSEE de département (par exemple 03, 2A, 974)."
                    ))
                })
            })
            .transpose()
    }
}

/// The years the API accepts.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn parse_year(text: &str) -> Result<i32, ApiError> {
    let year = text
        .parse::<i32>()
        .ok()
        .filter(|y| YEARS.contains(y))
        .filter(|_| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()));
    year.ok_or_else(|| {
        ApiError::bad_request(format!(
            "Paramètre « annee » invalide : « {text} » n’est pas une année (un nombre entier de {} à {}).",
            YEARS.start(),
            YEARS.end()
        ))
    })
}

fn report_id(p: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let text = p.map(|Path(s)| s).unwrap_or_default();
    text.parse::<i64>().ok().filter(|n| *n > 0 && text.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Identifiant de rapport invalide : « {text} » n’est pas un entier positif."
        ))
    })
}

// ----- reports ------------------------------------------------------------------------------

#[derive(Serialize)]
struct Summary {
    id: i64,
    departement: String,
    departement_nom: String,
    annee: i32,
    programme: String,
    statut: &'static str,
    version: i32,
    mis_a_jour: String,
}

impl From<&ReportSummary> for Summary {
    fn from(s: &ReportSummary) -> Summary {
        Summary {
            id: s.id,
            departement: s.department.clone(),
            departement_nom: bilan_domain::collectivite::name(&s.department),
            annee: s.year,
            programme: s.programme.clone(),
            statut: s.status.as_str(),
            version: s.version,
            mis_a_jour: s.updated_at.clone(),
        }
    }
}

#[derive(Serialize)]
struct ReportList {
    rapports: Vec<Summary>,
}

async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `GET /api/v1/rapports?annee=&programme=&departement=`.
async fn reports(State(app): State<AppState>, ApiUser(user): ApiUser, RawQuery(q): RawQuery) -> ApiResult {
    let q = QueryParams::parse(q);
    let reference = crate::service::referentiel::current(&app);
    let (year, programme, department) = (q.year()?, q.programme(&reference)?, q.department()?);
    let mut filter = crate::policy::access::filter_for(&user);
    filter.year = year;
    if let Some(d) = department {
        filter.departments = Some(match filter.departments {
            Some(list) => list.into_iter().filter(|x| x == d).collect(),
            None => vec![d.to_string()],
        });
    }
    let list = app.store.reports(&filter).await?;
    let rapports = list
        .iter()
        .filter(|s| crate::policy::access::can_see(&user, s))
        .filter(|s| programme.as_ref().is_none_or(|p| &s.programme == p))
        .map(Summary::from)
        .collect();
    Ok(json(&ReportList { rapports }))
}

/// The report `id` if the user sees it; 404 otherwise, as for an unknown id.
async fn load(app: &AppState, user: &User, id: i64) -> Result<crate::service::report::Loaded, ApiError> {
    let c = match crate::service::report::fetch(app, id).await {
        Ok(c) => c.ok_or_else(ApiError::report_not_found)?,
        Err(crate::error::AppError::Internal(what)) => return Err(ApiError::internal(&what)),
        Err(_) => return Err(ApiError::internal(&format!("rapport {id}"))),
    };
    if !crate::policy::access::can_see(user, &c.stored.summary) {
        return Err(ApiError::report_not_found());
    }
    Ok(crate::service::report::Loaded { stored: c.stored, report: c.report })
}

#[derive(Serialize, Default)]
struct Counts {
    erreurs: usize,
    avertissements: usize,
    avertissements_justifies: usize,
    informations: usize,
    /// Errors and warnings without a justification.
    bloquants: usize,
}

#[derive(Serialize)]
struct ReportDoc<'a> {
    #[serde(flatten)]
    summary: Summary,
    transmis_le: Option<String>,
    diagnostics: Counts,
    rapport: &'a bilan_domain::Report,
}

/// `GET /api/v1/rapports/{id}`.
async fn report(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = report_id(id)?;
    let l = load(&app, &user, id).await?;
    let diags = crate::service::report::diagnostics(&app, &l).await;
    let justified =
        crate::service::report::justified_keys(&crate::service::report::justifications(&app, id).await?);
    let mut counts = Counts::default();
    for d in diags.iter() {
        match d.severity {
            Severity::Error => counts.erreurs += 1,
            Severity::Warning => {
                counts.avertissements += 1;
                if justified.contains(&(d.code.to_string(), d.path.clone())) {
                    counts.avertissements_justifies += 1;
                }
            }
            Severity::Info => counts.informations += 1,
        }
    }
    counts.bloquants = crate::service::report::blocking(&diags, &justified).len();
    Ok(json(&ReportDoc {
        summary: Summary::from(&l.stored.summary),
        transmis_le: l.stored.transmitted_at.clone(),
        diagnostics: counts,
        rapport: &l.report,
    }))
}

#[derive(Serialize)]
struct DiagnosticList {
    rapport_id: i64,
    /// The shape shared with `bilan check --format json` (`bilan_check::DiagnosticDoc`).
    diagnostics: Vec<DiagnosticDoc>,
}

/// `GET /api/v1/rapports/{id}/diagnostics`.
async fn diagnostics(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = report_id(id)?;
    let l = load(&app, &user, id).await?;
    let diags = crate::service::report::diagnostics(&app, &l).await;
    let justifications = crate::service::report::justifications(&app, id).await?;
    let list = diags
        .iter()
        .cloned()
        .map(|d| {
            let justification = justifications
                .iter()
                .find(|j| j.code == d.code && j.path == d.path && !j.text.trim().is_empty())
                .map(|j| j.text.clone());
            DiagnosticDoc { justification, ..DiagnosticDoc::from(d) }
        })
        .collect();
    Ok(json(&DiagnosticList { rapport_id: id, diagnostics: list }))
}

/// `GET /api/v1/rapports/{id}/credits`: the note once the N+1 State amount is entered.
/// As on the page: a Département's agents see it once the report is approved (403 before).
async fn credits(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = report_id(id)?;
    let l = load(&app, &user, id).await?;
    let department_side = matches!(user.role, Role::DepartmentEditor | Role::DepartmentSignatory);
    if department_side && l.stored.summary.status != Status::Approved {
        return Err(ApiError::forbidden(
            "La note de calcul des crédits est communiquée au Département une fois le rapport approuvé.",
        ));
    }
    let Some(note) = crate::service::credits::note_for(&app, &l).await? else {
        return Err(ApiError::not_found(
            "Note de crédits indisponible : le montant État N+1 n’est pas encore saisi pour ce rapport.",
        ));
    };
    let inputs = crate::service::credits::inputs(&app, id).await?;
    Ok(json(&model::credits_note(id, &l.stored.summary.department, &note, &inputs.reasons)))
}

// ----- consolidations ---------------------------------------------------------------------

async fn consolidation(app: &AppState, user: &User, perimeter: Perimeter, q: Option<String>) -> ApiResult {
    let q = QueryParams::parse(q);
    let reference = crate::service::referentiel::current(app);
    let (year, programme) = (q.year()?, q.programme(&reference)?);
    let Some(year) = year else {
        return Err(ApiError::bad_request(
            "Le paramètre « annee » est obligatoire (par exemple annee=2019).",
        ));
    };
    if !perimeter::may_consolidate(user, &perimeter) {
        return Err(ApiError::forbidden(match perimeter {
            Perimeter::National => "La consolidation nationale est réservée au niveau national.",
            Perimeter::Region(_) => {
                "La consolidation d’une région est réservée aux services de cette région et au niveau national."
            }
        }));
    }
    let programme = match programme {
        Some(p) => p,
        None => consolidation::programme_of_year(&reference, year).ok_or_else(|| {
            ApiError::not_found(format!(
                "Aucun programme ne couvre l’année {year} : aucune consolidation n’existe pour elle."
            ))
        })?,
    };
    if let Some(p) = reference.programme(&programme).filter(|p| !p.covers(year)) {
        return Err(ApiError::not_found(format!(
            "Le programme {} couvre les années {} à {} : aucune consolidation pour {year}.",
            p.short_name, p.first_year, p.last_year
        )));
    }
    let loaded = consolidation::load(app, &perimeter, &programme, year).await?;
    let c = loaded.consolidation();
    Ok(json(&model::consolidation(&loaded, c)))
}

/// `GET /api/v1/consolidations/national?annee=&programme=`.
async fn national(State(app): State<AppState>, ApiUser(user): ApiUser, RawQuery(q): RawQuery) -> ApiResult {
    consolidation(&app, &user, Perimeter::National, q).await
}

/// `GET /api/v1/consolidations/regions/{code}?annee=&programme=`.
async fn regional(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    code: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let code = code.map(|Path(c)| c).unwrap_or_default();
    let Some(region) = geo::region(&code).filter(|r| r.code == code) else {
        return Err(ApiError::not_found(format!(
            "Région « {code} » inconnue : un code INSEE de région est attendu (par exemple 84)."
        )));
    };
    consolidation(&app, &user, Perimeter::Region(region.code.to_string()), q).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("docs/openapi.json is JSON");
        let paths = doc["paths"].as_object().expect("paths");
        for p in PATHS {
            assert!(paths.contains_key(p), "{p} absent de docs/openapi.json");
        }
        assert_eq!(paths.len(), PATHS.len(), "docs/openapi.json documents a route the API does not have");
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2019").unwrap(), 2019);
        for bad in ["", "abc", "20 19", "+2019", "-2019", "1999", "2101", "2019.0"] {
            let e = parse_year(bad).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(e.message.contains("annee"), "{}", e.message);
        }
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let q = QueryParams::parse(Some("annee=2019&annee=2020".into()));
        assert!(q.year().is_err());
        let q = QueryParams::parse(Some("annee=2019&autre=x".into()));
        assert_eq!(q.year().unwrap(), Some(2019));
    }
}
