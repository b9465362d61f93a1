//! Open data of a consolidation, for data.gouv.fr: three tables ([`opendata_tables`]),
//! each as CSV ([`opendata_csv`]) with its Frictionless Table Schema
//! ([`table_schema_json`]), and all three in one XLSX workbook ([`opendata_xlsx`]).
//!
//! # Choices
//!
//! - **Files.** CSV per RFC 4180: "," separator, CRLF line ends, UTF-8 without byte-order
//!   mark, one header row of field names, fields quoted only when they hold a comma, a
//!   semicolon, a quote or a line break. Amounts in euros with two decimals and a "." decimal point,
//!   no thousands separator ("145468.26"): the form data.gouv.fr and the Table Schema
//!   `number` type expect.
//! - **Not stated is empty.** A figure no action of the report states is an empty cell
//!   (`missingValues: [""]`), never 0: "0.00" means a report stated zero.
//! - **Figures** are the consolidation's ([`bilan_consolidate::figures`] says which field
//!   of a report gives each), so these files add up to the same totals as the State's
//!   consolidation pages. A sum covers the actions that state the figure.
//! - **Shares**: part État and part CD as the convention plans them (section 5.1), next to
//!   the total planned; they need not add up to it (the total comes from the annex).
//! - **Catalogue.** Each indicator row says how it stands with the national catalogue
//!   (`rattachement`, [`bilan_consolidate::Link`]): its code, the catalogue's aggregation
//!   rule and the aggregate over the perimeter ([`bilan_consolidate::catalogue`]); an
//!   indicator without a code is `local`, or `non_rattache` with the suggested code when
//!   its title resembles a catalogue one. Empty when the consolidation had no catalogue.
//! - Text cells that a spreadsheet could read as a formula are neutralised as in every
//!   file of this crate ([`crate::neutralize`]), in the CSV and in the XLSX.

use std::fmt::Write;

use bilan_consolidate::catalogue::{aggregation_code, AGGREGATION_CODES};
use bilan_consolidate::consolidation::{IndicatorConsolidation, IndicatorOutcome, MeasureConsolidation};
use bilan_consolidate::{Consolidation, Figures, Link, Provenance, ReportState, SourcedAmount};
use bilan_domain::{CollectiviteCode, Date, IndicatorUnit, MeasureKind, Money, Quantity};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook};

use crate::{neutralize, SheetError};

/// The type of a field, as the Table Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Integer,
    /// A decimal number with "." as decimal point.
    Number,
    /// ISO 8601 (`2020-06-30`).
    Date,
}

impl FieldKind {
    /// The Table Schema `type`.
    pub fn schema_type(self) -> &'static str {
        match self {
            FieldKind::String => "string",
            FieldKind::Integer => "integer",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Machine name: lower case, no accent, "_" between words (the CSV header).
    pub name: &'static str,
    /// French title.
    pub title: String,
    /// French description, stating the unit when there is one.
    pub description: String,
    pub kind: FieldKind,
    /// "€", "%".
    pub unit: Option<&'static str>,
    /// The only values the field takes, when it is a code; empty otherwise.
    pub allowed: &'static [&'static str],
}

/// One cell. `Empty` is a figure that is not stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    /// `value / 10^scale`, exactly: amounts are cents with scale 2.
    Decimal {
        value: i64,
        scale: u8,
    },
    Date(Date),
}

impl Cell {
    /// An amount in euros with two decimals; empty when not stated.
    pub fn money(m: Option<Money>) -> Cell {
        m.map_or(Cell::Empty, |m| Cell::Decimal { value: m.cents(), scale: 2 })
    }

