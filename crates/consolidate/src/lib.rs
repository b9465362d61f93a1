//! The State side of `bilan`, as pure computation: what the State services do with the
//! reports the Départements send them.
//!
//! - [`credits`]: the credits delegated for N+1 from an approved report of year N, the
//!   reviewer's decision on each carry-over line and the programme's rules, explained
//!   line by line in French.
//! - [`consolidation`]: many reports (a region, or the nation) added up per measure and
//!   per signatory (a Département, or the collectivité that signs: Métropole de Lyon,
//!   Collectivité de Corse, Collectivité européenne d'Alsace), each figure carrying where
//!   it comes from; indicators summed only where their units allow it; the signatories
//!   that have not yet transmitted.
//! - [`catalogue`]: the indicators consolidated by the code of the national catalogue
//!   they report, with the catalogue's rule (sum, weighted mean, distribution); the
//!   Départements that reported each one and the others; local indicators; indicators
//!   whose title resembles a catalogue one but carry no code (« non rattachés »).
//! - [`outliers`]: the figures far from the others (cost per person accompanied,
//!   execution rate, year-to-year jumps of an indicator), by the quartile method on exact
//!   integers.
//!
//! Shared rules live in [`figures`] (which field of a report gives an action's planned,
//! committed, spent, carry-over and State share), [`stats`] (exact rates, medians and
//! quartile fences) and [`text`] (the normalisation used to match titles).
//!
//! Invariants, as in `bilan-domain` and `bilan-check`: no IO; no panic on any input
//! (money is exact `i64` cents with saturating operations, products and quotients are
//! computed in `i128`, no indexing that can fail); no floating point in the data; every
//! user-facing string is French.

pub mod catalogue;
pub mod consolidation;
pub mod credits;
pub mod diff;
pub mod figures;
pub mod outliers;
pub mod stats;
pub mod stored;
pub mod text;

use std::fmt;

use bilan_domain::{CollectiviteCode, Report};

pub use catalogue::{consolidate_by_code, Aggregate, CatalogueConsolidation, CodedIndicator, Link};
pub use consolidation::{consolidate, consolidate_with_catalogue, Consolidation, ReportState, Scope};
pub use credits::{compute_credits, CreditLine, CreditRules, CreditsNote, Decision, Decisions, LineKey};
pub use diff::{version_changes, year_comparison, Change, YearComparison};
pub use figures::{ActionFigures, Figures, Source, SourcedAmount};
pub use outliers::{across_signatories, year_over_year, Outlier, OutlierKind};
pub use stats::Rate;

/// Where a figure comes from: the report (signatory and year), the action, and the
/// field path inside the report, in the same form `bilan-check` and `bilan-source` use
/// (`mesures[0].actions[1].depenses[0].report`), so that the interface can link to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Provenance {
    pub signatory: CollectiviteCode,
    pub year: i32,
    /// The action's printed number ("1.1.2"); empty for a figure of the whole report.
    pub action: String,
    pub path: String,
}

impl Provenance {
    pub fn new(report: &Report, action: &str, path: impl Into<String>) -> Provenance {
        Provenance {
            signatory: report.signatory(),
            year: report.year,
            action: action.to_string(),
            path: path.into(),
        }
    }
}

impl fmt::Display for Provenance {
    /// `Allier (03), 2019, action 1.1.2 : mesures[0].actions[1].depenses[0].report`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", text::signatory_label(self.signatory), self.year)?;
        if !self.action.is_empty() {
            write!(f, ", action {}", self.action)?;
        }
        write!(f, " : {}", self.path)
    }
}

/// The field path of an action, as `bilan-check` writes it.
pub(crate) fn action_path(mi: usize, ai: usize) -> String {
    format!("mesures[{mi}].actions[{ai}]")
}
