//! The import page (a report's TOML file, its annex workbook) and its outcomes.

use maud::{html, Markup};

use crate::views::components::{alert, csrf_input, hidden};

/// The two upload forms of report `id`, at `revision`; limits in Mo.
pub fn page(id: i64, csrf: &str, revision: i64, toml_limit_mb: usize, annex_limit_mb: usize) -> Markup {
    let revision = revision.to_string();
    html! {
        h1 { "Importer un fichier" }
        section.fr-mb-4w {
            h2 { "Fichier du rapport (TOML)" }
            p { "Le fichier remplace tout le contenu du rapport. Il doit concerner le même Département et la même année. Taille maximale : " (toml_limit_mb) " Mo." }
            form method="post" action={ "/rapports/" (id) "/import/toml" } enctype="multipart/form-data" #form-import-toml {
                (csrf_input(csrf))
                (hidden("revision", &revision))
                div.fr-upload-group.fr-mb-2w {
                    label.fr-label for="fichier-toml" {
                        "Fichier TOML"
                        span.fr-hint-text { "Format .toml, tel que produit par « bilan new » ou téléchargé depuis bilan" }
                    }
                    input.fr-upload type="file" #fichier-toml name="fichier" accept=".toml,text/plain" required;
                }
                button.fr-btn type="submit" #bouton-import-toml { "Importer le rapport" }
            }
        }
        section {
            h2 { "Annexe financière (XLSX ou ODS)" }
            p { "Les montants (inscrit, réalisé, à reporter) et les commentaires des lignes sont mis à jour, ligne par ligne, d’après le numéro d’action et le libellé de la dépense, "
                "dans la disposition de l’annexe téléchargée depuis bilan. Taille maximale : " (annex_limit_mb) " Mo." }
            form method="post" action={ "/rapports/" (id) "/import/annexe" } enctype="multipart/form-data" #form-import-annexe {
                (csrf_input(csrf))
                (hidden("revision", &revision))
                div.fr-upload-group.fr-mb-2w {
                    label.fr-label for="fichier-annexe" {
                        "Classeur de l’annexe"
                        span.fr-hint-text { "Formats .xlsx ou .ods" }
                    }
                    input.fr-upload type="file" #fichier-annexe name="fichier" accept=".xlsx,.ods" required;
                }
                button.fr-btn type="submit" #bouton-import-annexe { "Importer l’annexe" }
            }
        }
    }
}

/// At most this many errors are listed.
const SHOWN: usize = 200;

/// A refused file: nothing changed, and why.
pub fn failure(id: i64, title: &str, errors: &[String]) -> Markup {
    html! {
        h1 #titre-import { (title) }
        (alert("error", "erreurs-import", "Le fichier a été refusé : rien n’a été modifié", html! {
            ul #liste-erreurs-import {
                @for e in errors.iter().take(SHOWN) { li { (e) } }
            }
            @if errors.len() > SHOWN {
                p { "… et " (errors.len() - SHOWN) " autres erreurs." }
            }
        }))
        p {
            a.fr-link href={ "/rapports/" (id) "/import" } { "Revenir à l’import" }
            " · "
            a.fr-link href={ "/rapports/" (id) } { "Revenir au rapport" }
        }
    }
}

/// A file imported: what changed and the report's checks after it.
pub fn success(id: i64, title: &str, summary: &str, (e, w, i): (usize, usize, usize)) -> Markup {
    html! {
        h1 #titre-import { (title) }
        (alert("success", "import-reussi", "Import réussi", html! { p { (summary) } }))
        p #resume-diagnostics { "Après import : " (e) " erreur(s), " (w) " avertissement(s), " (i) " information(s)." }
        ul.fr-btns-group.fr-btns-group--inline-md {
            li { a.fr-btn href={ "/rapports/" (id) } { "Voir le rapport" } }
            li { a.fr-btn.fr-btn--secondary href={ "/rapports/" (id) "/diagnostics" } { "Voir les diagnostics" } }
            li { a.fr-btn.fr-btn--secondary href={ "/rapports/" (id) "/annexe" } { "Voir l’annexe" } }
        }
    }
}

/// The message of the 413 page: `what` « de N Mo ».
pub fn too_large(what: &str, limit_mb: usize) -> Markup {
    html! { p { (what) " de " (limit_mb) " Mo : il a été refusé et rien n’a été modifié." } }
}
