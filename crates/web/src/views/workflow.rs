//! The workflow's markup: the block of the overview (adopt, transmit, back to draft, the
//! review link) and the pages of a refused step.

use maud::{html, Markup};

use crate::service::workflow::{Refused, Step};
use crate::views::components::{alert, csrf_input};

/// The workflow block of the overview: `step` is the signatory's next step, `review` the
/// State user's link (`Some(true)`: they may decide now).
pub fn panel(id: i64, csrf: &str, step: Option<Step>, review: Option<bool>) -> Markup {
    html! {
        section #circuit .fr-mb-3w {
            h2 { "Circuit de validation" }
            p { "Brouillon → adopté par délibération → transmis au préfet → approuvé (ou renvoyé pour correction)." }
            @match step {
                Some(Step::Adopt) => (adopt_form(id, csrf)),
                Some(Step::Transmit { blocking }) => {
                    @if blocking > 0 {
                        p #transmission-bloquee { (blocking) " point(s) bloquent la transmission : corrigez les erreurs et justifiez les avertissements (remettez le rapport en brouillon pour le corriger)." }
                    } @else {
                        p #transmission-possible { "Aucun point bloquant : le rapport peut être transmis." }
                    }
                    ul.fr-btns-group.fr-btns-group--inline-md {
                        li { form method="post" action={ "/rapports/" (id) "/transmettre" } #form-transmettre {
                            (csrf_input(csrf))
                            button.fr-btn type="submit" #bouton-transmettre { "Transmettre au préfet" }
                        } }
                        li { form method="post" action={ "/rapports/" (id) "/brouillon" } #form-brouillon {
                            (csrf_input(csrf))
                            button.fr-btn.fr-btn--secondary type="submit" #bouton-brouillon { "Remettre en brouillon" }
                        } }
                    }
                }
                None => {}
            }
            @if let Some(decide) = review {
                p { a.fr-btn href={ "/rapports/" (id) "/revue" } #lien-revue {
                    @if decide { "Examiner le rapport (commentaires, renvoi ou approbation)" } @else { "Page de revue" }
                } }
            }
        }
    }
}

fn adopt_form(id: i64, csrf: &str) -> Markup {
    html! {
        form method="post" action={ "/rapports/" (id) "/adopter" } enctype="multipart/form-data" #form-adopter {
            (csrf_input(csrf))
            fieldset.fr-fieldset {
                legend.fr-fieldset__legend { "Adopter le rapport" }
                div.fr-fieldset__element { div.fr-input-group {
                    label.fr-label for="deliberation_numero" { "Numéro de la délibération" }
                    input.fr-input type="text" #deliberation_numero name="deliberation_numero" required;
                } }
                div.fr-fieldset__element { div.fr-input-group {
                    label.fr-label for="deliberation_date" { "Date de la délibération" span.fr-hint-text { "Format : 2020-06-30" } }
                    input.fr-input type="date" #deliberation_date name="deliberation_date" required;
                } }
                div.fr-fieldset__element { div.fr-input-group {
                    label.fr-label for="deliberation_instance" { "Instance" span.fr-hint-text { "Assemblée départementale ou commission permanente" } }
                    input.fr-input type="text" #deliberation_instance name="deliberation_instance";
                } }
                div.fr-fieldset__element { div.fr-upload-group {
                    label.fr-label for="deliberation_fichier" {
                        "Délibération signée (PDF)"
                        span.fr-hint-text { "Le fichier PDF de l’acte signé, 10 Mo au plus ; il sera transmis au préfet avec le rapport" }
                    }
                    input.fr-upload type="file" #deliberation_fichier name="deliberation_fichier" accept=".pdf,application/pdf";
                } }
            }
            button.fr-btn type="submit" #bouton-adopter { "Enregistrer l’adoption" }
        }
    }
}

/// The title of the page of a refused step.
pub fn refusal_title(r: &Refused) -> &'static str {
    match r {
        Refused::NotAdoptable => "Adoption impossible",
        Refused::Deliberation(_) => "Adoption refusée",
        Refused::NotAdopted | Refused::NotTransmitted => "Opération impossible",
        Refused::NotAdoptedYet | Refused::Blocking(_) => "Transmission refusée",
        Refused::ReasonRequired => "Motif requis",
        Refused::ObservationTooLong => "Observation trop longue",
    }
}

