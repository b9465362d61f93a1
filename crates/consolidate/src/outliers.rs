//! Figures far from the others, for the State's analysis.
//!
//! # Rules
//!
//! **"Far"** means outside the quartile fences [Q1 − 1,5 × IQR ; Q3 + 1,5 × IQR] of the
//! population the figure belongs to, with quartiles interpolated as the spreadsheet
//! function QUARTILE.INCLUS does, computed exactly on integers ([`Fences`]). A population
//! of fewer than [`crate::stats::MIN_POPULATION`] figures raises no flag. When all figures but one are
//! equal (IQR = 0) the different one is flagged: that is the method, stated as is.
//!
//! Populations are drawn from the reports that count for the consolidation (transmitted
//! or approved, see [`crate::consolidation`]) and compared only with like figures:
//!
//! - **Cost per person accompanied**, per action: spent (as read by [`crate::figures`])
//!   ÷ the number of people, in cents per person rounded to the nearest cent. The number
//!   of people is the sum of the results of the action's indicators whose normalised name
//!   contains "accompagn" or "participant", whose unit is `nombre` or not stated, whose
//!   name does not describe a share, a delay, an average or an exit ("taux", "%",
//!   "délai", "moyen", "sortie"), and whose result is a positive figure. Actions are
//!   compared within their measure group (as matched by the consolidation).
//! - **Execution rate** (spent / planned) of each Département on each measure group,
//!   compared within the group; and of each Département over its whole report, compared
//!   across Départements. Rates are compared in millionths (rounded), i.e. exactly to
//!   0,0001 %.
//! - **Year-to-year jump** of an indicator, for one Département ([`year_over_year`]):
//!   result N against result N−1 of the same indicator (same measure group, same
//!   normalised name, same rank among homonyms), flagged when N > 3 × (N−1) or
//!   N < (N−1) / 3, compared exactly. A previous result of 0 or missing gives no ratio
//!   and no flag (actions often start from zero); values in two different stated units
//!   are not compared.

use bilan_domain::{CollectiviteCode, IndicatorUnit, IndicatorValue, Money, Report};

use crate::consolidation::{consolidate, measure_key, select, MeasureKey, ReportState, Scope};
use crate::figures::ActionFigures;
use crate::stats::{clamp_i64, div_round, Fences, Position, Rate};
use crate::text::{normalise, signatory_of};
use crate::{action_path, Provenance};

/// What was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlierKind {
    CostPerPerson,
    ExecutionRate,
    IndicatorJump,
}

/// Which side of the others the figure lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    High,
    Low,
}

/// One flagged figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlier {
    pub kind: OutlierKind,
    pub direction: Direction,
    pub signatory: CollectiviteCode,
    pub year: i32,
    /// The action concerned ("" for a measure or a whole report).
    pub action: String,
    /// The measure group (cost, rate) or the indicator (jump).
    pub subject: String,
    /// The figure, as an integer: cents per person (cost), millionths (rate), hundredths
    /// of the N / N−1 ratio (jump).
    pub value: i64,
    /// The fences it fell outside (`None` for a jump: the rule is a ratio).
    pub fences: Option<Fences>,
    /// The fields the figure was computed from.
    pub sources: Vec<Provenance>,
    /// French, for the reviewer.
    pub message: String,
}

fn money_text(cents: i64) -> String {
    Money::from_cents(cents).to_french()
}

fn ppm_text(ppm: i64) -> String {
    Rate::new(ppm, 1_000_000).map(Rate::to_french).unwrap_or_default()
}

fn number_text(hundredths: i64) -> String {
    bilan_domain::money::format_number(hundredths, 2, false)
}

fn is_people_indicator(name: &str, unit: Option<IndicatorUnit>) -> bool {
    let n = normalise(name);
    matches!(unit, None | Some(IndicatorUnit::Count))
        && (n.contains("accompagn") || n.contains("participant"))
        && !["taux", "%", "delai", "moyen", "sortie"].iter().any(|w| n.contains(w))
}

struct Candidate {
    signatory: CollectiviteCode,
    year: i32,
    action: String,
    value: i64,
    detail: String,
    sources: Vec<Provenance>,
}

