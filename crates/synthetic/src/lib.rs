//! National-scale synthetic execution reports, for `bilan demo --national` and the
//! benchmarks: one report per signatory of each year
//! ([`bilan_domain::collectivite::signatories`]: the Départements, the Métropole de Lyon
//! beside the Rhône, the Collectivité de Corse instead of 2A and 2B, the Collectivité
//! européenne d'Alsace instead of 67 and 68 from 2020), CALPAE years 2019, 2020, 2021
//! and 2022 and Pacte des solidarités years 2024 and 2025 — 101 + 5 × 100 = 601 reports,
//! deterministic from a seed. A collectivité's report names it (`collectivite = "69M"`)
//! beside its first territory (`departement = "69"`). Pure: no IO, nothing printed, no
//! dependency but `bilan-domain`; a hand-rolled splitmix64 generator, keyed per
//! signatory, year and action, so that one report can be generated alone and equals its
//! copy in the dataset.
//!
//! # API
//!
//! ```
//! use bilan_synthetic::{national_dataset, planted_anomalies, signatory_year, Stage, LABEL};
//!
//! let all = national_dataset(42); // 601 reports, ordered by (year, signatory)
//! assert_eq!(all.len(), 601);
//! let lyon = signatory_year(42, "69M", 2024).expect("a signatory of 2024");
//! assert_eq!((lyon.report.department.as_str(), lyon.report.signatory().as_str()), ("69", "69M"));
//! let allier = signatory_year(42, "03", 2025).expect("a known Département and year");
//! assert!(allier.report.title.contains(LABEL));
//! assert!(matches!(allier.stage, Stage::Draft | Stage::Adopted)); // Allier is late in 2025
//! assert!(planted_anomalies().iter().any(|a| a.department == "80"));
//! ```
//!
//! - [`national_dataset`]`(seed)`: every report with its workflow [`Stage`], ordered by year,
//!   then by signatory in the order of [`bilan_domain::collectivite::signatories`] (01…19,
//!   20R, 21…, 66, 6AE, 69, 69M, 70…95, 971…976; 67 and 68 instead of 6AE in 2019).
//! - [`signatory_year`]`(seed, code, year)`: the same report alone (`None` for an unknown
//!   code, one that does not sign that year, or a year not in [`YEARS`]).
//! - [`planted_anomalies`]: the deliberate outliers, the same for every seed.
//! - [`LABEL`]: the label every report carries.
//!
//! # What a report holds
//!
//! - **Labelled synthetic**: the title contains [`LABEL`], the preamble opens with a
//!   sentence saying the data are synthetic and generated, the annex title says
//!   "données synthétiques".
//! - **Measures**: the programme's core measures of the year, with the programme's exact
//!   titles (so consolidation matches them across Départements; CALPAE adds "Formation des
//!   travailleurs sociaux" from 2020), numbered 1.k, plus 0–2 measures at the
//!   Département's initiative numbered 2.k; 1–3 actions each ("1.2.1").
//! - **Money** in exact cents, scaled by a per-Département size (the largest about 10 times
//!   the smallest): forecast part État + part CD = total, part État ≤ the programme's
//!   ceiling; 1–3 expense lines (annex rows) summing to the forecast; executed committed ≥
//!   spent, carry-over ≤ forecast − spent; the body's 5.2 totals equal the annex lines, and
//!   its table rows (when it has one) are linked to them; annex groups per measure (local
//!   measures sometimes merged into one group) with declared subtotals, Recette État and
//!   total equal to the computed ones.
//! - **Indicators**: people accompanied (`nombre`, spent ÷ a cost per person), other counts,
//!   delays (`jours`) and rates (`%`), each with a target, a result and, as situation N−1,
//!   the previous year's result of the same Département. Under-target or missing results
//!   ("ND", "Non évalué", "Bilan en cours") carry a justification. The Creuse (23) and the
//!   Guadeloupe (971) report « Délai moyen d'orientation des allocataires du RSA » as a
//!   percentage and the Haute-Vienne (87) as a count, every year: consolidation lists that
//!   indicator as incompatible. About one Département in five reports its main results per
//!   territory (parts adding up to the total).
//! - **Text**: short French sentences (description, partners, review with the year's
//!   figures, outlook), dates (convention signature, action start and end, deliberation
//!   and transmission where the stage has them).
//!
//! # Stages
//!
//! CALPAE 2019–2021 and Pacte 2024: all [`Stage::Approved`]. 2022: 20 Transmitted, the rest
//! (80) Approved. 2025: 25 not transmitted (about half [`Stage::Adopted`], half
//! [`Stage::Draft`]; Allier (03) among them, and at least one in every region of two
//! signatories or more), 20 Approved, 55 Transmitted. Which signatories is drawn from the
//! seed.
//!
//! Transmitted and approved reports pass `bilan_check::check_with` against the previous
//! year's report with no error and no warning (infos only). Adopted reports are clean but
//! not sent. Drafts carry one or two slips a writer makes (a total with two digits swapped,
//! a template instruction left in the outlook, a blank "Crédits engagés : €", a result not
//! filled in, a stale annex subtotal), and have no deliberation yet.
//!
//! # Planted outliers
//!
//! See [`planted_anomalies`]: a cost per person about 5 times the others (Sarthe, action
//! 1.3.1, 2019–2022), an execution rate about 25 % (Loir-et-Cher, 2019–2022), an indicator
//! multiplied by 6 from 2020 to 2021 (Somme, action 1.6.1). `bilan-consolidate`'s
//! `across_signatories` and `year_over_year` flag them (tested).
//!
//! # Catalogue codes
//!
//! Core measures carry their catalogue code (`CALPAE-ASE`…) and every catalogue indicator
//! of their measure (`data/referentiels/*.toml`) with its code, always (tested against the
//! files); the measures' other indicators and those of local measures have no code.
//! [`planted_indicators`] lists a few indicators added without a code: some whose title
//! is a catalogue title written another way (« non rattachés au référentiel »), some of
//! the Département's own.

