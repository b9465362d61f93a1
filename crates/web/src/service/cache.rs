//! One server's cache of parsed reports and of their diagnostics, keyed by (report id,
//! revision).
//!
//! The store bumps a report's revision on every write to it (its text, status, deliberation
//! or action revisions: `Store::report_revision`), so a copy read at a revision stays exact
//! for as long as the revision does. Callers read the revision from the database on every
//! request (one primary-key lookup) and never trust one remembered across requests: several
//! servers on one database stay coherent without talking to each other, and an edit made
//! anywhere is seen by the next request everywhere.
//!
//! An entry holds the stored row (its text included), the parsed report and, once computed,
//! its diagnostics. Diagnostics also depend on last year's report and on the reference data
//! in force, so they are kept with the (id, revision) of the former (itself cached as an
//! entry of its own: an edit of last year's report changes the key) and the `Arc` of the
//! latter (a new referentiel is a new `Arc`; holding the old one keeps its address from
//! being reused).
//!
//! The bound is in bytes, least recently used first out. An entry's cost is estimated as
//! [`COST_FACTOR`] × its text's length: the text itself, the parsed report (every string of
//! the text copied once more, plus the vectors and structs around them) and its diagnostics.
//! Only one revision of a report is kept: a newer one replaces it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bilan_check::Diagnostic;
use bilan_domain::referentiel::Referentiel;
use bilan_domain::Report;
use bilan_store::{Id, StoredReport};

/// Estimated bytes of memory per byte of stored text (see the module's documentation).
/// Measured with a counting allocator on the Allier 2019 report (69 KB of TOML): the parsed
/// report keeps 0.97× the text, its 53 diagnostics 0.61×, the text itself 1×: 2.6×; 4 leaves
/// room for the allocator's rounding and the maps around them.
pub const COST_FACTOR: usize = 4;

/// The cache's name in the metrics.
const METRICS_NAME: &str = "rapports";

/// The default bound of a server's cache: ~300 reports the size of Allier's.
pub const DEFAULT_BUDGET: usize = 64 * 1024 * 1024;

/// Last year's report as a diagnostics key: its (id, revision), or none.
pub type PreviousKey = Option<(Id, i64)>;

/// A cached report: the stored row and its parsed report, shared by the requests that read it.
#[derive(Clone)]
pub struct Cached {
    pub stored: Arc<StoredReport>,
    pub report: Arc<Report>,
}

struct Diagnosed {
    previous: PreviousKey,
    referentiel: Arc<Referentiel>,
    list: Arc<Vec<Diagnostic>>,
}

struct Entry {
    cached: Cached,
    diagnostics: Option<Diagnosed>,
    cost: usize,
    /// Its key in [`State::order`].
    used: u64,
}

#[derive(Default)]
struct State {
    entries: HashMap<Id, Entry>,
    /// Last use → report id, oldest first.
    order: BTreeMap<u64, Id>,
    clock: u64,
    bytes: usize,
}

impl State {
    /// The entry of (id, revision), marked as just used.
    fn touch(&mut self, id: Id, revision: i64) -> Option<&mut Entry> {
        let entry = self.entries.get_mut(&id).filter(|e| e.cached.stored.summary.revision == revision)?;
        self.clock += 1;
        self.order.remove(&entry.used);
        self.order.insert(self.clock, id);
        entry.used = self.clock;
        Some(entry)
    }

    fn remove(&mut self, id: Id) {
        if let Some(old) = self.entries.remove(&id) {
            self.order.remove(&old.used);
            self.bytes -= old.cost;
        }
    }
}

