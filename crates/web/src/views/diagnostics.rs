//! The diagnostics panel of a report (errors, warnings with their justification forms,
//! infos), the one-line diagnostic of the overview and the action page, and the refusals
//! of a justification.

use std::collections::BTreeMap;

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Report;
use maud::{html, Markup};

use crate::service::diagnostics::{Checked, MAX_JUSTIFICATION};
use crate::service::forms::field_id;
use crate::service::values::link_for;
use crate::views::components::{alert, csrf_input, hidden, multiline};

/// The id suffix of a diagnostic: `COM002-mesures-0-actions-1-duree`.
pub fn key_id(code: &str, path: &str) -> String {
    let field = field_id(path);
    format!("{code}-{}", field.trim_start_matches("champ-"))
}

fn class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "info",
    }
}

/// One diagnostic on a line, with a link to its field (`link`, see
/// [`crate::service::values::link_for`]) and a badge when it is justified.
pub fn diag_line(link: &str, d: &Diagnostic, justified: bool) -> Markup {
    html! {
        li class={ "diag-" (class(d.severity)) " fr-mb-1w" } data-code=(d.code) data-chemin=(d.path) {
            strong { (d.severity.title()) " " (d.code) }
            @if justified { " " span class="fr-badge fr-badge--sm fr-badge--success" { "justifié" } }
            " : " (d.message) " "
            a class="fr-link fr-link--sm" href=(link) { "Aller au champ" span class="fr-sr-only" { " " (d.path) } }
        }
    }
}

/// What the panel shows.
pub struct Panel<'a> {
    pub id: i64,
    pub report: &'a Report,
    pub checked: &'a Checked,
    /// The user may justify warnings (then `csrf` is their form token).
    pub can_justify: bool,
    pub csrf: &'a str,
    /// A justification was just saved.
    pub saved: bool,
}

/// `/rapports/{id}/diagnostics`.
pub fn panel(p: &Panel<'_>) -> Markup {
    let (errors, warnings, infos) = p.checked.counts();
    let open = p.checked.blocking().len();
    // A (code, path) met again gets `-2`, `-3`… after its id.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    html! {
        h1 { "Diagnostics" }
        p id="resume-diagnostics" {
            (errors) " erreur(s), " (warnings) " avertissement(s), " (infos) " information(s). "
            strong { (open) " point(s) bloquent la transmission" }
            " : les erreurs doivent être corrigées, chaque avertissement doit être corrigé ou justifié."
        }
        @if p.saved {
            (alert("success", "enregistre", "Justification enregistrée", html! { p { "La justification a été enregistrée." } }))
        }
        @for (severity, title, sid) in [
            (Severity::Error, "Erreurs", "erreurs"),
            (Severity::Warning, "Avertissements", "avertissements"),
            (Severity::Info, "Informations", "informations"),
        ] {
            @let list: Vec<&Diagnostic> = p.checked.diagnostics.iter().filter(|d| d.severity == severity).collect();
            h2 id=(sid) { (title) " (" (list.len()) ")" }
            @if list.is_empty() {
                p { "Aucun." }
            } @else {
                ul class="fr-raw-list" {
                    @for d in list {
                        @let key = key_id(d.code, &d.path);
                        @let n = {
                            let n = seen.entry(key.clone()).or_insert(0);
                            *n += 1;
                            *n
                        };
                        (item(p, d, &key, n))
                    }
                }
            }
        }
    }
}

/// One diagnostic of the panel; `n` counts the diagnostics with the same (code, path).
fn item(p: &Panel<'_>, d: &Diagnostic, key: &str, n: usize) -> Markup {
    let item_id = if n == 1 { format!("diag-{key}") } else { format!("diag-{key}-{n}") };
    let existing = p.checked.justification(d.code, &d.path);
    html! {
        li id=(item_id) class={ "diag-" (class(d.severity)) " fr-mb-3w" } data-code=(d.code) data-chemin=(d.path) {
            p class="fr-mb-1w" { strong { (d.severity.title()) " " (d.code) } " : " (d.message) }
            @if !d.label.is_empty() { p class="fr-text--sm fr-mb-1w" { (d.label) } }
            @if let Some(hint) = &d.hint { p class="fr-text--sm fr-mb-1w" { "Conseil : " (hint) } }
            p class="fr-mb-1w" {
                a class="fr-link" href=(link_for(p.id, p.report, &d.path)) { "Corriger le champ " code { (d.path) } }
                @for rel in &d.related {
                    " · "
                    a class="fr-link fr-link--sm" href=(link_for(p.id, p.report, &rel.path)) {
                        (if rel.label.is_empty() { &rel.path } else { &rel.label })
                    }
                }
            }
            @if d.severity == Severity::Warning && n == 1 {
                @if let Some(j) = existing {
                    p class="fr-badge fr-badge--success fr-badge--sm" { "justifié" }
                    blockquote class="fr-mb-1w" id={ "justification-texte-" (key) } { (multiline(&j.text)) }
                }
                @if p.can_justify {
                    form method="post" action={ "/rapports/" (p.id) "/justifications" } id={ "form-justification-" (key) } {
                        (csrf_input(p.csrf))
                        (hidden("code", d.code))
                        (hidden("chemin", &d.path))
                        div class="fr-input-group" {
                            label class="fr-label" for={ "justification-" (key) } {
                                "Justification (une phrase)"
                                span class="fr-sr-only" { " de l’avertissement " (d.code) " sur " (d.path) }
                                span class="fr-hint-text" { "Laisser vide pour retirer la justification" }
                            }
                            textarea class="fr-input" id={ "justification-" (key) } name="justification" rows="2"
                                maxlength=(MAX_JUSTIFICATION) { (existing.map(|j| j.text.as_str()).unwrap_or("")) }
                        }
                        button class="fr-btn fr-btn--sm fr-btn--secondary" type="submit" id={ "bouton-justifier-" (key) } {
                            "Enregistrer la justification"
                        }
                    }
                }
            }
        }
    }
}

/// The refusal of a justification longer than [`MAX_JUSTIFICATION`].
pub fn too_long() -> Markup {
    html! { p { "Une justification tient en une phrase (2 000 caractères au plus). Rien n’a été enregistré." } }
}

/// The refusal of a justification of a warning that no longer exists.
pub fn no_such_warning() -> Markup {
    html! { p { "Cet avertissement n’existe plus dans la version actuelle du rapport (il a peut-être été corrigé). Rien n’a été enregistré." } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_escapes_the_message_and_links_its_field() {
        let d = Diagnostic {
            code: "TXT001",
            severity: Severity::Warning,
            message: "consigne « <b>x</b> »".into(),
            path: "mesures[0].actions[0].description".into(),
            label: String::new(),
            related: Vec::new(),
            hint: None,
            focus: None,
        };
        let h = diag_line("/rapports/1/actions/1.1.1#champ-x", &d, true).into_string();
        assert!(h.starts_with(
            "<li class=\"diag-avertissement fr-mb-1w\" data-code=\"TXT001\" data-chemin=\"mesures[0].actions[0].description\">"
        ));
        assert!(h.contains("<strong>Avertissement TXT001</strong> <span class=\"fr-badge fr-badge--sm fr-badge--success\">justifié</span> : consigne « &lt;b&gt;x&lt;/b&gt; » <a"));
        assert_eq!(key_id("COM002", "mesures[0].actions[1].duree"), "COM002-mesures-0-actions-1-duree");
    }
}
