//! Consolidation **by catalogue code**: the indicators of many reports added up by the
//! code of the national catalogue they report (`Indicator.code`), with the catalogue's
//! aggregation rule, instead of by their title.
//!
//! # Rules
//!
//! - **Which reports count**: the same as [`crate::consolidation`] (transmitted or
//!   approved, of the scope, one per Département).
//! - **Which indicators**: every catalogue indicator that applies to the year, in the
//!   catalogue's order. A report's indicator enters it when its `code` is that code; its
//!   figure is the result N (`resultat`; a breakdown counts for its total).
//! - **Unit**: an indicator that states a unit other than the catalogue's is listed as
//!   *incompatible* and not counted; one that states no unit takes the catalogue's (the
//!   code fixes what is measured).
//! - **Sum** (`somme`): the exact sum of the values, in hundredths, saturating.
//! - **Weighted mean** (`moyenne_ponderee`, weight = another code): Σ(value × weight) /
//!   Σ weight, computed exactly in `i128` and rounded half away from zero to the
//!   hundredth. The weight of an occurrence is the weight code's figure in the *same
//!   action*; when the action has none and the report gives the weighted indicator only
//!   once, the report's total for the weight code (summed over its actions). An occurrence
//!   with no weight that way is listed in [`CodedIndicator::without_weight`], not counted.
//!   No weight at all (or only zero weights): no mean.
//! - **Distribution** (`repartition`): minimum, median, maximum and count. The median of
//!   an even count is the mean of the two middle values, rounded half away from zero to
//!   the hundredth ([`crate::stats::median`]).
//! - **Who reported**: the Départements whose counted report carries the code (even with
//!   « ND »: they are listed in `missing`); **who did not**: the expected Départements
//!   that did not, the ones with no counted report included.
//! - **Codes not in the catalogue** (or not applying to the year) are listed apart
//!   ([`CatalogueConsolidation::unknown_codes`]), never counted.
//! - **Unlinked indicators** (« non rattachés au référentiel »): no code, but a title that
//!   [`resembles`] a catalogue indicator's title (that of the report's measure when the
//!   measure has a code, else any of the year). They are listed with the suggested code
//!   and where they are, so that the Département links them; they are not counted.
//! - **Local indicators**: no code and no resemblance: listed per Département.
//!
//! # Resemblance of titles
//!
//! Two titles resemble each other when the Jaccard index of their token sets is at least
//! 3/5 ([`SIMILARITY_NUMERATOR`] / [`SIMILARITY_DENOMINATOR`]), compared exactly on
//! integers. Tokens: the [`crate::text::normalise`]d title cut at every character that
//! is not a letter or a digit; stop words (« de », « des », « la », « du », « d »…)
//! dropped; a few synonyms brought to one word (« nb », « nbre » → « nombre »; « suivi »
//! → « accompagne »; « pourcentage » → « taux »); then a final « s » or « x » removed
//! from words of more than three letters (« jeunes » → « jeune ») and a final « ée »
//! made « é » (« accompagnées » → « accompagne »). « Nb de jeunes suivis »
//! and « Nombre de jeunes accompagnés » both give {nombre, jeune, accompagne}: index 1.
//! The best index wins; a tie goes to the first in the catalogue's order.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use bilan_domain::referentiel::{Aggregation, CatalogueIndicator, Programme};
use bilan_domain::{CollectiviteCode, IndicatorUnit, IndicatorValue, MissingReason, Quantity, Report};

use crate::consolidation::{quantity_french, select, ReportState, Scope, Stats};
use crate::stats::{clamp_i64, div_round, median};
use crate::text::{normalise, signatory_rank};
use crate::{action_path, Provenance};

/// Titles resemble each other from a Jaccard index of 3/5.
pub const SIMILARITY_NUMERATOR: usize = 3;
pub const SIMILARITY_DENOMINATOR: usize = 5;

const STOP_WORDS: [&str; 30] = [
    "a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le",
    "les", "leur", "leurs", "ou", "par", "pour", "qui", "que", "sur", "un", "une", "ayant", "dont", "son",
];

