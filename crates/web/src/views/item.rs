//! The form of one item of an action (`/rapports/{id}/actions/{num}/{kind}/{k}` and
//! `…/nouvelle`): an expense line, a line of the body table or an indicator.

use maud::html;

use crate::policy::Ctx;
use crate::service::editing::{ActionRef, ItemKind};
use crate::service::forms::{field_id, join, Errors, Spec, Values};
use crate::service::report::Loaded;
use crate::views::action::{diagnostics, Diagnostics};
use crate::views::components::{alert, csrf_input, hidden};
use crate::views::components::{capitalize, read_only};
use crate::views::forms::{error_summary, render_fields};
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
            fieldset.fr-fieldset disabled[!f.editable] {
                legend.fr-fieldset__legend { (capitalize(kind.name())) }
                div.fr-fieldset__element { (render_fields(kind.specs(), &base, f.values, f.errors)) }
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