fn flag(
    kind: OutlierKind,
    subject: &str,
    population: &[Candidate],
    what: &str,
    others: &str,
    fmt: fn(i64) -> String,
    unit_plural: &str,
) -> Vec<Outlier> {
    let values: Vec<i64> = population.iter().map(|c| c.value).collect();
    let Some(fences) = Fences::of(&values) else { return Vec::new() };
    let lower = fences.lower().max(0);
    let range = format!("de {} à {}", fmt(lower), fmt(fences.upper().max(lower)));
    population
        .iter()
        .filter_map(|c| {
            let direction = match fences.position(c.value) {
                Position::Inside => return None,
                Position::Above => Direction::High,
                Position::Below => Direction::Low,
            };
            let side = match direction {
                Direction::High => "nettement plus élevé",
                Direction::Low => "nettement plus bas",
            };
            let place = if c.action.is_empty() {
                signatory_of(c.signatory)
            } else {
                format!("action {} ({})", c.action, signatory_of(c.signatory))
            };
            let message = format!(
                "{what} {side} {others} : {place}, {} ({}) ; pour « {subject} », les valeurs habituelles vont {range} \
                 (méthode des quartiles sur {} {unit_plural}).",
                fmt(c.value),
                c.detail,
                fences.population
            );
            Some(Outlier {
                kind,
                direction,
                signatory: c.signatory,
                year: c.year,
                action: c.action.clone(),
                subject: subject.to_string(),
                value: c.value,
                fences: Some(fences),
                sources: c.sources.clone(),
                message,
            })
        })
        .collect()
}

/// Cost per person and execution rates across the Départements of `scope`. See the
/// module rules. Populations smaller than [`crate::stats::MIN_POPULATION`] raise nothing.
pub fn across_signatories(scope: &Scope, reports: &[(ReportState, &Report)]) -> Vec<Outlier> {
    let mut out = Vec::new();

    // Cost per person, per measure group.
    let (kept, _) = select(scope, reports);
    let mut costs: Vec<(MeasureKey, String, Vec<Candidate>)> = Vec::new();
    for (_, r) in &kept {
        for (mi, m) in r.measures.iter().enumerate() {
            let (key, title, _) = measure_key(&scope.programme, scope.year, m);
            for (ai, a) in m.actions.iter().enumerate() {
                let figs = ActionFigures::of(r, mi, ai, a);
                let Some(spent) = figs.spent.filter(|s| s.value >= Money::ZERO) else { continue };
                let mut people: i128 = 0;
                let mut sources: Vec<Provenance> = spent.sources.iter().map(|s| s.at.clone()).collect();
                for (ii, ind) in a.indicators.iter().enumerate() {
                    let Some(q) = ind.result.as_ref().and_then(IndicatorValue::figure) else { continue };
                    if q.hundredths() > 0 && is_people_indicator(&ind.name, ind.unit) {
                        people += i128::from(q.hundredths());
                        sources.push(Provenance::new(
                            r,
                            &a.number,
                            format!("{}.indicateurs[{ii}].resultat", action_path(mi, ai)),
                        ));
                    }
                }
                if people <= 0 {
                    continue;
                }
                // cents / (hundredths / 100) = cents × 100 / hundredths.
                let cost = clamp_i64(div_round(i128::from(spent.value.cents()) * 100, people));
                let candidate = Candidate {
                    signatory: r.signatory(),
                    year: r.year,
                    action: a.number.clone(),
                    value: cost,
                    detail: format!(
                        "{} consommés pour {} personnes",
                        spent.value.to_french(),
                        number_text(clamp_i64(people))
                    ),
                    sources,
                };
                match costs.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, _, v)) => v.push(candidate),
                    None => costs.push((key.clone(), title.clone(), vec![candidate])),
                }
            }
        }
    }
    for (_, title, population) in &costs {
        out.extend(flag(
            OutlierKind::CostPerPerson,
            title,
            population,
            "Coût par personne accompagnée",
            "que pour les autres actions de la mesure",
            money_text,
            "actions",
        ));
    }

    // Execution rates, per measure group and over whole reports.
    let c = consolidate(scope, reports);
    let rate_candidate = |signatory: CollectiviteCode, f: &crate::figures::Figures| {
        f.execution_rate().map(|rate| Candidate {
            signatory,
            year: c.year,
            action: String::new(),
            value: rate.parts_per_million(),
            detail: format!(
                "{} consommés sur {} prévus",
                f.spent.value.to_french(),
                f.planned.value.to_french()
            ),
            sources: f.spent.sources.iter().chain(&f.planned.sources).map(|s| s.at.clone()).collect(),
        })
    };
    for m in &c.measures {
        let population: Vec<Candidate> =
            m.cells.iter().filter_map(|cell| rate_candidate(cell.signatory, &cell.figures)).collect();
        out.extend(flag(
            OutlierKind::ExecutionRate,
            &m.title,
            &population,
            "Taux d'exécution",
            "que dans les autres collectivités",
            ppm_text,
            "collectivités",
        ));
    }
    let population: Vec<Candidate> =
        c.signatories.iter().filter_map(|d| rate_candidate(d.signatory, &d.figures)).collect();
    out.extend(flag(
        OutlierKind::ExecutionRate,
        "l'ensemble des mesures",
        &population,
        "Taux d'exécution",
        "que dans les autres collectivités",
        ppm_text,
        "collectivités",
    ));
    out
}

