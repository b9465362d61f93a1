//! Regional and national dashboards: the consolidation of the transmitted and approved
//! reports of a perimeter for one programme year, with who has not transmitted, a map
//! coloured by execution rate, planned vs spent per measure, indicators added up only where
//! units allow, outliers, and the open data files. Every figure links to the reports (and
//! actions) it comes from.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use bilan_consolidate::consolidation::{IndicatorOutcome, MeasureConsolidation};
use bilan_consolidate::figures::SourcedAmount;
use bilan_consolidate::{across_departments, Consolidation, Figures, Rate, ReportState};
use bilan_domain::{geo, Report};
use bilan_render::{BarRow, MapClass, MapEntry, MapLegend};

use crate::policy::perimeter::{self, Perimeter};
use crate::policy::Ctx;
use crate::service::consolidation;
use crate::views::layout::{alert, esc, not_found, Page};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    pub annee: Option<String>,
    pub mesure: Option<String>,
}

fn refuse_perimeter(ctx: &Ctx) -> Response {
    crate::http::session::refused(
        ctx,
        "Ce tableau de bord ne relève pas de votre périmètre : un service régional consulte sa région, le lecteur national toute la France.",
    )
}

pub async fn index(ctx: Ctx) -> Response {
    let perimeters = perimeter::perimeters_of(&ctx.user);
    if perimeters.is_empty() {
        return crate::http::session::refused(
            &ctx,
            "Les tableaux de bord sont réservés aux services régionaux et nationaux de l’État.",
        );
    }
    if perimeters.len() == 1 {
        return Redirect::to(&perimeters[0].path()).into_response();
    }
    let mut h = String::from("<h1>Tableaux de bord</h1><ul id=\"liste-perimetres\">");
    for p in &perimeters {
        h.push_str(&format!("<li><a href=\"{}\">{}</a></li>", esc(&p.path()), esc(&p.label())));
    }
    h.push_str("</ul>");
    Page::new("Tableaux de bord", Some(&ctx), h).into_response()
}

pub async fn national(State(app): State<AppState>, ctx: Ctx, Query(q): Query<DashQuery>) -> Response {
    dashboard(&app, &ctx, Perimeter::National, q).await
}

pub async fn region(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> Response {
    if geo::region(&code).is_none() {
        return not_found(Some(&ctx));
    }
    dashboard(&app, &ctx, Perimeter::Region(code), q).await
}

/// The year asked for (default: the latest year that has a counted report in the
/// perimeter, else last year), and its programme. `Err` on an unreadable year.
fn year_of(q: &DashQuery) -> Result<Option<(i32, &'static str)>, String> {
    match q.annee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => {
            let y: i32 = t.parse().map_err(|_| format!("« {t} » n’est pas une année."))?;
            match consolidation::programme_of_year(y) {
                Some(p) => Ok(Some((y, p))),
                None => Err(format!("Aucun programme ne couvre l’année {y}.")),
            }
        }
    }
}

async fn default_year(app: &AppState, perimeter: &Perimeter) -> (i32, &'static str) {
    let filter = bilan_store::ReportFilter {
        departments: Some(perimeter.departments()),
        statuses: Some(vec![bilan_store::Status::Transmitted, bilan_store::Status::Approved]),
        year: None,
    };
    let latest = app.store.reports(&filter).await.ok().and_then(|l| l.iter().map(|s| s.year).max());
    let year = latest.unwrap_or_else(|| crate::time::current_year() - 1);
    (year, consolidation::programme_of_year(year).unwrap_or("calpae"))
}

fn bad_request(ctx: &Ctx, message: &str) -> Response {
    crate::views::layout::error_page(
        StatusCode::BAD_REQUEST,
        Some(ctx),
        "Paramètre invalide",
        &format!("<p>{}</p>", esc(message)),
    )
}

fn amount(a: &SourcedAmount) -> String {
    if a.is_stated() {
        esc(&a.value.to_french())
    } else {
        "—".to_string()
    }
}

fn rate(f: &Figures) -> String {
    f.execution_rate().map_or_else(|| "—".to_string(), |r| esc(&r.to_french()))
}

