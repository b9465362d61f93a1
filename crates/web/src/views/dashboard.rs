//! The regional and national dashboards: synthesis, who has not transmitted, the map of
//! execution rates, planned vs spent per measure (and one measure's detail), the figures
//! per signatory (Département or other collectivité), the indicators, the outliers and the open data files. Every figure
//! links to the reports (and actions) it comes from.

use std::collections::BTreeSet;

use bilan_consolidate::catalogue::aggregation_code;
use bilan_consolidate::consolidation::{IndicatorOutcome, MeasureConsolidation};
use bilan_consolidate::figures::SourcedAmount;
use bilan_consolidate::{Consolidation, Figures, Outlier, Rate};
use bilan_domain::collectivite::{self, CollectiviteCode};
use bilan_domain::geo;
use bilan_render::{BarRow, MapClass, MapEntry, MapLegend};
use maud::{html, Markup, PreEscaped};

use crate::policy::access::status_label;
use crate::policy::perimeter::Perimeter;
use crate::service::consolidation::{programme_name, Loaded};
use crate::service::dashboard::{Opened, OPEN_TABLES};
use crate::service::values::seg;
use crate::views::components::alert;

/// The list of the user's perimeters (`/tableaux` when there are several).
pub fn perimeters(list: &[Perimeter]) -> Markup {
    html! {
        h1 { "Tableaux de bord" }
        ul #liste-perimetres {
            @for p in list { li { a href=(p.path()) { (p.label()) } } }
        }
    }
}

/// The message of a 400 page (an unreadable year).
pub fn bad_parameter(message: &str) -> Markup {
    html! { p { (message) } }
}

/// The dashboard of an opened perimeter, with the detail of a measure when one is asked
/// for.
pub fn dashboard(o: &Opened, measure: Option<&MeasureConsolidation>, outliers: &[Outlier]) -> Markup {
    let (c, loaded, year) = (o.consolidation(), &o.loaded, o.year);
    let base = o.perimeter.path();
    html! {
        h1 #titre-tableau { (o.perimeter.label()) " – " (programme_name(&o.programme)) " " (year) }
        (year_form(&base, year, &o.years))
        p.fr-text--sm { "Consolidation des seuls rapports transmis ou approuvés. Chaque montant renvoie aux rapports dont il provient." }
        (headline(c))
        (not_transmitted_block(c, loaded))
        (map_block(c, loaded, &o.perimeter))
        (measures_block(c, &base, year))
        @if let Some(m) = measure { (measure_detail(m, loaded)) }
        (signatories_block(c, loaded))
        (indicators_block(c, loaded))
        (catalogue_block(c, loaded))
        (outliers_block(loaded, outliers))
        (open_data_block(&base, year))
        @if o.perimeter == Perimeter::National {
            h2 #regions { "Par région" }
            ul.colonnes #liens-regions {
                @for r in geo::REGIONS.iter() {
                    li { a href={ "/tableaux/regions/" (r.code) "?annee=" (year) } { (r.name) } }
                }
            }
        }
    }
}

fn amount(a: &SourcedAmount) -> String {
    if a.is_stated() {
        a.value.to_french()
    } else {
        "—".to_string()
    }
}

fn rate(f: &Figures) -> String {
    f.execution_rate().map_or_else(|| "—".to_string(), |r| r.to_french())
}

/// The cells prévu, engagé, consommé, reporté, part État and taux of a row.
/// The column heads of [`figure_cells`].
fn figure_heads() -> Markup {
    html! {
        @for head in ["Prévu", "Engagé", "Consommé", "Reporté", "Part État", "Taux"] {
            th scope="col" { (head) }
        }
    }
}

fn figure_cells(f: &Figures) -> Markup {
    html! {
        @for a in [&f.planned, &f.committed, &f.spent, &f.carry_over, &f.state_share] {
            td.montant { (amount(a)) }
        }
        td.montant { (rate(f)) }
    }
}