    /// A quantity (hundredths) with the decimals it needs: "1221", "2.5", "2.25".
    pub fn quantity(q: Quantity) -> Cell {
        let h = q.hundredths();
        if h % 100 == 0 {
            Cell::Decimal { value: h / 100, scale: 0 }
        } else if h % 10 == 0 {
            Cell::Decimal { value: h / 10, scale: 1 }
        } else {
            Cell::Decimal { value: h, scale: 2 }
        }
    }

    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// The cell as written in the CSV, before quoting: decimals with a ".", dates in ISO
    /// form, text neutralised.
    pub fn to_csv_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => neutralize(t).into_owned(),
            Cell::Integer(i) => i.to_string(),
            Cell::Decimal { value, scale } => decimal_text(*value, *scale),
            Cell::Date(d) => d.iso(),
        }
    }
}

/// `value / 10^scale` in plain decimal notation with `scale` decimals.
fn decimal_text(value: i64, scale: u8) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    let p = 10u64.saturating_pow(u32::from(scale));
    format!("{sign}{}.{:0width$}", abs / p, abs % p, width = usize::from(scale))
}

/// One table: a CSV file, a Table Schema, a sheet of the workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// File and sheet name: "execution-par-mesure", "execution-par-departement",
    /// "indicateurs".
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub fields: Vec<Field>,
    /// The fields that identify a row.
    pub primary_key: Vec<&'static str>,
    /// One cell per field.
    pub rows: Vec<Vec<Cell>>,
}

// ----- fields -------------------------------------------------------------------------

fn field(name: &'static str, kind: FieldKind, title: &str, description: &str) -> Field {
    Field {
        name,
        title: title.to_string(),
        description: description.to_string(),
        kind,
        unit: None,
        allowed: &[],
    }
}

fn money_field(name: &'static str, title: &str, description: &str) -> Field {
    Field {
        unit: Some("€"),
        ..field(
            name,
            FieldKind::Number,
            title,
            &format!(
                "{description} En euros, deux décimales. Vide quand aucune action ne déclare ce montant ; \
                 sinon, somme des actions qui le déclarent."
            ),
        )
    }
}

const STATES: &[&str] = &["transmis", "approuve", "non_transmis"];
const KINDS: &[&str] = &["socle", "initiative"];
const OUTCOMES: &[&str] = &["somme", "dispersion", "unites_incompatibles", "aucune_valeur"];

fn head_fields() -> Vec<Field> {
    vec![
        field("programme", FieldKind::String, "Programme", "Identifiant du programme (calpae, pacte)."),
        field("annee", FieldKind::Integer, "Année", "Année d'exécution N du rapport."),
        field("region_code", FieldKind::String, "Code région", "Code INSEE de la région du Département."),
        field(
            "collectivite_code",
            FieldKind::String,
            "Code de la collectivité",
            "Code de la collectivité signataire de la convention : le code INSEE du Département, ou 69M \
             (Métropole de Lyon), 20R (Collectivité de Corse), 6AE (Collectivité européenne d'Alsace).",
        ),
        field(
            "collectivite",
            FieldKind::String,
            "Collectivité",
            "Nom de la collectivité signataire (« Allier », « Métropole de Lyon »).",
        ),
        field(
            "departement_code",
            FieldKind::String,
            "Code du Département",
            "Code INSEE du Département du rapport (« 03 », « 2A », « 974 ») : le territoire de la \
             collectivité, le premier quand elle en couvre plusieurs (2A pour la Collectivité de Corse, 67 \
             pour la Collectivité européenne d'Alsace).",
        ),
        field("departement", FieldKind::String, "Département", "Nom du Département du rapport."),
    ]
}

fn state_field() -> Field {
    Field {
        allowed: STATES,
        ..field(
            "statut_rapport",
            FieldKind::String,
            "Statut du rapport",
            "Statut du rapport d'exécution retenu : transmis (transmis aux services de l'État), approuve \
             (approuvé par l'État), non_transmis (aucun rapport transmis ou approuvé).",
        )
    }
}

fn kind_field() -> Field {
    Field {
        allowed: KINDS,
        ..field(
            "type_mesure",
            FieldKind::String,
            "Type de mesure",
            "socle (mesure socle du programme) ou initiative (mesure à l'initiative du Département).",
        )
    }
}

