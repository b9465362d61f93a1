//! The form of one item of an action (`/rapports/{id}/actions/{num}/{kind}/{k}` and
//! `…/nouvelle`): an expense line, a line of the body table or an indicator.

use bilan_domain::referentiel::CatalogueIndicator;
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::editing::{ActionRef, ItemKind};
use crate::service::forms::{field_id, join, Errors, Spec, Values};
use crate::service::report::Loaded;
use crate::views::action::{diagnostics, Diagnostics};
use crate::views::components::{alert, csrf_input, hidden};
use crate::views::components::{capitalize, read_only};
use crate::views::forms::{error_summary, render_fields_fixed};
use crate::views::layout::Page;

pub struct ItemForm<'a> {
    pub loaded: &'a Loaded,
    pub at: &'a ActionRef,
    pub kind: ItemKind,
    /// `None`: a new item.
    pub k: Option<usize>,
    pub editable: bool,
    pub values: &'a Values,
    pub errors: &'a Errors,
    pub saved: bool,
    /// The item's diagnostics (an existing item only).
    pub diagnostics: Option<Diagnostics<'a>>,
    /// A new indicator: the catalogue indicators of the action's measure to choose from.
    pub catalogue: Vec<&'a CatalogueIndicator>,
    /// The catalogue code chosen in a refused post ("" for a local indicator).
    pub chosen: String,
    /// An existing indicator's catalogue code.
    pub code: Option<String>,
    /// Its unit is the catalogue's: shown disabled, imposed by the server.
    pub unit_fixed: bool,
}

/// The choice between the catalogue of the action's measure and a local indicator.
fn catalogue_choice(f: &ItemForm<'_>, base: &str) -> Markup {
    let id = field_id(&join(base, "catalogue"));
    let error = f.errors.iter().find(|(n, _)| n == "catalogue").map(|(_, m)| m.as_str());
    html! {
        @if f.catalogue.is_empty() {
            p id="catalogue-vide" { "Aucun indicateur du catalogue national pour cette mesure : l’indicateur sera local (intitulé et unité libres)." }
        } @else {
            div.fr-select-group {
                label.fr-label for=(id) {
                    "Indicateur du catalogue national"
                    span.fr-hint-text { "Un indicateur du catalogue fixe son intitulé et son unité ; « indicateur local » laisse les deux libres." }
                }
                select.fr-select id=(id) name="catalogue" disabled[!f.editable] {
                    option value="" selected[f.chosen.is_empty()] { "Indicateur local (intitulé et unité libres)" }
                    @for i in &f.catalogue {
                        option value=(i.code) selected[i.code == f.chosen] { (i.code) " – " (i.title) " (" (i.unit.label()) ")" }
                    }
                }
                @if let Some(m) = error { p.fr-error-text id={ (id) "-erreur" } { (m) } }
            }
        }
    }
}

pub fn page<'c>(ctx: &'c Ctx, f: &ItemForm<'_>) -> Page<'c> {
    let l = f.loaded;
    let id = l.id();
    let action = f.at.of(&l.report);
    let kind = f.kind;
    let action_url = f.at.url(id);
    let (base, form_url, title) = match f.k {
        Some(k) => (
            format!("{}.{}[{k}]", f.at.base(), kind.path()),
            format!("{action_url}/{}/{k}", kind.segment()),
            format!("Action {} – {} n° {}", action.number, kind.name(), k + 1),
        ),
        None => (
            format!("{}.{}[{}]", f.at.base(), kind.path(), kind.count(action)),
            format!("{action_url}/{}/nouvelle", kind.segment()),
            format!("Action {} – nouvelle {}", action.number, kind.name()),
        ),
    };
    let specs: Vec<&Spec> = kind.specs().iter().collect();
    let body = html! {
        h1 id=(field_id(&base)) { (capitalize(&title)) }
        @if !f.editable { (read_only()) }
        @if f.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "Vos modifications ont été enregistrées." } }))
        }
        @if !f.errors.is_empty() { (error_summary(&specs, &base, f.errors)) }
        @if let Some(d) = &f.diagnostics { (diagnostics(d)) }
        form method="post" action=(form_url) id="form-element" {
            (csrf_input(&ctx.csrf))
            (hidden("revision", &l.action_revision(&action.number).to_string()))
            @if kind == ItemKind::Indicator && f.k.is_none() { (catalogue_choice(f, &base)) }
            @if let Some(code) = &f.code {
                p id="code-indicateur" {
                    "Indicateur du catalogue national : " code { (code) }
                    @if f.unit_fixed { " (son unité est celle du catalogue)." }
                }
            }
            fieldset.fr-fieldset disabled[!f.editable] {
                legend.fr-fieldset__legend { (capitalize(kind.name())) }
                div.fr-fieldset__element {
                    (render_fields_fixed(kind.specs(), &base, f.values, f.errors, if f.unit_fixed { &["unite"] } else { &[] }))
                }
            }
            @if f.editable { button.fr-btn type="submit" id="bouton-enregistrer" { "Enregistrer" } }
        }
        p.fr-mt-3w {
            a class="fr-link fr-icon-arrow-left-line fr-link--icon-left" id="retour-action"
                href={ (action_url) "#" (field_id(&join(&f.at.base(), kind.path()))) } {
                "Retour à l’action " (action.number)
            }
        }
    };
    let mut crumbs = l.crumbs();
    crumbs.push((format!("Action {}", action.number), Some(action_url)));
    crumbs.push((capitalize(kind.name()), None));
    Page::new(title, Some(ctx), body).crumbs(crumbs)
}
