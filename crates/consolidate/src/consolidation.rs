//! Consolidation: many reports of one programme and year (a region, or the nation) added
//! up per measure and per signatory.
//!
//! # Rules
//!
//! - **Who reports.** A report is keyed by its signatory ([`Report::signatory`]): a
//!   Département, or the collectivité its file names (the Métropole de Lyon beside the
//!   Rhône, the Collectivité de Corse for 2A and 2B, the Collectivité européenne
//!   d'Alsace for 67 and 68 from 2020). The scope expects the year's signatories
//!   ([`bilan_domain::collectivite::signatories`]), in their order.
//! - **Which reports count.** Only reports [`ReportState::Transmitted`] or
//!   [`ReportState::Approved`], of the scope's programme and year, from a signatory the
//!   scope expects. A report sent back for correction does not count (its figures are
//!   being corrected). When a signatory has several such reports, the approved one is
//!   kept (else the first given); every report left out is listed in
//!   [`Consolidation::ignored`] with the reason. The Rhône's and the Métropole de Lyon's
//!   reports are two signatories' reports, both counted.
//! - **Who has not transmitted.** The expected signatories with no counted report, in
//!   the signatories' order ([`Consolidation::not_transmitted`]).
//! - **Measures** are matched across Départements by kind (socle / initiative) and
//!   normalised title ([`crate::text::normalise`]: case, accents, apostrophes, quotes,
//!   dashes, whitespace). A mesure socle whose normalised title *contains* the normalised
//!   name of one of the programme's core measures for that year is grouped under that
//!   name (the longest one when several fit): "Refonder et revaloriser le travail
//!   social … – Référent de parcours" joins "Référent de parcours". Two measures of one
//!   Département that fall in the same group are added together.
//! - **Figures** per action are read as [`crate::figures`] says (planned: Σ annex lines,
//!   else forecast total; committed and spent: section 5.2, else annex; carry-over: annex,
//!   else 5.2; State share: part État), then summed per Département and measure, per
//!   measure, per Département, per kind and in total. Every sum keeps the field paths it
//!   adds ([`crate::figures::SourcedAmount`]) and the actions that state no figure.
//! - **Execution rate** = spent / planned, an exact [`crate::Rate`] (printed "63,2 %"); none
//!   when nothing is planned.
//! - **Indicators** (result N, `resultat`) are grouped per measure group by normalised
//!   name. A group is **summed** only when every occurrence declares the same unit and
//!   that unit adds up: `nombre` or `euros`. Days, percentages and averages are never
//!   summed: the group gives minimum, median and maximum and the list of values. A group
//!   whose occurrences declare different units — or declare a unit in some Départements
//!   and none in others — is **incompatible**: nothing is computed, the Départements are
//!   listed per unit. A group where no occurrence declares a unit is not summed either
//!   (the unit is not guessed from the wording): it is shown like days or averages.
//!   Missing values ("ND", "non évalué", no result at all) are counted apart, by reason;
//!   a group with only missing values says so rather than showing a total of 0.
//!   A breakdown per territory counts for its total.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use bilan_domain::collectivite::{self, Collectivite};
use bilan_domain::money::format_number;
use bilan_domain::{
    geo, CollectiviteCode, IndicatorUnit, IndicatorValue, Measure, MeasureKind, MissingReason, Quantity,
    Report,
};

use bilan_domain::referentiel::Programme;

use crate::catalogue::{consolidate_by_code, CatalogueConsolidation};
use crate::figures::{ActionFigures, Figures};
use crate::stats::median;
use crate::text::{join_french, normalise, signatories_count, signatory_label, signatory_rank};
use crate::{action_path, Provenance};

/// The workflow status of a report, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    Draft,
    /// Adopted by the assembly, not yet sent.
    Adopted,
    Transmitted,
    /// Sent back to the Département for corrections.
    SentBack,
    Approved,
}

impl ReportState {
    pub const ALL: [ReportState; 5] = [
        ReportState::Draft,
        ReportState::Adopted,
        ReportState::Transmitted,
        ReportState::SentBack,
        ReportState::Approved,
    ];