/// The cells prévu, engagé, consommé, reporté, part État and taux of a row.
fn figure_cells(f: &Figures) -> String {
    let mut cells: String = [&f.planned, &f.committed, &f.spent, &f.carry_over, &f.state_share]
        .into_iter()
        .map(|a| format!("<td class=\"montant\">{}</td>", amount(a)))
        .collect();
    cells.push_str(&format!("<td class=\"montant\">{}</td>", rate(f)));
    cells
}

/// Map classes by execution rate: < 50 %, 50–70 %, 70–85 %, 85–100 %, ≥ 100 %.
const BUCKET_PERMILLE: [i64; 4] = [500, 700, 850, 1000];

fn bucket(r: Rate) -> u8 {
    let pm = r.per_mille();
    BUCKET_PERMILLE.iter().take_while(|b| pm >= **b).count() as u8
}

async fn dashboard(app: &AppState, ctx: &Ctx, perimeter: Perimeter, q: DashQuery) -> Response {
    if !perimeter::may_consolidate(&ctx.user, &perimeter) {
        return refuse_perimeter(ctx);
    }
    let (year, programme) = match year_of(&q) {
        Ok(Some(y)) => y,
        Ok(None) => default_year(app, &perimeter).await,
        Err(m) => return bad_request(ctx, &m),
    };
    let loaded = match consolidation::load(app, &perimeter, programme, year).await {
        Ok(l) => l,
        Err(e) => return crate::views::layout::store_error(ctx, e),
    };
    let c = loaded.consolidation();
    let base = perimeter.path();
    let mut h = format!(
        "<h1 id=\"titre-tableau\">{} – {} {year}</h1>",
        esc(&perimeter.label()),
        esc(&consolidation::programme_name(programme))
    );
    h.push_str(&year_form(&base, year));
    h.push_str(
        "<p class=\"fr-text--sm\">Consolidation des seuls rapports transmis ou approuvés. Chaque montant renvoie aux rapports dont il provient.</p>",
    );
    h.push_str(&headline(&c));
    h.push_str(&not_transmitted_block(&c, &loaded));
    h.push_str(&map_block(&c, &loaded, &perimeter));
    h.push_str(&measures_block(&c, &base, year));
    if let Some(k) = q.mesure.as_deref().and_then(|m| m.parse::<usize>().ok()) {
        match c.measures.get(k) {
            Some(m) => h.push_str(&measure_detail(m, &loaded)),
            None => return not_found(Some(ctx)),
        }
    }
    h.push_str(&departments_block(&c, &loaded));
    h.push_str(&indicators_block(&c, &loaded));
    h.push_str(&outliers_block(&loaded));
    h.push_str(&open_data_block(&base, year));
    if perimeter == Perimeter::National {
        h.push_str("<h2 id=\"regions\">Par région</h2><ul class=\"colonnes\" id=\"liens-regions\">");
        for r in geo::REGIONS.iter() {
            h.push_str(&format!(
                "<li><a href=\"/tableaux/regions/{}?annee={year}\">{}</a></li>",
                esc(r.code),
                esc(r.name)
            ));
        }
        h.push_str("</ul>");
    }
    let mut crumbs = vec![("Tableaux de bord".to_string(), Some("/tableaux".to_string()))];
    crumbs.push((perimeter.label(), None));
    Page::new(format!("{} – {year}", perimeter.label()), Some(ctx), h).crumbs(crumbs).into_response()
}

fn year_form(base: &str, year: i32) -> String {
    let mut options = String::new();
    for (y, p) in consolidation::campaign_years().into_iter().rev() {
        options.push_str(&format!(
            "<option value=\"{y}\"{}>{y} – {}</option>",
            if y == year { " selected" } else { "" },
            esc(&consolidation::programme_name(p))
        ));
    }
    format!(
        "<form method=\"get\" action=\"{}\" id=\"form-annee\" class=\"fr-mb-3w\"><div class=\"fr-select-group\">\
         <label class=\"fr-label\" for=\"annee\">Année des rapports</label><select class=\"fr-select\" id=\"annee\" name=\"annee\">{options}</select></div>\
         <button class=\"fr-btn fr-btn--secondary fr-btn--sm\" type=\"submit\" id=\"bouton-annee\">Afficher</button></form>",
        esc(base)
    )
}

