//! Campaigns (`/campagnes`): the list with the opening form (national level) and one
//! campaign's follow-up: each convention's status, deadline and days left.

use maud::{html, Markup};

use bilan_store::Campaign;

use crate::policy::access::status_code;
use crate::service::campaigns::{CampaignPage, ConventionRow};
use crate::views::components::status_badge;
use crate::views::layout::csrf_input;

/// What the opening form offers: (programme id, short name, first year, last year).
pub struct OpenForm<'a> {
    pub csrf: &'a str,
    pub programmes: Vec<(String, String, i32, i32)>,
    pub year: i32,
}

pub fn list(campaigns: &[Campaign], names: &dyn Fn(&str) -> String, form: Option<&OpenForm<'_>>) -> Markup {
    html! {
        h1 #titre-campagnes { "Campagnes" }
        p { "Une campagne demande, pour un programme et une année, le rapport d’exécution de chaque \
             collectivité signataire. Son ouverture crée le brouillon de chacune, prérempli à partir \
             du rapport de l’année précédente lorsqu’il existe." }
        @if campaigns.is_empty() {
            p #aucune-campagne { "Aucune campagne n’est ouverte." }
        } @else {
            div.fr-table { table #table-campagnes {
                caption { "Campagnes ouvertes" }
                thead { tr {
                    th scope="col" { "Programme" }
                    th scope="col" { "Année" }
                    th scope="col" { "Échéance" }
                    th scope="col" { "Version du référentiel" }
                    th scope="col" { "Suivi" }
                } }
                tbody { @for c in campaigns {
                    tr id={ "campagne-" (c.id) } data-programme=(c.programme) data-annee=(c.year) {
                        td { (names(&c.programme)) }
                        td { (c.year) }
                        td { (bilan_domain::Date::parse(&c.deadline).map(|d| d.to_french()).unwrap_or_else(|_| c.deadline.clone())) }
                        td { (c.referentiel_version) }
                        td { a.fr-link href={ "/campagnes/" (c.id) } id={ "lien-campagne-" (c.id) } { "Suivre la campagne" } }
                    }
                } }
            } }
        }
        @if let Some(f) = form { (open_form(f)) }
    }
}

fn open_form(f: &OpenForm<'_>) -> Markup {
    html! {
        h2 #ouvrir { "Ouvrir une campagne" }
        form method="post" action="/campagnes" #form-campagne {
            (csrf_input(f.csrf))
            div.fr-select-group {
                label.fr-label for="programme" { "Programme" }
                select.fr-select #programme name="programme" {
                    @for (id, name, first, last) in &f.programmes {
                        option value=(id) selected[(*first..=*last).contains(&f.year)] { (name) " (" (first) "–" (last) ")" }
                    }
                }
            }
            div.fr-input-group {
                label.fr-label for="annee" { "Année des rapports" }
                input.fr-input #annee name="annee" type="number" inputmode="numeric" value=(f.year) required;
            }
            div.fr-input-group {
                label.fr-label for="echeance" {
                    "Échéance d’adoption"
                    span.fr-hint-text { "Laissez vide pour l’échéance habituelle du programme. Format : 2026-03-31 ou 31/03/2026." }
                }
                input.fr-input #echeance name="echeance" type="text";
            }
            button.fr-btn type="submit" #bouton-ouvrir { "Ouvrir la campagne" }
        }
    }
}

/// `edits_deadlines`: the national level may set a convention's own deadline.
pub fn page(p: &CampaignPage, csrf: &str, edits_deadlines: bool) -> Markup {
    let (done, all) = p.progress();
    html! {
        h1 #titre-campagne { "Campagne " (p.programme_name) " " (p.campaign.year) }
        p #echeance-campagne {
            "Échéance d’adoption : "
            strong { (p.deadline.map(|d| d.to_french()).unwrap_or_else(|| p.campaign.deadline.clone())) }
            " · référentiel version " (p.campaign.referentiel_version)
        }
        p #avancement { strong { (done) } " rapport(s) transmis ou approuvé(s) sur " (all) " attendu(s)." }
        div.fr-table { table #table-conventions {
            caption { "Conventions de la campagne" }
            thead { tr {
                th scope="col" { "Collectivité" }
                th scope="col" { "Territoires" }
                th scope="col" { "Statut du rapport" }
                th scope="col" { "Échéance" }
                th scope="col" { "Jours restants" }
                @if edits_deadlines { th scope="col" { "Échéance propre" } }
            } }
            tbody { @for r in &p.rows { (row(p.campaign.id, r, csrf, edits_deadlines)) } }
        } }
    }
}

fn row(campaign: i64, r: &ConventionRow, csrf: &str, edits: bool) -> Markup {
    html! {
        tr id={ "convention-" (r.collectivite) } data-collectivite=(r.collectivite)
            data-statut=(r.status.map(status_code).unwrap_or("aucun")) {
            td {
                @match r.report {
                    Some(id) => a.fr-link href={ "/rapports/" (id) "/revue" } { (r.name) },
                    None => (r.name),
                }
            }
            td { (r.territories.join(", ")) }
            td { @match r.status { Some(s) => (status_badge(s)), None => "pas encore créé" } }
            td {
                (r.deadline.map(|d| d.to_french()).unwrap_or_else(|| "non fixée".into()))
                @if r.own_deadline { " " span.fr-badge.fr-badge--sm.fr-badge--info { "propre à la convention" } }
            }
            td.jours-restants data-jours=[r.days_left] {
                @match (r.days_left, r.status) {
                    (_, Some(bilan_store::Status::Transmitted | bilan_store::Status::Approved)) => "—",
                    (Some(d), _) if d < 0 => { span.fr-badge.fr-badge--sm.fr-badge--error { "en retard de " (-d) " jour(s)" } },
                    (Some(d), _) => { (d) " jour(s)" },
                    (None, _) => "—",
                }
            }
            @if edits {
                td {
                    form method="post" action={ "/campagnes/" (campaign) "/echeances" } id={ "form-echeance-" (r.collectivite) } {
                        (csrf_input(csrf))
                        input type="hidden" name="collectivite" value=(r.collectivite);
                        label.fr-label.fr-sr-only for={ "echeance-" (r.collectivite) } { "Échéance propre de " (r.name) }
                        input.fr-input id={ "echeance-" (r.collectivite) } name="echeance" type="text"
                            value=(if r.own_deadline { r.deadline.map(|d| d.iso()).unwrap_or_default() } else { String::new() });
                        button.fr-btn.fr-btn--sm.fr-btn--secondary type="submit" id={ "bouton-echeance-" (r.collectivite) } { "Fixer" }
                    }
                }
            }
        }
    }
}