const SYNONYMS: [(&str, &str); 9] = [
    ("nb", "nombre"),
    ("nbre", "nombre"),
    ("nomb", "nombre"),
    ("suivi", "accompagne"),
    ("suivis", "accompagne"),
    ("suivie", "accompagne"),
    ("suivies", "accompagne"),
    ("pourcentage", "taux"),
    ("beneficiaire", "personne"),
];

/// The tokens a title is compared on (see the module's rules).
pub fn tokens(title: &str) -> BTreeSet<String> {
    normalise(title)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        .map(|w| {
            let w = SYNONYMS.iter().find(|(from, _)| *from == w).map_or(w, |(_, to)| to);
            let w = match w.strip_suffix(['s', 'x']) {
                Some(stem) if w.chars().count() > 3 => stem,
                _ => w,
            };
            // Feminine past participles: "accompagnee" → "accompagne".
            let w = if w.ends_with("ee") { &w[..w.len() - 1] } else { w };
            // A plural synonym ("beneficiaires") is folded after the plural is removed.
            SYNONYMS.iter().find(|(from, _)| *from == w).map_or(w, |(_, to)| to).to_string()
        })
        .collect()
}

/// The Jaccard index of two token sets, as (shared, together); (0, 0) when both are empty.
fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> (usize, usize) {
    let shared = a.intersection(b).count();
    (shared, a.len() + b.len() - shared)
}

/// Whether two titles resemble each other (Jaccard index ≥ 3/5 on their tokens).
pub fn resembles(a: &str, b: &str) -> bool {
    let (shared, together) = jaccard(&tokens(a), &tokens(b));
    together > 0 && shared * SIMILARITY_DENOMINATOR >= together * SIMILARITY_NUMERATOR
}

/// The catalogue files' word for a rule: `somme`, `moyenne_ponderee`, `repartition` (the
/// open data and the API use it too).
pub fn aggregation_code(a: &Aggregation) -> &'static str {
    match a {
        Aggregation::Sum => "somme",
        Aggregation::WeightedMean { .. } => "moyenne_ponderee",
        Aggregation::Distribution => "repartition",
    }
}

/// Every code [`aggregation_code`] gives.
pub const AGGREGATION_CODES: [&str; 3] = ["somme", "moyenne_ponderee", "repartition"];

/// A figure of a coded indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    /// `mesures[i].actions[j].indicateurs[k].resultat`.
    pub at: Provenance,
    /// The title the Département wrote.
    pub name: String,
    /// The unit the Département stated, if any.
    pub unit: Option<IndicatorUnit>,
    pub value: Quantity,
    /// The weight it was counted with (weighted mean only).
    pub weight: Option<Quantity>,
}

/// A coded indicator with no figure ("ND", or no result written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedMissing {
    pub at: Provenance,
    pub name: String,
    pub reason: Option<MissingReason>,
    /// What was printed instead ("ND"), or « non renseigné ».
    pub text: String,
}

/// The aggregate of one catalogue indicator, by its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aggregate {
    /// Sum of the counted values.
    Sum { total: Quantity, count: usize },
    /// Σ(value × weight) / Σ weight, in hundredths; `None` with no positive weight.
    WeightedMean { mean: Option<Quantity>, weight_total: Quantity, count: usize },
    /// Minimum, median and maximum; `None` with no value.
    Distribution { stats: Option<Stats> },
}

impl Aggregate {
    /// The one figure of the aggregate: the sum, the weighted mean, or the median.
    pub fn headline(&self) -> Option<Quantity> {
        match self {
            Aggregate::Sum { total, .. } => Some(*total),
            Aggregate::WeightedMean { mean, .. } => *mean,
            Aggregate::Distribution { stats } => stats.map(|s| Quantity::from_hundredths(s.median)),
        }
    }

    /// How many values were counted.
    pub fn count(&self) -> usize {
        match self {
            Aggregate::Sum { count, .. } | Aggregate::WeightedMean { count, .. } => *count,
            Aggregate::Distribution { stats } => stats.map_or(0, |s| s.count),
        }
    }
}