mod anomalies;
mod build;
mod catalogue;
mod plan;
mod rng;
mod stages;
mod values;

use bilan_domain::collectivite;
use bilan_domain::Report;

use crate::plan::Who;

pub use anomalies::{
    planted_anomalies, planted_indicators, AnomalyKind, PlantedAnomaly, PlantedIndicator,
    PlantedIndicatorKind,
};

/// The label of every synthetic report (title; the preamble opens with it).
pub const LABEL: &str = "Données synthétiques de démonstration";

/// The years generated and their programme.
pub const YEARS: [(i32, &str); 6] = [
    (2019, "calpae"),
    (2020, "calpae"),
    (2021, "calpae"),
    (2022, "calpae"),
    (2024, "pacte"),
    (2025, "pacte"),
];

/// Where a report stands in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Being written: no deliberation, may hold mistakes.
    Draft,
    /// Adopted by the assembly (deliberation), not yet sent to the prefects.
    Adopted,
    /// Sent to the prefects, awaiting the State's review.
    Transmitted,
    /// Approved by the State.
    Approved,
}

impl Stage {
    /// The code the store writes (`brouillon`, `adopte`, `transmis`, `approuve`).
    pub fn code(self) -> &'static str {
        match self {
            Stage::Draft => "brouillon",
            Stage::Adopted => "adopte",
            Stage::Transmitted => "transmis",
            Stage::Approved => "approuve",
        }
    }

    /// French label ("brouillon", "adopté", "transmis", "approuvé").
    pub fn label(self) -> &'static str {
        match self {
            Stage::Draft => "brouillon",
            Stage::Adopted => "adopté",
            Stage::Transmitted => "transmis",
            Stage::Approved => "approuvé",
        }
    }

    /// Whether the report has been sent to the State (transmitted or approved).
    pub fn is_transmitted(self) -> bool {
        matches!(self, Stage::Transmitted | Stage::Approved)
    }
}

/// One generated report and its stage.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticReport {
    pub report: Report,
    pub stage: Stage,
}

fn programme_of(year: i32) -> Option<&'static bilan_domain::Programme> {
    YEARS
        .iter()
        .find(|(y, _)| *y == year)
        .and_then(|(_, p)| bilan_source::referentiel::builtin().programme(p))
}

/// All 601 reports for `seed`, ordered by year then signatory (the order of
/// [`collectivite::signatories`]).
pub fn national_dataset(seed: u64) -> Vec<SyntheticReport> {
    let mut out = Vec::new();
    for (year, _) in YEARS {
        let Some(programme) = programme_of(year) else { continue };
        let stages = stages::stages(seed, year);
        for (c, stage) in collectivite::signatories(year).iter().zip(stages) {
            out.push(SyntheticReport {
                report: build::build(seed, Who::of(c), year, programme, stage),
                stage,
            });
        }
    }
    out
}

/// The report of one signatory (a Département's INSEE code, "03", or a collectivité's,
/// "69M", "20R") and year, equal to its element of [`national_dataset`]`(seed)`. `None`
/// for an unknown code, a code that does not sign that year (2A in 2019, 67 in 2020) or a
/// year not in [`YEARS`].
pub fn signatory_year(seed: u64, code: &str, year: i32) -> Option<SyntheticReport> {
    let code = collectivite::code(code)?;
    let programme = programme_of(year)?;
    let signatories = collectivite::signatories(year);
    let index = signatories.iter().position(|c| c.code == code)?;
    let stage = *stages::stages(seed, year).get(index)?;
    let c = signatories.get(index)?;
    Some(SyntheticReport { report: build::build(seed, Who::of(c), year, programme, stage), stage })
}

/// `report` with every action of every measure present `factor` times (the copies
/// numbered after the measure's last action, their expense lines' ids suffixed): the same
/// signatories, `factor` times the actions, figures and indicators. For benchmarks of a
/// dataset `factor` times the national one (`bilan demo --national --facteur 10`): there
/// are no more signatories than Départements, and one report per signatory and year, so
/// the data of a dashboard grows by the reports' size. A factor of 0 or 1 gives the report.
pub fn scaled(report: &Report, factor: usize) -> Report {
    let mut r = report.clone();
    for m in &mut r.measures {
        let originals = m.actions.clone();
        for k in 2..=factor {
            for a in &originals {
                let mut copy = a.clone();
                copy.number = format!("{}.{}", m.number, m.actions.len() + 1);
                for e in &mut copy.expenses {
                    if !e.id.is_empty() {
                        e.id = format!("{}-{k}", e.id);
                    }
                }
                for l in copy.executed.iter_mut().flat_map(|x| x.lines.iter_mut()) {
                    if let Some(id) = &mut l.expense {
                        *id = format!("{id}-{k}");
                    }
                }
                m.actions.push(copy);
            }
        }
    }
    r
}
