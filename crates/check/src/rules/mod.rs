//! The checks, grouped as in the catalogue. Each walks the report in document order.

mod annex;
mod budget;
mod dates;
mod indicators;
mod narrative;
mod structure;
mod text;

pub(crate) use text::has_own_text;

use bilan_domain::{Money, Programme, Report, Rounding};

use crate::catalogue::rule_by_code;
use crate::hints;
use crate::{Diagnostic, Related, Severity};

/// What a check may look at besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Last year's report of the same Département, for baselines.
    pub previous: Option<&'a Report>,
    /// The report's programme in the reference data (`bilan_source::referentiel`): its
    /// ceilings and tolerances, years, measures and indicator catalogue. Without it the
    /// rules use the usual values (50 %, ×3, 25 %) and skip what needs the catalogue.
    pub programme: Option<&'a Programme>,
}

pub(crate) struct Checker<'a> {
    pub report: &'a Report,
    pub context: Context<'a>,
    pub out: Vec<Diagnostic>,
}

/// The number of the action a field path points into.
fn key_action<'r>(report: &'r Report, path: &str) -> Option<&'r str> {
    let rest = path.strip_prefix("mesures[")?;
    let (mi, rest) = rest.split_once("].actions[")?;
    let ai = rest.split(']').next()?;
    let action = report.measures.get(mi.parse::<usize>().ok()?)?.actions.get(ai.parse::<usize>().ok()?)?;
    Some(action.number.as_str())
}

pub(crate) fn action_path(mi: usize, ai: usize) -> String {
    format!("mesures[{mi}].actions[{ai}]")
}

impl<'a> Checker<'a> {
    pub fn new(report: &'a Report, context: Context<'a>) -> Self {
        Checker { report, context, out: Vec::new() }
    }

