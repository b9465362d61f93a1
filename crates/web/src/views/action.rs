//! The action form (`/rapports/{id}/actions/{num}`): its diagnostics, the State's remarks,
//! the sections of the form and the tables of its items (expense lines, body-table lines,
//! indicators). Also the pieces the item and annex pages share: the read-only notice, the
//! diagnostics of an element, amounts.

use std::collections::BTreeSet;

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Action;
use bilan_store::Comment;
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::editing::{ActionRef, ItemKind};
use crate::service::forms::{self, field_id, join, Errors, Spec, Values};
use crate::service::report::Loaded;
use crate::service::review::target_value;
use crate::service::values::link_for;
use crate::views::components::{alert, csrf_input, hidden};
use crate::views::components::{opt_money, read_only};
use crate::views::forms::{error_summary, render_fields};
use crate::views::layout::Page;

/// What an element's page shows of the checks.
pub struct Diagnostics<'a> {
    pub loaded: &'a Loaded,
    /// The diagnostics about the element (see `service::editing::diagnostics_under`).
    pub items: Vec<&'a Diagnostic>,
    pub justified: &'a BTreeSet<(String, String)>,
}

fn diagnostic_line(l: &Loaded, d: &Diagnostic, justified: bool) -> Markup {
    let class = match d.severity {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "info",
    };
    html! {
        li class={ "diag-" (class) " fr-mb-1w" } data-code=(d.code) data-chemin=(d.path) {
            strong { (d.severity.title()) " " (d.code) }
            @if justified { " " span.fr-badge.fr-badge--sm.fr-badge--success { "justifié" } }
            " : " (d.message) " "
            a.fr-link.fr-link--sm href=(link_for(l.id(), &l.report, &d.path)) {
                "Aller au champ" span.fr-sr-only { " " (d.path) }
            }
        }
    }
}

/// The diagnostics of an action or of one of its items (`#diagnostics-action`).
pub fn diagnostics(d: &Diagnostics<'_>) -> Markup {
    html! {
        @if d.items.is_empty() {
            p id="diagnostics-action" { "Aucun diagnostic pour cet élément." }
        } @else {
            div id="diagnostics-action" class="fr-mb-3w" {
                h2.fr-h5 { "Diagnostics" }
                ul.fr-raw-list {
                    @for item in &d.items {
                        (diagnostic_line(d.loaded, item, d.justified.contains(&(item.code.to_string(), item.path.clone()))))
                    }
                }
            }
        }
    }
}

/// The State's remarks about the action, newest first (nothing when there is none).
fn comments(comments: &[&Comment]) -> Markup {
    if comments.is_empty() {
        return html! {};
    }
    let items = html! {
        ul id="liste-commentaires-action" {
            @for c in comments.iter().rev() {
                li data-cible=(target_value(&c.target)) {
                    strong { (c.author_name) } " (version " (c.version) ", " (crate::time::french_datetime(&c.at)) ") : " (c.text)
                }
            }
        }
    };
    alert("info", "commentaires-action", "Remarques des services de l’État sur cette action", items)
}

/// The action form with everything around it.
pub struct ActionForm<'a> {
    pub loaded: &'a Loaded,
    pub at: &'a ActionRef,
    pub editable: bool,
    pub values: &'a Values,
    pub errors: &'a Errors,
    pub saved: bool,
    pub diagnostics: Diagnostics<'a>,
    pub comments: Vec<&'a Comment>,
    /// The supporting documents of the action (the user's view of them).
    pub pieces: &'a [bilan_store::Attachment],
    /// A piece was just attached.
    pub piece_added: bool,
}

/// The id of a section's fieldset. A section named like one of its fields (« description »)
/// leaves the id to the field: « Aller au champ » lands in the text box, and ids stay unique.
fn section_id(base: &str, section: &forms::Section) -> String {
    if section.path.is_empty() {
        format!("{}-section", field_id(base))
    } else if section.fields.iter().any(|f| f.name == section.path) {
        format!("{}-section", field_id(&join(base, section.path)))
    } else {
        field_id(&join(base, section.path))
    }
}

pub fn page<'c>(ctx: &'c Ctx, f: &ActionForm<'_>) -> Page<'c> {
    let l = f.loaded;
    let action = f.at.of(&l.report);
    let base = f.at.base();
    let specs: Vec<&Spec> = forms::action_fields().collect();
    let body = html! {
        h1 id=(field_id(&base)) { "Action " (action.number) " – " (action.title) }
        @if f.saved {
            (alert("success", "enregistre", "Enregistré", html! {
                p { "Vos modifications ont été enregistrées. Les diagnostics ci-dessous tiennent compte de la nouvelle version." }
            }))
        }
        @if !f.errors.is_empty() { (error_summary(&specs, &base, f.errors)) }
        (diagnostics(&f.diagnostics))
        (comments(&f.comments))
        @if !f.editable { (read_only()) }
        form method="post" action=(f.at.url(l.id())) id="form-action" {
            (csrf_input(&ctx.csrf))
            (hidden("revision", &l.action_revision(&action.number).to_string()))
            @for section in forms::ACTION_SECTIONS {
                fieldset class="fr-fieldset fr-mb-2w" id=(section_id(&base, section)) disabled[!f.editable] {
                    legend.fr-fieldset__legend { (section.legend) }
                    div.fr-fieldset__element { (render_fields(section.fields, &base, f.values, f.errors)) }
                }
            }
            @if f.editable {
                button.fr-btn type="submit" id="bouton-enregistrer" { "Enregistrer l’action" }
            }
        }
        (items(l, f.at, action, f.editable))
        (crate::views::attachments::action_section(
            &f.at.url(l.id()),
            f.pieces,
            f.editable.then_some(ctx.csrf.as_str()),
            f.piece_added,
        ))
        @if f.editable {
            p.fr-mt-4w {
                a class="fr-btn fr-btn--tertiary fr-icon-delete-line fr-btn--icon-left" id="lien-supprimer-action"
                    href={ (f.at.url(l.id())) "/supprimer" } { "Supprimer l’action " (action.number) }
            }
        }
    };
    let mut crumbs = l.crumbs();
    crumbs.push((format!("Action {}", action.number), None));
    Page::new(format!("Action {}", action.number), Some(ctx), body).crumbs(crumbs)
}

