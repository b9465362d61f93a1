//! The financial annex page (`/rapports/{id}/annexe`): the groups and rows of
//! [`AnnexTable`] with an input per amount, the computed subtotals (updated live by
//! `/static/bilan.js`) and the declared figures; and its conflict page.

use bilan_domain::annex_table::{AnnexRow, AnnexTable, Totals};
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::annex::{declared_group, group_name, row_name, total_name, Difference};
use crate::service::forms::{field_id, Errors, Values};
use crate::service::report::Loaded;
use crate::service::values::seg;
use crate::views::components::read_only;
use crate::views::components::{alert, csrf_input, hidden};
use crate::views::layout::Page;

pub struct AnnexForm<'a> {
    pub loaded: &'a Loaded,
    pub table: &'a AnnexTable,
    pub editable: bool,
    pub values: &'a Values,
    pub errors: &'a Errors,
    pub saved: bool,
}

/// One amount input; `col` is the line column the live subtotals read (`data-col`).
struct Input<'a> {
    name: &'a str,
    id: &'a str,
    label: &'a str,
    col: Option<&'a str>,
}

impl AnnexForm<'_> {
    fn input(&self, i: Input<'_>) -> Markup {
        let error = self.errors.iter().find(|(n, _)| n == i.name).map(|(_, m)| m.as_str());
        let value = self.values.get(i.name).map(String::as_str).unwrap_or("");
        let error_id = format!("{}-erreur", i.id);
        html! {
            td {
                div class={ "fr-input-group" @if error.is_some() { " fr-input-group--error" } } {
                    label class="fr-label fr-sr-only" for=(i.id) { (i.label) }
                    input class={ "fr-input" @if error.is_some() { " fr-input--error" } } type="text" inputmode="decimal"
                        id=(i.id) name=(i.name) value=(value) data-col=[i.col]
                        aria-describedby=[error.is_some().then_some(error_id.as_str())] disabled[!self.editable];
                    @if let Some(m) = error { p.fr-error-text id=(error_id) { (m) } }
                }
            }
        }
    }

    fn row(&self, row: &AnnexRow) -> Markup {
        let id = self.loaded.id();
        let (_, _, k) = row.position;
        html! {
            tr class=(if row.staff_time_valuation { "valorisation-etp" } else { "" }) {
                td { a href={ "/rapports/" (id) "/actions/" (seg(&row.action)) "/depenses/" (k) } { (row.action) } }
                td { (row.directorate) }
                td { (row.label) }
                td { (if row.staff_time_valuation { "Oui" } else { "Non" }) }
                @for (col, label) in [("inscrit", "Montant inscrit"), ("realise", "Montant réalisé"), ("report", "Montant à reporter")] {
                    @let name = row_name(row, col);
                    (self.input(Input {
                        name: &name,
                        id: &format!("annexe-{name}"),
                        label: &format!("{label} – {} – {}", row.action, row.label),
                        col: Some(col),
                    }))
                }
                td {}
            }
        }
    }
}

/// The computed sums of a group or of the whole annex (`data-sous-total` or `data-total`).
fn computed(data: &str, totals: &Totals) -> Markup {
    let cell = |col: &str, text: String| {
        html! { td class="montant" data-sous-total=[(data == "sous-total").then_some(col)] data-total=[(data == "total").then_some(col)] { strong { (text) } } }
    };
    html! {
        (cell("inscrit", totals.planned.to_french()))
        (cell("realise", totals.spent.to_french()))
        (cell("report", totals.carry_over.to_french()))
        td.montant { (totals.state_revenue.map(|m| m.to_french()).unwrap_or_default()) }
    }
}

/// The error summary: each unreadable amount, linked to its input.
fn error_summary(errors: &Errors) -> Markup {
    let items = html! {
        ul {
            @for (name, m) in errors {
                @let fid = if name.starts_with("annexe.") { field_id(name) } else { format!("annexe-{name}") };
                li { a href={ "#" (fid) } { (m) } }
            }
        }
    };
    alert(
        "error",
        "erreurs-formulaire",
        "L’annexe contient des montants illisibles : rien n’a été enregistré",
        items,
    )
}

