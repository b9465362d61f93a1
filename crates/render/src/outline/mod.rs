//! The document every format writes, computed once from the report.
//!
//! HTML, ODT, DOCX and PDF all walk the same [`Outline`]: its headings carry numbers
//! computed from their position (never the numbers printed in the source file), its
//! tables carry their rows already formatted in French, its sums are computed from the
//! lines. A writer only decides how each block looks in its format.

mod action;
mod annex;
mod figures;
mod vigilance;

use bilan_check::Diagnostic;
use bilan_domain::{MeasureKind, Report};

use crate::text::{self, label_value, typographic};

pub(crate) use figures::description as chart_description;
pub use figures::{figures, MeasureFigures, CHART_TITLE};

/// The two parts of the body, in the order they are printed.
pub const PARTS: [(MeasureKind, &str); 2] =
    [(MeasureKind::Core, "Mesures socle"), (MeasureKind::Local, "Mesures à l’initiative du Département")];

/// The nine sections of every fiche-action, in order.
pub const SECTION_TITLES: [&str; 9] = [
    "Description de l’action",
    "Date de mise en place de l’action",
    "Partenaires et co-financeurs",
    "Durée de l’action",
    "Budget",
    "Action déjà financée au titre du FAPI",
    "Indicateurs",
    "Bilan d’exécution",
    "Perspectives",
];

/// A whole document: a title page, then sections that each have one page orientation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub title: TitlePage,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TitlePage {
    /// The report's own title, or "Rapport d’exécution 2019".
    pub title: String,
    /// "Département de l’Allier".
    pub department: String,
    /// "Exercice 2019".
    pub year: String,
    /// Full name of the programme, when it is known.
    pub programme: String,
    /// Convention, avenant, délibération, échéance…
    pub fields: Vec<Field>,
    pub signatories: Vec<String>,
}

/// A run of blocks printed on pages of one orientation.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub landscape: bool,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(Heading),
    /// Plain text; a `'\n'` inside is a line break.
    Paragraph(String),
    /// "Part État : 15 000,00 €".
    Field(Field),
    List(Vec<String>),
    Table(Table),
    /// The bar chart, with the same figures as a table for formats that cannot draw it.
    Chart(Chart),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1: parts, annex, vigilance; 2: measure; 3: action; 4: section; 5: budget subsection.
    pub level: u8,
    /// Computed from the position: "1.", "1.2", "1.2.5", "1.2.5.1"; empty when unnumbered.
    pub number: String,
    pub title: String,
    /// A stable id to link to ("mesure-1-2").
    pub anchor: String,
}

