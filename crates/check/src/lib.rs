//! The rule catalogue. `check(report)` returns every inconsistency a careful auditor
//! would find; it never fails and never panics, whatever the report holds.
//!
//! Diagnostics name the place by field path (the TOML file's own keys), so the same
//! result can be shown against a file (line and column) or a web form field.

mod catalogue;
mod completion;
mod diagnostic;
mod formula;
mod hints;
mod narrative;
mod report_json;
mod rules;
mod transmission;

pub use catalogue::{markdown as rules_markdown, rule_by_code, Rule, RULES};
pub use completion::completion;
pub use diagnostic::{Diagnostic, FieldPath, Related, Severity};
pub use report_json::{DiagnosticDoc, FilePosition, RelatedDoc};
pub use rules::Context;
pub use transmission::{blocking, justified_keys};

use bilan_domain::Report;

/// Runs every rule of the catalogue on a report.
pub fn check(report: &Report) -> Vec<Diagnostic> {
    check_with(report, Context::default())
}

/// Runs every rule, with what the rules may compare against (last year's report).
pub fn check_with(report: &Report, context: Context<'_>) -> Vec<Diagnostic> {
    rules::Checker::new(report, context).run()
}

/// Counts by severity: (errors, warnings, infos).
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize, usize) {
    diagnostics.iter().fold((0, 0, 0), |(e, w, i), d| match d.severity {
        Severity::Error => (e + 1, w, i),
        Severity::Warning => (e, w + 1, i),
        Severity::Info => (e, w, i + 1),
    })
}
