//! The State's review queue (`/revue`): the reports of one year, to examine first, with
//! their outlier flags, and who in the reviewer's territory has not transmitted.

use maud::{html, Markup};

use bilan_store::Status;

use crate::service::consolidation::programme_name;
use crate::service::review::{Expected, Queue, QueueRow, ALL_YEARS};
use crate::service::workflow::{BulkOutcome, NotApproved};
use crate::views::components::{alert, csrf_input, status_badge};
use bilan_store::ReportSummary;
// Through the layout's re-export, which the pages not yet converted also use.
use crate::policy::access::status_code;

/// `decides`: the user may examine (a reviewer), otherwise only consult (the national
/// reader); `all_years_offered`: the year selector offers « Toutes les années ».
pub fn queue(q: &Queue, decides: bool, all_years_offered: bool, csrf: &str) -> Markup {
    let selectable = decides && q.to_review() > 0;
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
                            option value=(y) selected[!q.all_years && Some(*y) == q.year] { (y) }
                        }
                        @if all_years_offered {
                            option value=(ALL_YEARS) selected[q.all_years] { "Toutes les années" }
                        }
                    }
                }
                button.fr-btn.fr-btn--secondary.fr-btn--sm type="submit" #bouton-annee { "Afficher" }
            }
        }
        p #resume-file { strong { (q.to_review()) } " rapport(s) à examiner." }
        @if let Some(y) = q.year {
            @if !q.rows.is_empty() {
                p { a.fr-link.fr-icon-download-line.fr-link--icon-left #lien-page-archive href={ "/revue/archive?annee=" (y) } {
                    "Télécharger tous les rapports " (y) " du périmètre (archive zip)"
                } }
            }
        }
        @if q.rows.is_empty() {
            p #file-vide { "Aucun rapport transmis pour le moment." }
        } @else {
            @if selectable {
                // The checkboxes of the table belong to this form (HTML `form` attribute):
                // the year selector above stays a form of its own.
                form method="post" action="/revue/approuver" #form-approbation-groupee {
                    (csrf_input(csrf))
                    p.fr-hint-text { "Cochez les rapports transmis à approuver ensemble : chacun est vérifié à nouveau et approuvé séparément ; un rapport qui a des points bloquants s’approuve depuis sa page de revue." }
                    button.fr-btn.fr-btn--secondary type="submit" #bouton-approuver-selection { "Approuver les rapports cochés" }
                }
            }
            div.fr-table { table #table-revue {
                caption { "Rapports transmis et approuvés" }
                thead { tr {
                    @if selectable { th scope="col" { "Choix" } }
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
                tbody { @for r in &q.rows { (row(r, decides, selectable)) } }
            } }
        }
        @if let Some(e) = &q.expected { (expected(e)) }
    }
}

