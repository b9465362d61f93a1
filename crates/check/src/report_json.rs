//! The one serialisable shape of a diagnostic, shared by `bilan check --format json` and
//! the REST API (`GET /api/v1/rapports/{id}/diagnostics`, schema `Diagnostic` of
//! `docs/openapi.json`): French field names, written once here so the two cannot drift.
//!
//! Only `serde::Serialize` is derived: this crate stays free of any format crate.
//!
//! Fields (all always present unless said otherwise):
//! - `code`: stable rule code ("BUD001", docs/rules.md);
//! - `gravite`: "erreur", "avertissement" or "info";
//! - `message`: the French sentence;
//! - `chemin`: field path ("mesures[3].actions[1].prevision.total");
//! - `libelle`: short text under the field ("déclaré : 145 648,26 €"), sometimes empty;
//! - `aide`: advice to fix it, or `null`;
//! - `voir_aussi`: other fields that explain it, each `{chemin, libelle}`;
//! - `justification`: the justification recorded in the application for this
//!   (code, chemin), or `null` (always `null` from the command line: a file has none);
//! - `ligne`, `colonne`, `ligne_fin`, `colonne_fin` (command line only, omitted when
//!   unknown or in the API): where the field is in the TOML file, 1-based, also on each
//!   entry of `voir_aussi`.

use serde::Serialize;

use crate::{Diagnostic, Related};

/// A place in a report file: start and end, lines and columns counted from 1.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePosition {
    pub ligne: usize,
    pub colonne: usize,
    pub ligne_fin: usize,
    pub colonne_fin: usize,
}

/// Another field that explains a diagnostic.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct RelatedDoc {
    pub chemin: String,
    pub libelle: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<FilePosition>,
}

/// A diagnostic as JSON documents show it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticDoc {
    pub code: &'static str,
    pub gravite: &'static str,
    pub message: String,
    pub chemin: String,
    pub libelle: String,
    pub aide: Option<String>,
    pub voir_aussi: Vec<RelatedDoc>,
    pub justification: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<FilePosition>,
}

impl From<Related> for RelatedDoc {
    fn from(r: Related) -> RelatedDoc {
        RelatedDoc { chemin: r.path, libelle: r.label, position: None }
    }
}

impl From<Diagnostic> for DiagnosticDoc {
    /// Without justification nor position: the caller adds what it knows.
    fn from(d: Diagnostic) -> DiagnosticDoc {
        DiagnosticDoc {
            code: d.code,
            gravite: d.severity.label(),
            message: d.message,
            chemin: d.path,
            libelle: d.label,
            aide: d.hint,
            voir_aussi: d.related.into_iter().map(RelatedDoc::from).collect(),
            justification: None,
            position: None,
        }
    }
}

impl From<&Diagnostic> for DiagnosticDoc {
    fn from(d: &Diagnostic) -> DiagnosticDoc {
        DiagnosticDoc::from(d.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    #[test]
    fn carries_every_fact_of_the_diagnostic() {
        let d = Diagnostic {
            code: "BUD001",
            severity: Severity::Error,
            message: "écart".into(),
            path: "mesures[0].actions[0].prevision.total".into(),
            label: "déclaré : 1 €".into(),
            related: vec![Related {
                path: "mesures[0].actions[0].prevision.part_cd".into(),
                label: "CD".into(),
            }],
            hint: Some("conseil".into()),
            focus: None,
        };
        let doc = DiagnosticDoc::from(&d);
        assert_eq!((doc.code, doc.gravite), ("BUD001", "erreur"));
        assert_eq!(doc.chemin, d.path);
        assert_eq!(doc.libelle, d.label);
        assert_eq!(doc.aide.as_deref(), Some("conseil"));
        assert_eq!(doc.voir_aussi[0].chemin, d.related[0].path);
        assert_eq!((doc.justification, doc.position), (None, None));
    }
}
