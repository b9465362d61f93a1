//! The State's review queue (`/revue`): the reports of one year, to examine first, with
//! their outlier flags, and who in the reviewer's territory has not transmitted.

use maud::{html, Markup};

use bilan_store::Status;

use crate::service::consolidation::programme_name;
use crate::service::review::{Expected, Queue, QueueRow};
use crate::views::components::status_badge;
// Through the layout's re-export, which the pages not yet converted also use.
use crate::policy::access::status_code;

/// `decides`: the user may examine (a reviewer), otherwise only consult (the national
/// reader).
pub fn queue(q: &Queue, decides: bool) -> Markup {
    html! {
        h1 { "File de revue" }
        p { "Les rapports transmis par les collectivités de votre périmètre, \
             à examiner puis à approuver ou renvoyer pour correction." }
        @if !q.years.is_empty() {
            form method="get" action="/revue" #form-annee .fr-mb-3w {
                div.fr-select-group {
                    label.fr-label for="annee" { "Année des rapports" }
                    select.fr-select #annee name="annee" {
                        @for y in &q.years {
                            option value=(y) selected[Some(*y) == q.year] { (y) }
                        }
                    }
                }
                button.fr-btn.fr-btn--secondary.fr-btn--sm type="submit" #bouton-annee { "Afficher" }
            }
        }
        p #resume-file { strong { (q.to_review()) } " rapport(s) à examiner." }
        @if q.rows.is_empty() {
            p #file-vide { "Aucun rapport transmis pour le moment." }
        } @else {
            div.fr-table { table #table-revue {
                caption { "Rapports transmis et approuvés" }
                thead { tr {
                    th scope="col" { "Collectivité" }
                    th scope="col" { "Année" }
                    th scope="col" { "Programme" }
                    th scope="col" { "Version" }
                    th scope="col" { "Statut" }
                    th scope="col" { "Échéance d’adoption" }
                    th scope="col" { "Dernière décision ou transmission" }
                    th scope="col" { "Valeurs atypiques" }
                    th scope="col" { "Revue" }
                } }
                tbody { @for r in &q.rows { (row(r, decides)) } }
            } }
        }
        @if let Some(e) = &q.expected { (expected(e)) }
    }
}

fn row(r: &QueueRow, decides: bool) -> Markup {
    let s = &r.summary;
    let label = bilan_domain::collectivite::label(&s.department);
    let verb = if s.status == Status::Transmitted && decides { "Examiner" } else { "Consulter" };
    html! {
        tr id={ "revue-" (s.id) } data-departement=(s.department) data-annee=(s.year)
            data-statut=(status_code(s.status)) {
            td { (label) }
            td { (s.year) }
            td { (programme_name(&s.programme)) }
            td { (s.version) }
            td { (status_badge(s.status)) }
            td {
                @match r.deadline {
                    Some(d) => {
                        (d.to_french())
                        @if r.late {
                            " " span.fr-badge.fr-badge--sm.fr-badge--warning { "transmis après l’échéance" }
                        }
                    }
                    None => "non fixée",
                }
            }
            td { (crate::time::french_datetime(&s.updated_at)) }
            td.valeurs-atypiques {
                @if r.outliers > 0 {
                    span.fr-badge.fr-badge--sm.fr-badge--info { (r.outliers) " à examiner" }
                } @else {
                    "aucune"
                }
            }
            td {
                a.fr-link id={ "lien-revue-" (s.id) } href={ "/rapports/" (s.id) "/revue" } {
                    (verb) span.fr-sr-only { " le rapport " (label) " " (s.year) }
                }
            }
        }
    }
}

/// The signatories of the reviewer’s territory that have not transmitted the report of
/// the year shown, with the status of their report when one exists.
fn expected(e: &Expected) -> Markup {
    html! {
        h2 #attendus { "Rapports " (e.year) " attendus" }
        @if e.missing.is_empty() {
            p #tous-transmis { "Tous les rapports attendus ont été transmis." }
        } @else {
            p { "Pas encore transmis :" }
            ul #liste-non-transmis {
                @for m in &e.missing {
                    li data-departement=(m.signatory) {
                        (bilan_domain::collectivite::label(&m.signatory)) " : "
                        @match m.status {
                            None => "aucun rapport créé",
                            Some(s) => { "rapport au statut « " (crate::policy::access::status_label(s)) " »" }
                        }
                    }
                }
            }
        }
    }
}

/// The message of a `?annee=` that is not a year.
pub fn bad_year(reason: &str) -> Markup {
    html! { p { (reason) } }
}
