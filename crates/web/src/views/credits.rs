//! The credits page (`/rapports/{id}/credits`): the reviewer's form (N+1 amount, a
//! decision and a reason per carry-over line) and the note, as `bilan-render` writes it
//! for every format.

use bilan_consolidate::{CreditsNote, Decision};
use maud::{html, Markup, PreEscaped};

use crate::service::credits::CreditInputs;
use crate::service::report::Loaded;
use crate::views::components::{alert, csrf_input, hidden};

/// What the credits page shows.
pub struct CreditsPage<'a> {
    pub loaded: &'a Loaded,
    pub inputs: &'a CreditInputs,
    /// The computation with the stored decisions (the amount or zero).
    pub preview: &'a CreditsNote,
    /// The note's header facts.
    pub meta: &'a bilan_render::NoteMeta,
    /// The rules of the programme, in French.
    pub rules: String,
    /// The form's CSRF token when the user decides on the credits.
    pub decide: Option<&'a str>,
    /// Just saved (`?enregistre=1`).
    pub saved: bool,
    /// Why the form was not saved.
    pub errors: Option<&'a [String]>,
}

/// "Crédits 2020": the page's name, for the title and the breadcrumb.
pub fn name(l: &Loaded) -> String {
    format!("Crédits {}", l.stored.summary.year + 1)
}

pub fn page(p: &CreditsPage<'_>) -> Markup {
    let l = p.loaded;
    let id = l.id();
    let s = &l.stored.summary;
    let next = s.year + 1;
    html! {
        h1 #titre-credits { "Crédits " (next) " – " (bilan_domain::collectivite::label(&s.department)) }
        p { "Calcul des crédits délégués par l’État pour " (next) " à partir du rapport d’exécution " (s.year)
            " (version " (s.version) ", " (crate::policy::access::status_label(s.status)) ")." }
        @if p.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "Le montant et les décisions ont été enregistrés." } }))
        }
        @if let Some(errors) = p.errors {
            (alert("error", "erreurs-formulaire", "Rien n’a été enregistré", html! { ul { @for e in errors { li { (e) } } } }))
        }
        @if s.status != bilan_store::Status::Approved {
            (alert("info", "calcul-provisoire", "Calcul provisoire",
                html! { p { "Le rapport n’est pas encore approuvé : la note devient définitive après l’approbation." } }))
        }
        p #regles { (p.rules) }
        @if let Some(csrf) = p.decide {
            (decision_form(id, next, csrf, p.inputs, p.preview))
        }
        @if p.inputs.amount.is_none() {
            p #note-absente .fr-mt-3w { "Le montant État " (next) " de la convention n’est pas encore saisi : la note sera calculée ensuite." }
        } @else {
            // The note's `<section class="note-credits">`, written by bilan-render (our own
            // code, which escapes every text) from the outline its ODT and PDF share.
            (PreEscaped(bilan_render::credits_note_html(p.preview, p.meta)))
            ul.fr-btns-group.fr-btns-group--inline-md #telechargements-note {
                li { a.fr-btn.fr-btn--secondary.fr-icon-download-line.fr-btn--icon-left #telecharger-note-odt
                    href={ "/rapports/" (id) "/credits/note.odt" } download { "Note de calcul (ODT)" } }
                li { a.fr-btn.fr-btn--secondary.fr-icon-download-line.fr-btn--icon-left #telecharger-note-pdf
                    href={ "/rapports/" (id) "/credits/note.pdf" } download { "Note de calcul (PDF)" } }
            }
        }
    }
}

/// One radio of a line's decision; an empty value's id would end in "-": it is "aucune".
fn radio(k: usize, value: &str, label: &str, checked: bool) -> Markup {
    let value_id = if value.is_empty() { "aucune" } else { value };
    let id = format!("decision-{k}-{value_id}");
    html! {
        div.fr-fieldset__element.fr-mb-0 { div.fr-radio-group.fr-radio-group--sm {
            input type="radio" id=(id) name={ "decision-" (k) } value=(value) checked[checked];
            label.fr-label for=(id) { (label) }
        } }
    }
}

fn decision_form(id: i64, next: i32, csrf: &str, inputs: &CreditInputs, preview: &CreditsNote) -> Markup {
    let amount = inputs.amount.map(|m| m.to_french()).unwrap_or_default();
    let lines: Vec<_> = preview.lines.iter().flat_map(|line| &line.carry_overs).collect();
    html! {
        form method="post" action={ "/rapports/" (id) "/credits" } #form-credits {
            (csrf_input(csrf))
            (hidden("lignes", &lines.len().to_string()))
            (hidden("revision", &inputs.revision.to_string()))
            div.fr-input-group {
                label.fr-label for="montant_etat" { "Montant État " (next) " prévu par la convention"
                    span.fr-hint-text { "En euros, par exemple 450 000 ou 450 000,00 €" } }
                input.fr-input #montant_etat name="montant_etat" value=(amount) required inputmode="decimal";
            }
            @if lines.is_empty() {
                p #aucun-report { "Le rapport ne demande aucun report de crédits." }
            } @else {
                div.fr-table { table #table-reports {
                    caption { "Reports demandés, ligne par ligne" }
                    thead { tr {
                        th scope="col" { "Ligne" } th scope="col" { "Report demandé" } th scope="col" { "Part État (plafonnée)" }
                        th scope="col" { "Décision" } th scope="col" { "Motif" }
                    } }
                    tbody {
                        @for (k, c) in lines.iter().enumerate() {
                            @let decision = inputs.decisions.get(&c.key).copied();
                            @let reason = inputs.reasons.get(&c.key).map(String::as_str).unwrap_or("");
                            tr id={ "report-" (k) } data-action=(c.key.action) data-ligne=(c.key.line) {
                                th scope="row" { (c.key.action) " – " (c.label)
                                    (hidden(&format!("action-{k}"), &c.key.action))
                                    (hidden(&format!("ligne-{k}"), &c.key.line)) }
                                td.montant { (c.requested.to_french()) }
                                td.montant { (c.state_part_capped.to_french()) }
                                td { fieldset.fr-fieldset.fr-mb-0 {
                                    legend.fr-sr-only { "Décision sur le report " (c.label) }
                                    (radio(k, "accepte", "Accepté", decision == Some(Decision::Accept)))
                                    (radio(k, "refuse", "Refusé", decision == Some(Decision::Refuse)))
                                    (radio(k, "", "Sans décision", decision.is_none()))
                                } }
                                td {
                                    label.fr-sr-only for={ "motif-" (k) } { "Motif de la décision sur " (c.label) }
                                    input.fr-input id={ "motif-" (k) } name={ "motif-" (k) } value=(reason) maxlength="1000";
                                }
                            }
                        }
                    }
                } }
            }
            button.fr-btn type="submit" #bouton-credits { "Enregistrer et calculer" }
        }
    }
}

/// The message of the download of a note not computed yet (404).
pub fn note_absent() -> Markup {
    html! { p #message-erreur { "Le montant État de l’année suivante n’est pas encore saisi : la note n’existe pas encore." } }
}

/// The message of a PDF asked of an installation built without it (501).
#[cfg(not(feature = "pdf"))]
pub fn pdf_unavailable() -> Markup {
    html! {
        p { "Cette installation de bilan a été compilée sans la production de PDF (option " code { "--features pdf" }
            "). Téléchargez la note au format ODT." }
    }
}
