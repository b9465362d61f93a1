//! What blocks the transmission of a report to the préfet: every error, and every warning
//! the Département has not justified. Infos never block.

use std::collections::BTreeSet;

use crate::{Diagnostic, Severity};

/// The warnings a Département has justified, as (code, path), from its justifications
/// (code, path, text): a blank text justifies nothing.
pub fn justified_keys<'a>(
    justifications: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> BTreeSet<(String, String)> {
    justifications
        .into_iter()
        .filter(|(_, _, text)| !text.trim().is_empty())
        .map(|(code, path, _)| (code.to_string(), path.to_string()))
        .collect()
}

/// The diagnostics that block transmission: errors, and warnings whose (code, path) is not
/// in `justified` (see [`justified_keys`]); in their order.
pub fn blocking<'a>(
    diagnostics: &'a [Diagnostic],
    justified: &BTreeSet<(String, String)>,
) -> Vec<&'a Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| match d.severity {
            Severity::Error => true,
            Severity::Warning => !justified.contains(&(d.code.to_string(), d.path.clone())),
            Severity::Info => false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(code: &'static str, severity: Severity, path: &str) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: String::new(),
            path: path.into(),
            label: String::new(),
            related: Vec::new(),
            hint: None,
            focus: None,
        }
    }

    #[test]
    fn errors_and_unjustified_warnings_block() {
        let diags = [
            diag("BUD001", Severity::Error, "mesures[0].actions[0].prevision.total"),
            diag("COM002", Severity::Warning, "mesures[0].actions[0].duree"),
            diag("COM002", Severity::Warning, "mesures[0].actions[1].duree"),
            diag("IND004", Severity::Warning, "mesures[1].actions[0].indicateurs"),
            diag("NAR001", Severity::Info, "mesures[0].actions[0].bilan"),
        ];
        let justified = justified_keys([
            ("COM002", "mesures[0].actions[0].duree", "Action permanente, sans durée."),
            // A blank justification (a removed one) justifies nothing.
            ("IND004", "mesures[1].actions[0].indicateurs", "  "),
            // A justification of the same code at another place does not count here.
            ("COM002", "mesures[2].actions[0].duree", "Autre action."),
        ]);
        let codes: Vec<(&str, &str)> =
            blocking(&diags, &justified).iter().map(|d| (d.code, d.path.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("BUD001", "mesures[0].actions[0].prevision.total"),
                ("COM002", "mesures[0].actions[1].duree"),
                ("IND004", "mesures[1].actions[0].indicateurs"),
            ]
        );
        // A justified error still blocks.
        let justified = justified_keys([("BUD001", "mesures[0].actions[0].prevision.total", "Voulu.")]);
        assert!(blocking(&diags[..1], &justified).len() == 1);
    }
}
