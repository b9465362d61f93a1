//! `/rapports/{id}/general`: the general information form, and the deliberation as
//! recorded at adoption (read only).

use bilan_domain::Deliberation;
use maud::{html, Markup};

use crate::service::forms::{self, field_id, Errors, Spec, Values};
use crate::views::components::read_only;
use crate::views::components::{alert, csrf_input, hidden};
use crate::views::forms::{error_summary, render_fields};

pub struct General<'a> {
    pub id: i64,
    pub csrf: &'a str,
    pub revision: i64,
    pub editable: bool,
    pub values: &'a Values,
    pub errors: &'a Errors,
    /// The form was just saved.
    pub saved: bool,
    pub deliberation: Option<&'a Deliberation>,
}

pub fn page(g: &General<'_>) -> Markup {
    let d = g.deliberation.cloned().unwrap_or_default();
    html! {
        h1 { "Informations générales" }
        @if !g.editable { (read_only()) }
        @if g.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "Les informations générales ont été enregistrées." } }))
        }
        @if !g.errors.is_empty() {
            @let specs: Vec<&Spec> = forms::GENERAL_FIELDS.iter().collect();
            (error_summary(&specs, "", g.errors))
        }
        form method="post" action={ "/rapports/" (g.id) "/general" } id="form-general" {
            (csrf_input(g.csrf))
            (hidden("revision", &g.revision.to_string()))
            fieldset class="fr-fieldset" disabled[!g.editable] {
                legend class="fr-fieldset__legend" { "Rapport" }
                div class="fr-fieldset__element" { (render_fields(forms::GENERAL_FIELDS, "", g.values, g.errors)) }
            }
            @if g.editable {
                button class="fr-btn" type="submit" id="bouton-enregistrer" { "Enregistrer" }
            }
        }
        section id=(field_id("deliberation")) class="fr-mt-4w" {
            h2 { "Délibération et transmission" }
            p { "La délibération est enregistrée par le signataire lors de l’adoption du rapport." }
            ul {
                li { "Numéro : " span id="deliberation-numero" { (if d.number.is_empty() { "non renseigné" } else { &d.number }) } }
                li { "Date : " span id="deliberation-date" { (d.date.map(|d| d.to_french()).unwrap_or_else(|| "non renseignée".into())) } }
                li { "Instance : " (if d.body.is_empty() { "non renseignée" } else { &d.body }) }
            }
        }
    }
}
