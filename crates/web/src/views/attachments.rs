//! Attached files: the list of a report's (overview, review page), the pieces of an action
//! with their upload form, the page of a refused file.

use maud::{html, Markup};

use bilan_store::{Attachment, AttachmentKind};

use crate::service::attachments::{size_label, MAX_TITLE, PIECE_TYPES};
use crate::views::components::{alert, csrf_input};

fn download_url(a: &Attachment) -> String {
    format!("/rapports/{}/pieces/{}", a.report, a.id)
}

/// The attachments of a report (`section#pieces-jointes`): the signed deliberation
/// (`#deliberation-signee`, link `#telecharger-deliberation`) or `#deliberation-absente`,
/// then the pieces by action (`#table-pieces`, rows `tr#piece-{aid}`).
pub fn report_section(items: &[Attachment], frozen: bool) -> Markup {
    let deliberation = items.iter().find(|a| a.kind == AttachmentKind::Deliberation);
    let pieces: Vec<&Attachment> = items.iter().filter(|a| a.kind == AttachmentKind::Piece).collect();
    html! {
        section #pieces-jointes .fr-mb-3w {
            h2 { "Pièces jointes" }
            @if frozen {
                p.fr-hint-text { "Telles que transmises avec la version du rapport : elles ne changent plus." }
            }
            @match deliberation {
                Some(d) => p #deliberation-signee {
                    "Délibération signée : "
                    a.fr-link #telecharger-deliberation href=(download_url(d)) download {
                        (d.file_name) span.fr-sr-only { " (télécharger)" }
                    }
                    " – " (size_label(d.size)) ", empreinte SHA-256 " code data-sha256=(d.sha256) { (&d.sha256[..12]) }
                },
                None => p #deliberation-absente { "Aucune délibération signée n’est jointe." },
            }
            @if pieces.is_empty() {
                p #aucune-piece { "Aucune pièce justificative." }
            } @else {
                (table(&pieces, None))
            }
        }
    }
}

/// The table of pieces; with `removable` (the CSRF token), a removal button per piece.
fn table(pieces: &[&Attachment], removable: Option<&str>) -> Markup {
    html! {
        div.fr-table { table #table-pieces {
            caption { "Pièces justificatives" }
            thead { tr {
                th scope="col" { "Action" }
                th scope="col" { "Titre" }
                th scope="col" { "Fichier" }
                th scope="col" { "Déposé par" }
                th scope="col" { "Empreinte SHA-256" }
                @if removable.is_some() { th scope="col" { "Retirer" } }
            } }
            tbody {
                @for a in pieces {
                    tr id={ "piece-" (a.id) } data-action=[a.action.as_deref()] {
                        td { (a.action.as_deref().unwrap_or("")) }
                        td { (a.title) }
                        td {
                            a.fr-link id={ "telecharger-piece-" (a.id) } href=(download_url(a)) download {
                                (a.file_name) span.fr-sr-only { " (" (a.title) ")" }
                            }
                            " (" (size_label(a.size)) ")"
                        }
                        td { (a.uploader_login) ", " (crate::time::french_datetime(&a.at)) }
                        td { code data-sha256=(a.sha256) { (&a.sha256[..12]) } }
                        @if let Some(csrf) = removable {
                            td {
                                form method="post" action={ "/rapports/" (a.report) "/pieces/" (a.id) "/supprimer" }
                                    id={ "form-retirer-piece-" (a.id) } {
                                    (csrf_input(csrf))
                                    button.fr-btn.fr-btn--sm.fr-btn--tertiary type="submit" id={ "bouton-retirer-piece-" (a.id) } {
                                        "Retirer" span.fr-sr-only { " " (a.title) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

/// The pieces of an action (`section#pieces-action`) and, for an editor while the report
/// is editable, the upload form `#form-piece`.
/// `action_url` is the action's page.
pub fn action_section(action_url: &str, pieces: &[Attachment], csrf: Option<&str>, added: bool) -> Markup {
    let list: Vec<&Attachment> = pieces.iter().collect();
    html! {
        section #pieces-action .fr-mt-4w {
            h2 { "Pièces justificatives de l’action" }
            @if added {
                (alert("success", "piece-ajoutee", "Pièce ajoutée", html! { p { "Le document est joint à l’action." } }))
            }
            @if list.is_empty() {
                p #aucune-piece { "Aucune pièce justificative pour cette action." }
            } @else {
                (table(&list, csrf))
            }
            @if let Some(csrf) = csrf {
                form method="post" action={ (action_url) "/pieces" } enctype="multipart/form-data" #form-piece {
                    (csrf_input(csrf))
                    fieldset.fr-fieldset {
                        legend.fr-fieldset__legend { "Joindre un document" }
                        div.fr-fieldset__element { div.fr-input-group {
                            label.fr-label for="piece-titre" { "Titre du document" span.fr-hint-text { (MAX_TITLE) " caractères au plus" } }
                            input.fr-input type="text" #piece-titre name="titre" maxlength=(MAX_TITLE) required;
                        } }
                        div.fr-fieldset__element { div.fr-upload-group {
                            label.fr-label for="piece-fichier" {
                                "Fichier"
                                span.fr-hint-text { (PIECE_TYPES) ", 10 Mo au plus ; le type est vérifié d’après le contenu" }
                            }
                            input.fr-upload type="file" #piece-fichier name="fichier"
                                accept=".pdf,.odt,.ods,.docx,.xlsx,.png,.jpg,.jpeg" required;
                        } }
                    }
                    button.fr-btn type="submit" #bouton-piece { "Joindre le document" }
                }
            }
        }
    }
}

/// The page of a refused file: why, and nothing was written.
pub fn refused(back: &str, problems: &[String]) -> Markup {
    html! {
        h1 #titre-refus { "Document refusé" }
        (alert("error", "erreurs-piece", "Le document n’a pas été joint : rien n’a été enregistré", html! {
            ul { @for p in problems { li { (p) } } }
        }))
        p { a.fr-link #retour-piece href=(back) { "Revenir à la page précédente" } }
    }
}
