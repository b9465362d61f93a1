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
/// `creatable`: the years (and programme names) the editor may still create a report for.
pub fn list(ctx: &Ctx, reports: &[ReportSummary], creatable: &[(i32, String)]) -> Markup {
    html! {
        h1 { "Mes rapports" }
        p {
            "Connecté en tant que " (ctx.user.display_name) " (" (access::role_label(ctx.user.role)) ") – territoire : "
            (access::territory_label(ctx.user.role, ctx.user.territory.as_deref())) "."
        }
        @if reports.is_empty() {
            p id="aucun-rapport" {
                "Aucun rapport ne vous est accessible pour le moment."
                @if !creatable.is_empty() { " Créez le rapport de votre collectivité ci-dessous." }
            }
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
                            td { (bilan_domain::collectivite::label(&s.department)) }
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
        @if !creatable.is_empty() { (create_form(ctx, creatable)) }
    }
}

/// A Département editor creates the report of a year no campaign opened for it.
fn create_form(ctx: &Ctx, creatable: &[(i32, String)]) -> Markup {
    html! {
        h2 #creer { "Créer un rapport" }
        form method="post" action="/rapports/nouveau" #form-nouveau-rapport {
            (crate::views::layout::csrf_input(&ctx.csrf))
            div class="fr-select-group" {
                label class="fr-label" for="annee" { "Année du rapport" }
                select class="fr-select" id="annee" name="annee" {
                    @for (year, programme) in creatable { option value=(year) { (year) " – " (programme) } }
                }
            }
            fieldset class="fr-fieldset" id="depart" {
                legend class="fr-fieldset__legend" { "Point de départ" }
                div class="fr-fieldset__element" { div class="fr-radio-group" {
                    input type="radio" id="depart-precedent" name="depart" value="precedent" checked;
                    label class="fr-label" for="depart-precedent" {
                        "Le rapport de l’année précédente"
                        span class="fr-hint-text" { "Actions reprises, situation N-1 = résultats de l’an dernier, reports affichés ; sinon le squelette du programme." }
                    }
                } }
                div class="fr-fieldset__element" { div class="fr-radio-group" {
                    input type="radio" id="depart-vide" name="depart" value="vide";
                    label class="fr-label" for="depart-vide" { "Un rapport vide (les mesures socle du programme)" }
                } }
            }
            button class="fr-btn" type="submit" id="bouton-nouveau-rapport" { "Créer le rapport" }
        }
    }
}