/// Map classes by execution rate: < 50 %, 50–70 %, 70–85 %, 85–100 %, ≥ 100 %.
const BUCKET_PERMILLE: [i64; 4] = [500, 700, 850, 1000];

fn bucket(r: Rate) -> u8 {
    let pm = r.per_mille();
    BUCKET_PERMILLE.iter().take_while(|b| pm >= **b).count() as u8
}

fn year_form(base: &str, year: i32, years: &[(i32, String)]) -> Markup {
    html! {
        form method="get" action=(base) #form-annee.fr-mb-3w {
            div.fr-select-group {
                label.fr-label for="annee" { "Année des rapports" }
                select.fr-select #annee name="annee" {
                    @for (y, name) in years.iter().rev() {
                        option value=(y) selected[*y == year] { (y) " – " (name) }
                    }
                }
            }
            button.fr-btn.fr-btn--secondary.fr-btn--sm type="submit" #bouton-annee { "Afficher" }
        }
    }
}

fn headline(c: &Consolidation) -> Markup {
    let t = &c.total;
    html! {
        div.fr-table {
            table #table-synthese {
                caption { "Synthèse : " (c.counted.len()) " rapport(s) consolidé(s) sur " (c.expected.len()) " attendu(s)" }
                thead { tr {
                    th scope="col" { "Prévu" }
                    th scope="col" { "Engagé" }
                    th scope="col" { "Consommé" }
                    th scope="col" { "Reporté" }
                    th scope="col" { "Part État prévue" }
                    th scope="col" { "Taux d’exécution" }
                } }
                tbody { tr {
                    td.montant #synthese-prevu { (amount(&t.planned)) }
                    td.montant #synthese-engage { (amount(&t.committed)) }
                    td.montant #synthese-consomme { (amount(&t.spent)) }
                    td.montant #synthese-report { (amount(&t.carry_over)) }
                    td.montant #synthese-etat { (amount(&t.state_share)) }
                    td.montant #synthese-taux { (rate(t)) }
                } }
            }
        }
    }
}

/// Who has not transmitted: the list the consolidation computed, with the status of each
/// one's report if it has one.
fn not_transmitted_block(c: &Consolidation, loaded: &Loaded) -> Markup {
    let n = c.not_transmitted.len();
    if n == 0 {
        return html! { p #tous-transmis { "Toutes les collectivités attendues du périmètre ont transmis leur rapport." } };
    }
    let title = format!(
        "{n} collectivité(s) sur {} n’ont pas encore transmis leur rapport {}",
        c.expected.len(),
        c.year
    );
    alert(
        "warning",
        "non-transmis",
        &title,
        html! {
            p { "Leurs chiffres ne sont pas dans les totaux. Statut actuel de leur rapport :" }
            ul.colonnes #liste-non-transmis {
                @for d in &c.not_transmitted {
                    @let code = d.as_str();
                    li data-departement=(code) {
                        (collectivite::label(code)) " : "
                        (loaded.other_status(code).map_or("aucun rapport", status_label))
                    }
                }
            }
        },
    )
}

fn review_link(loaded: &Loaded, signatory: &str) -> Option<String> {
    loaded.report_id(signatory).map(|id| format!("/rapports/{id}/revue"))
}

/// A signatory's name ("Allier (03)", "Métropole de Lyon (69M)"), linked to the review of
/// its report when it has one that counts.
fn signatory_link(loaded: &Loaded, code: &str) -> Markup {
    let name = collectivite::label(code);
    html! {
        @match review_link(loaded, code) {
            Some(u) => a href=(u) { (name) },
            None => (name),
        }
    }
}