fn row(r: &QueueRow, decides: bool, selectable: bool) -> Markup {
    let s = &r.summary;
    let label = bilan_domain::collectivite::label(&s.department);
    let verb = if s.status == Status::Transmitted && decides { "Examiner" } else { "Consulter" };
    html! {
        tr id={ "revue-" (s.id) } data-departement=(s.department) data-annee=(s.year)
            data-statut=(status_code(s.status)) {
            @if selectable {
                td {
                    @if s.status == Status::Transmitted {
                        div.fr-checkbox-group.fr-checkbox-group--sm {
                            input type="checkbox" id={ "choisir-" (s.id) } name="rapports" value=(s.id)
                                form="form-approbation-groupee";
                            label.fr-label for={ "choisir-" (s.id) } {
                                span.fr-sr-only { "Approuver le rapport " (label) " " (s.year) }
                            }
                        }
                    }
                }
            }
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

/// The outcome of a bulk approval (`#resultat-approbation`): `#rapports-approuves` (rows
/// `li#approuve-{id}`) and `#rapports-refuses` (rows `li#refuse-{id}[data-motif]`).
pub fn bulk_result(outcomes: &[BulkOutcome]) -> Markup {
    let approved: Vec<&BulkOutcome> = outcomes.iter().filter(|o| o.result.is_ok()).collect();
    let refused: Vec<&BulkOutcome> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    let name = |o: &BulkOutcome| o.label.clone().unwrap_or_else(|| format!("rapport n° {}", o.id));
    html! {
        h1 #resultat-approbation { "Approbation groupée" }
        p #resume-approbation { (approved.len()) " rapport(s) approuvé(s), " (refused.len()) " non approuvé(s)." }
        @if !approved.is_empty() {
            (alert("success", "approbation-reussie", "Rapports approuvés", html! {
                ul #rapports-approuves {
                    @for o in &approved {
                        li id={ "approuve-" (o.id) } { a.fr-link href={ "/rapports/" (o.id) "/revue" } { (name(o)) } }
                    }
                }
            }))
        }
        @if !refused.is_empty() {
            (alert("error", "approbation-refusee", "Rapports non approuvés", html! {
                ul #rapports-refuses {
                    @for o in &refused {
                        @if let Err(why) = &o.result {
                            li id={ "refuse-" (o.id) } data-motif=(why.code()) {
                                @if o.label.is_some() {
                                    a.fr-link href={ "/rapports/" (o.id) "/revue" } { (name(o)) }
                                } @else {
                                    (name(o))
                                }
                                " : " (reason(why))
                            }
                        }
                    }
                }
            }))
        }
        p { a.fr-link #retour-file href="/revue" { "Retour à la file de revue" } }
    }
}

fn reason(why: &NotApproved) -> String {
    match why {
        NotApproved::NotFound => "rapport introuvable ou hors de votre périmètre.".to_string(),
        NotApproved::Forbidden => "vous ne pouvez pas approuver de rapport (consultation seule).".to_string(),
        NotApproved::Stale(s) => format!(
            "le rapport n’est plus transmis (statut actuel : {}) ; rien n’a été modifié.",
            crate::policy::access::status_label(*s)
        ),
        NotApproved::Blocking { errors, warnings } => format!(
            "{errors} erreur(s) et {warnings} avertissement(s) sans justification ; examinez-le depuis sa page de revue."
        ),
    }
}

/// The page of an empty bulk approval.
pub fn bulk_empty() -> Markup {
    html! {
        p { "Aucun rapport n’a été coché : rien n’a été approuvé." }
        p { a.fr-link href="/revue" { "Retour à la file de revue" } }
    }
}

/// The archive page (`#titre-archive`): how many reports, in which format, the link
/// `#lien-archive` that starts the download.
pub fn archive(year: i32, reports: &[ReportSummary], format: &str) -> Markup {
    let format_label = if format == "pdf" {
        "PDF"
    } else {
        "ODT (traitement de texte libre ; le PDF n’est pas disponible sur ce serveur)"
    };
    html! {
        h1 #titre-archive { "Tous les rapports " (year) " du périmètre" }
        @if reports.is_empty() {
            p #archive-vide { "Aucun rapport transmis ou approuvé pour " (year) "." }
        } @else {
            p #nombre-rapports data-nombre=(reports.len()) {
                strong { (reports.len()) } " rapport(s) transmis ou approuvé(s) seront réunis dans une archive zip, un dossier par rapport : "
                "le rapport au format " span #format-rapports data-format=(format) { (format_label) } ", l’annexe financière (XLSX) et la délibération signée lorsqu’elle est jointe."
            }
            p.fr-hint-text { "L’archive est produite au fil du téléchargement, rapport après rapport, dans l’ordre de la liste ci-dessous : la progression du téléchargement dans votre navigateur suit cette liste." }
            p { a.fr-btn.fr-icon-download-line.fr-btn--icon-left #lien-archive href={ "/revue/archive.zip?annee=" (year) } download {
                "Télécharger l’archive (" (reports.len()) " rapports)"
            } }
            ol #liste-archive {
                @for s in reports {
                    li data-rapport=(s.id) { (bilan_domain::collectivite::label(&s.department)) " – version " (s.version) " – " (crate::policy::access::status_label(s.status)) }
                }
            }
        }
        p { a.fr-link href={ "/revue?annee=" (year) } { "Retour à la file de revue" } }
    }
}