/// One catalogue indicator across the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedIndicator {
    pub code: String,
    /// The catalogue's title.
    pub title: String,
    pub unit: IndicatorUnit,
    pub aggregation: Aggregation,
    /// Code of the catalogue measure.
    pub measure: String,
    pub aggregate: Aggregate,
    /// The counted values, in reference order of the Départements.
    pub values: Vec<CodedValue>,
    /// Reported without a figure.
    pub missing: Vec<CodedMissing>,
    /// A stated unit other than the catalogue's: not counted.
    pub incompatible: Vec<CodedValue>,
    /// Weighted mean: values with no weight in their report, not counted.
    pub without_weight: Vec<CodedValue>,
    /// Signatories whose counted report carries the code, in the signatories' order.
    pub reported_by: Vec<CollectiviteCode>,
    /// Expected signatories that did not report it (no counted report, or a report
    /// without the code), in the signatories' order.
    pub not_reported: Vec<CollectiviteCode>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

impl CodedIndicator {
    /// The aggregate in one French sentence, with what was left out:
    /// « Somme : 150 (nombre), 2 valeurs ; 1 valeur dans une autre unité, non comptée. »
    pub fn describe(&self) -> String {
        let u = Some(self.unit);
        let mut s = match &self.aggregate {
            Aggregate::Sum { total, count } => format!(
                "Somme : {} ({}), {}",
                quantity_french(total.hundredths(), u),
                self.unit.label(),
                plural(*count, "valeur", "valeurs")
            ),
            Aggregate::WeightedMean { mean, weight_total, count } => {
                let weight = match &self.aggregation {
                    Aggregation::WeightedMean { weight } => weight.as_str(),
                    _ => "",
                };
                match mean {
                    Some(m) => format!(
                        "Moyenne pondérée par {weight} : {} sur {} (poids total {})",
                        quantity_french(m.hundredths(), u),
                        plural(*count, "valeur", "valeurs"),
                        weight_total.to_french()
                    ),
                    None => format!("Moyenne pondérée par {weight} : aucune valeur pondérée"),
                }
            }
            Aggregate::Distribution { stats: Some(st) } => format!(
                "Répartition : minimum {}, médiane {}, maximum {} sur {}",
                quantity_french(st.min, u),
                quantity_french(st.median, u),
                quantity_french(st.max, u),
                plural(st.count, "valeur", "valeurs")
            ),
            Aggregate::Distribution { stats: None } => "Répartition : aucune valeur".to_string(),
        };
        let left_out = [
            (
                self.incompatible.len(),
                "dans une autre unité, non comptée",
                "dans une autre unité, non comptées",
            ),
            (self.without_weight.len(), "sans poids, non comptée", "sans poids, non comptées"),
            (self.missing.len(), "manquante", "manquantes"),
        ];
        for (n, one, many) in left_out {
            if n > 0 {
                s.push_str(&format!(
                    " ; {} {}",
                    plural(n, "valeur", "valeurs"),
                    if n > 1 { many } else { one }
                ));
            }
        }
        s.push('.');
        s
    }
}

/// An indicator with no code: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncodedIndicator {
    /// `mesures[i].actions[j].indicateurs[k]`.
    pub at: Provenance,
    /// `k`, the indicator's index in its action (the edit form's `/indicateurs/{k}`).
    pub index: usize,
    pub name: String,
    pub unit: Option<IndicatorUnit>,
    /// The result N as printed ("1 221", "ND"), empty when none.
    pub result: String,
}

/// An indicator with no code whose title resembles a catalogue indicator's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkedIndicator {
    pub indicator: UncodedIndicator,
    /// The suggested catalogue code and its title.
    pub suggested_code: String,
    pub suggested_title: String,
}

/// The local indicators of one signatory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIndicators {
    pub signatory: CollectiviteCode,
    pub indicators: Vec<UncodedIndicator>,
}

/// An indicator whose code is not in the catalogue of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub indicator: UncodedIndicator,
    pub code: String,
    /// In French: « code absent du référentiel », « ne s'applique pas en 2019 ».
    pub reason: String,
}

