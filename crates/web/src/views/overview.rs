//! `/rapports/{id}`: the overview of a report (status, workflow, tools, totals, open
//! points, measures and actions, downloads, frozen versions).

use bilan_store::{Role, Status};
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::service::forms::field_id;
use crate::service::report::Loaded;
use crate::service::reports::{FrozenVersion, Overview};
use crate::service::values::link_for;
use crate::service::values::seg;
use crate::views::components::money;
use crate::views::components::{alert, status_badge};
use crate::views::diagnostics::diag_line;

/// The blocks other pages draw for the overview.
pub struct Blocks {
    /// The workflow panel (`#circuit`).
    pub workflow: Markup,
    /// The State's comments, when there are any.
    pub comments: Option<Markup>,
    /// The download links (`#liste-telechargements`).
    pub downloads: Markup,
    /// The attached files (`#pieces-jointes`).
    pub attachments: Markup,
}

pub fn page(ctx: &Ctx, l: &Loaded, o: &Overview, editable: bool, blocks: Blocks) -> Markup {
    let id = l.id();
    let s = &l.stored.summary;
    let (errors, warnings, infos) = o.checked.counts();
    let blocking = o.checked.blocking();
    let t = &o.totals;
    html! {
        h1 id="titre-rapport" { "Rapport d’exécution " (s.year) " – " (bilan_domain::collectivite::label(&s.department)) }
        div class="fr-mb-2w" { (status_badge(s.status)) " " span id="version" { "version " (s.version) } }
        p class="fr-text--lead" id="intitule-rapport" { (l.report.title) }
        @if let Some((number, date)) = &o.deliberation {
            p id="deliberation" { "Adopté par la délibération n° " (number) " du " (date) "." }
        }
        @if let Some(at) = &l.stored.transmitted_at {
            p id="transmission" { "Transmis le " (crate::time::french_datetime(at)) "." }
        }
        @if !s.status.is_editable() && ctx.user.role == Role::DepartmentEditor {
            (alert("info", "rapport-fige", "Rapport non modifiable", html! {
                p { "Le rapport n’est pas au statut brouillon ou à corriger : il est en lecture seule." }
            }))
        }
        (blocks.workflow)
        @if let Some(comments) = blocks.comments { (comments) }
        (blocks.attachments)
        ul class="fr-btns-group fr-btns-group--inline-md fr-btns-group--icon-left fr-mt-2w" id="outils" {
            li { a class="fr-btn fr-btn--secondary fr-icon-alert-line" id="lien-diagnostics" href={ "/rapports/" (id) "/diagnostics" } {
                "Diagnostics (" (errors) " erreurs, " (warnings) " avertissements)"
            } }
            li { a class="fr-btn fr-btn--secondary fr-icon-table-line" id="lien-annexe" href={ "/rapports/" (id) "/annexe" } { "Annexe financière" } }
            li { a class="fr-btn fr-btn--secondary fr-icon-list-ordered" id="lien-structure" href={ "/rapports/" (id) "/structure" } { "Structure du rapport" } }
            li { a class="fr-btn fr-btn--secondary fr-icon-information-line" id="lien-general" href={ "/rapports/" (id) "/general" } { "Informations générales" } }
            @if editable {
                li { a class="fr-btn fr-btn--secondary fr-icon-upload-line" id="lien-import" href={ "/rapports/" (id) "/import" } { "Importer un fichier" } }
            }
            @if s.status == Status::Approved {
                li { a class="fr-btn fr-btn--secondary fr-icon-money-euro-circle-line" id="lien-credits" href={ "/rapports/" (id) "/credits" } {
                    "Crédits " (s.year + 1)
                } }
            }
            li { a class="fr-btn fr-btn--tertiary fr-icon-time-line" id="lien-historique" href={ "/rapports/" (id) "/historique" } { "Historique" } }
        }

        h2 id="totaux" { "Totaux" }
        div class="fr-table" { table id="table-totaux" {
            caption { "Totaux de l’annexe financière (calculés à partir des lignes)" }
            thead { tr {
                th scope="col" { "Montant inscrit" } th scope="col" { "Montant réalisé" } th scope="col" { "À reporter" }
                th scope="col" { "Recette État" } th scope="col" { "Budgets prévisionnels des actions" }
            } }
            tbody { tr {
                td id="total-inscrit" class="montant" { (t.planned.to_french()) }
                td id="total-realise" class="montant" { (t.spent.to_french()) }
                td id="total-report" class="montant" { (t.carry_over.to_french()) }
                td id="total-recette" class="montant" { (t.state_revenue.map(|m| m.to_french()).unwrap_or_default()) }
                td id="total-prevision" class="montant" { (t.forecast.to_french()) }
            } }
        } }

        h2 id="diagnostics-ouverts" { "Points à traiter (" (blocking.len()) ")" }
        @if blocking.is_empty() {
            p id="aucun-point" { "Aucune erreur ni avertissement non justifié : le rapport peut être transmis une fois adopté." }
        } @else {
            ul class="fr-raw-list" id="liste-diagnostics-ouverts" {
                @for d in &blocking { (diag_line(&link_for(id, &l.report, &d.path), d, false)) }
            }
        }
        p { (infos) " informations sans action requise : voir les " a href={ "/rapports/" (id) "/diagnostics" } { "diagnostics" } "." }

        h2 id="mesures" { "Mesures et actions" }
        @for m in &o.measures {
            section id=(field_id(&m.path)) class="fr-mb-4w" {
                h3 { "Mesure " (m.number) " – " (m.title) }
                div class="fr-table fr-table--no-caption" { table {
                    caption { "Actions de la mesure" }
                    thead { tr {
                        th scope="col" { "Action" } th scope="col" { "Intitulé" } th scope="col" { "Sections renseignées" }
                        th scope="col" { "Prévisionnel" } th scope="col" { "Réalisé (annexe)" } th scope="col" { "Points à traiter" }
                    } }
                    tbody {
                        @for a in &m.actions {
                            tr id={ "action-" (a.number.replace('.', "-")) } {
                                td { a href={ "/rapports/" (id) "/actions/" (seg(&a.number)) } { (a.number) } }
                                td { (a.title) }
                                td { (a.filled) "/" (a.sections) }
                                td { @if let Some(f) = a.forecast { (money(f)) } }
                                td { (money(a.spent)) }
                                td { (a.open) }
                            }
                        }
                    }
                } }
            }
        }

        (blocks.downloads)
        @if !o.versions.is_empty() {
            h2 id="versions" { "Versions transmises (figées)" }
            p { "L’empreinte SHA-256 identifie le texte transmis : la moindre modification la changerait." }
            ul id="liste-versions" {
                @for v in &o.versions { (version(id, v)) }
            }
        }
    }
}

fn version(id: i64, v: &FrozenVersion) -> Markup {
    let n = v.version;
    html! {
        li {
            a href={ "/rapports/" (id) "/versions/" (n) } id={ "version-" (n) } { "Version " (n) }
            ", transmise le " (crate::time::french_datetime(&v.at))
            @match &v.sha256 {
                Some(sha) => {
                    ", empreinte "
                    code id={ "empreinte-version-" (n) } title={ "SHA-256 : " (sha) } data-sha256=(sha) {
                        (sha.chars().take(12).collect::<String>()) "…"
                    }
                }
                None => { ", " span id={ "empreinte-version-" (n) } { "sans empreinte" } }
            }
        }
    }
}
