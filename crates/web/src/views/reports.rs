//! The list of a user's reports, and the small pieces the report pages share: amounts, the
//! read-only notice, the "form incomplete" message.

use bilan_domain::{figure, Amount, Money};
use bilan_store::ReportSummary;
use maud::{html, Markup};

use crate::policy::{access, Ctx};
use crate::views::components::{alert, status_badge};

/// An amount in French ("1 234,50 €") in its `.montant` span.
pub fn money(m: Money) -> Markup {
    html! { span class="montant" { (m.to_french()) } }
}

/// An amount when it is a figure; nothing when blank or absent.
pub fn opt_money(a: &Option<Amount>) -> Markup {
    html! { @if let Some(m) = figure(a) { (money(m)) } }
}

/// The notice of a form the user may only read.
pub fn read_only() -> Markup {
    alert(
        "info",
        "lecture-seule",
        "Lecture seule",
        html! { p { "Vous ne pouvez pas modifier ces informations (votre rôle, ou le statut du rapport, ne le permet pas)." } },
    )
}

/// The message of a form posted without its revision.
pub fn bad_form() -> Markup {
    html! { p { "Le formulaire envoyé est incomplet (révision manquante) : rechargez la page et recommencez. Rien n’a été modifié." } }
}

/// "avertissement" → "Avertissement".
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `/rapports`: the reports the user may see.
pub fn list(ctx: &Ctx, reports: &[ReportSummary]) -> Markup {
    html! {
        h1 { "Mes rapports" }
        p {
            "Connecté en tant que " (ctx.user.display_name) " (" (access::role_label(ctx.user.role)) ") – territoire : "
            (access::territory_label(ctx.user.role, ctx.user.territory.as_deref())) "."
        }
        @if reports.is_empty() {
            p id="aucun-rapport" { "Aucun rapport ne vous est accessible pour le moment." }
        } @else {
            div class="fr-table" { table id="table-rapports" {
                caption { "Rapports d’exécution" }
                thead { tr {
                    th scope="col" { "Département" } th scope="col" { "Année" } th scope="col" { "Programme" }
                    th scope="col" { "Version" } th scope="col" { "Statut" } th scope="col" { "Dernière modification" }
                    th scope="col" { "Rapport" }
                } }
                tbody {
                    @for s in reports {
                        tr id={ "rapport-" (s.id) } data-departement=(s.department) data-annee=(s.year) {
                            td { (bilan_domain::geo::department_label(&s.department)) }
                            td { (s.year) }
                            td { (s.programme.to_uppercase()) }
                            td { (s.version) }
                            td { (status_badge(s.status)) }
                            td { (crate::time::french_datetime(&s.updated_at)) }
                            td { a class="fr-link" href={ "/rapports/" (s.id) } id={ "lien-rapport-" (s.id) } {
                                "Ouvrir" span class="fr-sr-only" { " le rapport " (s.department) " " (s.year) }
                            } }
                        }
                    }
                }
            } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_capitals() {
        assert_eq!(capitalize("érreur"), "Érreur");
        assert_eq!(capitalize(""), "");
        assert_eq!(opt_money(&None).into_string(), "");
        assert_eq!(opt_money(&Some(Amount::Blank)).into_string(), "");
    }
}
