//! "Points de vigilance": the diagnostics the document was generated with.

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Report;

use super::{unnumbered, Block, Order};
use crate::text::{label_value, NBSP};

pub const TITLE: &str = "Points de vigilance";

pub(super) fn blocks(report: &Report, order: &Order, diagnostics: &[Diagnostic]) -> Vec<Block> {
    let mut out = vec![Block::Heading(unnumbered(TITLE, "vigilance"))];
    if diagnostics.is_empty() {
        out.push(Block::Paragraph("Aucun point de vigilance.".into()));
        return out;
    }
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| d.severity);
    out.push(Block::List(sorted.into_iter().map(|d| item(report, order, d)).collect()));
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Erreur",
        Severity::Warning => "Avertissement",
        Severity::Info => "Information",
    }
}

/// "Erreur BUD001 : message (voir 1.2). Conseil : hint."
fn item(report: &Report, order: &Order, d: &Diagnostic) -> String {
    let message = d.message.trim().trim_end_matches('.');
    let mut s = label_value(&format!("{} {}", severity(d.severity), d.code), message);
    if let Some(place) = place(report, order, &d.path) {
        s.push_str(&format!(" (voir{NBSP}{place})"));
    }
    s.push('.');
    if let Some(hint) = d.hint.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        s.push(' ');
        s.push_str(&label_value("Conseil", hint));
        if !hint.ends_with(['.', '!', '?', '…']) {
            s.push('.');
        }
    }
    s
}

/// Where a field path points, in the document's own numbering: "1.2.1" (an action),
/// "1.2" (a measure), "l’annexe financière". `None` for the report as a whole.
fn place(report: &Report, order: &Order, path: &str) -> Option<String> {
    if path.starts_with("annexe") {
        return Some("l’annexe financière".into());
    }
    let mi = index_after(path, "mesures[")?;
    let rest = &path[path.find(']')? + 1..];
    match index_after(rest, ".actions[") {
        Some(ai) if report.measures.get(mi).is_some_and(|m| ai < m.actions.len()) => order.action(mi, ai),
        _ => order.measure(mi).map(|pos| order.measure_number(pos)),
    }
}

/// `index_after("mesures[3].x", "mesures[")` is `Some(3)`.
fn index_after(path: &str, prefix: &str) -> Option<usize> {
    let rest = path.strip_prefix(prefix)?;
    rest[..rest.find(']')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_indices_from_paths() {
        assert_eq!(index_after("mesures[3].actions[1]", "mesures["), Some(3));
        assert_eq!(index_after(".actions[12].x", ".actions["), Some(12));
        assert_eq!(index_after("annee", "mesures["), None);
        assert_eq!(index_after("mesures[x]", "mesures["), None);
    }
}