fn figure_fields() -> Vec<Field> {
    vec![
        money_field(
            "prevu_part_etat",
            "Prévu, part État",
            "Part État prévue par la convention (section 5.1 du rapport).",
        ),
        money_field(
            "prevu_part_cd",
            "Prévu, part Département",
            "Part du Département prévue par la convention (section 5.1 du rapport).",
        ),
        money_field(
            "prevu_total",
            "Prévu, total",
            "Montant total prévu : somme des montants inscrits dans l'annexe financière, à défaut total \
             prévu de la section 5.1, à défaut part État + part CD.",
        ),
        money_field(
            "engage",
            "Engagé",
            "Crédits engagés au 31 décembre (section 5.2, à défaut annexe financière).",
        ),
        money_field(
            "consomme",
            "Consommé",
            "Crédits consommés au 31 décembre (section 5.2, à défaut montants réalisés de l'annexe).",
        ),
        money_field(
            "report",
            "Report demandé",
            "Montant demandé en report sur l'année suivante (lignes de l'annexe, à défaut section 5.2).",
        ),
        Field {
            unit: Some("%"),
            ..field(
                "taux_execution",
                FieldKind::Number,
                "Taux d'exécution",
                "Consommé / prévu total, en pourcentage arrondi au dixième. Vide quand rien n'est prévu.",
            )
        },
    ]
}

// ----- cells --------------------------------------------------------------------------

fn head_cells(c: &Consolidation, s: CollectiviteCode) -> Vec<Cell> {
    let principal = s.principal();
    let info = principal.info();
    vec![
        Cell::text(c.programme.as_str()),
        Cell::Integer(i64::from(c.year)),
        Cell::text(info.region_code),
        Cell::text(s.as_str()),
        Cell::text(s.name()),
        Cell::text(principal.as_str()),
        Cell::text(info.name),
    ]
}

fn stated(a: &SourcedAmount) -> Option<Money> {
    a.is_stated().then_some(a.value)
}

fn figure_cells(f: &Figures) -> Vec<Cell> {
    vec![
        Cell::money(stated(&f.state_share)),
        Cell::money(stated(&f.department_share)),
        Cell::money(stated(&f.planned)),
        Cell::money(stated(&f.committed)),
        Cell::money(stated(&f.spent)),
        Cell::money(stated(&f.carry_over)),
        f.execution_rate().map_or(Cell::Empty, |r| Cell::Decimal { value: r.per_mille(), scale: 1 }),
    ]
}

fn kind_code(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Core => "socle",
        MeasureKind::Local => "initiative",
    }
}

fn state_code(s: ReportState) -> &'static str {
    s.code()
}

fn programme_label(c: &Consolidation) -> String {
    let name = bilan_source::referentiel::builtin()
        .programme(&c.programme)
        .map_or(c.programme.as_str(), |p| p.short_name.as_str());
    format!("{name} {}", c.year)
}

// ----- tables -------------------------------------------------------------------------

/// The three tables of a consolidation:
///
/// - `execution-par-mesure`: one row per Département and measure group (the measures of
///   the Départements matched as the consolidation does);
/// - `execution-par-departement`: one row per expected signatory (Département, Métropole
///   de Lyon, Collectivité de Corse…), those without a counted report included, with
///   empty figures;
/// - `indicateurs`: one row per indicator of an action of a counted report, with its
///   unit, its value (or why it has none) and how the indicator was consolidated across
///   Départements.
pub fn opendata_tables(c: &Consolidation) -> Vec<Table> {
    vec![by_measure(c), by_signatory(c), indicators(c)]
}