fn headline(c: &Consolidation) -> String {
    let t = &c.total;
    format!(
        "<div class=\"fr-table\"><table id=\"table-synthese\"><caption>Synthèse : {counted} rapport(s) consolidé(s) sur {expected} attendu(s)</caption>\
         <thead><tr><th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th><th scope=\"col\">Consommé</th><th scope=\"col\">Reporté</th><th scope=\"col\">Part État prévue</th><th scope=\"col\">Taux d’exécution</th></tr></thead>\
         <tbody><tr><td class=\"montant\" id=\"synthese-prevu\">{}</td><td class=\"montant\" id=\"synthese-engage\">{}</td><td class=\"montant\" id=\"synthese-consomme\">{}</td>\
         <td class=\"montant\" id=\"synthese-report\">{}</td><td class=\"montant\" id=\"synthese-etat\">{}</td><td class=\"montant\" id=\"synthese-taux\">{}</td></tr></tbody></table></div>",
        amount(&t.planned),
        amount(&t.committed),
        amount(&t.spent),
        amount(&t.carry_over),
        amount(&t.state_share),
        rate(t),
        counted = c.counted.len(),
        expected = c.expected.len(),
    )
}

fn not_transmitted_block(c: &Consolidation, loaded: &consolidation::Loaded) -> String {
    let n = c.not_transmitted.len();
    if n == 0 {
        return "<p id=\"tous-transmis\">Tous les Départements du périmètre ont transmis leur rapport.</p>"
            .to_string();
    }
    let mut items = String::new();
    for d in &c.not_transmitted {
        let code = d.as_str();
        let status = match loaded.other_status(code) {
            Some(s) => crate::views::layout::status_label(s).to_string(),
            None => "aucun rapport".to_string(),
        };
        items.push_str(&format!(
            "<li data-departement=\"{}\">{} : {}</li>",
            esc(code),
            esc(&bilan_domain::geo::department_label(code)),
            esc(&status)
        ));
    }
    alert(
        "warning",
        "non-transmis",
        &format!("{n} Département(s) sur {} n’ont pas encore transmis leur rapport {}", c.expected.len(), c.year),
        &format!("<p>Leurs chiffres ne sont pas dans les totaux. Statut actuel de leur rapport :</p><ul class=\"colonnes\" id=\"liste-non-transmis\">{items}</ul>"),
    )
}

fn review_link(loaded: &consolidation::Loaded, department: &str) -> Option<String> {
    loaded.report_id(department).map(|id| format!("/rapports/{id}/revue"))
}