/// See the module's documentation.
pub struct ReportCache {
    budget: usize,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ReportCache {
    /// A cache holding at most about `budget` bytes.
    pub fn new(budget: usize) -> ReportCache {
        ReportCache { budget, state: Mutex::default(), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent map (no step can panic
        // half-way); keep serving from it.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a lookup here and in the process's metrics (`bilan_cache_hits_total` and
    /// `bilan_cache_misses_total`, `cache="rapports"`).
    fn count(&self, found: bool) {
        let counter = if found { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        if found {
            crate::metrics::cache_hit(METRICS_NAME);
        } else {
            crate::metrics::cache_miss(METRICS_NAME);
        }
    }

    /// Publishes the estimated bytes held as the gauge `bilan_cache_rapports_octets`.
    fn publish_bytes(bytes: usize) {
        crate::metrics::set_gauge(
            "bilan_cache_rapports_octets",
            "Mémoire estimée du cache des rapports lus (octets).",
            bytes as f64,
        );
    }

    /// Lookups of this cache answered from it (reports and diagnostics), since start.
    #[cfg(test)]
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Lookups that had to read, parse or check, since start (see [`ReportCache::hits`]).
    #[cfg(test)]
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Estimated bytes held.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.state().bytes
    }

    /// The report `id` as stored at `revision`, if cached.
    pub fn report(&self, id: Id, revision: i64) -> Option<Cached> {
        let found = self.state().touch(id, revision).map(|e| e.cached.clone());
        self.count(found.is_some());
        found
    }

    /// Keeps a report just read and parsed (under its own id and revision) and gives it
    /// back shared. An entry of a newer revision is kept rather than replaced; an entry
    /// larger than the whole budget is not kept.
    pub fn insert(&self, stored: StoredReport, report: Report) -> Cached {
        let cached = Cached { stored: Arc::new(stored), report: Arc::new(report) };
        let (id, revision) = (cached.stored.summary.id, cached.stored.summary.revision);
        let cost = cached.stored.text.len().saturating_mul(COST_FACTOR).max(1);
        if cost > self.budget {
            return cached;
        }
        let mut state = self.state();
        if state.entries.get(&id).is_some_and(|e| e.cached.stored.summary.revision >= revision) {
            return cached;
        }
        state.remove(id);
        while state.bytes + cost > self.budget {
            let Some((_, oldest)) = state.order.pop_first() else { break };
            if let Some(old) = state.entries.remove(&oldest) {
                state.bytes -= old.cost;
            }
        }
        state.clock += 1;
        let used = state.clock;
        state.order.insert(used, id);
        state.entries.insert(id, Entry { cached: cached.clone(), diagnostics: None, cost, used });
        state.bytes += cost;
        Self::publish_bytes(state.bytes);
        cached
    }

    /// The diagnostics of report (id, revision) against last year's report `previous` and
    /// the reference data `referentiel`, if computed before with the same three.
    pub fn diagnostics(
        &self,
        id: Id,
        revision: i64,
        previous: PreviousKey,
        referentiel: &Arc<Referentiel>,
    ) -> Option<Arc<Vec<Diagnostic>>> {
        let found = self.state().touch(id, revision).and_then(|e| {
            e.diagnostics
                .as_ref()
                .filter(|d| d.previous == previous && Arc::ptr_eq(&d.referentiel, referentiel))
                .map(|d| d.list.clone())
        });
        self.count(found.is_some());
        found
    }

    /// Keeps the diagnostics of report (id, revision), if that revision is cached.
    pub fn set_diagnostics(
        &self,
        id: Id,
        revision: i64,
        previous: PreviousKey,
        referentiel: &Arc<Referentiel>,
        list: &Arc<Vec<Diagnostic>>,
    ) {
        let mut state = self.state();
        if let Some(e) = state.entries.get_mut(&id).filter(|e| e.cached.stored.summary.revision == revision) {
            e.diagnostics =
                Some(Diagnosed { previous, referentiel: referentiel.clone(), list: list.clone() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLIER: &str = include_str!("../../../../examples/allier-2019.toml");

    fn stored(id: Id, revision: i64, text: &str) -> StoredReport {
        StoredReport {
            summary: bilan_store::ReportSummary {
                id,
                department: "03".into(),
                territories: vec!["03".into()],
                year: 2019,
                programme: "calpae".into(),
                status: bilan_store::Status::Draft,
                version: 1,
                revision,
                updated_at: "2026-01-01T00:00:00Z".into(),
            },
            text: text.into(),
            action_revisions: BTreeMap::new(),
            deliberation_number: None,
            deliberation_date: None,
            transmitted_at: None,
        }
    }

    fn allier() -> Report {
        bilan_source::parse_str(ALLIER).unwrap().report
    }

    #[test]
    fn a_hit_is_the_same_report_and_another_revision_is_a_miss() {
        let cache = ReportCache::new(DEFAULT_BUDGET);
        assert!(cache.report(1, 1).is_none());
        let kept = cache.insert(stored(1, 1, ALLIER), allier());
        let hit = cache.report(1, 1).expect("cached");
        assert!(Arc::ptr_eq(&hit.report, &kept.report) && Arc::ptr_eq(&hit.stored, &kept.stored));
        assert!(cache.report(1, 2).is_none(), "a newer revision is not the cached one");
        assert!(cache.report(2, 1).is_none());
        assert_eq!((cache.hits(), cache.misses()), (1, 3));

        // The newer revision replaces the older; an older one never replaces a newer.
        cache.insert(stored(1, 2, ALLIER), allier());
        assert!(cache.report(1, 1).is_none() && cache.report(1, 2).is_some());
        cache.insert(stored(1, 1, ALLIER), allier());
        assert!(cache.report(1, 2).is_some());
        assert_eq!(cache.bytes(), ALLIER.len() * COST_FACTOR);
    }

    #[test]
    fn diagnostics_are_kept_per_previous_report_and_referentiel() {
        let cache = ReportCache::new(DEFAULT_BUDGET);
        let files = Arc::new(bilan_source::referentiel::builtin().clone());
        let list = Arc::new(bilan_check::check(&allier()));
        // Not cached: nothing to attach them to.
        cache.set_diagnostics(1, 1, None, &files, &list);
        assert!(cache.diagnostics(1, 1, None, &files).is_none());

        cache.insert(stored(1, 1, ALLIER), allier());
        cache.set_diagnostics(1, 1, Some((7, 3)), &files, &list);
        let got = cache.diagnostics(1, 1, Some((7, 3)), &files).expect("cached");
        assert!(Arc::ptr_eq(&got, &list));
        // Last year's report edited, or gone; the referentiel changed; the report edited.
        assert!(cache.diagnostics(1, 1, Some((7, 4)), &files).is_none());
        assert!(cache.diagnostics(1, 1, None, &files).is_none());
        let changed = Arc::new(bilan_source::referentiel::builtin().clone());
        assert!(cache.diagnostics(1, 1, Some((7, 3)), &changed).is_none());
        cache.insert(stored(1, 2, ALLIER), allier());
        assert!(cache.diagnostics(1, 2, Some((7, 3)), &files).is_none());
    }

    #[test]
    fn the_bound_evicts_the_least_recently_used() {
        let text = "x".repeat(1000);
        let cost = text.len() * COST_FACTOR;
        let cache = ReportCache::new(3 * cost);
        let report = allier();
        for id in 1..=3 {
            cache.insert(stored(id, 1, &text), report.clone());
        }
        assert_eq!(cache.bytes(), 3 * cost);
        // 1 is used again, so 2 is now the least recently used.
        assert!(cache.report(1, 1).is_some());
        cache.insert(stored(4, 1, &text), report.clone());
        assert_eq!(cache.bytes(), 3 * cost);
        assert!(cache.report(2, 1).is_none(), "the least recently used went out");
        for id in [1, 3, 4] {
            assert!(cache.report(id, 1).is_some(), "{id} kept");
        }
        // A report larger than the whole bound is served but not kept.
        let huge = "x".repeat(4 * 1000);
        let served = cache.insert(stored(5, 1, &huge), report);
        assert_eq!(served.stored.summary.id, 5);
        assert!(cache.report(5, 1).is_none());
        assert_eq!(cache.bytes(), 3 * cost);
    }
}
