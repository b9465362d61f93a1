//! Reading and writing the TOML file of one execution report.
//!
//! Reading gives the [`Report`] and a [`SpanIndex`] that maps every field path
//! (`mesures[0].actions[1].prevision.total`, the same paths the checks report) to its
//! place in the text. Errors carry a span and a French message.

mod errors;
pub mod referentiel;
mod spans;

use std::ops::Range;

use bilan_domain::{Referentiel, Report};

pub use errors::translate_toml_message;
pub use spans::{LineIndex, SpanIndex};

/// A report read from a file, with where each of its values came from.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub report: Report,
    pub spans: SpanIndex,
}

/// Why a file could not be read as a report. The message is French and user-facing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// Byte range in the text, when the error has a place.
    pub span: Option<Range<usize>>,
}

/// Reads a report from raw bytes: the file may not even be UTF-8.
pub fn parse_bytes(bytes: &[u8]) -> Result<(String, Parsed), ParseError> {
    parse_bytes_in(bytes, referentiel::builtin())
}

/// [`parse_bytes`] against given reference data (its programmes are the known ones).
pub fn parse_bytes_in(bytes: &[u8], known: &Referentiel) -> Result<(String, Parsed), ParseError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            let at = e.valid_up_to();
            // Show what we can: the text up to the bad byte, so the span points at it.
            return Err(ParseError {
                message: format!(
                    "le fichier n'est pas encodé en UTF-8 (octet invalide à la position {at}) : \
                     enregistrez-le en UTF-8 depuis votre éditeur"
                ),
                span: Some(at..at),
            });
        }
    };
    let parsed = parse_str_in(&text, known)?;
    Ok((text, parsed))
}

/// Reads a report from its TOML text. Its programme must be one of the repository's
/// reference data ([`referentiel::builtin`]).
pub fn parse_str(text: &str) -> Result<Parsed, ParseError> {
    parse_str_in(text, referentiel::builtin())
}

/// [`parse_str`] against given reference data (its programmes are the known ones).
pub fn parse_str_in(text: &str, known: &Referentiel) -> Result<Parsed, ParseError> {
    let text_no_bom = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let offset = text.len() - text_no_bom.len();
    let shift = |r: Range<usize>| (r.start + offset)..(r.end + offset);
    // The text is parsed once: the span index walks the document, then serde reads the
    // report from that same document.
    let root = toml::de::DeTable::parse(text_no_bom).map_err(|e| ParseError {
        message: translate_toml_message(e.message()),
        span: e.span().map(shift),
    })?;
    let spans = SpanIndex::from_document(&root);
    let report: Report = serde::Deserialize::deserialize(toml::de::Deserializer::from(root)).map_err(
        |e: toml::de::Error| ParseError {
            message: translate_toml_message(e.message()),
            span: e.span().map(shift),
        },
    )?;
    let spans = spans.shifted(offset);
    if known.programme(&report.programme).is_none() {
        return Err(ParseError {
            message: format!(
                "programme « {} » inconnu : valeurs possibles {}",
                report.programme,
                referentiel::quoted_ids(known)
            ),
            span: spans.value_span("programme"),
        });
    }
    if let Some(c) = report.collectivite {
        if !c.covers(report.department) {
            return Err(ParseError {
                message: format!(
                    "la collectivité {} ne couvre pas le département {} (elle couvre : {}) : \
                     « departement » doit être l'un de ses territoires",
                    c.label(),
                    bilan_domain::geo::department_label(report.department.as_str()),
                    c.territories().join(", ")
                ),
                span: spans.value_span("collectivite"),
            });
        }
    }
    Ok(Parsed { report, spans })
}

/// Writes a report as TOML, in the same layout a person would write.
pub fn to_toml(report: &Report) -> String {
    let body = toml::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialising our own types cannot fail except on a serializer bug; degrade to a
        // comment rather than panic so a user never loses the command's other output.
        format!("# erreur interne d'écriture : {e}\n")
    });
    body
}
