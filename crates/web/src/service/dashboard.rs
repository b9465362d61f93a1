//! What the regional and national dashboards and their open data files share: the right
//! to see the perimeter, the year asked for (or the latest one with a counted report), the
//! reports of that year and their consolidation; then the outliers of the dashboard and
//! the files of the open data.

use bilan_consolidate::Consolidation;
use bilan_domain::Referentiel;
use bilan_store::{ReportFilter, Status, StoreError, User};
use std::sync::Arc;

use crate::error::AppError;
use crate::policy::perimeter::{self, Perimeter};
use crate::service::consolidation::{self, Loaded};
use crate::AppState;

/// The reason given to a user who asks for a dashboard outside their perimeter.
pub const OUTSIDE_PERIMETER: &str = "Ce tableau de bord ne relève pas de votre périmètre : un service régional consulte sa région, le lecteur national toute la France.";

/// A perimeter's reports of one year and their consolidation.
pub struct Opened {
    pub perimeter: Perimeter,
    pub year: i32,
    pub programme: String,
    /// The years the year selector offers, with their programme's short name.
    pub years: Vec<(i32, String)>,
    pub loaded: Arc<Loaded>,
}

impl Opened {
    pub fn consolidation(&self) -> &Consolidation {
        self.loaded.consolidation()
    }
}

/// Why a dashboard (or one of its files) is not shown.
#[derive(Debug)]
pub enum Refusal {
    /// The perimeter is not the user's ([`OUTSIDE_PERIMETER`], 403).
    Perimeter,
    /// The year asked for cannot be read or has no programme (400), in French.
    Year(String),
    /// Anything else (the store).
    Error(AppError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::Error(e.into())
    }
}

/// The year asked for and its programme; `None` when none is asked for. `Err` (in French)
/// on an unreadable year or one no programme covers.
pub fn year_of(reference: &Referentiel, annee: Option<&str>) -> Result<Option<(i32, String)>, String> {
    match consolidation::parse_year(annee)? {
        None => Ok(None),
        Some(y) => match consolidation::programme_of_year(reference, y) {
            Some(p) => Ok(Some((y, p))),
            None => Err(format!("Aucun programme ne couvre l’année {y}.")),
        },
    }
}

/// The latest year that has a counted report in the perimeter (else last year), and its
/// programme.
async fn default_year(app: &AppState, reference: &Referentiel, perimeter: &Perimeter) -> (i32, String) {
    let filter = ReportFilter {
        departments: Some(perimeter.territories()),
        statuses: Some(vec![Status::Transmitted, Status::Approved]),
        year: None,
    };
    let latest = app.store.reports(&filter).await.ok().and_then(|l| l.iter().map(|s| s.year).max());
    let year = latest.unwrap_or_else(|| crate::time::current_year() - 1);
    let programme = consolidation::programme_of_year(reference, year)
        .or_else(|| reference.programmes.first().map(|p| p.id.clone()))
        .unwrap_or_default();
    (year, programme)
}

/// The common start of a dashboard and of its open data files: may the user consolidate
/// this perimeter, which year, the reports and their consolidation.
pub async fn open(
    app: &AppState,
    user: &User,
    perimeter: Perimeter,
    annee: Option<&str>,
) -> Result<Opened, Refusal> {
    if !perimeter::may_consolidate(user, &perimeter) {
        return Err(Refusal::Perimeter);
    }
    let reference = crate::service::referentiel::current(app);
    let (year, programme) = match year_of(&reference, annee).map_err(Refusal::Year)? {
        Some(y) => y,
        None => default_year(app, &reference, &perimeter).await,
    };
    let loaded = consolidation::load(app, &perimeter, &programme, year).await?;
    let years = consolidation::campaign_years(&reference);
    Ok(Opened { perimeter, year, programme, years, loaded })
}

/// The tables of the open data, in the order the dashboard lists them.
pub const OPEN_TABLES: [&str; 3] = ["execution-par-mesure", "execution-par-departement", "indicateurs"];

/// A file of the open data, ready to send.
pub struct DataFile {
    pub content_type: &'static str,
    pub file_name: String,
    pub body: Vec<u8>,
    /// Not to be cached (the CSV and schema files).
    pub no_store: bool,
}

/// The open data file `file` (`{table}.csv`, `{table}.schema.json` or
/// `consolidation.xlsx`) of an opened dashboard; 404 for an unknown one.
pub fn open_data_file(o: &Opened, file: &str) -> Result<DataFile, AppError> {
    use bilan_sheets::opendata;
    let tables = opendata::opendata_tables(o.consolidation());
    let (programme, year) = (&o.programme, o.year);
    let stem = match &o.perimeter {
        Perimeter::National => format!("national-{programme}-{year}"),
        Perimeter::Region(code) => format!("region-{code}-{programme}-{year}"),
    };
    if file == "consolidation.xlsx" {
        let body = opendata::opendata_xlsx(&tables).map_err(AppError::internal)?;
        return Ok(DataFile {
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file_name: format!("consolidation-{stem}.xlsx"),
            body,
            no_store: false,
        });
    }
    let (name, schema) = match (file.strip_suffix(".csv"), file.strip_suffix(".schema.json")) {
        (Some(n), _) => (n, false),
        (_, Some(n)) => (n, true),
        _ => return Err(AppError::NotFound),
    };
    let table = tables.iter().find(|t| t.name == name).ok_or(AppError::NotFound)?;
    let (body, content_type, ext) = if schema {
        (opendata::table_schema_json(table), "application/json", "schema.json")
    } else {
        (opendata::opendata_csv(table), "text/csv; charset=utf-8", "csv")
    };
    Ok(DataFile {
        content_type,
        file_name: format!("{name}-{stem}.{ext}"),
        body: body.into_bytes(),
        no_store: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        let reference = bilan_source::referentiel::builtin();
        assert_eq!(year_of(reference, None), Ok(None));
        assert_eq!(year_of(reference, Some("  ")), Ok(None));
        assert_eq!(year_of(reference, Some("2019")), Ok(Some((2019, "calpae".to_string()))));
        assert_eq!(year_of(reference, Some("deux")).unwrap_err(), "« deux » n’est pas une année.");
        assert_eq!(year_of(reference, Some("1990")).unwrap_err(), "Aucun programme ne couvre l’année 1990.");
        assert_eq!(year_of(reference, Some("2028")).unwrap_err(), "Aucun programme ne couvre l’année 2028.");
    }

    #[test]
    fn a_year_added_to_a_programme_has_its_dashboard() {
        let mut reference = bilan_source::referentiel::builtin().clone();
        let pacte = reference.programmes.iter_mut().find(|p| p.id == "pacte").unwrap();
        pacte.last_year = pacte.last_year.max(2028);
        assert_eq!(year_of(&reference, Some("2028")), Ok(Some((2028, "pacte".to_string()))));
        let years = consolidation::campaign_years(&reference);
        assert!(years.contains(&(2024, "Pacte des solidarités".to_string())), "{years:?}");
    }
}