fn by_measure(c: &Consolidation) -> Table {
    let mut fields = head_fields();
    fields.push(kind_field());
    fields.push(field(
        "mesure",
        FieldKind::String,
        "Mesure",
        "Intitulé de la mesure : nom de la mesure socle du programme, ou intitulé écrit par le Département \
         pour une mesure à son initiative.",
    ));
    fields.extend(figure_fields());
    fields.push(state_field());
    let mut rows = Vec::new();
    for counted in &c.counted {
        for m in &c.measures {
            let Some(cell) = m.cells.iter().find(|x| x.signatory == counted.signatory) else { continue };
            let mut row = head_cells(c, counted.signatory);
            row.push(Cell::text(kind_code(m.key.kind)));
            row.push(Cell::text(m.title.as_str()));
            row.extend(figure_cells(&cell.figures));
            row.push(Cell::text(state_code(cell.state)));
            rows.push(row);
        }
    }
    Table {
        name: "execution-par-mesure",
        title: format!("Exécution {} par mesure et par Département", programme_label(c)),
        description: format!(
            "Montants prévus, engagés, consommés et reportés de chaque mesure, par Département, tels que \
             déclarés dans les rapports d'exécution {} transmis ou approuvés. Les mesures sont rapprochées \
             entre Départements par type et par intitulé.",
            c.year
        ),
        fields,
        primary_key: vec!["programme", "annee", "collectivite_code", "type_mesure", "mesure"],
        rows,
    }
}

fn by_signatory(c: &Consolidation) -> Table {
    let mut fields = head_fields();
    fields.extend(figure_fields());
    fields.push(state_field());
    let rows = c
        .expected
        .iter()
        .map(|&d| {
            let mut row = head_cells(c, d);
            match c.signatories.iter().find(|t| t.signatory == d) {
                Some(t) => {
                    row.extend(figure_cells(&t.figures));
                    row.push(Cell::text(state_code(t.state)));
                }
                None => {
                    row.extend(std::iter::repeat_n(Cell::Empty, figure_fields().len()));
                    row.push(Cell::text("non_transmis"));
                }
            }
            row
        })
        .collect();
    Table {
        name: "execution-par-departement",
        title: format!("Exécution {} par collectivité", programme_label(c)),
        description: format!(
            "Totaux de chaque collectivité signataire (Département, Métropole de Lyon, collectivité \
             unique) sur toutes ses mesures, d'après son rapport d'exécution {} transmis ou approuvé. Les \
             collectivités attendues qui n'ont pas transmis de rapport figurent avec des montants vides.",
            c.year
        ),
        fields,
        primary_key: vec!["programme", "annee", "collectivite_code"],
        rows,
    }
}

fn outcome_code(o: &IndicatorOutcome) -> &'static str {
    match o {
        IndicatorOutcome::Summed { .. } => "somme",
        IndicatorOutcome::Spread { .. } => "dispersion",
        IndicatorOutcome::Incompatible { .. } => "unites_incompatibles",
        IndicatorOutcome::NoValue { .. } => "aucune_valeur",
    }
}

fn unit_cell(u: Option<IndicatorUnit>) -> Cell {
    u.map_or(Cell::Empty, |u| Cell::text(u.label()))
}