/// The consolidation by code of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogueConsolidation {
    /// The catalogue indicators of the year, in the catalogue's order.
    pub indicators: Vec<CodedIndicator>,
    /// Per Département (reference order), its indicators with no code and no resemblance.
    pub local: Vec<LocalIndicators>,
    /// « Non rattachés au référentiel », in reference order of the Départements.
    pub unlinked: Vec<UnlinkedIndicator>,
    pub unknown_codes: Vec<UnknownCode>,
    /// Every indicator's [`Link`] by (signatory, path), built on the first
    /// [`CatalogueConsolidation::link_of`]: the open data asks for each indicator of every
    /// report, which a search through the lists made quadratic.
    links: LinkIndex,
}

/// The index of [`CatalogueConsolidation::link_of`]: derived from the lists, so it takes
/// no part in comparing two consolidations.
#[derive(Debug, Clone, Default)]
struct LinkIndex(OnceLock<HashMap<(CollectiviteCode, String), LinkAt>>);

impl PartialEq for LinkIndex {
    fn eq(&self, _: &LinkIndex) -> bool {
        true
    }
}

impl Eq for LinkIndex {}

/// A [`Link`] as positions in the consolidation's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkAt {
    Counted(usize),
    IncompatibleUnit(usize),
    WithoutWeight(usize),
    Unlinked(usize),
    Local,
    UnknownCode(usize),
}