/// Why the step was refused (the body under the title).
pub fn refusal_message(id: i64, r: &Refused) -> Markup {
    html! {
        @match r {
            Refused::NotAdoptable => p { "Seul un rapport en brouillon ou à corriger peut être adopté." },
            Refused::Deliberation(problems) => (alert(
                "error",
                "erreurs-adoption",
                "La délibération est incomplète : rien n’a été enregistré",
                html! { ul { @for p in problems { li { (p) } } } },
            )),
            Refused::NotAdopted => p { "Seul un rapport adopté peut être remis en brouillon." },
            Refused::NotAdoptedYet => p #motif-refus { "Le rapport doit d’abord être adopté par délibération (numéro et date) avant d’être transmis." },
            Refused::Blocking(blocking) => {
                @let errors = blocking.iter().filter(|b| b.is_error()).count();
                p #motif-refus { "Le rapport ne peut pas être transmis : " (errors) " erreur(s) à corriger et " (blocking.len() - errors)
                    " avertissement(s) sans justification. Rien n’a été transmis." }
                ul #liste-bloquants {
                    @for b in blocking {
                        @let d = &b.diagnostic;
                        li data-code=(d.code) { (d.severity.label()) " " (d.code) " : " (d.message) " – " a href=(b.link) { "aller au champ" } }
                    }
                }
                p { a.fr-link href={ "/rapports/" (id) "/diagnostics" } { "Ouvrir les diagnostics" } }
            }
            Refused::NotTransmitted => p { "Seul un rapport transmis peut être renvoyé ou approuvé." },
            Refused::ReasonRequired => p { "Indiquez le motif du renvoi (3 900 caractères au plus). Rien n’a été modifié." },
            Refused::ObservationTooLong => p { "L’observation dépasse 4 000 caractères. Rien n’a été modifié." },
        }
    }
}

/// The page of a refused step on the report `id`: the reason and the way back.
pub fn refusal(id: i64, r: &Refused) -> Markup {
    html! {
        h1 #titre-refus { (refusal_title(r)) }
        (refusal_message(id, r))
        p { a.fr-link href={ "/rapports/" (id) } { "Retour au rapport" } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_offers_the_signatory_next_step() {
        let adopt = panel(7, "jeton", Some(Step::Adopt), None).into_string();
        assert!(adopt.contains("action=\"/rapports/7/adopter\""), "{adopt}");
        assert!(adopt.contains("id=\"bouton-adopter\"") && adopt.contains("value=\"jeton\""));
        assert!(!adopt.contains("lien-revue"));
        let blocked = panel(7, "jeton", Some(Step::Transmit { blocking: 2 }), None).into_string();
        assert!(blocked.contains("id=\"transmission-bloquee\">2 point(s)"), "{blocked}");
        assert!(blocked.contains("id=\"form-transmettre\"") && blocked.contains("id=\"form-brouillon\""));
        let free = panel(7, "jeton", Some(Step::Transmit { blocking: 0 }), None).into_string();
        assert!(free.contains("id=\"transmission-possible\""));
        let state = panel(7, "jeton", None, Some(true)).into_string();
        assert!(state.contains("href=\"/rapports/7/revue\"") && state.contains("Examiner le rapport"));
        assert!(!state.contains("<form"));
        assert!(panel(7, "jeton", None, Some(false)).into_string().contains(">Page de revue</a>"));
    }

    #[test]
    fn a_refused_deliberation_lists_its_problems_escaped() {
        let r =
            Refused::Deliberation(vec!["date de la délibération : « <b> » n'est pas une date".to_string()]);
        let h = refusal(7, &r).into_string();
        assert!(h.contains("<h1 id=\"titre-refus\">Adoption refusée</h1>"), "{h}");
        assert!(h.contains("id=\"erreurs-adoption\""));
        assert!(h.contains("<li>date de la délibération : « &lt;b&gt; » n'est pas une date</li>"), "{h}");
        assert!(h.contains("href=\"/rapports/7\""));
    }
}