pub fn page<'c>(ctx: &'c Ctx, f: &AnnexForm<'_>) -> Page<'c> {
    let l = f.loaded;
    let r = &l.report;
    let table = f.table;
    let body = html! {
        h1 { "Annexe financière" }
        @if !f.editable { (read_only()) }
        @if f.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "L’annexe financière a été enregistrée." } }))
        }
        @if !f.errors.is_empty() { (error_summary(f.errors)) }
        p {
            "Les sous-totaux calculés (en gras) se mettent à jour pendant la saisie ; les montants " em { "déclarés" }
            " (imprimés dans votre annexe) sont comparés aux montants calculés par les diagnostics. "
            span id="annexe-calcul" aria-live="polite" {}
        }
        form method="post" action={ "/rapports/" (l.id()) "/annexe" } id="form-annexe" {
            (csrf_input(&ctx.csrf))
            (hidden("revision", &l.stored.summary.revision.to_string()))
            div class="fr-table fr-table--bordered" { table id="table-annexe" {
                caption { (table.title) }
                thead { tr {
                    th scope="col" { "Action" } th scope="col" { "Direction" } th scope="col" { "Dépense" }
                    th scope="col" { "Valorisation ETP" } th scope="col" { "Montant inscrit " (r.year) }
                    th scope="col" { "Réalisé au 31/12/" (r.year) } th scope="col" { "À reporter en " (r.year + 1) }
                    th scope="col" { "Recette État" }
                } }
                @for (gi, g) in table.groups.iter().enumerate() {
                    @let declared = declared_group(table, r, gi);
                    @let gid = match declared {
                        Some(d) => field_id(&format!("annexe.groupes[{d}]")),
                        None => format!("annexe-groupe-{gi}"),
                    };
                    tbody data-groupe=(gi) id=(gid) {
                        tr { th scope="rowgroup" colspan="8" { (g.label) } }
                        @for row in &g.rows { (f.row(row)) }
                        tr.sous-total {
                            th scope="row" colspan="4" { "Sous-total calculé" }
                            (computed("sous-total", &g.subtotal))
                        }
                        @if let Some(d) = declared {
                            tr.sous-total-declare {
                                th scope="row" colspan="4" { "Sous-total déclaré" }
                                @for (key, label) in [
                                    ("sous_total.inscrit", "inscrit"),
                                    ("sous_total.realise", "réalisé"),
                                    ("sous_total.report", "à reporter"),
                                    ("recette_etat", "recette État"),
                                ] {
                                    @let name = group_name(d, key);
                                    (f.input(Input {
                                        name: &name,
                                        id: &field_id(&name),
                                        label: &format!("Sous-total déclaré ({label}) – {}", g.label),
                                        col: None,
                                    }))
                                }
                            }
                        }
                    }
                }
                tfoot id=(field_id("annexe.total")) {
                    tr {
                        th scope="row" colspan="4" { "Montant total calculé" }
                        (computed("total", &table.total))
                    }
                    tr {
                        th scope="row" colspan="4" { "Montant total déclaré" }
                        @for key in ["inscrit", "realise", "report", "recette_etat"] {
                            @let name = total_name(key);
                            (f.input(Input {
                                name: &name,
                                id: &field_id(&name),
                                label: &format!("Total déclaré ({key})"),
                                col: None,
                            }))
                        }
                    }
                }
            } }
            @if f.editable {
                button.fr-btn type="submit" id="bouton-enregistrer" { "Enregistrer l’annexe" }
            }
        }
    };
    let mut crumbs = l.crumbs();
    crumbs.push(("Annexe financière".into(), None));
    Page::new("Annexe financière", Some(ctx), body).crumbs(crumbs)
}

/// The conflict page of the annex: only the amounts that differ (the annex has many).
pub fn conflict<'c>(ctx: &'c Ctx, l: &Loaded, differences: &[Difference]) -> Page<'c> {
    let body = html! {
        h1 id="titre-conflit" { "Modification concurrente : rien n’a été enregistré" }
        div class="fr-alert fr-alert--warning fr-mb-3w" role="alert" {
            h2.fr-alert__title { "Annexe financière" }
            p { "Le rapport a été modifié depuis que vous avez ouvert l’annexe : votre saisie n’a pas été enregistrée et la version actuelle n’a pas été modifiée. Les montants qui diffèrent sont listés ci-dessous." }
        }
        div.fr-table { table id="table-conflit" {
            caption { "Votre saisie et la version actuelle" }
            thead { tr { th scope="col" { "Champ" } th scope="col" { "Votre saisie (non enregistrée)" } th scope="col" { "Version actuelle" } } }
            tbody {
                @for d in differences {
                    tr class="conflit-diff" data-champ=(d.name) {
                        th scope="row" { (d.name) }
                        td.conflit-mien { (d.mine) }
                        td.conflit-actuel { (d.theirs) }
                    }
                }
            }
        } }
        a.fr-btn id="lien-conflit-recharger" href={ "/rapports/" (l.id()) "/annexe" } { "Reprendre la saisie sur la version actuelle" }
    };
    Page::new("Modification concurrente", Some(ctx), body).crumbs(l.crumbs())
}