fn indicators(c: &Consolidation) -> Table {
    let mut fields = head_fields();
    fields.push(kind_field());
    fields.extend([
        field("mesure", FieldKind::String, "Mesure", "Intitulé de la mesure, rapproché entre Départements."),
        field("action", FieldKind::String, "Action", "Numéro de l'action dans le rapport du Département."),
        field(
            "indicateur",
            FieldKind::String,
            "Indicateur",
            "Nom de l'indicateur tel que le Département l'a écrit.",
        ),
        field(
            "code_referentiel",
            FieldKind::String,
            "Code du référentiel",
            "Code de l'indicateur du catalogue national que le Département a indiqué (CALPAE-RSA-01…) ; \
             vide pour un indicateur sans code.",
        ),
        Field {
            allowed: &Link::CODES,
            ..field(
                "rattachement",
                FieldKind::String,
                "Rattachement au référentiel",
                "referentiel (code du catalogue, compté dans l'agrégat), unite_incompatible (code du \
                 catalogue mais autre unité : non compté), sans_poids (moyenne pondérée sans la valeur du \
                 poids dans le rapport : non compté), non_rattache (sans code, mais intitulé proche d'un \
                 indicateur du catalogue : voir code_suggere), local (indicateur propre au Département), \
                 code_inconnu (code absent du catalogue de l'année).",
            )
        },
        field(
            "code_suggere",
            FieldKind::String,
            "Code suggéré",
            "Pour un indicateur non rattaché : le code du catalogue dont l'intitulé est le plus proche.",
        ),
        Field {
            allowed: &AGGREGATION_CODES,
            ..field(
                "agregation",
                FieldKind::String,
                "Règle d'agrégation du référentiel",
                "Comment le catalogue national agrège l'indicateur entre Départements : somme, \
                 moyenne_ponderee (pondérée par un autre indicateur du même rapport) ou repartition \
                 (minimum, médiane, maximum) ; vide hors référentiel.",
            )
        },
        field(
            "agregat_referentiel",
            FieldKind::Number,
            "Agrégat du référentiel",
            "Valeur agrégée de l'indicateur du catalogue sur le périmètre, selon sa règle : la somme, la \
             moyenne pondérée ou la médiane ; vide hors référentiel ou sans valeur.",
        ),
        field(
            "unite",
            FieldKind::String,
            "Unité",
            "Unité déclarée : nombre, euros, jours, % ou moyenne ; vide quand le rapport n'en précise pas.",
        ),
        field(
            "valeur",
            FieldKind::Number,
            "Valeur",
            "Résultat de l'année N, dans l'unité de la colonne unite. Vide quand le résultat manque.",
        ),
        field(
            "valeur_absente",
            FieldKind::String,
            "Résultat absent",
            "Quand le résultat manque : ce que le rapport indique (« ND », « non évalué »…) ou « non \
             renseigné ».",
        ),
        Field {
            allowed: OUTCOMES,
            ..field(
                "consolidation",
                FieldKind::String,
                "Mode de consolidation",
                "Comment l'indicateur est consolidé entre Départements (même nom, même mesure) : somme \
                 (même unité partout, nombre ou euros), dispersion (unité non additionnable ou non précisée : \
                 minimum, médiane, maximum), unites_incompatibles (unités différentes : rien n'est calculé), \
                 aucune_valeur (aucun résultat chiffré).",
            )
        },
        field(
            "total_consolide",
            FieldKind::Number,
            "Total consolidé",
            "Somme des valeurs de tous les Départements pour cet indicateur, quand le mode est somme ; \
             vide sinon.",
        ),
        field(
            "detail_consolidation",
            FieldKind::String,
            "Détail de la consolidation",
            "La consolidation de l'indicateur en une phrase.",
        ),
        field(
            "source",
            FieldKind::String,
            "Source",
            "Emplacement du résultat dans le rapport du Département (mesures[i].actions[j].indicateurs[k]).",
        ),
    ]);
    let mut rows = Vec::new();
    for counted in &c.counted {
        for m in &c.measures {
            for ind in &m.indicators {
                indicator_rows(c, m, ind, counted.signatory, &mut rows);
            }
        }
    }
    Table {
        name: "indicateurs",
        title: format!("Indicateurs {} par Département", programme_label(c)),
        description: format!(
            "Résultats {} des indicateurs de chaque action, par Département, et leur consolidation entre \
             Départements : les valeurs ne sont additionnées que lorsque tous les Départements déclarent \
             la même unité et qu'elle s'additionne (nombre, euros). Les indicateurs du catalogue national \
             portent leur code et l'agrégat de leur règle (somme, moyenne pondérée, répartition) ; les \
             autres sont locaux ou non rattachés (code suggéré).",
            c.year
        ),
        fields,
        primary_key: vec!["programme", "annee", "collectivite_code", "source"],
        rows,
    }
}