impl Heading {
    /// The heading as printed: "1.2.5 Budget".
    pub fn text(&self) -> String {
        if self.number.is_empty() {
            self.title.clone()
        } else {
            format!("{} {}", self.number, self.title)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: String,
    pub value: String,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field { label: label.into(), value: value.into() }
    }
    /// "label : value" with a no-break space before the colon.
    pub fn text(&self) -> String {
        label_value(&self.label, &self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// The first cell of each row names the row (a `<th scope="row">`).
    pub row_headers: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    /// Amounts and counts: aligned right.
    pub numeric: bool,
    /// Relative width.
    pub width: u16,
}

impl Column {
    pub fn text(title: impl Into<String>, width: u16) -> Column {
        Column { title: title.into(), numeric: false, width }
    }
    pub fn number(title: impl Into<String>, width: u16) -> Column {
        Column { title: title.into(), numeric: true, width }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    /// One cell per column, except [`RowKind::Group`] rows: one cell across the table.
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Normal,
    /// Valorisation of existing staff time: green, and says so in words.
    Valuation,
    /// A group label spanning the whole row.
    Group,
    Subtotal,
    Total,
}

impl RowKind {
    /// Rows printed in bold.
    pub fn is_sum(self) -> bool {
        matches!(self, RowKind::Subtotal | RowKind::Total | RowKind::Group)
    }
}

/// What a valuation row carries in words, so that it survives black-and-white printing.
pub const VALUATION_MARK: &str = "(valorisation ETP)";

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// A sentence describing the chart, for readers who cannot see it.
    pub description: String,
    pub table: Table,
}

/// Builds the outline of a report: the one place where document structure is decided.
pub fn outline(report: &Report, diagnostics: &[Diagnostic]) -> Outline {
    let order = Order::of(report);
    let mut body = Vec::new();
    if !report.preamble.trim().is_empty() {
        body.push(Block::Heading(unnumbered("Préambule", "preambule")));
        body.extend(text::paragraphs(&report.preamble).into_iter().map(Block::Paragraph));
    }
    body.extend(figures::synthesis(report, &order));
    for (p, (kind, title)) in order.parts(report).into_iter().enumerate() {
        let measures: Vec<(usize, usize)> = order
            .measures
            .iter()
            .enumerate()
            .filter(|&(_, &mi)| report.measures[mi].kind == kind)
            .map(|(pos, &mi)| (pos + 1, mi))
            .collect();
        if measures.is_empty() {
            continue;
        }
        let anchor = if kind == MeasureKind::Core { "mesures-socle" } else { "mesures-initiative" };
        body.push(Block::Heading(Heading { number: format!("{}.", p + 1), ..unnumbered(title, anchor) }));
        for (i, mi) in measures {
            let measure = &report.measures[mi];
            body.push(Block::Heading(Heading {
                level: 2,
                number: order.measure_number(i),
                title: measure.title.clone(),
                anchor: format!("mesure-{i}"),
            }));
            for (j, action) in measure.actions.iter().enumerate() {
                action::blocks(report, &order, action, (i, j + 1), &mut body);
            }
        }
    }
    Outline {
        title: title_page(report),
        sections: vec![
            Section { landscape: false, blocks: body },
            Section { landscape: true, blocks: annex::blocks(report) },
            Section { landscape: false, blocks: vigilance::blocks(report, &order, diagnostics) },
        ],
    }
}

/// The order measures are printed in: core measures, then the Département's own, each in
/// file order. Numbers follow the official template: part "1.", measure "1.2", action
/// "1.2.1", section "1.2.1.5", computed from positions (never the numbers printed in the
/// file).
pub(crate) struct Order {
    /// File indices of the measures in printed order.
    measures: Vec<usize>,
    /// "p.k" of each measure, in printed order.
    numbers: Vec<String>,
}

impl Order {
    pub(crate) fn of(report: &Report) -> Order {
        let mut measures = Vec::new();
        let mut numbers = Vec::new();
        for (p, (kind, _)) in Self::present_parts(report).into_iter().enumerate() {
            let of_kind = report.measures.iter().enumerate().filter(|(_, m)| m.kind == kind);
            for (k, (mi, _)) in of_kind.enumerate() {
                measures.push(mi);
                numbers.push(format!("{}.{}", p + 1, k + 1));
            }
        }
        Order { measures, numbers }
    }

    /// The parts that have at least one measure, in printed order.
    fn present_parts(report: &Report) -> Vec<(MeasureKind, &'static str)> {
        PARTS.into_iter().filter(|(kind, _)| report.measures.iter().any(|m| m.kind == *kind)).collect()
    }

    pub(crate) fn parts(&self, report: &Report) -> Vec<(MeasureKind, &'static str)> {
        Self::present_parts(report)
    }

    /// Number of the measure at printed position `pos` (1-based): "1.2".
    pub(crate) fn measure_number(&self, pos: usize) -> String {
        self.numbers.get(pos.wrapping_sub(1)).cloned().unwrap_or_default()
    }

    /// Number of the `j`-th action (1-based) of the measure at printed position `pos`: "1.2.1".
    pub(crate) fn action_number(&self, pos: usize, j: usize) -> String {
        format!("{}.{j}", self.measure_number(pos))
    }

    /// Printed position (1-based) of the measure at file index `mi`.
    pub(crate) fn measure(&self, mi: usize) -> Option<usize> {
        self.measures.iter().position(|&m| m == mi).map(|p| p + 1)
    }

    /// Positional number ("2.3") of the action at file indices `(mi, ai)`.
    pub(crate) fn action(&self, mi: usize, ai: usize) -> Option<String> {
        self.measure(mi).map(|i| self.action_number(i, ai + 1))
    }

    /// Positional number of the action printed as `printed` in the file.
    pub(crate) fn action_by_printed(&self, report: &Report, printed: &str) -> Option<String> {
        report.action(printed).and_then(|(mi, ai, _)| self.action(mi, ai))
    }

    /// File indices of the measures in printed order.
    pub(crate) fn measures(&self) -> &[usize] {
        &self.measures
    }
}

pub(crate) fn unnumbered(title: &str, anchor: &str) -> Heading {
    Heading { level: 1, number: String::new(), title: title.to_string(), anchor: anchor.to_string() }
}

fn title_page(report: &Report) -> TitlePage {
    let department = format!("Département {}", typographic(report.department.info().of_name));
    let programme = bilan_source::referentiel::builtin()
        .programme(&report.programme)
        .map(|p| typographic(&p.name))
        .unwrap_or_default();
    let title = if report.title.trim().is_empty() {
        format!("Rapport d’exécution {}", report.year)
    } else {
        report.title.trim().to_string()
    };
    let c = &report.convention;
    let mut fields = Vec::new();
    if !c.title.trim().is_empty() {
        fields.push(Field::new("Convention", c.title.trim()));
    }
    if let Some(d) = c.signed_on {
        fields.push(Field::new("Date de signature", text::date(d)));
    }
    if !c.amendment.trim().is_empty() {
        fields.push(Field::new("Avenant", c.amendment.trim()));
    }
    if let Some(d) = &report.deliberation {
        fields.push(Field::new("Délibération", deliberation(d)));
    }
    if let Some(d) = report.deadline {
        fields.push(Field::new("Date limite d’adoption", text::date(d)));
    }
    if let Some(d) = report.transmitted_on {
        fields.push(Field::new("Transmission aux préfets", text::date(d)));
    }
    TitlePage {
        title,
        department,
        year: format!("Exercice {}", report.year),
        programme,
        fields,
        signatories: c.signatories.iter().map(|s| s.trim().to_string()).collect(),
    }
}

/// "n° 2020-45 du 26 juin 2020 (commission permanente)".
fn deliberation(d: &bilan_domain::Deliberation) -> String {
    let mut parts = Vec::new();
    if !d.number.trim().is_empty() {
        parts.push(format!("n°{}{}", text::NBSP, d.number.trim()));
    }
    if let Some(date) = d.date {
        parts.push(format!("du {}", text::date(date)));
    }
    if !d.body.trim().is_empty() {
        parts.push(format!("({})", d.body.trim()));
    }
    if parts.is_empty() {
        "non renseignée".to_string()
    } else {
        parts.join(" ")
    }
}

/// What the ODT and DOCX writers share: the title page is the same paragraphs, in the same
/// order, in both formats; each writer says how a paragraph, a field and a list are written.
pub(crate) trait OfficeBody {
    fn p(&mut self, style: &str, text: &str);
    fn field(&mut self, f: &Field);
    fn list(&mut self, items: &[String]);

    /// Département, title, programme, year, the fields, the signatories.
    fn title_page(&mut self, t: &TitlePage) {
        self.p("Subtitle", &t.department);
        self.p("Title", &t.title);
        if !t.programme.is_empty() {
            self.p("Subtitle", &t.programme);
        }
        self.p("Subtitle", &t.year);
        for f in &t.fields {
            self.field(f);
        }
        if !t.signatories.is_empty() {
            self.field(&Field::new("Signataires", ""));
            self.list(&t.signatories);
        }
    }
}
