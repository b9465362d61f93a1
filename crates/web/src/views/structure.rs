//! `/rapports/{id}/structure`: the measures and actions of a report, with the forms that
//! add, rename, move and remove them, and the elements removed since the last
//! transmission with their « Restaurer » button. Also the confirmation page of every
//! removal and the page of a stale structural form.

use bilan_domain::referentiel::MeasureRef;
use bilan_domain::{MeasureKind, Report};
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::report::Loaded;
use crate::service::structure::{Removed, MAX_TITLE};
use crate::service::values::seg;
use crate::views::components::{alert, csrf_input, hidden, read_only};
use crate::views::layout::Page;

/// A number as an id fragment: « 1.4.2 » → « 1-4-2 ».
pub fn num_id(number: &str) -> String {
    number.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

pub struct Structure<'a> {
    pub loaded: &'a Loaded,
    pub editable: bool,
    /// The socle measures of the programme's year that the report lacks.
    pub missing_core: Vec<&'a MeasureRef>,
    pub removals: &'a [Removed],
    pub saved: bool,
}

/// A small POST form with one button (move, restore).
fn button_form(ctx: &Ctx, url: &str, revision: i64, id: &str, text: &str, what: &str, icon: &str) -> Markup {
    html! {
        form method="post" action=(url) id=(id) class="fr-mb-0 bouton-structure" {
            (csrf_input(&ctx.csrf))
            (hidden("revision", &revision.to_string()))
            button class={ "fr-btn fr-btn--sm fr-btn--tertiary fr-btn--icon-left " (icon) } type="submit" {
                (text) span.fr-sr-only { " " (what) }
            }
        }
    }
}