fn indicator_rows(
    c: &Consolidation,
    m: &MeasureConsolidation,
    ind: &IndicatorConsolidation,
    d: CollectiviteCode,
    rows: &mut Vec<Vec<Cell>>,
) {
    let total = match &ind.outcome {
        IndicatorOutcome::Summed { total, .. } => Cell::quantity(*total),
        _ => Cell::Empty,
    };
    let detail = ind.describe();
    let row = |at: &Provenance, name: &str, unit, value, absent| {
        let link = c.catalogue.as_ref().and_then(|k| k.link_of(d, &at.path));
        let coded = link.as_ref().and_then(Link::indicator);
        let code = match &link {
            Some(Link::UnknownCode(u)) => Cell::text(u.code.as_str()),
            _ => coded.map_or(Cell::Empty, |i| Cell::text(i.code.as_str())),
        };
        let suggested = match &link {
            Some(Link::Unlinked(u)) => Cell::text(u.suggested_code.as_str()),
            _ => Cell::Empty,
        };
        let mut row = head_cells(c, d);
        row.extend([
            Cell::text(kind_code(m.key.kind)),
            Cell::text(m.title.as_str()),
            Cell::text(at.action.as_str()),
            Cell::text(name.trim()),
            code,
            link.as_ref().map_or(Cell::Empty, |l| Cell::text(l.code())),
            suggested,
            coded.map_or(Cell::Empty, |i| Cell::text(aggregation_code(&i.aggregation))),
            coded.and_then(|i| i.aggregate.headline()).map_or(Cell::Empty, Cell::quantity),
            unit_cell(unit),
            value,
            absent,
            Cell::text(outcome_code(&ind.outcome)),
            total.clone(),
            Cell::text(detail.as_str()),
            Cell::text(at.path.as_str()),
        ]);
        row
    };
    for p in ind.values.iter().filter(|p| p.at.signatory == d) {
        rows.push(row(&p.at, &p.name, p.unit, Cell::quantity(p.value), Cell::Empty));
    }
    for p in ind.missing.iter().filter(|p| p.at.signatory == d) {
        let absent = if p.text.trim().is_empty() { "non renseigné" } else { p.text.trim() };
        rows.push(row(&p.at, &p.name, p.unit, Cell::Empty, Cell::text(absent)));
    }
}

// ----- CSV ----------------------------------------------------------------------------

fn quote(field: &str) -> String {
    crate::csv_field(field).into_owned()
}