fn map_block(c: &Consolidation, loaded: &consolidation::Loaded, perimeter: &Perimeter) -> String {
    let in_scope: Vec<String> = perimeter.departments();
    let entries: Vec<MapEntry> = geo::DEPARTMENTS
        .iter()
        .map(|d| {
            let code = d.code.to_string();
            if !in_scope.contains(&code) {
                return MapEntry {
                    code,
                    value_label: String::new(),
                    class: MapClass::NotInScope,
                    href: None,
                };
            }
            let total = c.departments.iter().find(|t| t.department.as_str() == d.code);
            match total.and_then(|t| t.figures.execution_rate()) {
                Some(r) => MapEntry {
                    href: review_link(loaded, d.code),
                    code,
                    value_label: r.to_french(),
                    class: MapClass::Bucket(bucket(r)),
                },
                None => MapEntry {
                    href: review_link(loaded, d.code),
                    value_label: if total.is_some() {
                        "taux non calculable".into()
                    } else {
                        "non transmis".into()
                    },
                    code,
                    class: MapClass::NoData,
                },
            }
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
        &format!("Taux d’exécution par Département – {}", perimeter.label()),
        zoom.as_deref(),
    );
    format!(
        "<h2 id=\"carte\">Carte des taux d’exécution</h2><figure class=\"fr-content-media carte\" id=\"figure-carte\">{svg}\
         <figcaption class=\"fr-content-media__caption\">Chaque Département renvoie à son rapport. Les mêmes chiffres figurent dans le tableau « Par Département ».</figcaption></figure>"
    )
}

fn measures_block(c: &Consolidation, base: &str, year: i32) -> String {
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
    let mut h = format!(
        "<h2 id=\"mesures\">Par mesure</h2><figure class=\"fr-content-media\" id=\"figure-mesures\">{chart}</figure>\
         <div class=\"fr-table\"><table id=\"table-mesures\"><caption>Montants par mesure</caption><thead><tr>\
         <th scope=\"col\">Mesure</th><th scope=\"col\">Départements</th><th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th><th scope=\"col\">Consommé</th>\
         <th scope=\"col\">Reporté</th><th scope=\"col\">Part État</th><th scope=\"col\">Taux</th></tr></thead><tbody>"
    );
    for (k, m) in c.measures.iter().enumerate() {
        h.push_str(&format!(
            "<tr id=\"mesure-{k}\"><th scope=\"row\"><a href=\"{}?annee={year}&amp;mesure={k}#detail-mesure\">{}</a>{}</th><td>{}</td>{}</tr>",
            esc(base),
            esc(&m.title),
            if m.core_rank.is_some() { " <span class=\"fr-badge fr-badge--sm\">socle</span>" } else { "" },
            m.cells.len(),
            figure_cells(&m.total),
        ));
    }
    h.push_str("</tbody></table></div>");
    h
}

/// A measure's figures per Département, each linking to the actions it comes from.
fn measure_detail(m: &MeasureConsolidation, loaded: &consolidation::Loaded) -> String {
    let mut h = format!(
        "<section id=\"detail-mesure\"><h2>Détail : {}</h2><div class=\"fr-table\"><table id=\"table-detail-mesure\"><caption>Contributions par Département et provenance</caption><thead><tr>\
         <th scope=\"col\">Département</th><th scope=\"col\">Actions du rapport</th><th scope=\"col\">Prévu</th><th scope=\"col\">Consommé</th><th scope=\"col\">Reporté</th><th scope=\"col\">Taux</th></tr></thead><tbody>",
        esc(&m.title)
    );
    for cell in &m.cells {
        let code = cell.department.as_str();
        let id = loaded.report_id(code);
        let mut actions: Vec<String> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for s in cell.figures.planned.sources.iter().chain(&cell.figures.spent.sources) {
            if s.at.action.is_empty() || !seen.insert(s.at.action.clone()) {
                continue;
            }
            actions.push(match id {
                Some(id) => format!(
                    "<a href=\"/rapports/{id}/actions/{}\">{}</a>",
                    crate::views::layout::seg(&s.at.action),
                    esc(&s.at.action)
                ),
                None => esc(&s.at.action),
            });
        }
        h.push_str(&format!(
            "<tr data-departement=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td><td class=\"montant\">{}</td></tr>",
            esc(code),
            match id {
                Some(id) => format!("<a href=\"/rapports/{id}/revue\">{}</a>", esc(&bilan_domain::geo::department_label(code))),
                None => esc(&bilan_domain::geo::department_label(code)),
            },
            actions.join(", "),
            amount(&cell.figures.planned),
            amount(&cell.figures.spent),
            amount(&cell.figures.carry_over),
            rate(&cell.figures),
        ));
    }
    h.push_str("</tbody></table></div>");
    if !m.absent_from.is_empty() {
        let names: Vec<String> =
            m.absent_from.iter().map(|d| bilan_domain::geo::department_label(d.as_str())).collect();
        h.push_str(&format!("<p>Mesure absente des rapports de : {}.</p>", esc(&names.join(", "))));
    }
    h.push_str("</section>");
    h
}

fn departments_block(c: &Consolidation, loaded: &consolidation::Loaded) -> String {
    let mut h = String::from(
        "<h2 id=\"departements\">Par Département</h2><div class=\"fr-table\"><table id=\"table-departements\"><caption>Montants par Département</caption><thead><tr>\
         <th scope=\"col\">Département</th><th scope=\"col\">Statut</th><th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th><th scope=\"col\">Consommé</th><th scope=\"col\">Reporté</th><th scope=\"col\">Part État</th><th scope=\"col\">Taux</th></tr></thead><tbody>",
    );
    for t in &c.departments {
        let code = t.department.as_str();
        let name = bilan_domain::geo::department_label(code);
        h.push_str(&format!(
            "<tr id=\"departement-{}\" data-departement=\"{}\"><th scope=\"row\">{}</th><td>{}</td>{}</tr>",
            esc(code),
            esc(code),
            match review_link(loaded, code) {
                Some(u) => format!("<a href=\"{}\">{}</a>", esc(&u), esc(&name)),
                None => esc(&name),
            },
            esc(t.state.label()),
            figure_cells(&t.figures),
        ));
    }
    h.push_str("</tbody></table></div>");
    h
}

fn indicators_block(c: &Consolidation, loaded: &consolidation::Loaded) -> String {
    let mut h = String::from("<h2 id=\"indicateurs\">Indicateurs</h2><p>Les nombres et les montants sont additionnés ; les délais, taux et moyennes sont présentés en distribution ; un indicateur déclaré dans des unités différentes n’est pas calculé et les Départements concernés sont listés.</p>");
    let mut rows = String::new();
    for m in &c.measures {
        for i in &m.indicators {
            let incompatible = match &i.outcome {
                IndicatorOutcome::Incompatible { units } => {
                    let parts: Vec<String> = units
                        .iter()
                        .map(|g| {
                            let names: Vec<String> = g
                                .departments
                                .iter()
                                .map(|d| {
                                    let label = bilan_domain::geo::department_label(d.as_str());
                                    match loaded.report_id(d.as_str()) {
                                        Some(id) => {
                                            format!("<a href=\"/rapports/{id}/revue\">{}</a>", esc(&label))
                                        }
                                        None => esc(&label),
                                    }
                                })
                                .collect();
                            format!(
                                "{} : {}",
                                esc(g.unit.map_or("unité non précisée", |u| u.label())),
                                names.join(", ")
                            )
                        })
                        .collect();
                    format!("<ul class=\"fr-mb-0\"><li>{}</li></ul>", parts.join("</li><li>"))
                }
                _ => String::new(),
            };
            let kind = match i.outcome {
                IndicatorOutcome::Summed { .. } => "additionne",
                IndicatorOutcome::Spread { .. } => "distribution",
                IndicatorOutcome::Incompatible { .. } => "incompatible",
                IndicatorOutcome::NoValue { .. } => "sans-valeur",
            };
            rows.push_str(&format!(
                "<tr data-consolidation=\"{kind}\"><td>{}</td><th scope=\"row\">{}</th><td>{}{incompatible}</td></tr>",
                esc(&m.title),
                esc(&i.name),
                esc(&i.describe()),
            ));
        }
    }
    if rows.is_empty() {
        h.push_str("<p>Aucun indicateur.</p>");
    } else {
        h.push_str(&format!(
            "<div class=\"fr-table\"><table id=\"table-indicateurs\"><caption>Indicateurs consolidés</caption><thead><tr><th scope=\"col\">Mesure</th><th scope=\"col\">Indicateur</th><th scope=\"col\">Consolidation</th></tr></thead><tbody>{rows}</tbody></table></div>"
        ));
    }
    h
}

fn outliers_block(loaded: &consolidation::Loaded) -> String {
    let pairs: Vec<(ReportState, &Report)> =
        loaded.counted.iter().map(|(s, r)| (consolidation::state_of(s.status), r)).collect();
    let found = across_departments(&loaded.perimeter.scope(&loaded.programme, loaded.year), &pairs);
    let mut h = String::from("<h2 id=\"valeurs-atypiques\">Valeurs atypiques</h2>");
    if found.is_empty() {
        h.push_str(
            "<p id=\"aucune-valeur-atypique\">Aucune valeur éloignée de celles des autres Départements.</p>",
        );
        return h;
    }
    h.push_str("<ul id=\"liste-valeurs-atypiques\">");
    for o in &found {
        let link = loaded
            .report_id(o.department.as_str())
            .map(|id| format!("/rapports/{id}/revue#valeurs-atypiques"));
        h.push_str(&format!(
            "<li data-departement=\"{}\">{}{}</li>",
            esc(o.department.as_str()),
            esc(&o.message),
            link.map(|u| format!(" <a class=\"fr-link fr-link--sm\" href=\"{}\">Examiner</a>", esc(&u)))
                .unwrap_or_default()
        ));
    }
    h.push_str("</ul>");
    h
}

fn open_data_block(base: &str, year: i32) -> String {
    let mut h = String::from(
        "<h2 id=\"donnees\">Données ouvertes</h2><p>Tableaux consolidés au format CSV (UTF-8, virgule) décrits par un schéma Table Schema, prêts pour data.gouv.fr, et classeur XLSX.</p><ul id=\"liste-donnees\">",
    );
    for t in OPEN_TABLES {
        h.push_str(&format!(
            "<li>{t} : <a href=\"{base}/donnees/{t}.csv?annee={year}\" id=\"donnees-{t}-csv\" download>CSV</a> · <a href=\"{base}/donnees/{t}.schema.json?annee={year}\" id=\"donnees-{t}-schema\" download>schéma</a></li>",
            base = esc(base),
        ));
    }
    h.push_str(&format!(
        "<li><a href=\"{}/donnees/consolidation.xlsx?annee={year}\" id=\"donnees-xlsx\" download>Classeur XLSX (tous les tableaux)</a></li></ul>",
        esc(base)
    ));
    h
}

const OPEN_TABLES: [&str; 3] = ["execution-par-mesure", "execution-par-departement", "indicateurs"];

pub async fn national_data(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<DashQuery>,
) -> Response {
    open_data(&app, &ctx, Perimeter::National, &file, q).await
}

pub async fn region_data(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((code, file)): Path<(String, String)>,
    Query(q): Query<DashQuery>,
) -> Response {
    if geo::region(&code).is_none() {
        return not_found(Some(&ctx));
    }
    open_data(&app, &ctx, Perimeter::Region(code), &file, q).await
}

async fn open_data(app: &AppState, ctx: &Ctx, perimeter: Perimeter, file: &str, q: DashQuery) -> Response {
    if !perimeter::may_consolidate(&ctx.user, &perimeter) {
        return refuse_perimeter(ctx);
    }
    let (year, programme) = match year_of(&q) {
        Ok(Some(y)) => y,
        Ok(None) => default_year(app, &perimeter).await,
        Err(m) => return bad_request(ctx, &m),
    };
    let loaded = match consolidation::load(app, &perimeter, programme, year).await {
        Ok(l) => l,
        Err(e) => return crate::views::layout::store_error(ctx, e),
    };
    let c = loaded.consolidation();
    let tables = bilan_sheets::opendata::opendata_tables(&c);
    let stem = match &perimeter {
        Perimeter::National => format!("national-{programme}-{year}"),
        Perimeter::Region(code) => format!("region-{code}-{programme}-{year}"),
    };
    if file == "consolidation.xlsx" {
        return match bilan_sheets::opendata::opendata_xlsx(&tables) {
            Ok(bytes) => crate::handlers::files::attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("consolidation-{stem}.xlsx"),
                bytes,
            ),
            Err(e) => crate::views::layout::internal_error(Some(ctx), &e),
        };
    }
    let (name, schema) = match (file.strip_suffix(".csv"), file.strip_suffix(".schema.json")) {
        (Some(n), _) => (n, false),
        (_, Some(n)) => (n, true),
        _ => return not_found(Some(ctx)),
    };
    let Some(table) = tables.iter().find(|t| t.name == name) else { return not_found(Some(ctx)) };
    let (body, content_type, ext) = if schema {
        (bilan_sheets::opendata::table_schema_json(table), "application/json", "schema.json")
    } else {
        (bilan_sheets::opendata::opendata_csv(table), "text/csv; charset=utf-8", "csv")
    };
    let mut r =
        crate::handlers::files::attachment(content_type, &format!("{name}-{stem}.{ext}"), body.into_bytes());
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