    /// From the code the store writes (`brouillon`, `adopte`, `transmis`, `a_corriger`,
    /// `approuve`).
    pub fn from_code(code: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            ReportState::Draft => "brouillon",
            ReportState::Adopted => "adopte",
            ReportState::Transmitted => "transmis",
            ReportState::SentBack => "a_corriger",
            ReportState::Approved => "approuve",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            ReportState::Draft => "brouillon",
            ReportState::Adopted => "adopté",
            ReportState::Transmitted => "transmis",
            ReportState::SentBack => "renvoyé pour correction",
            ReportState::Approved => "approuvé",
        }
    }

    /// Whether a report in this state enters the consolidation.
    pub fn counts(self) -> bool {
        matches!(self, ReportState::Transmitted | ReportState::Approved)
    }
}

/// What is consolidated: a programme, a year, and the signatories expected to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Programme id ("calpae", "pacte").
    pub programme: String,
    pub year: i32,
    /// The collectivités expected to report, in the order of
    /// [`collectivite::signatories`], without duplicates.
    pub expected: Vec<CollectiviteCode>,
}

impl Scope {
    pub fn new(programme: &str, year: i32, expected: impl IntoIterator<Item = CollectiviteCode>) -> Scope {
        let mut expected: Vec<CollectiviteCode> = expected.into_iter().collect();
        expected.sort();
        expected.dedup();
        Scope { programme: programme.to_string(), year, expected }
    }

    /// Every signatory of the year ([`collectivite::signatories`]): the Départements, but
    /// those a collectivité signs for, and the Métropole de Lyon beside the Rhône.
    pub fn national(programme: &str, year: i32) -> Scope {
        Scope::new(programme, year, collectivite::signatories(year).iter().map(Collectivite::id))
    }

    /// The signatories of the year any of whose territories is in a region (INSEE code,
    /// "84"); none for an unknown code.
    pub fn region(programme: &str, year: i32, region_code: &str) -> Scope {
        let in_region = |c: &Collectivite| {
            c.territories.iter().any(|t| geo::department(t).is_some_and(|d| d.region_code == region_code))
        };
        Scope::new(
            programme,
            year,
            collectivite::signatories(year).iter().filter(|c| in_region(c)).map(Collectivite::id),
        )
    }
}

impl Scope {
    /// The signatories of the year covering one Département (INSEE code): a préfecture's
    /// perimeter (69: the Rhône and the Métropole de Lyon; 2A: the Collectivité de Corse).
    pub fn territory(programme: &str, year: i32, department: &str) -> Scope {
        Scope::new(
            programme,
            year,
            collectivite::signatories(year)
                .iter()
                .filter(|c| c.territories.contains(&department))
                .map(Collectivite::id),
        )
    }
}

/// A report left out of the consolidation, and why (French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredReport {
    pub signatory: CollectiviteCode,
    pub year: i32,
    pub programme: String,
    pub state: ReportState,
    pub reason: String,
}

/// A report that counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedReport {
    pub signatory: CollectiviteCode,
    pub state: ReportState,
}

