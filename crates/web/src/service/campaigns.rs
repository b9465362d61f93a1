//! Campaigns: the national level asks for the reports of one programme and year. Opening a
//! campaign creates every expected signatory's draft, prefilled from its previous year's
//! report when there is one (the same `draft::follow_up` as `bilan nouveau --depuis`), else
//! the programme's skeleton; the campaign page follows each convention's status, deadline
//! and days left. A Département without a campaign creates its own report
//! ([`create_own`]) the same way.

use bilan_domain::collectivite::{self, Collectivite};
use bilan_domain::referentiel::Programme;
use bilan_domain::{draft, Date, Report};
use bilan_store::{
    Campaign, Convention, Id, NewCampaign, NewCollectiviteReport, NewConvention, NewReport, ReportFilter,
    Role, Status, Store, StoreError,
};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::referentiel;
use crate::AppState;

/// Who opens campaigns and moves their deadlines.
pub fn may_open(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role == Role::NationalReader {
        Ok(())
    } else {
        Err(AppError::forbidden("Seul le niveau national ouvre les campagnes et en fixe les échéances."))
    }
}

/// Who follows campaigns: the State's roles.
pub fn may_follow(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role.is_state() {
        Ok(())
    } else {
        Err(AppError::forbidden("Le suivi des campagnes est réservé aux services de l’État."))
    }
}

/// A new report for a collectivité and year: next year's draft from its previous report,
/// or the programme's skeleton (which names the collectivité, `collectivite = "69M"`, when
/// it is not a Département). The text is what `bilan nouveau` writes (without its comment
/// header), so both give the same report for the same input.
pub fn draft_for(c: &Collectivite, year: i32, programme: &Programme, previous: Option<&Report>) -> Report {
    match previous {
        Some(prev) => draft::follow_up(prev, year, programme),
        None => draft::skeleton(c.id(), year, programme),
    }
}

/// The canonical text of a new report and its action numbers, as the store takes them.
fn stored(report: &Report) -> (String, Vec<String>) {
    let actions = report.measures.iter().flat_map(|m| m.actions.iter().map(|a| a.number.clone())).collect();
    (bilan_source::to_toml(report), actions)
}

/// The report of `year - 1` of the same collectivité and programme, parsed; `None` when it
/// has none (or its text no longer parses, which the store's check at writing prevents).
async fn previous_report(
    store: &Store,
    code: &str,
    year: i32,
    programme: &str,
) -> Result<Option<Report>, AppError> {
    let filter =
        ReportFilter { departments: Some(vec![code.to_string()]), statuses: None, year: Some(year - 1) };
    let Some(summary) =
        store.reports(&filter).await?.into_iter().find(|s| s.department == code && s.programme == programme)
    else {
        return Ok(None);
    };
    let Some(stored) = store.report(summary.id).await? else { return Ok(None) };
    Ok(bilan_source::parse_str(&stored.text).ok().map(|p| p.report))
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text).ok()
}

