//! The page of a stale form: the user's values beside the current ones, nothing written.

use maud::{html, Markup};

use crate::service::forms::{Spec, Values};
use crate::views::components::{csrf_input, hidden};

fn value<'v>(values: Option<&'v Values>, name: &str) -> &'v str {
    values.and_then(|v| v.get(name)).map(String::as_str).unwrap_or("")
}

/// `current` is `None` when the item no longer exists. The form at the bottom lets the
/// user deliberately save their values over the current version.
pub struct Conflict<'a> {
    pub title: String,
    pub specs: Vec<&'a Spec>,
    pub submitted: Values,
    pub current: Option<Values>,
    pub current_revision: i64,
    /// URL of the form (for reloading and re-posting).
    pub form_url: String,
    pub csrf: &'a str,
}

pub fn conflict(c: &Conflict<'_>) -> Markup {
    html! {
        h1 #titre-conflit { "Modification concurrente : rien n’a été enregistré" }
        div.fr-alert.fr-alert--warning.fr-mb-3w role="alert" {
            h2.fr-alert__title { (c.title) }
            p { "Un autre agent a enregistré cet élément depuis que vous avez ouvert le formulaire. \
                 Votre saisie n’a pas été enregistrée et la version actuelle n’a pas été modifiée. \
                 Comparez les deux versions ci-dessous (les lignes différentes sont surlignées)." }
            @if c.current.is_none() {
                p { strong { "Cet élément n’existe plus dans la version actuelle" } " (il a été supprimé par un autre agent)." }
            }
        }
        div.fr-table { table #table-conflit {
            caption { "Votre saisie et la version actuelle" }
            thead { tr { th scope="col" { "Champ" } th scope="col" { "Votre saisie (non enregistrée)" } th scope="col" { "Version actuelle" } } }
            tbody {
                @for spec in &c.specs {
                    @let mine = value(Some(&c.submitted), spec.name);
                    @let theirs = value(c.current.as_ref(), spec.name);
                    tr class=[(mine.trim() != theirs.trim()).then_some("conflit-diff")] data-champ=(spec.name) {
                        th scope="row" { (spec.label) }
                        td.texte-rapport.conflit-mien { (mine) }
                        td.texte-rapport.conflit-actuel { (theirs) }
                    }
                }
            }
        } }
        ul.fr-btns-group.fr-btns-group--inline {
            li { a.fr-btn #lien-conflit-recharger href=(c.form_url) { "Reprendre la saisie sur la version actuelle" } }
        }
        @if c.current.is_some() {
            form method="post" action=(c.form_url) #form-conflit-remplacer .fr-mt-2w {
                (csrf_input(c.csrf))
                (hidden("revision", &c.current_revision.to_string()))
                @for spec in &c.specs { (hidden(spec.name, value(Some(&c.submitted), spec.name))) }
                button.fr-btn.fr-btn--secondary type="submit" #bouton-conflit-remplacer { "Remplacer la version actuelle par ma saisie" }
            }
        }
    }
}