/// Picks the reports that count; see the module rules. The kept reports are in
/// the signatories' order.
pub(crate) fn select<'a>(
    scope: &Scope,
    reports: &[(ReportState, &'a Report)],
) -> (Vec<(ReportState, &'a Report)>, Vec<IgnoredReport>) {
    let mut ignored = Vec::new();
    let mut kept: Vec<(ReportState, &'a Report)> = Vec::new();
    for &(state, r) in reports {
        let ignore = |reason: String| IgnoredReport {
            signatory: r.signatory(),
            year: r.year,
            programme: r.programme.clone(),
            state,
            reason,
        };
        if r.programme != scope.programme {
            ignored.push(ignore(format!(
                "programme « {} » : la consolidation porte sur « {} »",
                r.programme, scope.programme
            )));
        } else if r.year != scope.year {
            ignored.push(ignore(format!(
                "rapport {} : la consolidation porte sur l'année {}",
                r.year, scope.year
            )));
        } else if !scope.expected.contains(&r.signatory()) {
            ignored.push(ignore(format!("{} n'est pas dans le périmètre", signatory_label(r.signatory()))));
        } else if !state.counts() {
            ignored.push(ignore(format!(
                "rapport {} : seuls les rapports transmis ou approuvés sont consolidés",
                state.label()
            )));
        } else {
            match kept.iter_mut().find(|(_, k)| k.signatory() == r.signatory()) {
                None => kept.push((state, r)),
                Some(slot) => {
                    let (loser_state, loser) =
                        if state == ReportState::Approved && slot.0 != ReportState::Approved {
                            std::mem::replace(slot, (state, r))
                        } else {
                            (state, r)
                        };
                    let winner = slot.0;
                    ignored.push(IgnoredReport {
                        signatory: loser.signatory(),
                        year: loser.year,
                        programme: loser.programme.clone(),
                        state: loser_state,
                        reason: format!(
                            "rapport en double : un autre rapport {} de la même collectivité est retenu",
                            winner.label()
                        ),
                    });
                }
            }
        }
    }
    kept.sort_by_key(|(_, r)| signatory_rank(r.signatory()));
    (kept, ignored)
}

/// How measures are matched across Départements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureKey {
    pub kind: MeasureKind,
    /// The normalised title (or the normalised name of the core measure it matched).
    pub name: String,
}

fn kind_rank(k: MeasureKind) -> u8 {
    match k {
        MeasureKind::Core => 0,
        MeasureKind::Local => 1,
    }
}

impl PartialOrd for MeasureKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MeasureKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (kind_rank(self.kind), &self.name).cmp(&(kind_rank(other.kind), &other.name))
    }
}

/// The group of a measure: its key, the title to show, and its rank in the programme's
/// list of core measures when it matched one.
pub fn measure_key(programme: &str, year: i32, measure: &Measure) -> (MeasureKey, String, Option<usize>) {
    let norm = normalise(&measure.title);
    if measure.kind == MeasureKind::Core {
        let best = core_measures(programme)
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| m.applies_to(year))
            .filter(|(_, (_, n))| !n.is_empty() && norm.contains(n.as_str()))
            .max_by_key(|(_, (_, n))| n.len());
        if let Some((rank, (m, n))) = best {
            return (MeasureKey { kind: measure.kind, name: n.clone() }, m.title.clone(), Some(rank));
        }
    }
    if norm.is_empty() {
        let name = format!("(mesure sans intitulé n° {})", measure.number.trim());
        return (MeasureKey { kind: measure.kind, name: normalise(&name) }, name, None);
    }
    let title = measure.title.split_whitespace().collect::<Vec<_>>().join(" ");
    (MeasureKey { kind: measure.kind, name: norm }, title, None)
}

/// The core measures of a programme's catalogue with their normalised titles, in the
/// catalogue's order; normalised once per process (every measure of every report of a
/// national consolidation is matched against them).
fn core_measures(programme: &str) -> &'static [(&'static bilan_domain::referentiel::MeasureRef, String)] {
    type Cores = HashMap<String, Vec<(&'static bilan_domain::referentiel::MeasureRef, String)>>;
    static CORES: LazyLock<Cores> = LazyLock::new(|| {
        bilan_source::referentiel::builtin()
            .programmes
            .iter()
            .map(|p| {
                let cores = p.measures.iter().filter(|m| m.socle).map(|m| (m, normalise(&m.title))).collect();
                (p.id.clone(), cores)
            })
            .collect()
    });
    CORES.get(programme).map_or(&[], Vec::as_slice)
}

/// A measure of one Département's report, as it entered a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRef {
    pub number: String,
    pub title: String,
    /// `mesures[i]`.
    pub at: Provenance,
}

/// One signatory's figures for one measure group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatoryCell {
    pub signatory: CollectiviteCode,
    pub state: ReportState,
    /// The measures of its report in this group (usually one).
    pub measures: Vec<MeasureRef>,
    pub figures: Figures,
}

/// One measure group across Départements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureConsolidation {
    pub key: MeasureKey,
    /// The core measure's name from the programme, or the title as first written.
    pub title: String,
    /// Rank in the programme's core measures, when matched.
    pub core_rank: Option<usize>,
    /// One cell per signatory carrying the measure, in the signatories' order.
    pub cells: Vec<SignatoryCell>,
    /// For a matched core measure only: the counted signatories whose report does not
    /// carry it.
    pub absent_from: Vec<CollectiviteCode>,
    pub total: Figures,
    pub indicators: Vec<IndicatorConsolidation>,
}