/// How one indicator of a report stands with the catalogue ([`CatalogueConsolidation::link_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link<'a> {
    /// Coded and counted in the aggregate (or reported without a figure).
    Counted(&'a CodedIndicator),
    /// Coded, but in another unit than the catalogue's: not counted.
    IncompatibleUnit(&'a CodedIndicator),
    /// Coded, a weighted mean whose report gives no weight: not counted.
    WithoutWeight(&'a CodedIndicator),
    Unlinked(&'a UnlinkedIndicator),
    Local,
    UnknownCode(&'a UnknownCode),
}

impl Link<'_> {
    /// The open data's code: `referentiel`, `unite_incompatible`, `sans_poids`,
    /// `non_rattache`, `local`, `code_inconnu`.
    pub fn code(&self) -> &'static str {
        match self {
            Link::Counted(_) => "referentiel",
            Link::IncompatibleUnit(_) => "unite_incompatible",
            Link::WithoutWeight(_) => "sans_poids",
            Link::Unlinked(_) => "non_rattache",
            Link::Local => "local",
            Link::UnknownCode(_) => "code_inconnu",
        }
    }

    /// Every code [`Link::code`] gives.
    pub const CODES: [&'static str; 6] =
        ["referentiel", "unite_incompatible", "sans_poids", "non_rattache", "local", "code_inconnu"];

    /// The catalogue indicator, when coded with a known code.
    pub fn indicator(&self) -> Option<&CodedIndicator> {
        match self {
            Link::Counted(i) | Link::IncompatibleUnit(i) | Link::WithoutWeight(i) => Some(i),
            _ => None,
        }
    }
}

impl CatalogueConsolidation {
    pub fn indicator(&self, code: &str) -> Option<&CodedIndicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// How the indicator at `path` (`mesures[i].actions[j].indicateurs[k]`, with or
    /// without `.resultat`) of a Département's counted report stands with the catalogue;
    /// `None` for an indicator the consolidation did not see.
    pub fn link_of(&self, signatory: CollectiviteCode, path: &str) -> Option<Link<'_>> {
        let path = path.strip_suffix(".resultat").unwrap_or(path);
        let at = *self.links.0.get_or_init(|| self.index_links()).get(&(signatory, path.to_string()))?;
        Some(match at {
            LinkAt::Counted(i) => Link::Counted(self.indicators.get(i)?),
            LinkAt::IncompatibleUnit(i) => Link::IncompatibleUnit(self.indicators.get(i)?),
            LinkAt::WithoutWeight(i) => Link::WithoutWeight(self.indicators.get(i)?),
            LinkAt::Unlinked(i) => Link::Unlinked(self.unlinked.get(i)?),
            LinkAt::UnknownCode(i) => Link::UnknownCode(self.unknown_codes.get(i)?),
            LinkAt::Local => Link::Local,
        })
    }

    /// The links of every indicator, the first one found winning as a search would find
    /// it: catalogue indicators in order (counted, then in another unit, then without
    /// weight), then the unlinked, the unknown codes, the local ones. The paths of coded
    /// values end in `.resultat`; the key is the indicator's path without it.
    fn index_links(&self) -> HashMap<(CollectiviteCode, String), LinkAt> {
        let mut links = HashMap::new();
        let mut add = |at: &Provenance, stripped: bool, link: LinkAt| {
            let path = if stripped { at.path.strip_suffix(".resultat") } else { Some(at.path.as_str()) };
            if let Some(path) = path {
                links.entry((at.signatory, path.to_string())).or_insert(link);
            }
        };
        for (i, ind) in self.indicators.iter().enumerate() {
            for v in &ind.values {
                add(&v.at, true, LinkAt::Counted(i));
            }
            for m in &ind.missing {
                add(&m.at, true, LinkAt::Counted(i));
            }
            for v in &ind.incompatible {
                add(&v.at, true, LinkAt::IncompatibleUnit(i));
            }
            for v in &ind.without_weight {
                add(&v.at, true, LinkAt::WithoutWeight(i));
            }
        }
        for (i, u) in self.unlinked.iter().enumerate() {
            add(&u.indicator.at, false, LinkAt::Unlinked(i));
        }
        for (i, u) in self.unknown_codes.iter().enumerate() {
            add(&u.indicator.at, false, LinkAt::UnknownCode(i));
        }
        for l in &self.local {
            for u in l.indicators.iter().filter(|u| u.at.signatory == l.signatory) {
                add(&u.at, false, LinkAt::Local);
            }
        }
        links
    }

    /// The unlinked indicators of one signatory.
    pub fn unlinked_of(&self, signatory: CollectiviteCode) -> impl Iterator<Item = &UnlinkedIndicator> {
        self.unlinked.iter().filter(move |u| u.indicator.at.signatory == signatory)
    }
}

/// What one report gives of one catalogue indicator: its occurrences with a figure in
/// the catalogue's unit, without a figure, in another unit.
type InReport<'a> = (&'a Report, Vec<Occurrence>, Vec<CodedMissing>, Vec<CodedValue>);

/// One occurrence of a coded indicator in a report, before aggregation.
struct Occurrence {
    measure_index: usize,
    action_index: usize,
    value: CodedValue,
}

fn figure_in_unit(ind: &bilan_domain::Indicator, unit: IndicatorUnit) -> Option<Quantity> {
    if ind.unit.is_some_and(|u| u != unit) {
        return None;
    }
    ind.result.as_ref().and_then(IndicatorValue::figure)
}

/// The weight of an occurrence: see the module's rules.
fn weight_of(
    report: &Report,
    occ: &Occurrence,
    weight: &CatalogueIndicator,
    occurrences: usize,
) -> Option<Quantity> {
    let of_code = |ind: &&bilan_domain::Indicator| ind.code.as_deref() == Some(weight.code.as_str());
    let in_action = report
        .measures
        .get(occ.measure_index)
        .and_then(|m| m.actions.get(occ.action_index))
        .map(|a| {
            a.indicators
                .iter()
                .filter(of_code)
                .filter_map(|i| figure_in_unit(i, weight.unit))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !in_action.is_empty() {
        return Some(in_action.into_iter().fold(Quantity::default(), Quantity::add));
    }
    if occurrences != 1 {
        return None;
    }
    let all: Vec<Quantity> = report
        .measures
        .iter()
        .flat_map(|m| &m.actions)
        .flat_map(|a| &a.indicators)
        .filter(of_code)
        .filter_map(|i| figure_in_unit(i, weight.unit))
        .collect();
    (!all.is_empty()).then(|| all.into_iter().fold(Quantity::default(), Quantity::add))
}

fn uncoded(
    report: &Report,
    mi: usize,
    ai: usize,
    k: usize,
    ind: &bilan_domain::Indicator,
) -> UncodedIndicator {
    let action = report.measures.get(mi).and_then(|m| m.actions.get(ai)).map_or("", |a| a.number.as_str());
    UncodedIndicator {
        at: Provenance::new(report, action, format!("{}.indicateurs[{k}]", action_path(mi, ai))),
        index: k,
        name: ind.name.trim().to_string(),
        unit: ind.unit,
        result: ind.result.as_ref().map(IndicatorValue::to_french).unwrap_or_default(),
    }
}

/// The catalogue indicator an uncoded title resembles best, among those of `measure`
/// (any measure when `None`).
fn suggestion<'a>(
    catalogue: &[(&'a CatalogueIndicator, BTreeSet<String>)],
    measure: Option<&str>,
    title: &str,
) -> Option<&'a CatalogueIndicator> {
    let t = tokens(title);
    let mut best: Option<(&CatalogueIndicator, usize, usize)> = None;
    for (c, ct) in catalogue {
        if measure.is_some_and(|m| m != c.measure) {
            continue;
        }
        let (shared, together) = jaccard(&t, ct);
        if together == 0 || shared * SIMILARITY_DENOMINATOR < together * SIMILARITY_NUMERATOR {
            continue;
        }
        // shared/together > best_shared/best_together, by cross-multiplication.
        let better = best.is_none_or(|(_, bs, bt)| shared * bt > bs * together);
        if better {
            best = Some((c, shared, together));
        }
    }
    best.map(|(c, _, _)| c)
}

/// Consolidates by catalogue code; see the module's rules. Never fails.
pub fn consolidate_by_code(
    scope: &Scope,
    programme: &Programme,
    reports: &[(ReportState, &Report)],
) -> CatalogueConsolidation {
    let (kept, _) = select(scope, reports);
    let year = scope.year;
    let of_year: Vec<&CatalogueIndicator> =
        programme.indicators.iter().filter(|c| c.applies_to(year)).collect();
    let with_tokens: Vec<(&CatalogueIndicator, BTreeSet<String>)> =
        of_year.iter().map(|c| (*c, tokens(&c.title))).collect();

    let mut out = CatalogueConsolidation::default();
    // Per catalogue indicator, per report: its occurrences.
    let mut found: Vec<Vec<InReport>> = of_year.iter().map(|_| Vec::new()).collect();

    for &(_, r) in &kept {
        let mut local = Vec::new();
        for (mi, m) in r.measures.iter().enumerate() {
            // A measure whose code is in the catalogue narrows the suggestions to its own.
            let measure_code = m.code.as_deref().filter(|c| programme.measure(c).is_some());
            for (ai, a) in m.actions.iter().enumerate() {
                for (k, ind) in a.indicators.iter().enumerate() {
                    let Some(code) = ind.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
                        let u = uncoded(r, mi, ai, k, ind);
                        match suggestion(&with_tokens, measure_code, &ind.name) {
                            Some(c) => out.unlinked.push(UnlinkedIndicator {
                                indicator: u,
                                suggested_code: c.code.clone(),
                                suggested_title: c.title.clone(),
                            }),
                            None => local.push(u),
                        }
                        continue;
                    };
                    let Some(slot) = of_year.iter().position(|c| c.code == code) else {
                        let reason = match programme.indicator(code) {
                            Some(_) => format!("l'indicateur {code} ne s'applique pas en {year}"),
                            None => format!("code {code} absent du référentiel {}", programme.short_name),
                        };
                        out.unknown_codes.push(UnknownCode {
                            indicator: uncoded(r, mi, ai, k, ind),
                            code: code.to_string(),
                            reason,
                        });
                        continue;
                    };
                    let (Some(cat), Some(per_report)) = (of_year.get(slot), found.get_mut(slot)) else {
                        continue;
                    };
                    if per_report.last().is_none_or(|(last, ..)| !std::ptr::eq(*last, r)) {
                        per_report.push((r, Vec::new(), Vec::new(), Vec::new()));
                    }
                    let Some((_, occurrences, missing, incompatible)) = per_report.last_mut() else {
                        continue;
                    };
                    let at = Provenance::new(
                        r,
                        &a.number,
                        format!("{}.indicateurs[{k}].resultat", action_path(mi, ai)),
                    );
                    let name = ind.name.trim().to_string();
                    let figure = ind.result.as_ref().and_then(IndicatorValue::figure);
                    match (figure, &ind.result) {
                        (Some(value), _) => {
                            let v = CodedValue { at, name, unit: ind.unit, value, weight: None };
                            if ind.unit.is_some_and(|u| u != cat.unit) {
                                incompatible.push(v);
                            } else {
                                occurrences.push(Occurrence {
                                    measure_index: mi,
                                    action_index: ai,
                                    value: v,
                                });
                            }
                        }
                        (None, Some(IndicatorValue::Missing { reason, text })) => {
                            missing.push(CodedMissing { at, name, reason: Some(*reason), text: text.clone() })
                        }
                        _ => missing.push(CodedMissing {
                            at,
                            name,
                            reason: None,
                            text: "non renseigné".to_string(),
                        }),
                    }
                }
            }
        }
        if !local.is_empty() {
            out.local.push(LocalIndicators { signatory: r.signatory(), indicators: local });
        }
    }

    for (cat, per_report) in of_year.iter().zip(found) {
        let mut values = Vec::new();
        let mut missing = Vec::new();
        let mut incompatible = Vec::new();
        let mut without_weight = Vec::new();
        let mut reported_by = Vec::new();
        for (r, occurrences, miss, inc) in per_report {
            reported_by.push(r.signatory());
            missing.extend(miss);
            incompatible.extend(inc);
            let weight = match &cat.aggregation {
                Aggregation::WeightedMean { weight } => Some(
                    of_year
                        .iter()
                        .find(|c| c.code == *weight)
                        .copied()
                        .or_else(|| programme.indicator(weight)),
                ),
                _ => None,
            };
            let n = occurrences.len();
            for occ in &occurrences {
                let mut v = occ.value.clone();
                match weight {
                    None => values.push(v),
                    Some(w) => match w.and_then(|w| weight_of(r, occ, w, n)) {
                        Some(q) => {
                            v.weight = Some(q);
                            values.push(v)
                        }
                        None => without_weight.push(v),
                    },
                }
            }
        }
        let aggregate = aggregate(&cat.aggregation, &values);
        let not_reported = scope.expected.iter().copied().filter(|d| !reported_by.contains(d)).collect();
        out.indicators.push(CodedIndicator {
            code: cat.code.clone(),
            title: cat.title.clone(),
            unit: cat.unit,
            aggregation: cat.aggregation.clone(),
            measure: cat.measure.clone(),
            aggregate,
            values,
            missing,
            incompatible,
            without_weight,
            reported_by,
            not_reported,
        });
    }
    out.local.sort_by_key(|l| signatory_rank(l.signatory));
    out
}

fn aggregate(rule: &Aggregation, values: &[CodedValue]) -> Aggregate {
    match rule {
        Aggregation::Sum => Aggregate::Sum {
            total: values.iter().fold(Quantity::default(), |t, v| t.add(v.value)),
            count: values.len(),
        },
        Aggregation::WeightedMean { .. } => {
            let mut num: i128 = 0;
            let mut den: i128 = 0;
            let mut weight_total = Quantity::default();
            for v in values {
                let w = v.weight.unwrap_or_default();
                num = num.saturating_add(
                    i128::from(v.value.hundredths()).saturating_mul(i128::from(w.hundredths())),
                );
                den = den.saturating_add(i128::from(w.hundredths()));
                weight_total = weight_total.add(w);
            }
            let mean = (den > 0).then(|| Quantity::from_hundredths(clamp_i64(div_round(num, den))));
            Aggregate::WeightedMean { mean, weight_total, count: values.len() }
        }
        Aggregation::Distribution => {
            let v: Vec<i64> = values.iter().map(|v| v.value.hundredths()).collect();
            let stats = match (v.iter().min(), median(&v), v.iter().max()) {
                (Some(&min), Some(median), Some(&max)) => Some(Stats { count: v.len(), min, median, max }),
                _ => None,
            };
            Aggregate::Distribution { stats }
        }
    }
}