    /// The report's programme, when the context gives it (and it is the report's).
    pub fn programme(&self) -> Option<&'a Programme> {
        self.context.programme.filter(|p| p.id == self.report.programme)
    }

    pub fn run(mut self) -> Vec<Diagnostic> {
        structure::check(&mut self);
        for (mi, _, ai, action) in self.report.actions() {
            let path = action_path(mi, ai);
            budget::check_action(&mut self, &path, action);
            indicators::check_action(&mut self, &path, action);
            indicators::check_copies(&mut self, &path, action);
            narrative::check_action(&mut self, &path, action);
            text::check_action(&mut self, &path, action);
            dates::check_action(&mut self, &path, action);
        }
        indicators::check_catalogue(&mut self);
        annex::check(&mut self);
        text::check_report(&mut self);
        dates::check_report(&mut self);
        self.group_rounding_gaps();
        self.out
    }

    /// ANX007: the sub-euro gaps of an annex printed to the euro are one information per
    /// annex group (and one for its total), not one per figure.
    fn group_rounding_gaps(&mut self) {
        let report = self.report;
        let group_of_action =
            |number: &str| report.annex.groups.iter().position(|g| g.actions.iter().any(|n| n == number));
        let key_of = |path: &str| -> Option<usize> {
            if let Some(rest) = path.strip_prefix("annexe.groupes[") {
                return rest.split(']').next()?.parse().ok();
            }
            group_of_action(key_action(report, path)?)
        };
        let is_rounding =
            |d: &Diagnostic| d.severity == Severity::Info && d.hint.as_deref() == Some(hints::ROUNDING_HINT);
        let mut by_group: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, d) in self.out.iter().enumerate() {
            if !is_rounding(d) {
                continue;
            }
            let Some(g) = key_of(&d.path) else { continue };
            match by_group.iter_mut().find(|(k, _)| *k == g) {
                Some((_, v)) => v.push(i),
                None => by_group.push((g, vec![i])),
            }
        }
        let mut merged: Vec<(usize, Diagnostic)> = Vec::new();
        let mut drop = Vec::new();
        for (g, members) in by_group.into_iter().filter(|(_, v)| v.len() > 1) {
            let label = report.annex.groups.get(g).map_or("", |x| x.label.as_str());
            let mut items = Vec::new();
            let mut related = Vec::new();
            for &i in &members {
                let d = &self.out[i];
                let gap =
                    d.message.strip_prefix("écart de ").and_then(|m| m.split(" entre ").next()).unwrap_or("");
                let what = d.message.split_once(" entre ").map_or("", |(_, w)| w);
                let what = what.split(" (").next().unwrap_or(what);
                let action = d.path.starts_with("mesures[").then(|| {
                    key_action(report, &d.path).map(|n| format!("action {n}, ")).unwrap_or_default()
                });
                let what = what.replace(&format!(" du groupe « {label} »"), "");
                items.push(format!("{}{what} ({gap})", action.unwrap_or_default()));
                related.push(Related { path: d.path.clone(), label: format!("{} : {gap}", d.code) });
            }
            let diag = Diagnostic {
                code: "ANX007",
                severity: Severity::Info,
                message: format!(
                    "{} écarts d'arrondi à l'euro dans le groupe « {label} » de l'annexe : {}",
                    members.len(),
                    items.join(" ; ")
                ),
                path: format!("annexe.groupes[{g}]"),
                label: "annexe imprimée à l'euro près".into(),
                related,
                hint: Some(hints::ROUNDING_HINT.to_string()),
                focus: None,
            };
            merged.push((members[0], diag));
            drop.extend(members);
        }
        if merged.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.out);
        for (i, d) in old.into_iter().enumerate() {
            if let Some((_, m)) = merged.iter().find(|(first, _)| *first == i) {
                self.out.push(m.clone());
            } else if !drop.contains(&i) {
                self.out.push(d);
            }
        }
    }

    /// Adds a diagnostic with the catalogue's severity for `code`.
    pub fn emit(
        &mut self,
        code: &'static str,
        path: String,
        message: String,
        label: String,
    ) -> &mut Diagnostic {
        let severity = rule_by_code(code).map_or(Severity::Error, |r| r.severity);
        self.out.push(Diagnostic {
            code,
            severity,
            message,
            path,
            label,
            related: Vec::new(),
            hint: None,
            focus: None,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    /// How many rounded figures a sum of annex lines carries (0 when the annex is exact).
    pub fn rounded_terms(&self, n: usize) -> usize {
        match self.report.annex.rounding {
            Rounding::Euro => n,
            Rounding::Cent => 0,
        }
    }

    /// Reports `declared ≠ computed` as `code`; a gap within the annex's rounding becomes
    /// an info. Returns the diagnostic to add related places and hints.
    #[allow(clippy::too_many_arguments)]
    pub fn mismatch(
        &mut self,
        code: &'static str,
        path: String,
        what: &str,
        declared: Money,
        against: &str,
        computed: Money,
        rounded_terms: usize,
    ) -> Option<&mut Diagnostic> {
        if declared == computed {
            return None;
        }
        let diff = declared.sub(computed);
        let message = format!(
            "écart de {} entre {what} ({}) et {against} ({})",
            diff.abs().to_french(),
            declared.to_french(),
            computed.to_french()
        );
        let rounding = hints::within_rounding(diff, rounded_terms);
        let d = self.emit(code, path, message, format!("déclaré : {}", declared.to_french()));
        if rounding {
            d.severity = Severity::Info;
            d.hint = Some(hints::ROUNDING_HINT.to_string());
        } else {
            d.hint = hints::transposition(declared, computed);
        }
        Some(d)
    }
}

impl Diagnostic {
    pub(crate) fn related(&mut self, path: String, label: String) -> &mut Self {
        self.related.push(Related { path, label });
        self
    }
    pub(crate) fn focus_on(&mut self, focus: String) -> &mut Self {
        self.focus = Some(focus);
        self
    }
    pub(crate) fn hint_if_none(&mut self, hint: Option<String>) -> &mut Self {
        if self.hint.is_none() {
            self.hint = hint;
        }
        self
    }
}