/// The last cell of an item's row: its link, and the delete button for an editor.
struct RowLinks<'a> {
    url: &'a str,
    editable: bool,
}

impl RowLinks<'_> {
    fn cell(&self, kind: ItemKind, k: usize, what: &str) -> Markup {
        // "depense", "ligne", "indicateur": the ids of the links and forms.
        let short = match kind {
            ItemKind::Expense => "depense",
            ItemKind::Line => "ligne",
            ItemKind::Indicator => "indicateur",
        };
        let segment = kind.segment();
        html! {
            td {
                a.fr-link href={ (self.url) "/" (segment) "/" (k) } id={ "modifier-" (short) "-" (k) } {
                    (if self.editable { "Modifier" } else { "Voir" }) span.fr-sr-only { " " (what) }
                }
                @if self.editable {
                    // To the confirmation page, whose form posts the removal.
                    " "
                    a class="fr-btn fr-btn--sm fr-btn--tertiary fr-icon-delete-line fr-btn--icon-left"
                        href={ (self.url) "/" (segment) "/" (k) "/supprimer" } id={ "supprimer-" (short) "-" (k) } {
                        "Supprimer" span.fr-sr-only { " " (what) }
                    }
                }
            }
        }
    }
}

fn add_link(editable: bool, id: &str, href: String, text: &str) -> Markup {
    html! {
        @if editable {
            a class="fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left" id=(id) href=(href) { (text) }
        }
    }
}

/// The three tables of the action's items, each with its « Ajouter » link.
fn items(l: &Loaded, at: &ActionRef, action: &Action, editable: bool) -> Markup {
    let base = at.base();
    let url = at.url(l.id());
    let links = RowLinks { url: &url, editable };
    let lines = action.executed.as_ref().map(|e| e.lines.as_slice()).unwrap_or(&[]);
    html! {
        section id=(field_id(&join(&base, "depenses"))) class="fr-mt-4w" {
            h2 { "Lignes de dépense (annexe financière)" }
            @if action.expenses.is_empty() {
                p { "Aucune ligne de dépense." }
            } @else {
                div.fr-table { table id="table-depenses" {
                    caption { "Lignes de dépense de l’action" }
                    thead { tr {
                        th scope="col" { "Direction" } th scope="col" { "Dépense" } th scope="col" { "Inscrit" }
                        th scope="col" { "Réalisé" } th scope="col" { "À reporter" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for (k, e) in action.expenses.iter().enumerate() {
                            tr id=(field_id(&format!("{base}.depenses[{k}]-ligne"))) {
                                td { (e.directorate) } td { (e.label) } td { (opt_money(&e.planned)) }
                                td { (opt_money(&e.spent)) } td { (opt_money(&e.carry_over)) }
                                (links.cell(ItemKind::Expense, k, &e.label))
                            }
                        }
                    }
                } }
            }
            (add_link(editable, "ajouter-depense", format!("{url}/depenses/nouvelle"), "Ajouter une ligne de dépense"))
        }
        section id=(field_id(&join(&base, "execution.lignes"))) class="fr-mt-4w" {
            h2 { "Tableau du budget exécuté (section 5.2)" }
            @if lines.is_empty() {
                p { "Aucune ligne dans le tableau du budget exécuté." }
            } @else {
                div.fr-table { table id="table-lignes" {
                    caption { "Lignes du budget exécuté" }
                    thead { tr {
                        th scope="col" { "Libellé" } th scope="col" { "Engagé" } th scope="col" { "Consommé" }
                        th scope="col" { "Report" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for (k, li) in lines.iter().enumerate() {
                            tr {
                                td { (li.label) } td { (opt_money(&li.committed)) } td { (opt_money(&li.spent)) }
                                td { (opt_money(&li.carry_over)) }
                                (links.cell(ItemKind::Line, k, &li.label))
                            }
                        }
                    }
                } }
            }
            (add_link(editable, "ajouter-ligne", format!("{url}/lignes/nouvelle"), "Ajouter une ligne au tableau"))
        }
        section id=(field_id(&join(&base, "indicateurs"))) class="fr-mt-4w" {
            h2 { "Indicateurs (section 7)" }
            @if action.indicators.is_empty() {
                p { "Aucun indicateur." }
            } @else {
                div.fr-table { table id="table-indicateurs" {
                    caption { "Indicateurs de l’action" }
                    thead { tr {
                        th scope="col" { "Indicateur" } th scope="col" { "Code" } th scope="col" { "Situation N-1" } th scope="col" { "Attendu" }
                        th scope="col" { "Obtenu" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for (k, i) in action.indicators.iter().enumerate() {
                            tr {
                                td { (i.name) }
                                td { @if let Some(c) = &i.code { code { (c) } } @else { "local" } }
                                td { (forms::value_text(&i.baseline)) }
                                td { (forms::value_text(&i.target)) } td { (forms::value_text(&i.result)) }
                                (links.cell(ItemKind::Indicator, k, &i.name))
                            }
                        }
                    }
                } }
            }
            (add_link(editable, "ajouter-indicateur", format!("{url}/indicateurs/nouvelle"), "Ajouter un indicateur"))
        }
    }
}
