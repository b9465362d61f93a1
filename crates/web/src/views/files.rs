//! The download links of a report, and the page of a format this installation cannot
//! produce.

use maud::{html, Markup};

use crate::service::files::FORMATS;

/// "Télécharger": one link per format.
pub fn downloads(id: i64) -> Markup {
    html! {
        h2 #telechargements { "Télécharger" }
        ul #liste-telechargements {
            @for (format, label, _) in FORMATS {
                li {
                    a.fr-link.fr-icon-download-line.fr-link--icon-left id={ "telecharger-" (format) }
                        href={ "/rapports/" (id) "/telecharger/" (format) } download { (label) }
                }
            }
        }
    }
}

/// The message of the 501 page when the PDF writer is not compiled in.
pub fn pdf_not_built() -> Markup {
    html! {
        p { "Cette installation de bilan a été compilée sans la production de PDF (option " code { "--features pdf" } "). "
            "Téléchargez le rapport au format ODT ou DOCX." }
    }
}
