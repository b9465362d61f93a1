//! The referentiels (`/referentiels`): each programme's years, measures and national
//! indicator catalogue, with their sources; the administrator's forms to add a year, a
//! measure or an indicator; the versions of a programme's referentiel.

use maud::{html, Markup};

use bilan_domain::referentiel::{Programme, Referentiel};
use bilan_domain::IndicatorUnit;

use crate::views::components::alert;
use crate::views::layout::csrf_input;

/// What the page shows after a change: nothing, a success, or the refusal's reason.
pub enum Notice {
    None,
    Saved(String),
    Refused(String),
}

/// What the administrator's forms need: the session's token and each programme's stored
/// version.
pub struct Admin<'a> {
    pub csrf: &'a str,
    pub version_of: &'a dyn Fn(&str) -> i32,
}

/// `admin`: when the viewer may change the referentiels.
pub fn page(r: &Referentiel, admin: Option<Admin<'_>>, notice: &Notice) -> Markup {
    html! {
        h1 #titre-referentiels { "Référentiels" }
        p { "Les programmes, leurs mesures et le référentiel national d’indicateurs : les rapports \
             rattachent leurs indicateurs à ces codes, et la consolidation les additionne selon la \
             règle de chaque indicateur. Les entrées marquées « provisoire » attendent un texte qui les fixe." }
        @match notice {
            Notice::None => {},
            Notice::Saved(m) => (alert("success", "enregistre", "Référentiel modifié", html! { p { (m) } })),
            Notice::Refused(m) => (alert("error", "erreurs-formulaire", "Modification refusée", html! { p #motif-refus { (m) } })),
        }
        nav.fr-summary role="navigation" aria-labelledby="sommaire-referentiels" {
            p.fr-summary__title #sommaire-referentiels { "Programmes" }
            ol.fr-summary__list { @for p in &r.programmes {
                li { a.fr-summary__link href={ "#programme-" (p.id) } { (p.short_name) } }
            } }
        }
        @for p in &r.programmes { (programme(p, admin.as_ref().map(|a| (a.csrf, (a.version_of)(&p.id))))) }
    }
}

fn programme(p: &Programme, admin: Option<(&str, i32)>) -> Markup {
    html! {
        section id={ "programme-" (p.id) } .fr-mb-6w {
            h2 { (p.name) " (" (p.short_name) ")" }
            ul {
                li { "Années : " strong { (p.first_year) "–" (p.last_year) } }
                li { "Part de l’État au plus : " (p.max_state_share_percent) " %" }
                li { "Échéance habituelle d’adoption : le " (p.default_deadline.day) "/" (format!("{:02}", p.default_deadline.month)) " de l’année suivante" }
                @if !p.source.is_empty() { li { "Source : " (p.source) } }
                li { a.fr-link href={ "/referentiels/" (p.id) "/historique" } id={ "lien-historique-" (p.id) } { "Versions de ce référentiel" } }
            }
            div.fr-table { table id={ "mesures-" (p.id) } {
                caption { "Mesures" }
                thead { tr { th scope="col" { "Code" } th scope="col" { "Intitulé" } th scope="col" { "Socle" }
                    th scope="col" { "Années" } th scope="col" { "Source" } } }
                tbody { @for m in &p.measures {
                    tr data-code=(m.code) {
                        td { code { (m.code) } }
                        td { (m.title) @if m.provisional { " " (provisional()) } }
                        td { @if m.socle { "socle" } @else { "—" } }
                        td { (m.since) "–" (m.until.unwrap_or(p.last_year)) }
                        td { (m.source) }
                    }
                } }
            } }
            div.fr-table { table id={ "indicateurs-" (p.id) } {
                caption { "Référentiel national d’indicateurs" }
                thead { tr { th scope="col" { "Code" } th scope="col" { "Intitulé" } th scope="col" { "Mesure" }
                    th scope="col" { "Unité" } th scope="col" { "Agrégation" } th scope="col" { "Années" } th scope="col" { "Source" } } }
                tbody { @for i in &p.indicators {
                    tr data-code=(i.code) {
                        td { code { (i.code) } }
                        td { (i.title) @if i.provisional { " " (provisional()) } }
                        td { code { (i.measure) } }
                        td { (i.unit.label()) }
                        td {
                            (i.aggregation.label())
                            @if let bilan_domain::referentiel::Aggregation::WeightedMean { weight } = &i.aggregation {
                                " par " code { (weight) }
                            }
                        }
                        td { (i.since) "–" (i.until.unwrap_or(p.last_year)) }
                        td { (i.source) }
                    }
                } }
            } }
            @if let Some((csrf, version)) = admin { (forms(p, csrf, version)) }
        }
    }
}

fn provisional() -> Markup {
    html! { span.fr-badge.fr-badge--sm.fr-badge--warning { "provisoire" } }
}

fn text_input(prefix: &str, name: &str, label: &str, hint: &str) -> Markup {
    let id = format!("{prefix}-{name}");
    html! {
        div.fr-input-group {
            label.fr-label for=(id) { (label) @if !hint.is_empty() { span.fr-hint-text { (hint) } } }
            input.fr-input id=(id) name=(name) type="text";
        }
    }
}

fn forms(p: &Programme, csrf: &str, version: i32) -> Markup {
    let m = format!("mesure-{}", p.id);
    let i = format!("indicateur-{}", p.id);
    html! {
        h3 { "Modifier le référentiel " (p.short_name) }
        form method="post" action={ "/referentiels/" (p.id) "/annee" } id={ "form-annee-" (p.id) } .fr-mb-3w {
            (csrf_input(csrf))
            input type="hidden" name="version" value=(version);
            button.fr-btn.fr-btn--secondary type="submit" id={ "bouton-annee-" (p.id) } {
                "Ajouter l’année " (p.last_year + 1) " au programme"
            }
        }
        form method="post" action={ "/referentiels/" (p.id) "/mesures" } id={ "form-" (m) } .fr-mb-3w {
            fieldset.fr-fieldset {
                legend.fr-fieldset__legend { "Ajouter une mesure" }
                (csrf_input(csrf))
                input type="hidden" name="version" value=(version);
                (text_input(&m, "code", "Code", "Stable, en majuscules, par exemple CALPAE-LOGEMENT"))
                (text_input(&m, "intitule", "Intitulé", ""))
                (text_input(&m, "depuis", "Première année", ""))
                (text_input(&m, "source", "Source", "Le texte public qui la fonde"))
                div.fr-checkbox-group {
                    input type="checkbox" id={ (m) "-socle" } name="socle" value="oui";
                    label.fr-label for={ (m) "-socle" } { "Mesure socle (obligatoire pour chaque signataire)" }
                }
                div.fr-checkbox-group {
                    input type="checkbox" id={ (m) "-provisoire" } name="provisoire" value="oui";
                    label.fr-label for={ (m) "-provisoire" } { "Provisoire" }
                }
                button.fr-btn.fr-btn--secondary type="submit" id={ "bouton-" (m) } { "Ajouter la mesure" }
            }
        }
        form method="post" action={ "/referentiels/" (p.id) "/indicateurs" } id={ "form-" (i) } {
            fieldset.fr-fieldset {
                legend.fr-fieldset__legend { "Ajouter un indicateur au référentiel national" }
                (csrf_input(csrf))
                input type="hidden" name="version" value=(version);
                (text_input(&i, "code", "Code", "Stable, par exemple CALPAE-ASE-04"))
                (text_input(&i, "intitule", "Intitulé", ""))
                div.fr-select-group {
                    label.fr-label for={ (i) "-mesure" } { "Mesure" }
                    select.fr-select id={ (i) "-mesure" } name="mesure" {
                        @for m in &p.measures { option value=(m.code) { (m.code) " – " (m.title) } }
                    }
                }
                div.fr-select-group {
                    label.fr-label for={ (i) "-unite" } { "Unité" }
                    select.fr-select id={ (i) "-unite" } name="unite" {
                        @for u in UNITS { option value=(u.label()) { (u.label()) } }
                    }
                }
                div.fr-select-group {
                    label.fr-label for={ (i) "-agregation" } { "Agrégation" }
                    select.fr-select id={ (i) "-agregation" } name="agregation" {
                        option value="somme" { "somme" }
                        option value="moyenne_ponderee" { "moyenne pondérée (indiquez le poids)" }
                        option value="repartition" { "répartition (min., médiane, max.)" }
                    }
                }
                (text_input(&i, "poids", "Poids de la moyenne pondérée", "Code d’un indicateur « nombre » du référentiel"))
                (text_input(&i, "depuis", "Première année", ""))
                (text_input(&i, "source", "Source", ""))
                div.fr-checkbox-group {
                    input type="checkbox" id={ (i) "-provisoire" } name="provisoire" value="oui";
                    label.fr-label for={ (i) "-provisoire" } { "Provisoire" }
                }
                button.fr-btn.fr-btn--secondary type="submit" id={ "bouton-" (i) } { "Ajouter l’indicateur" }
            }
        }
    }
}

const UNITS: [IndicatorUnit; 5] = [
    IndicatorUnit::Count,
    IndicatorUnit::Days,
    IndicatorUnit::Percent,
    IndicatorUnit::Euros,
    IndicatorUnit::Average,
];

/// `/referentiels/{programme}/historique`: (version, at, who), newest first.
pub fn history(programme: &str, versions: &[(i32, String, Option<String>)]) -> Markup {
    html! {
        h1 #titre-historique { "Versions du référentiel " (programme) }
        div.fr-table { table #table-versions-referentiel {
            caption { "Versions, la plus récente d’abord" }
            thead { tr { th scope="col" { "Version" } th scope="col" { "Date" } th scope="col" { "Auteur" } } }
            tbody { @for (v, at, who) in versions {
                tr id={ "version-referentiel-" (v) } {
                    td { (v) }
                    td { (crate::time::french_datetime(at)) }
                    td { (who.as_deref().unwrap_or("fichiers du dépôt (démarrage)")) }
                }
            } }
        } }
        p { "Le détail de chaque modification figure dans le journal d’audit." }
        p { a.fr-link href="/referentiels" { "Retour aux référentiels" } }
    }
}