/// One signatory's figures over its whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatoryTotal {
    pub signatory: CollectiviteCode,
    pub state: ReportState,
    pub figures: Figures,
}

/// Totals of one kind of measure (socle / initiative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindTotal {
    pub kind: MeasureKind,
    pub figures: Figures,
}

/// The consolidation of a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consolidation {
    pub programme: String,
    pub year: i32,
    pub expected: Vec<CollectiviteCode>,
    /// The reports that count, in reference order.
    pub counted: Vec<CountedReport>,
    /// Expected signatories with no transmitted or approved report.
    pub not_transmitted: Vec<CollectiviteCode>,
    pub ignored: Vec<IgnoredReport>,
    /// Core measures (catalogue order, then title), then local ones (by title).
    pub measures: Vec<MeasureConsolidation>,
    pub signatories: Vec<SignatoryTotal>,
    pub by_kind: Vec<KindTotal>,
    pub total: Figures,
    /// The indicators by catalogue code ([`crate::catalogue`]); `None` when no catalogue
    /// was given ([`consolidate`]).
    pub catalogue: Option<CatalogueConsolidation>,
}

impl Consolidation {
    /// "2 Départements n'ont pas encore transmis leur rapport d'exécution 2019 : Ain (01)
    /// et Ardèche (07)."; `None` when every expected Département has.
    pub fn not_transmitted_message(&self) -> Option<String> {
        let n = self.not_transmitted.len();
        if n == 0 {
            return None;
        }
        let names: Vec<String> = self.not_transmitted.iter().map(|d| signatory_label(*d)).collect();
        let verb = if n > 1 {
            "n'ont pas encore transmis leur rapport"
        } else {
            "n'a pas encore transmis son rapport"
        };
        Some(format!("{} {verb} d'exécution {} : {}.", signatories_count(n), self.year, join_french(&names)))
    }

    /// The group of a measure title, if any (matching as the consolidation does).
    pub fn measure(&self, kind: MeasureKind, title: &str) -> Option<&MeasureConsolidation> {
        let probe = Measure {
            number: String::new(),
            kind,
            code: None,
            title: title.to_string(),
            actions: Vec::new(),
        };
        let (key, _, _) = measure_key(&self.programme, self.year, &probe);
        self.measures.iter().find(|m| m.key == key)
    }
}

// ----- indicators ---------------------------------------------------------------------

/// One figure of an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorPoint {
    /// `mesures[i].actions[j].indicateurs[k].resultat`.
    pub at: Provenance,
    pub name: String,
    pub unit: Option<IndicatorUnit>,
    pub value: Quantity,
}

/// An indicator with no figure for year N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPoint {
    pub at: Provenance,
    pub name: String,
    pub unit: Option<IndicatorUnit>,
    /// `None`: no result at all was written.
    pub reason: Option<MissingReason>,
    /// What was printed instead ("ND"), or "non renseigné".
    pub text: String,
}

/// Minimum, median and maximum, in hundredths (as [`Quantity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub count: usize,
    pub min: i64,
    /// Mean of the two middle values for an even count, rounded to the hundredth.
    pub median: i64,
    pub max: i64,
}

/// The signatories that used one unit for an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitGroup {
    pub unit: Option<IndicatorUnit>,
    pub signatories: Vec<CollectiviteCode>,
}

/// What can be said of an indicator across Départements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndicatorOutcome {
    /// Same unit everywhere, and it adds up (`nombre`, `euros`).
    Summed { unit: IndicatorUnit, total: Quantity },
    /// Same unit everywhere (or none anywhere), which does not add up: `jours`, `%`,
    /// `moyenne`, or unit not stated. `stats` is `None` when no value is known.
    Spread { unit: Option<IndicatorUnit>, stats: Option<Stats> },
    /// Different units (a stated unit in some Départements and none in others counts as
    /// different): nothing is computed.
    Incompatible { units: Vec<UnitGroup> },
    /// One unit (or none anywhere) but no figure at all: only missing values.
    NoValue { unit: Option<IndicatorUnit> },
}

