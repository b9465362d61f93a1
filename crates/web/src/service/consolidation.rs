//! Loading the reports of a (programme, year, perimeter) in one query for the dashboards,
//! the open data files and the API.

use bilan_consolidate::{
    across_signatories, consolidate, consolidate_with_catalogue, Consolidation, Outlier, ReportState,
};
use bilan_domain::{CollectiviteCode, Referentiel, Report};
use bilan_store::{ReportFilter, ReportSummary, Status, StoreError, YearVersion};
use std::sync::{Arc, Mutex, OnceLock};

use crate::policy::perimeter::Perimeter;

use crate::AppState;

pub fn state_of(s: Status) -> ReportState {
    match s {
        Status::Draft => ReportState::Draft,
        Status::Adopted => ReportState::Adopted,
        Status::Transmitted => ReportState::Transmitted,
        Status::SentBack => ReportState::SentBack,
        Status::Approved => ReportState::Approved,
    }
}

/// The reports of a perimeter for one programme and year that the consolidation counts
/// (transmitted or approved), rebuilt from their stored figures, and the statuses of every other report of the
/// perimeter (drafts are never read: only their status is shown, "brouillon").
pub struct Loaded {
    pub perimeter: Perimeter,
    pub programme: String,
    pub year: i32,
    pub counted: Vec<(ReportSummary, Report)>,
    pub others: Vec<ReportSummary>,
    /// The referentiel in force: its catalogue adds the indicators up.
    pub reference: std::sync::Arc<bilan_domain::Referentiel>,
    /// [`Loaded::consolidation`], computed once (a cached load serves many requests).
    consolidated: OnceLock<Consolidation>,
    /// [`Loaded::outliers`], computed once.
    outliers: OnceLock<Vec<Outlier>>,
}

impl Loaded {
    /// The consolidation of the counted reports, computed on first use.
    pub fn consolidation(&self) -> &Consolidation {
        self.consolidated.get_or_init(|| {
            let pairs = self.pairs();
            let scope = self.perimeter.scope(&self.programme, self.year);
            match self.reference.programme(&self.programme) {
                Some(p) => consolidate_with_catalogue(&scope, p, &pairs),
                None => consolidate(&scope, &pairs),
            }
        })
    }

    /// The outliers of the counted reports across the perimeter's signatories, computed on
    /// first use.
    pub fn outliers(&self) -> &[Outlier] {
        self.outliers.get_or_init(|| {
            across_signatories(&self.perimeter.scope(&self.programme, self.year), &self.pairs())
        })
    }

    /// The counted reports as the consolidation takes them.
    fn pairs(&self) -> Vec<(ReportState, &Report)> {
        self.counted.iter().map(|(s, r)| (state_of(s.status), r)).collect()
    }

    /// The stored report id of a signatory's counted report (the store keys reports by
    /// collectivité code: "03", "69M").
    pub fn report_id(&self, signatory: &str) -> Option<i64> {
        self.counted.iter().find(|(s, _)| s.department == signatory).map(|(s, _)| s.id)
    }

    /// The status of a signatory's report that does not count, if there is one.
    pub fn other_status(&self, signatory: &str) -> Option<Status> {
        self.others.iter().find(|s| s.department == signatory).map(|s| s.status)
    }
}

/// The load of a perimeter for one programme and year: the cached one when the year's
/// reports and the reference data in force are as they were, else a new one.
pub async fn load(
    app: &AppState,
    perimeter: &Perimeter,
    programme: &str,
    year: i32,
) -> Result<Arc<Loaded>, StoreError> {
    let version = app.store.year_version(year).await?;
    let reference = super::referentiel::current(app);
    let same = |c: &CachedLoad| {
        c.year == year
            && c.programme == programme
            && &c.perimeter == perimeter
            && c.version == version
            && Arc::ptr_eq(&c.reference, &reference)
    };
    {
        let mut cache = app.loads.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = cache.iter().position(same) {
            let hit = cache.remove(i);
            let loaded = hit.loaded.clone();
            cache.push(hit);
            crate::metrics::cache_hit(METRICS_NAME);
            return Ok(loaded);
        }
    }
    crate::metrics::cache_miss(METRICS_NAME);
    let loaded = Arc::new(load_uncached(app, perimeter, programme, year, reference.clone()).await?);
    let mut cache = app.loads.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // The same perimeter at an older version is of no more use.
    cache.retain(|c| !(c.year == year && c.programme == programme && &c.perimeter == perimeter));
    if cache.len() >= CACHED_LOADS {
        cache.remove(0);
    }
    cache.push(CachedLoad {
        perimeter: perimeter.clone(),
        programme: programme.to_string(),
        year,
        version,
        reference,
        loaded: loaded.clone(),
    });
    Ok(loaded)
}

