//! The list of a user's reports, and the small pieces the report pages share: amounts, the
//! read-only notice, the "form incomplete" message.

use bilan_store::ReportSummary;
use maud::{html, Markup};

use crate::policy::{access, Ctx};
use crate::views::components::status_badge;

/// The message of a form posted without its revision.
pub fn bad_form() -> Markup {
    html! { p { "Le formulaire envoyé est incomplet (révision manquante) : rechargez la page et recommencez. Rien n’a été modifié." } }
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