/// One indicator group of a measure group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorConsolidation {
    /// Normalised name.
    pub key: String,
    /// The name as first written.
    pub name: String,
    pub outcome: IndicatorOutcome,
    pub values: Vec<IndicatorPoint>,
    pub missing: Vec<MissingPoint>,
}

fn unit_label(u: Option<IndicatorUnit>) -> &'static str {
    u.map_or("unité non précisée", IndicatorUnit::label)
}

fn unit_rank(u: Option<IndicatorUnit>) -> u8 {
    match u {
        Some(IndicatorUnit::Count) => 0,
        Some(IndicatorUnit::Euros) => 1,
        Some(IndicatorUnit::Days) => 2,
        Some(IndicatorUnit::Percent) => 3,
        Some(IndicatorUnit::Average) => 4,
        None => 5,
    }
}

/// "34 jours", "30 %", "1 221".
pub fn quantity_french(hundredths: i64, unit: Option<IndicatorUnit>) -> String {
    let n = format_number(hundredths, 2, false);
    match unit {
        Some(IndicatorUnit::Days) => format!("{n} jours"),
        Some(IndicatorUnit::Percent) => format!("{n}\u{a0}%"),
        Some(IndicatorUnit::Euros) => format!("{n}\u{a0}€"),
        _ => n,
    }
}

fn missing_label(reason: Option<MissingReason>) -> &'static str {
    reason.map_or("non renseigné", MissingReason::label)
}

impl IndicatorConsolidation {
    /// Missing values counted per reason, in a fixed order.
    pub fn missing_by_reason(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for m in &self.missing {
            let label = missing_label(m.reason);
            match counts.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => counts.push((label, 1)),
            }
        }
        counts
    }

    /// Σ of the values per signatory (meaningful when the outcome is `Summed`).
    pub fn per_signatory(&self) -> Vec<(CollectiviteCode, Quantity)> {
        let mut out: Vec<(CollectiviteCode, Quantity)> = Vec::new();
        for p in &self.values {
            match out.iter_mut().find(|(d, _)| *d == p.at.signatory) {
                Some((_, q)) => *q = q.add(p.value),
                None => out.push((p.at.signatory, p.value)),
            }
        }
        out
    }

    /// The outcome in one French sentence.
    pub fn describe(&self) -> String {
        let signatories = {
            let mut d: Vec<CollectiviteCode> = self.values.iter().map(|p| p.at.signatory).collect();
            d.sort_by_key(|c| signatory_rank(*c));
            d.dedup();
            d.len()
        };
        let mut s = match &self.outcome {
            IndicatorOutcome::Summed { unit, total } => format!(
                "Total : {} ({}), {}",
                quantity_french(total.hundredths(), Some(*unit)),
                unit.label(),
                signatories_count(signatories)
            ),
            IndicatorOutcome::Spread { unit, stats } => {
                let head = match unit {
                    Some(u) => format!("Non additionnable ({})", u.label()),
                    None => "Unité non précisée, non additionné".to_string(),
                };
                match stats {
                    Some(st) => format!(
                        "{head} : minimum {}, médiane {}, maximum {} sur {} valeur{}",
                        quantity_french(st.min, *unit),
                        quantity_french(st.median, *unit),
                        quantity_french(st.max, *unit),
                        st.count,
                        if st.count > 1 { "s" } else { "" }
                    ),
                    None => format!("{head} : aucune valeur"),
                }
            }
            IndicatorOutcome::Incompatible { units } => {
                let parts: Vec<String> = units
                    .iter()
                    .map(|g| {
                        let names: Vec<String> = g.signatories.iter().map(|d| signatory_label(*d)).collect();
                        format!("{} ({})", unit_label(g.unit), join_french(&names))
                    })
                    .collect();
                format!("Unités incompatibles, non additionné : {}", parts.join(" ; "))
            }
            IndicatorOutcome::NoValue { unit } => format!("Aucune valeur chiffrée ({})", unit_label(*unit)),
        };
        let missing = self.missing_by_reason();
        if !missing.is_empty() {
            let n = self.missing.len();
            let detail: Vec<String> = missing.iter().map(|(l, c)| format!("{c} {l}")).collect();
            s.push_str(&format!(
                " ; {n} valeur{} manquante{} ({})",
                if n > 1 { "s" } else { "" },
                if n > 1 { "s" } else { "" },
                detail.join(", ")
            ));
        }
        s.push('.');
        s
    }
}

