//! What a check reports: a stable code, a severity, a French message, a place, a hint.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Blocks transmission.
    Error,
    /// Needs a justification tied to the diagnostic before transmission.
    Warning,
    /// For the reader; asks nothing.
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "erreur",
            Severity::Warning => "avertissement",
            Severity::Info => "info",
        }
    }

    /// The label as a heading or at the start of a sentence: "Erreur", "Avertissement".
    pub fn title(self) -> &'static str {
        match self {
            Severity::Error => "Erreur",
            Severity::Warning => "Avertissement",
            Severity::Info => "Info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A field path in the report, in the TOML file's own keys:
/// `mesures[0].actions[1].prevision.total`. The same path names a form field in the web
/// application and a value in a file, so one diagnostic can be shown in both.
pub type FieldPath = String;

/// A secondary place that explains the diagnostic ("le détail donne 145 468,26 €").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub path: FieldPath,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code ("BUD001"), documented in docs/rules.md.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub path: FieldPath,
    /// Short text under the primary place ("déclaré : 145 648,26 €").
    pub label: String,
    pub related: Vec<Related>,
    pub hint: Option<String>,
    /// The words of the field the diagnostic is about (a template instruction inside a
    /// long narrative), so a viewer can point at them rather than at the whole field.
    pub focus: Option<String>,
}