fn measures(ctx: &Ctx, s: &Structure<'_>) -> Markup {
    let l = s.loaded;
    let id = l.id();
    let r: &Report = &l.report;
    let revision = l.stored.summary.revision;
    let count = r.measures.len();
    html! {
        @for (mi, m) in r.measures.iter().enumerate() {
            @let mid = num_id(&m.number);
            @let murl = format!("/rapports/{id}/mesures/{}", seg(&m.number));
            @let what = format!("la mesure {}", m.number);
            section id={ "structure-mesure-" (mid) } class="fr-mb-4w" data-mesure=(m.number) {
                h2 {
                    "Mesure " (m.number) " – " (m.title) " "
                    @match m.kind {
                        MeasureKind::Core => span.fr-badge.fr-badge--sm.fr-badge--info { "socle" },
                        MeasureKind::Local => span.fr-badge.fr-badge--sm { "initiative du Département" },
                    }
                }
                @if s.editable {
                    div.fr-btns-group.fr-btns-group--inline-sm.fr-mb-2w {
                        @if mi > 0 {
                            (button_form(ctx, &format!("{murl}/monter"), revision, &format!("monter-mesure-{mid}"), "Monter", &what, "fr-icon-arrow-up-line"))
                        }
                        @if mi + 1 < count {
                            (button_form(ctx, &format!("{murl}/descendre"), revision, &format!("descendre-mesure-{mid}"), "Descendre", &what, "fr-icon-arrow-down-line"))
                        }
                        @if m.kind == MeasureKind::Local {
                            a class="fr-btn fr-btn--sm fr-btn--tertiary fr-btn--icon-left fr-icon-delete-line"
                                id={ "supprimer-mesure-" (mid) } href={ (murl) "/supprimer" } {
                                "Supprimer" span.fr-sr-only { " " (what) }
                            }
                        } @else {
                            p.fr-text--sm.fr-mb-0 { "Mesure socle : elle ne peut pas être supprimée." }
                        }
                    }
                    form method="post" action=(murl) id={ "renommer-mesure-" (mid) } class="fr-mb-2w" {
                        (csrf_input(&ctx.csrf))
                        (hidden("revision", &revision.to_string()))
                        div.fr-input-group {
                            label.fr-label for={ "intitule-mesure-" (mid) } { "Intitulé de la mesure " (m.number) }
                            input.fr-input type="text" name="intitule" id={ "intitule-mesure-" (mid) } value=(m.title)
                                required maxlength=(MAX_TITLE);
                        }
                        button.fr-btn.fr-btn--sm.fr-btn--secondary type="submit" id={ "bouton-renommer-mesure-" (mid) } {
                            "Renommer" span.fr-sr-only { " " (what) }
                        }
                    }
                }
                @if m.actions.is_empty() {
                    p id={ "aucune-action-" (mid) } { "Aucune action dans cette mesure." }
                } @else {
                    div.fr-table { table id={ "table-actions-" (mid) } {
                        caption { "Actions de la mesure " (m.number) }
                        thead { tr {
                            th scope="col" { "Action" } th scope="col" { "Intitulé" }
                            @if s.editable { th scope="col" { "Ordre et suppression" } }
                        } }
                        tbody {
                            @for (ai, a) in m.actions.iter().enumerate() {
                                @let aid = num_id(&a.number);
                                @let aurl = format!("/rapports/{id}/actions/{}", seg(&a.number));
                                @let awhat = format!("l’action {}", a.number);
                                tr id={ "structure-action-" (aid) } data-action=(a.number) {
                                    td { a href=(aurl) { (a.number) } }
                                    td { (a.title) }
                                    @if s.editable {
                                        td {
                                            @if ai > 0 {
                                                (button_form(ctx, &format!("{aurl}/monter"), revision, &format!("monter-action-{aid}"), "Monter", &awhat, "fr-icon-arrow-up-line"))
                                            }
                                            @if ai + 1 < m.actions.len() {
                                                (button_form(ctx, &format!("{aurl}/descendre"), revision, &format!("descendre-action-{aid}"), "Descendre", &awhat, "fr-icon-arrow-down-line"))
                                            }
                                            a class="fr-btn fr-btn--sm fr-btn--tertiary fr-btn--icon-left fr-icon-delete-line"
                                                id={ "supprimer-action-" (aid) } href={ (aurl) "/supprimer" } {
                                                "Supprimer" span.fr-sr-only { " " (awhat) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                }
                @if s.editable {
                    form method="post" action={ (murl) "/actions" } id={ "ajouter-action-" (mid) } {
                        (csrf_input(&ctx.csrf))
                        (hidden("revision", &revision.to_string()))
                        div.fr-input-group {
                            label.fr-label for={ "nouvelle-action-" (mid) } {
                                "Intitulé d’une nouvelle action de la mesure " (m.number)
                                span.fr-hint-text { "Elle prendra le prochain numéro libre de la mesure." }
                            }
                            input.fr-input type="text" name="intitule" id={ "nouvelle-action-" (mid) } required maxlength=(MAX_TITLE);
                        }
                        button class="fr-btn fr-btn--sm fr-btn--secondary fr-btn--icon-left fr-icon-add-line" type="submit"
                            id={ "bouton-ajouter-action-" (mid) } {
                            "Ajouter l’action" span.fr-sr-only { " à " (what) }
                        }
                    }
                }
            }
        }
    }
}

fn add_measure(ctx: &Ctx, s: &Structure<'_>) -> Markup {
    let id = s.loaded.id();
    html! {
        section id="ajouter-mesure" class="fr-mb-4w" {
            h2 { "Ajouter une mesure" }
            form method="post" action={ "/rapports/" (id) "/mesures" } id="form-ajouter-mesure" {
                (csrf_input(&ctx.csrf))
                (hidden("revision", &s.loaded.stored.summary.revision.to_string()))
                fieldset.fr-fieldset {
                    legend.fr-fieldset__legend { "Type de mesure" }
                    div.fr-fieldset__element { div.fr-radio-group {
                        input type="radio" name="type" value="initiative" id="type-initiative" checked;
                        label.fr-label for="type-initiative" { "Mesure à l’initiative du Département" }
                    } }
                    @if !s.missing_core.is_empty() {
                        div.fr-fieldset__element { div.fr-radio-group {
                            input type="radio" name="type" value="socle" id="type-socle";
                            label.fr-label for="type-socle" { "Mesure socle du programme (choisie ci-dessous)" }
                        } }
                    }
                }
                div.fr-input-group {
                    label.fr-label for="intitule-mesure" {
                        "Intitulé (mesure à l’initiative du Département)"
                        span.fr-hint-text { "Elle prendra le prochain numéro libre de la partie 2." }
                    }
                    input.fr-input type="text" name="intitule" id="intitule-mesure" maxlength=(MAX_TITLE);
                }
                @if s.missing_core.is_empty() {
                    p id="aucune-mesure-socle-manquante" { "Le rapport contient toutes les mesures socle du programme pour cette année." }
                } @else {
                    div.fr-select-group {
                        label.fr-label for="code-socle" { "Mesure socle que le rapport ne contient pas encore" }
                        select.fr-select name="code" id="code-socle" {
                            option value="" { "— choisir une mesure socle —" }
                            @for m in &s.missing_core {
                                option value=(m.code) { (m.title) }
                            }
                        }
                    }
                }
                button class="fr-btn fr-btn--icon-left fr-icon-add-line" type="submit" id="bouton-ajouter-mesure" { "Ajouter la mesure" }
            }
        }
    }
}

fn removed(ctx: &Ctx, s: &Structure<'_>) -> Markup {
    let id = s.loaded.id();
    let revision = s.loaded.stored.summary.revision;
    html! {
        section id="elements-supprimes" class="fr-mb-4w" {
            h2 { "Éléments supprimés" }
            p { "Les suppressions faites depuis la dernière transmission du rapport (ou sa création) peuvent être annulées jusqu’à la prochaine transmission." }
            @if s.removals.is_empty() {
                p id="aucun-element-supprime" { "Aucun élément supprimé à restaurer." }
            } @else {
                ul id="liste-elements-supprimes" {
                    @for r in s.removals {
                        li id={ "supprime-" (r.entry) } data-element=(r.removal.element.audit()) {
                            strong { (crate::views::components::capitalize(&r.removal.label())) }
                            ", supprimé le " (crate::time::french_datetime(&r.at))
                            @if let Some(by) = &r.by { " par " (by) }
                            @let lost = r.removal.lost();
                            @if !lost.is_empty() {
                                ul { @for x in &lost { li { (x) } } }
                            }
                            @if s.editable {
                                (button_form(ctx, &format!("/rapports/{id}/restaurer/{}", r.entry), revision,
                                    &format!("restaurer-{}", r.entry), "Restaurer", &r.removal.label(), "fr-icon-arrow-go-back-line"))
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn page<'c>(ctx: &'c Ctx, s: &Structure<'_>) -> Page<'c> {
    let l = s.loaded;
    let body = html! {
        h1 id="titre-structure" { "Structure du rapport" }
        p { "Les numéros sont ceux imprimés dans le rapport : ils ne changent pas quand une mesure ou une action est déplacée ou supprimée ; une nouvelle mesure ou action prend le prochain numéro libre. Les documents générés numérotent selon l’ordre affiché ici." }
        @if s.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "La structure du rapport a été modifiée." } }))
        }
        @if !s.editable { (read_only()) }
        (measures(ctx, s))
        @if s.editable { (add_measure(ctx, s)) }
        (removed(ctx, s))
    };
    let mut crumbs = l.crumbs();
    crumbs.push(("Structure du rapport".into(), None));
    Page::new("Structure du rapport", Some(ctx), body).crumbs(crumbs)
}

/// A removal to confirm.
pub struct Confirm<'a> {
    pub loaded: &'a Loaded,
    /// « l’action 1.4.2 – Titre ».
    pub what: String,
    /// What goes with it.
    pub lost: Vec<String>,
    /// Why it cannot be removed (a socle measure): no form then.
    pub refused: Option<&'a str>,
    pub post_url: String,
    pub revision: i64,
    pub back_url: String,
}

pub fn confirm<'c>(ctx: &'c Ctx, c: &Confirm<'_>) -> Page<'c> {
    let body = html! {
        h1 id="titre-suppression" { "Supprimer " (c.what) " ?" }
        @if let Some(reason) = c.refused {
            (alert("error", "suppression-impossible", "Suppression impossible", html! { p { (reason) } }))
        } @else {
            @if c.lost.is_empty() {
                p id="rien-d-autre" { "Rien d’autre n’est supprimé avec cet élément." }
            } @else {
                p { "Seront supprimés avec lui :" }
                ul id="elements-perdus" { @for x in &c.lost { li { (x) } } }
            }
            p { "Vous pourrez le restaurer depuis la page « Structure du rapport » (Éléments supprimés) jusqu’à la transmission du rapport." }
            form method="post" action=(c.post_url) id="form-suppression" {
                (csrf_input(&ctx.csrf))
                (hidden("revision", &c.revision.to_string()))
                button class="fr-btn fr-btn--icon-left fr-icon-delete-line" type="submit" id="bouton-confirmer-suppression" {
                    "Confirmer la suppression"
                }
            }
        }
        p.fr-mt-3w { a class="fr-link fr-icon-arrow-left-line fr-link--icon-left" id="annuler-suppression" href=(c.back_url) { "Annuler et revenir" } }
    };
    let mut crumbs = c.loaded.crumbs();
    crumbs.push(("Suppression".into(), None));
    Page::new(format!("Supprimer {}", c.what), Some(ctx), body).crumbs(crumbs)
}

/// The message of a stale structural form (409): nothing was written.
pub fn stale(url: &str) -> Markup {
    html! {
        p {
            "Un autre agent a modifié ce rapport depuis que vous avez ouvert la page : rien n’a été modifié. "
            a href=(url) id="lien-conflit-recharger" { "Rechargez la page" }
            " pour voir la version actuelle."
        }
    }
}

/// The message of a refused structural form (422).
pub fn refused(message: &str, url: &str) -> Markup {
    html! {
        p id="erreur-structure" { (message) " Rien n’a été modifié." }
        p { a href=(url) id="lien-retour-structure" { "Revenir à la structure du rapport" } }
    }
}