#[derive(Default)]
struct IndicatorAcc {
    name: String,
    values: Vec<IndicatorPoint>,
    missing: Vec<MissingPoint>,
}

fn outcome(acc: &IndicatorAcc) -> IndicatorOutcome {
    let mut units: Vec<UnitGroup> = Vec::new();
    let occurrences = acc
        .values
        .iter()
        .map(|p| (p.unit, p.at.signatory))
        .chain(acc.missing.iter().map(|m| (m.unit, m.at.signatory)));
    for (unit, dep) in occurrences {
        match units.iter_mut().find(|g| g.unit == unit) {
            Some(g) => {
                if !g.signatories.contains(&dep) {
                    g.signatories.push(dep);
                }
            }
            None => units.push(UnitGroup { unit, signatories: vec![dep] }),
        }
    }
    if units.len() > 1 {
        units.sort_by_key(|g| unit_rank(g.unit));
        for g in &mut units {
            g.signatories.sort_by_key(|d| signatory_rank(*d));
        }
        return IndicatorOutcome::Incompatible { units };
    }
    let unit = units.first().and_then(|g| g.unit);
    if acc.values.is_empty() {
        return IndicatorOutcome::NoValue { unit };
    }
    match unit {
        Some(u @ (IndicatorUnit::Count | IndicatorUnit::Euros)) => IndicatorOutcome::Summed {
            unit: u,
            total: acc.values.iter().fold(Quantity::default(), |t, p| t.add(p.value)),
        },
        _ => {
            let v: Vec<i64> = acc.values.iter().map(|p| p.value.hundredths()).collect();
            let stats = match (v.iter().min(), median(&v), v.iter().max()) {
                (Some(&min), Some(median), Some(&max)) => Some(Stats { count: v.len(), min, median, max }),
                _ => None,
            };
            IndicatorOutcome::Spread { unit, stats }
        }
    }
}

// ----- the consolidation --------------------------------------------------------------

struct MeasureAcc {
    title: String,
    core_rank: Option<usize>,
    cells: Vec<SignatoryCell>,
    indicators: Vec<(String, IndicatorAcc)>,
}

/// Consolidates `reports` over `scope`, and their indicators by code against the
/// programme's catalogue ([`crate::catalogue`]). Never fails; see the module rules.
pub fn consolidate_with_catalogue(
    scope: &Scope,
    programme: &Programme,
    reports: &[(ReportState, &Report)],
) -> Consolidation {
    let mut c = consolidate(scope, reports);
    c.catalogue = Some(consolidate_by_code(scope, programme, reports));
    c
}