struct Occurrence {
    key: (MeasureKey, String),
    name: String,
    unit: Option<IndicatorUnit>,
    value: Option<i64>,
    action: String,
    at: Provenance,
}

fn occurrences(r: &Report) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for (mi, m) in r.measures.iter().enumerate() {
        let (mkey, _, _) = measure_key(&r.programme, r.year, m);
        for (ai, a) in m.actions.iter().enumerate() {
            for (ii, ind) in a.indicators.iter().enumerate() {
                out.push(Occurrence {
                    key: (mkey.clone(), normalise(&ind.name)),
                    name: ind.name.trim().to_string(),
                    unit: ind.unit,
                    value: ind.result.as_ref().and_then(IndicatorValue::figure).map(|q| q.hundredths()),
                    action: a.number.clone(),
                    at: Provenance::new(
                        r,
                        &a.number,
                        format!("{}.indicateurs[{ii}].resultat", action_path(mi, ai)),
                    ),
                });
            }
        }
    }
    out
}

/// The indicators of `current` (year N) whose result jumped by more than a factor 3
/// from `previous` (year N−1) of the same Département. See the module rules.
///
/// Errors (French) when the two reports are not of the same Département or not of
/// consecutive years.
pub fn year_over_year(current: &Report, previous: &Report) -> Result<Vec<Outlier>, String> {
    if current.signatory() != previous.signatory() {
        return Err(format!(
            "les deux rapports ne concernent pas la même collectivité ({} et {})",
            crate::text::signatory_label(current.signatory()),
            crate::text::signatory_label(previous.signatory())
        ));
    }
    if previous.year != current.year.saturating_sub(1) {
        return Err(format!(
            "le rapport précédent doit être celui de {}, pas celui de {}",
            current.year.saturating_sub(1),
            previous.year
        ));
    }
    let before = occurrences(previous);
    let now = occurrences(current);
    let mut out = Vec::new();
    for (i, o) in now.iter().enumerate() {
        // Rank of this occurrence among its homonyms, matched with the same rank before.
        let rank = now.iter().take(i).filter(|p| p.key == o.key).count();
        let Some(prev) = before.iter().filter(|p| p.key == o.key).nth(rank) else { continue };
        if let (Some(a), Some(b)) = (prev.unit, o.unit) {
            if a != b {
                continue;
            }
        }
        let (Some(cur), Some(old)) = (o.value, prev.value) else { continue };
        if old <= 0 || cur < 0 {
            continue;
        }
        let (cur128, old128) = (i128::from(cur), i128::from(old));
        let direction = if cur128 > 3 * old128 {
            Direction::High
        } else if 3 * cur128 < old128 {
            Direction::Low
        } else {
            continue;
        };
        let ratio = clamp_i64(div_round(cur128 * 100, old128));
        let unit = o.unit.or(prev.unit);
        let q = |h: i64| crate::consolidation::quantity_french(h, unit);
        let change = match direction {
            Direction::High => format!("soit × {} : hausse de plus du triple", number_text(ratio)),
            Direction::Low if cur == 0 => "soit une chute à zéro".to_string(),
            Direction::Low => format!(
                "soit ÷ {} : baisse de plus des deux tiers",
                number_text(clamp_i64(div_round(old128 * 100, cur128)))
            ),
        };
        let message = format!(
            "L'indicateur « {} » (action {}) passe de {} en {} à {} en {}, {change}, à vérifier ou à justifier.",
            o.name,
            o.action,
            q(old),
            previous.year,
            q(cur),
            current.year
        );
        out.push(Outlier {
            kind: OutlierKind::IndicatorJump,
            direction,
            signatory: current.signatory(),
            year: current.year,
            action: o.action.clone(),
            subject: o.name.clone(),
            value: ratio,
            fences: None,
            sources: vec![o.at.clone(), prev.at.clone()],
            message,
        });
    }
    Ok(out)
}
