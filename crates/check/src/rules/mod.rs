//! The checks, grouped as in the catalogue. Each walks the report in document order.

mod annex;
mod budget;
mod dates;
mod indicators;
mod structure;
mod text;

use bilan_domain::{Money, Report, Rounding};

use crate::catalogue::rule_by_code;
use crate::hints;
use crate::{Diagnostic, Related, Severity};

/// What a check may look at besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Last year's report of the same Département, for baselines.
    pub previous: Option<&'a Report>,
}

pub(crate) struct Checker<'a> {
    pub report: &'a Report,
    pub context: Context<'a>,
    pub out: Vec<Diagnostic>,
}

pub(crate) fn action_path(mi: usize, ai: usize) -> String {
    format!("mesures[{mi}].actions[{ai}]")
}

impl<'a> Checker<'a> {
    pub fn new(report: &'a Report, context: Context<'a>) -> Self {
        Checker { report, context, out: Vec::new() }
    }

    pub fn run(mut self) -> Vec<Diagnostic> {
        structure::check(&mut self);
        for (mi, _, ai, action) in self.report.actions() {
            let path = action_path(mi, ai);
            budget::check_action(&mut self, &path, action);
            indicators::check_action(&mut self, &path, action);
            text::check_action(&mut self, &path, action);
            dates::check_action(&mut self, &path, action);
        }
        annex::check(&mut self);
        text::check_report(&mut self);
        dates::check_report(&mut self);
        self.out
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