/// The map paints territories, and a territory may have several signatories (69: the
/// Rhône and the Métropole de Lyon) or share one with another (2A and 2B: the Collectivité
/// de Corse). A territory takes the execution rate of its signatories' figures added up,
/// when every one of them has a counted report; otherwise it is « non transmis » (or « taux
/// non calculable »). Its tooltip names each signatory with its own rate or status, and it
/// links to the review of its first signatory with a counted report (ARCHITECTURE.md,
/// « Decisions »).
fn map_block(c: &Consolidation, loaded: &Loaded, perimeter: &Perimeter) -> Markup {
    let in_scope: Vec<String> = perimeter.territories();
    let entries: Vec<MapEntry> = geo::DEPARTMENTS
        .iter()
        .map(|d| {
            let code = d.code.to_string();
            let covering: Vec<CollectiviteCode> =
                c.expected.iter().copied().filter(|s| s.territories().contains(&d.code)).collect();
            if !in_scope.contains(&code) || covering.is_empty() {
                return MapEntry {
                    code,
                    value_label: String::new(),
                    class: MapClass::NotInScope,
                    href: None,
                };
            }
            let totals: Vec<Option<&Figures>> = covering
                .iter()
                .map(|s| c.signatories.iter().find(|t| t.signatory == *s).map(|t| &t.figures))
                .collect();
            let href = covering.iter().find_map(|s| review_link(loaded, s.as_str()));
            let own = |f: Option<&Figures>| match f {
                None => "non transmis".to_string(),
                Some(f) => f.execution_rate().map_or_else(|| "taux non calculable".into(), |r| r.to_french()),
            };
            let mut merged = Figures::default();
            for f in totals.iter().flatten() {
                merged.merge(f);
            }
            let rate = if totals.iter().all(Option::is_some) { merged.execution_rate() } else { None };
            let value_label = match covering.as_slice() {
                [_] => own(totals.first().copied().flatten()),
                _ => {
                    let parts: Vec<String> = covering
                        .iter()
                        .zip(&totals)
                        .map(|(s, f)| format!("{} : {}", s.label(), own(*f)))
                        .collect();
                    match rate {
                        Some(r) => format!("{} ({})", r.to_french(), parts.join(" ; ")),
                        None => parts.join(" ; "),
                    }
                }
            };
            let class = rate.map_or(MapClass::NoData, |r| MapClass::Bucket(bucket(r)));
            MapEntry { code, value_label, class, href }
        })
        .collect();
    let legend = MapLegend {
        title: "Taux d’exécution (consommé / prévu)".to_string(),
        buckets: [
            "moins de 50 %".to_string(),
            "50 à 70 %".to_string(),
            "70 à 85 %".to_string(),
            "85 à 100 %".to_string(),
            "100 % et plus".to_string(),
        ],
        no_data: "non transmis ou non calculable".to_string(),
    };
    let zoom: Option<Vec<String>> = match perimeter {
        Perimeter::National => None,
        Perimeter::Region(_) => Some(in_scope.clone()),
    };
    let svg = bilan_render::department_map_svg(
        &entries,
        &legend,
        &format!("Taux d’exécution par territoire – {}", perimeter.label()),
        zoom.as_deref(),
    );
    html! {
        h2 #carte { "Carte des taux d’exécution" }
        figure.fr-content-media.carte #figure-carte {
            // The one raw insertion of the pages: an SVG drawn by our own `bilan-render`,
            // which escapes every text and link it writes.
            (PreEscaped(svg))
            figcaption.fr-content-media__caption { "Chaque territoire renvoie au rapport de sa collectivité ; le Rhône (69), où signent le Département et la Métropole de Lyon, a le taux de leurs deux rapports additionnés. Les chiffres de chaque collectivité figurent dans le tableau « Par collectivité »." }
        }
    }
}