/// Loads a perimeter from the reports' stored figures (`service::figures`).
async fn load_uncached(
    app: &AppState,
    perimeter: &Perimeter,
    programme: &str,
    year: i32,
    reference: Arc<Referentiel>,
) -> Result<Loaded, StoreError> {
    let territories = Some(perimeter.territories());
    let counted_filter = ReportFilter {
        departments: territories.clone(),
        statuses: Some(vec![Status::Transmitted, Status::Approved]),
        year: Some(year),
    };
    // The stored figures, never the texts (`service::figures`).
    let rows = super::figures::reports(&app.store, &counted_filter).await?;
    let counted: Vec<(ReportSummary, Report)> = rows
        .into_iter()
        .filter(|(s, _)| s.programme == programme)
        .map(|(s, r)| {
            let r = signed_as_stored(&s, r);
            (s, r)
        })
        .collect();
    let all = app
        .store
        .reports(&ReportFilter { departments: territories, statuses: None, year: Some(year) })
        .await?;
    let others = all
        .into_iter()
        .filter(|s| s.programme == programme && !matches!(s.status, Status::Transmitted | Status::Approved))
        .collect();
    Ok(Loaded {
        perimeter: perimeter.clone(),
        programme: programme.to_string(),
        year,
        counted,
        others,
        reference,
        consolidated: OnceLock::new(),
        outliers: OnceLock::new(),
    })
}

// ----- the cache of loads -----

/// How many loads the cache keeps (the most recently used): a national load of the
/// synthetic dataset weighs a few MB.
const CACHED_LOADS: usize = 8;

/// What a load was computed from: the year's reports as they were ([`Store::year_version`])
/// and the reference data then in force.
struct CachedLoad {
    perimeter: Perimeter,
    programme: String,
    year: i32,
    version: YearVersion,
    reference: Arc<Referentiel>,
    loaded: Arc<Loaded>,
}

/// The loads of the dashboards, the review queue and the API, most recently used last.
/// Each request reads the year's version from the database (one indexed query) and reuses
/// a load of the same version: a write through any server of the database changes it.
#[derive(Default)]
pub struct LoadCache(Mutex<Vec<CachedLoad>>);

const METRICS_NAME: &str = "consolidations";

/// The report with the store's collectivité as its signatory: the store keys a report by
/// the collectivité that signs it (`summary.department`), and a draft opened before files
/// carried `collectivite` names only its Département. The key wins when it covers the
/// file's Département (always, for a report the application wrote).
fn signed_as_stored(s: &ReportSummary, mut r: Report) -> Report {
    if let Ok(c) = CollectiviteCode::parse(&s.department) {
        if c.covers(r.department) {
            r.collectivite = (c.as_str() != r.department.as_str()).then_some(c);
        }
    }
    r
}

/// The programme of a year ("calpae" 2019–2022, "pacte" 2024–…) in the reference data in
/// force (`referentiel::current`), so a year an administrator adds to a programme has its
/// dashboards, queue and API without a release.
pub fn programme_of_year(reference: &Referentiel, year: i32) -> Option<String> {
    reference.programme_for_year(year).map(|p| p.id.clone())
}

/// The years a dashboard offers, with their programme's short name: every year of every
/// programme of the reference data in force, up to the current year.
pub fn campaign_years(reference: &Referentiel) -> Vec<(i32, String)> {
    let now = crate::time::current_year();
    reference
        .programmes
        .iter()
        .flat_map(|p| (p.first_year..=p.last_year.min(now)).map(move |y| (y, p.short_name.clone())))
        .collect()
}

/// "CALPAE", "Pacte des solidarités".
pub fn programme_name(id: &str) -> String {
    super::referentiel::programme_name(id)
}

/// A year asked for in a query (`?annee=`): `None` when absent or blank, `Err` with the
/// French reason when it is not a year. Shared by the review queue and the dashboards.
pub fn parse_year(text: Option<&str>) -> Result<Option<i32>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<i32>().map(Some).map_err(|_| format!("« {t} » n’est pas une année.")),
    }
}