/// Opens the campaign of a programme and year: every expected signatory's draft, in one
/// transaction. `deadline`: the campaign's, else the programme's usual one.
pub async fn open(
    app: &AppState,
    ctx: &Ctx,
    programme_id: &str,
    year: i32,
    deadline: Option<Date>,
) -> Result<Id, AppError> {
    may_open(ctx)?;
    let reference = referentiel::current(app);
    let programme = reference.programme(programme_id).ok_or_else(|| {
        AppError::unprocessable(format!("Le programme « {programme_id} » n’existe pas dans le référentiel."))
    })?;
    if !programme.covers(year) {
        return Err(AppError::unprocessable(format!(
            "Le programme {} couvre les années {} à {}, pas {year}.",
            programme.short_name, programme.first_year, programme.last_year
        )));
    }
    let deadline = deadline.or_else(|| programme.deadline(year)).ok_or_else(|| {
        AppError::unprocessable(
            "L’échéance du programme n’est pas une date valide pour cette année.".to_string(),
        )
    })?;
    let version = referentiel::stored_version(app, &programme.id).await?;
    let campaign = prepare(&app.store, programme, year, deadline, version).await?;
    match app.store.open_campaign(ctx.user.id, &campaign).await {
        Ok(opened) => Ok(opened.id),
        Err(StoreError::Duplicate) => Err(AppError::unprocessable(format!(
            "La campagne {} {year} est déjà ouverte.",
            programme.short_name
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The campaign to open: every expected signatory of the year with its draft (from its
/// previous report, else the skeleton).
pub async fn prepare(
    store: &Store,
    programme: &Programme,
    year: i32,
    deadline: Date,
    version: i32,
) -> Result<NewCampaign, AppError> {
    let mut conventions = Vec::new();
    for c in collectivite::signatories(year) {
        let previous = previous_report(store, c.code, year, &programme.id).await?;
        let r = draft_for(&c, year, programme, previous.as_ref());
        let (text, actions) = stored(&r);
        let report = Some(NewReport { text, actions, department: r.department.as_str().to_string() });
        conventions.push(NewConvention {
            collectivite: c.code.to_string(),
            name: c.name.to_string(),
            territories: c.territories.iter().map(|t| t.to_string()).collect(),
            deadline: None,
            report,
        });
    }
    Ok(NewCampaign {
        programme: programme.id.clone(),
        year,
        deadline: deadline.iso(),
        referentiel_version: version,
        conventions,
    })
}

/// One convention of a campaign as its page shows it.
pub struct ConventionRow {
    pub collectivite: String,
    pub name: String,
    pub territories: Vec<String>,
    /// Its own deadline, else the campaign's.
    pub deadline: Option<Date>,
    /// The deadline is the convention's own.
    pub own_deadline: bool,
    /// Days from today to the deadline (negative: overdue).
    pub days_left: Option<i64>,
    pub status: Option<Status>,
    /// The report, when the viewer may open it.
    pub report: Option<Id>,
}

pub struct CampaignPage {
    pub campaign: Campaign,
    pub programme_name: String,
    pub deadline: Option<Date>,
    pub rows: Vec<ConventionRow>,
}

impl CampaignPage {
    /// (transmitted or approved, all).
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .rows
            .iter()
            .filter(|r| matches!(r.status, Some(Status::Transmitted | Status::Approved)))
            .count();
        (done, self.rows.len())
    }
}

/// The campaigns, newest year first.
pub async fn list(app: &AppState, ctx: &Ctx) -> Result<Vec<Campaign>, AppError> {
    may_follow(ctx)?;
    let mut all = app.store.campaigns().await?;
    all.sort_by(|a, b| b.year.cmp(&a.year).then(a.programme.cmp(&b.programme)));
    Ok(all)
}

/// A campaign's page for a State user: every convention, or those of the reviewer's
/// perimeter.
pub async fn page(app: &AppState, ctx: &Ctx, id: Id) -> Result<CampaignPage, AppError> {
    may_follow(ctx)?;
    let detail = app.store.campaign(id).await?.ok_or(AppError::NotFound)?;
    let (campaign, conventions) = (detail.campaign, detail.conventions);
    let reference = referentiel::current(app);
    let programme_name = reference
        .programme(&campaign.programme)
        .map_or_else(|| campaign.programme.clone(), |p| p.short_name.clone());
    let deadline = parse_date(&campaign.deadline);
    let today = crate::time::today();
    let rows = conventions
        .into_iter()
        .filter(|c| in_perimeter(ctx, c))
        .map(|c| {
            let own = c.deadline.as_deref().and_then(parse_date);
            let due = own.or(deadline);
            let status = c.report.as_ref().map(|r| r.status);
            let visible = matches!(status, Some(Status::Transmitted | Status::Approved));
            ConventionRow {
                days_left: due.zip(today).map(|(d, t)| crate::time::days_between(t, d)),
                deadline: due,
                own_deadline: own.is_some(),
                report: c.report.as_ref().filter(|_| visible).map(|r| r.id),
                status,
                collectivite: c.collectivite,
                name: c.name,
                territories: c.territories,
            }
        })
        .collect();
    Ok(CampaignPage { campaign, programme_name, deadline, rows })
}

fn in_perimeter(ctx: &Ctx, c: &Convention) -> bool {
    let territory = ctx.user.territory.as_deref().unwrap_or("");
    match ctx.user.role {
        Role::PrefectureReviewer => {
            c.territories.iter().any(|t| t == territory) || c.collectivite == territory
        }
        Role::RegionalReviewer => c
            .territories
            .iter()
            .any(|t| bilan_domain::geo::department(t).is_some_and(|d| d.region_code == territory)),
        _ => true,
    }
}

/// Sets (or clears, with `None`) one convention's own deadline.
pub async fn set_deadline(
    app: &AppState,
    ctx: &Ctx,
    campaign: Id,
    collectivite: &str,
    deadline: Option<Date>,
) -> Result<(), AppError> {
    may_open(ctx)?;
    app.store
        .set_convention_deadline(ctx.user.id, campaign, collectivite, deadline.map(|d| d.iso()).as_deref())
        .await?;
    Ok(())
}

/// The years a Département may still create a report for: the years of the programmes up
/// to the current one, without a report yet, newest first.
pub async fn creatable_years(app: &AppState, ctx: &Ctx) -> Result<Vec<(i32, String)>, AppError> {
    if ctx.user.role != Role::DepartmentEditor {
        return Ok(Vec::new());
    }
    let code = ctx.user.territory.clone().unwrap_or_default();
    let existing: Vec<i32> = app
        .store
        .reports(&ReportFilter { departments: Some(vec![code.clone()]), statuses: None, year: None })
        .await?
        .into_iter()
        .filter(|s| s.department == code)
        .map(|s| s.year)
        .collect();
    let reference = referentiel::current(app);
    let now = crate::time::current_year();
    let mut years: Vec<(i32, String)> = reference
        .programmes
        .iter()
        .flat_map(|p| (p.first_year..=p.last_year.min(now)).map(move |y| (y, p.short_name.clone())))
        .filter(|(y, _)| !existing.contains(y) && collectivite::collectivite(&code, *y).is_some())
        .collect();
    years.sort_by_key(|y| std::cmp::Reverse(y.0));
    Ok(years)
}

/// A Département creates its own report for a year no campaign opened: from its previous
/// year's report when there is one, else empty. Returns the new report's id.
pub async fn create_own(app: &AppState, ctx: &Ctx, year: i32, from_previous: bool) -> Result<Id, AppError> {
    if ctx.user.role != Role::DepartmentEditor {
        return Err(AppError::forbidden("Seuls les rédacteurs du Département créent un rapport."));
    }
    let code = ctx.user.territory.clone().unwrap_or_default();
    let c = collectivite::collectivite(&code, year).ok_or_else(|| {
        AppError::unprocessable(format!("Votre collectivité ne signe pas de convention pour {year}."))
    })?;
    let reference = referentiel::current(app);
    let programme = reference
        .programme_for_year(year)
        .ok_or_else(|| AppError::unprocessable(format!("Aucun programme ne couvre l’année {year}.")))?;
    let previous =
        if from_previous { previous_report(&app.store, &code, year, &programme.id).await? } else { None };
    let report = draft_for(&c, year, programme, previous.as_ref());
    let (text, actions) = stored(&report);
    let new = NewCollectiviteReport {
        collectivite: c.code.to_string(),
        territories: c.territories.iter().map(|t| t.to_string()).collect(),
        year,
        programme: programme.id.clone(),
        text,
        actions,
    };
    match app.store.create_collectivite_report(Some(ctx.user.id), &new).await {
        Ok(id) => Ok(id),
        Err(StoreError::Duplicate) => {
            Err(AppError::unprocessable(format!("Le rapport {year} de votre collectivité existe déjà.")))
        }
        Err(e) => Err(e.into()),
    }
}