fn measures_block(c: &Consolidation, base: &str, year: i32) -> Markup {
    let rows: Vec<BarRow> = c
        .measures
        .iter()
        .enumerate()
        .map(|(k, m)| BarRow {
            label: m.title.clone(),
            planned_cents: m.total.planned.value.cents(),
            spent_cents: m.total.spent.value.cents(),
            href: Some(format!("{base}?annee={year}&mesure={k}#detail-mesure")),
        })
        .collect();
    let chart = bilan_render::planned_vs_spent_svg(&rows, "Prévu et consommé par mesure");
    html! {
        h2 #mesures { "Par mesure" }
        figure.fr-content-media #figure-mesures {
            // An SVG chart drawn by our own `bilan-render`, which escapes every text and
            // link it writes.
            (PreEscaped(chart))
        }
        div.fr-table {
            table #table-mesures {
                caption { "Montants par mesure" }
                thead { tr {
                    th scope="col" { "Mesure" }
                    th scope="col" { "Collectivités" }
                    (figure_heads())
                } }
                tbody {
                    @for (k, m) in c.measures.iter().enumerate() {
                        tr id={ "mesure-" (k) } {
                            th scope="row" {
                                a href={ (base) "?annee=" (year) "&mesure=" (k) "#detail-mesure" } { (m.title) }
                                @if m.core_rank.is_some() { " " span.fr-badge.fr-badge--sm { "socle" } }
                            }
                            td { (m.cells.len()) }
                            (figure_cells(&m.total))
                        }
                    }
                }
            }
        }
    }
}

/// A measure's figures per signatory, each linking to the actions it comes from.
fn measure_detail(m: &MeasureConsolidation, loaded: &Loaded) -> Markup {
    html! {
        section #detail-mesure {
            h2 { "Détail : " (m.title) }
            div.fr-table {
                table #table-detail-mesure {
                    caption { "Contributions par collectivité et provenance" }
                    thead { tr {
                        th scope="col" { "Collectivité" }
                        th scope="col" { "Actions du rapport" }
                        th scope="col" { "Prévu" }
                        th scope="col" { "Consommé" }
                        th scope="col" { "Reporté" }
                        th scope="col" { "Taux" }
                    } }
                    tbody {
                        @for cell in &m.cells {
                            @let code = cell.signatory.as_str();
                            @let id = loaded.report_id(code);
                            @let actions = source_actions(&cell.figures);
                            tr data-departement=(code) {
                                th scope="row" { (signatory_link(loaded, code)) }
                                td {
                                    @for (i, action) in actions.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        @match id {
                                            Some(id) => a href={ "/rapports/" (id) "/actions/" (seg(action)) } { (action) },
                                            None => (action),
                                        }
                                    }
                                }
                                td.montant { (amount(&cell.figures.planned)) }
                                td.montant { (amount(&cell.figures.spent)) }
                                td.montant { (amount(&cell.figures.carry_over)) }
                                td.montant { (rate(&cell.figures)) }
                            }
                        }
                    }
                }
            }
            @if !m.absent_from.is_empty() {
                @let names: Vec<String> = m.absent_from.iter().map(|d| d.label()).collect();
                p { "Mesure absente des rapports de : " (names.join(", ")) "." }
            }
        }
    }
}

/// The actions a signatory's planned and spent amounts come from, each once, in order.
fn source_actions(f: &Figures) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    f.planned
        .sources
        .iter()
        .chain(&f.spent.sources)
        .map(|s| s.at.action.as_str())
        .filter(|a| !a.is_empty() && seen.insert(*a))
        .collect()
}

fn signatories_block(c: &Consolidation, loaded: &Loaded) -> Markup {
    html! {
        h2 #departements { "Par collectivité" }
        div.fr-table {
            table #table-departements {
                caption { "Montants par collectivité" }
                thead { tr {
                    th scope="col" { "Collectivité" }
                    th scope="col" { "Statut" }
                    (figure_heads())
                } }
                tbody {
                    @for t in &c.signatories {
                        @let code = t.signatory.as_str();
                        tr id={ "departement-" (code) } data-departement=(code) {
                            th scope="row" { (signatory_link(loaded, code)) }
                            td { (t.state.label()) }
                            (figure_cells(&t.figures))
                        }
                    }
                }
            }
        }
    }
}