/// Consolidates `reports` over `scope`, indicators by title only. Never fails; see the
/// module rules.
pub fn consolidate(scope: &Scope, reports: &[(ReportState, &Report)]) -> Consolidation {
    let (kept, ignored) = select(scope, reports);
    let mut groups: BTreeMap<MeasureKey, MeasureAcc> = BTreeMap::new();
    let mut signatories = Vec::new();
    let mut core = Figures::default();
    let mut local = Figures::default();

    for &(state, r) in &kept {
        let mut signatory_figures = Figures::default();
        for (mi, m) in r.measures.iter().enumerate() {
            let (key, title, core_rank) = measure_key(&scope.programme, scope.year, m);
            let kind = key.kind;
            let acc = groups.entry(key).or_insert_with(|| MeasureAcc {
                title,
                core_rank,
                cells: Vec::new(),
                indicators: Vec::new(),
            });
            let at_measure = Provenance::new(r, "", format!("mesures[{mi}]"));
            let cell_index = match acc.cells.iter().position(|c| c.signatory == r.signatory()) {
                Some(i) => i,
                None => {
                    acc.cells.push(SignatoryCell {
                        signatory: r.signatory(),
                        state,
                        measures: Vec::new(),
                        figures: Figures::default(),
                    });
                    acc.cells.len() - 1
                }
            };
            let Some(cell) = acc.cells.get_mut(cell_index) else { continue };
            cell.measures.push(MeasureRef {
                number: m.number.clone(),
                title: m.title.clone(),
                at: at_measure,
            });
            for (ai, a) in m.actions.iter().enumerate() {
                let af = ActionFigures::of(r, mi, ai, a);
                cell.figures.add_action(&af);
                signatory_figures.add_action(&af);
                match kind {
                    MeasureKind::Core => core.add_action(&af),
                    MeasureKind::Local => local.add_action(&af),
                }
                for (ii, ind) in a.indicators.iter().enumerate() {
                    let key = normalise(&ind.name);
                    let slot = match acc.indicators.iter().position(|(k, _)| *k == key) {
                        Some(i) => i,
                        None => {
                            acc.indicators.push((
                                key,
                                IndicatorAcc { name: ind.name.trim().to_string(), ..IndicatorAcc::default() },
                            ));
                            acc.indicators.len() - 1
                        }
                    };
                    let Some((_, iacc)) = acc.indicators.get_mut(slot) else { continue };
                    let at = Provenance::new(
                        r,
                        &a.number,
                        format!("{}.indicateurs[{ii}].resultat", action_path(mi, ai)),
                    );
                    let name = ind.name.clone();
                    match (&ind.result, ind.result.as_ref().and_then(IndicatorValue::figure)) {
                        (_, Some(value)) => {
                            iacc.values.push(IndicatorPoint { at, name, unit: ind.unit, value })
                        }
                        (Some(IndicatorValue::Missing { reason, text }), None) => {
                            iacc.missing.push(MissingPoint {
                                at,
                                name,
                                unit: ind.unit,
                                reason: Some(*reason),
                                text: text.clone(),
                            })
                        }
                        _ => iacc.missing.push(MissingPoint {
                            at,
                            name,
                            unit: ind.unit,
                            reason: None,
                            text: "non renseigné".to_string(),
                        }),
                    }
                }
            }
        }
        signatories.push(SignatoryTotal { signatory: r.signatory(), state, figures: signatory_figures });
    }

    let counted: Vec<CountedReport> =
        kept.iter().map(|(state, r)| CountedReport { signatory: r.signatory(), state: *state }).collect();
    let mut measures: Vec<MeasureConsolidation> = groups
        .into_iter()
        .map(|(key, acc)| {
            let mut total = Figures::default();
            for c in &acc.cells {
                total.merge(&c.figures);
            }
            let absent_from = if acc.core_rank.is_some() {
                counted
                    .iter()
                    .map(|c| c.signatory)
                    .filter(|d| !acc.cells.iter().any(|c| c.signatory == *d))
                    .collect()
            } else {
                Vec::new()
            };
            let indicators = acc
                .indicators
                .into_iter()
                .map(|(k, i)| IndicatorConsolidation {
                    key: k,
                    outcome: outcome(&i),
                    name: i.name,
                    values: i.values,
                    missing: i.missing,
                })
                .collect();
            MeasureConsolidation {
                key,
                title: acc.title,
                core_rank: acc.core_rank,
                cells: acc.cells,
                absent_from,
                total,
                indicators,
            }
        })
        .collect();
    measures.sort_by(|a, b| {
        (kind_rank(a.key.kind), a.core_rank.unwrap_or(usize::MAX), &a.key.name).cmp(&(
            kind_rank(b.key.kind),
            b.core_rank.unwrap_or(usize::MAX),
            &b.key.name,
        ))
    });

    let mut total = Figures::default();
    for d in &signatories {
        total.merge(&d.figures);
    }
    let not_transmitted =
        scope.expected.iter().copied().filter(|d| !counted.iter().any(|c| c.signatory == *d)).collect();
    Consolidation {
        programme: scope.programme.clone(),
        year: scope.year,
        expected: scope.expected.clone(),
        counted,
        not_transmitted,
        ignored,
        measures,
        signatories,
        by_kind: vec![
            KindTotal { kind: MeasureKind::Core, figures: core },
            KindTotal { kind: MeasureKind::Local, figures: local },
        ],
        total,
        catalogue: None,
    }
}