/// The table as CSV (RFC 4180): "," separator, CRLF, UTF-8 without byte-order mark, a
/// header row of field names.
pub fn opendata_csv(t: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = t.fields.iter().map(|f| quote(f.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &t.rows {
        let cells: Vec<String> = (0..t.fields.len())
            .map(|k| quote(&row.get(k).map(Cell::to_csv_text).unwrap_or_default()))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

// ----- Table Schema -------------------------------------------------------------------

/// A JSON string literal.
fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|s| json(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The table's Frictionless Table Schema (<https://specs.frictionlessdata.io/table-schema/>)
/// as JSON: fields with name, title, description and type, `missingValues: [""]`, the
/// primary key (its fields required), the allowed values of code fields.
pub fn table_schema_json(t: &Table) -> String {
    let mut s = String::from("{\n");
    let _ = writeln!(s, "  \"$schema\": \"https://frictionlessdata.io/schemas/table-schema.json\",");
    let _ = writeln!(s, "  \"name\": {},", json(t.name));
    let _ = writeln!(s, "  \"title\": {},", json(&t.title));
    let _ = writeln!(s, "  \"description\": {},", json(&t.description));
    s.push_str("  \"fields\": [\n");
    let fields: Vec<String> = t
        .fields
        .iter()
        .map(|f| {
            let mut o = format!(
                "    {{\n      \"name\": {},\n      \"title\": {},\n      \"description\": {},\n      \"type\": {}",
                json(f.name),
                json(&f.title),
                json(&f.description),
                json(f.kind.schema_type())
            );
            match f.kind {
                FieldKind::Number => o.push_str(",\n      \"decimalChar\": \".\""),
                FieldKind::Date => o.push_str(",\n      \"format\": \"default\""),
                FieldKind::String | FieldKind::Integer => {}
            }
            let mut constraints = Vec::new();
            if t.primary_key.contains(&f.name) {
                constraints.push("\"required\": true".to_string());
            }
            if !f.allowed.is_empty() {
                constraints.push(format!("\"enum\": {}", json_list(f.allowed)));
            }
            if !constraints.is_empty() {
                let _ = write!(o, ",\n      \"constraints\": {{{}}}", constraints.join(", "));
            }
            o.push_str("\n    }");
            o
        })
        .collect();
    s.push_str(&fields.join(",\n"));
    s.push_str("\n  ],\n");
    s.push_str("  \"missingValues\": [\"\"]");
    if !t.primary_key.is_empty() {
        let _ = write!(s, ",\n  \"primaryKey\": {}", json_list(&t.primary_key));
    }
    s.push_str("\n}\n");
    s
}

// ----- XLSX ---------------------------------------------------------------------------

/// The tables as one workbook: one sheet per table, named as the table, a bold header
/// row of field names, numbers as numbers, dates as dates, text neutralised.
pub fn opendata_xlsx(tables: &[Table]) -> Result<Vec<u8>, SheetError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Données ouvertes : exécution des conventions")
            .set_comment("Produit par bilan"),
    );
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let decimals: Vec<Format> =
        ["0", "0.0", "0.00"].iter().map(|code| Format::new().set_num_format(*code)).collect();
    for t in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(t.name)?;
        for (c, f) in t.fields.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, f.name, &header)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate().take(t.fields.len()) {
                let c = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        sheet.write_string(r, c, neutralize(s))?;
                    }
                    Cell::Integer(i) => {
                        sheet.write_number(r, c, *i as f64)?;
                    }
                    Cell::Decimal { value, scale } => {
                        let format = decimals.get(usize::from(*scale)).unwrap_or(&decimals[2]);
                        let p = 10f64.powi(i32::from(*scale));
                        sheet.write_number_with_format(r, c, *value as f64 / p, format)?;
                    }
                    Cell::Date(d) => {
                        let year = u16::try_from(d.year()).unwrap_or(1900);
                        let dt = ExcelDateTime::from_ymd(year, d.month(), d.day())?;
                        sheet.write_datetime_with_format(r, c, &dt, &date)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_text() {
        assert_eq!(Cell::money(Some(Money::from_cents(14_546_826))).to_csv_text(), "145468.26");
        assert_eq!(Cell::money(Some(Money::from_cents(-5))).to_csv_text(), "-0.05");
        assert_eq!(Cell::money(Some(Money::ZERO)).to_csv_text(), "0.00");
        assert_eq!(Cell::money(None).to_csv_text(), "");
        assert_eq!(Cell::quantity(Quantity::from_int(1221)).to_csv_text(), "1221");
        assert_eq!(Cell::quantity(Quantity::parse("2,5").unwrap()).to_csv_text(), "2.5");
        assert_eq!(Cell::quantity(Quantity::parse("2,25").unwrap()).to_csv_text(), "2.25");
        assert_eq!(Cell::Decimal { value: 632, scale: 1 }.to_csv_text(), "63.2");
        assert_eq!(Cell::Date(Date::new(2020, 6, 30).unwrap()).to_csv_text(), "2020-06-30");
        assert_eq!(Cell::text("=1+1").to_csv_text(), "'=1+1");
    }

    #[test]
    fn quoting_and_json_strings() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("dit \"oui\""), "\"dit \"\"oui\"\"\"");
        // A reader set to semicolons must not split the field either.
        assert_eq!(quote("a;b"), "\"a;b\"");
        assert_eq!(json("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