fn indicators_block(c: &Consolidation, loaded: &Loaded) -> Markup {
    let rows: Vec<_> = c.measures.iter().flat_map(|m| m.indicators.iter().map(move |i| (m, i))).collect();
    html! {
        h2 #indicateurs { "Indicateurs" }
        p { "Les nombres et les montants sont additionnés ; les délais, taux et moyennes sont présentés en distribution ; un indicateur déclaré dans des unités différentes n’est pas calculé et les collectivités concernées sont listées." }
        @if rows.is_empty() {
            p { "Aucun indicateur." }
        } @else {
            div.fr-table {
                table #table-indicateurs {
                    caption { "Indicateurs consolidés" }
                    thead { tr {
                        th scope="col" { "Mesure" }
                        th scope="col" { "Indicateur" }
                        th scope="col" { "Consolidation" }
                    } }
                    tbody {
                        @for (m, i) in rows {
                            @let kind = match i.outcome {
                                IndicatorOutcome::Summed { .. } => "additionne",
                                IndicatorOutcome::Spread { .. } => "distribution",
                                IndicatorOutcome::Incompatible { .. } => "incompatible",
                                IndicatorOutcome::NoValue { .. } => "sans-valeur",
                            };
                            tr data-consolidation=(kind) {
                                td { (m.title) }
                                th scope="row" { (i.name) }
                                td {
                                    (i.describe())
                                    @if let IndicatorOutcome::Incompatible { units } = &i.outcome {
                                        ul.fr-mb-0 {
                                            @for g in units {
                                                li {
                                                    (g.unit.map_or("unité non précisée", |u| u.label())) " : "
                                                    @for (k, d) in g.signatories.iter().enumerate() {
                                                        @if k > 0 { ", " }
                                                        (signatory_link(loaded, d.as_str()))
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The indicators by catalogue code, the indicators not linked to the catalogue and the
/// local ones.
fn catalogue_block(c: &Consolidation, loaded: &Loaded) -> Markup {
    html! {
        h2 #referentiel { "Indicateurs du référentiel national" }
        @match &c.catalogue {
            None => p #referentiel-absent { "Aucun référentiel d’indicateurs n’est défini pour ce programme." },
            Some(k) => {
                p { "Les indicateurs que les collectivités ont rattachés au catalogue national (par son code) sont agrégés selon la règle du catalogue : somme, moyenne pondérée par un autre indicateur du même rapport, ou répartition (minimum, médiane, maximum). Une valeur déclarée dans une autre unité que celle du catalogue n’est pas comptée." }
                @if k.indicators.is_empty() {
                    p #referentiel-vide { "Le catalogue ne compte aucun indicateur pour cette année." }
                } @else {
                    div.fr-table {
                        table #table-referentiel {
                            caption { "Indicateurs du catalogue national" }
                            thead { tr {
                                th scope="col" { "Code" }
                                th scope="col" { "Indicateur" }
                                th scope="col" { "Règle" }
                                th scope="col" { "Agrégat" }
                                th scope="col" { "Déclaré par" }
                                th scope="col" { "Non déclaré par" }
                            } }
                            tbody {
                                @for i in &k.indicators {
                                    tr id={ "referentiel-" (i.code) } data-agregation=(aggregation_code(&i.aggregation)) {
                                        td { code { (i.code) } }
                                        th scope="row" { (i.title) }
                                        td { (i.aggregation.label()) }
                                        td { (i.describe()) }
                                        td.montant { (i.reported_by.len()) " / " (c.expected.len()) }
                                        td {
                                            @if i.not_reported.is_empty() {
                                                "—"
                                            } @else {
                                                details {
                                                    summary { (bilan_consolidate::text::signatories_count(i.not_reported.len())) }
                                                    ul.fr-mb-0 {
                                                        @for d in &i.not_reported {
                                                            li data-departement=(d.as_str()) { (signatory_link(loaded, d.as_str())) }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h3 #non-rattaches { "Non rattachés au référentiel" }
                p { "Indicateurs sans code dont l’intitulé ressemble à celui d’un indicateur du catalogue : ils ne sont pas agrégés tant que la collectivité ne les a pas rattachés (dans le formulaire de l’indicateur). Le lien ouvre l’examen du rapport, pour le lui demander en commentaire." }
                @if k.unlinked.is_empty() {
                    p #aucun-non-rattache { "Aucun indicateur non rattaché." }
                } @else {
                    ul #liste-non-rattaches {
                        @for u in &k.unlinked {
                            @let d = u.indicator.at.signatory.as_str();
                            li data-departement=(d) data-chemin=(u.indicator.at.path) data-code-suggere=(u.suggested_code) {
                                (signatory_link(loaded, d)) ", action " (u.indicator.at.action) " : « " (u.indicator.name) " » ressemble à "
                                code { (u.suggested_code) } " « " (u.suggested_title) " »."
                                @if let Some(id) = loaded.report_id(d) {
                                    " "
                                    a.fr-link.fr-link--sm href={ "/rapports/" (id) "/revue?cible=action:" (seg(&u.indicator.at.action)) "#form-commentaire" } { "Demander le rattachement" }
                                }
                            }
                        }
                    }
                }
                @if !k.unknown_codes.is_empty() {
                    h3 #codes-inconnus { "Codes absents du référentiel" }
                    ul #liste-codes-inconnus {
                        @for u in &k.unknown_codes {
                            @let d = u.indicator.at.signatory.as_str();
                            li data-departement=(d) data-chemin=(u.indicator.at.path) {
                                (signatory_link(loaded, d)) ", action " (u.indicator.at.action) " : « " (u.indicator.name) " », " (u.reason) "."
                            }
                        }
                    }
                }
                h3 #indicateurs-locaux { "Indicateurs locaux" }
                @if k.local.is_empty() {
                    p #aucun-indicateur-local { "Aucun indicateur local." }
                } @else {
                    ul #liste-indicateurs-locaux {
                        @for l in &k.local {
                            li data-departement=(l.signatory.as_str()) {
                                (signatory_link(loaded, l.signatory.as_str())) " : "
                                @for (n, i) in l.indicators.iter().enumerate() {
                                    @if n > 0 { " ; " }
                                    "« " (i.name) " »"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn outliers_block(loaded: &Loaded, found: &[Outlier]) -> Markup {
    html! {
        h2 #valeurs-atypiques { "Valeurs atypiques" }
        @if found.is_empty() {
            p #aucune-valeur-atypique { "Aucune valeur éloignée de celles des autres collectivités." }
        } @else {
            ul #liste-valeurs-atypiques {
                @for o in found {
                    li data-departement=(o.signatory.as_str()) {
                        (o.message)
                        @if let Some(id) = loaded.report_id(o.signatory.as_str()) {
                            " "
                            a.fr-link.fr-link--sm href={ "/rapports/" (id) "/revue#valeurs-atypiques" } { "Examiner" }
                        }
                    }
                }
            }
        }
    }
}

fn open_data_block(base: &str, year: i32) -> Markup {
    html! {
        h2 #donnees { "Données ouvertes" }
        p { "Tableaux consolidés au format CSV (UTF-8, virgule) décrits par un schéma Table Schema, prêts pour data.gouv.fr, et classeur XLSX." }
        ul #liste-donnees {
            @for t in OPEN_TABLES {
                li {
                    (t) " : "
                    a href={ (base) "/donnees/" (t) ".csv?annee=" (year) } id={ "donnees-" (t) "-csv" } download { "CSV" }
                    " · "
                    a href={ (base) "/donnees/" (t) ".schema.json?annee=" (year) } id={ "donnees-" (t) "-schema" } download { "schéma" }
                }
            }
            li { a href={ (base) "/donnees/consolidation.xlsx?annee=" (year) } #donnees-xlsx download { "Classeur XLSX (tous les tableaux)" } }
        }
    }
}
