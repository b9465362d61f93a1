//! The figures of a report that the State side reads, as the store keeps them in rows
//! beside the report's text (`report_figures` and its three child tables, written in the
//! transaction that writes the text).
//!
//! Plain data on purpose (codes as text, amounts in cents, quantities in hundredths):
//! the store binds these fields to columns and never parses anything. The values are
//! computed from a parsed report by `bilan_consolidate::stored::figures_of`, and turned
//! back into what the consolidation reads by `bilan_consolidate::stored::report_of`.

/// The version of the rules that compute these rows. Raise it whenever
/// `bilan_consolidate::stored::figures_of` records something different: at start, the
/// application recomputes the rows of every report whose figures are of an older format.
pub const FIGURES_FORMAT: i32 = 1;

/// One report's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFigures {
    /// The file's Département (`departement`, INSEE code).
    pub department: String,
    /// The collectivité the file names as signatory (`collectivite`), if any.
    pub collectivite: Option<String>,
    /// The adoption deadline the report states, ISO `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// Every measure, in the report's order (a measure without actions still counts:
    /// the consolidation lists it).
    pub measures: Vec<MeasureRow>,
    /// Every action, measure by measure, in the report's order.
    pub actions: Vec<ActionRow>,
    /// Every indicator, action by action, in the report's order.
    pub indicators: Vec<IndicatorRow>,
}

/// A measure: `mesures[index]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureRow {
    pub index: i32,
    pub number: String,
    /// `socle` or `initiative`.
    pub kind: String,
    /// Catalogue code of the measure, if linked.
    pub code: Option<String>,
    pub title: String,
}

/// An action: `mesures[measure].actions[index]`, its figures as the consolidation reads
/// them (`bilan_consolidate::figures`), in cents; `None` when the report states none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionRow {
    pub measure: i32,
    pub index: i32,
    pub number: String,
    /// The action says its budget is carried by another one (`budget_commun_avec`).
    pub budget_shared: bool,
    pub planned: Option<i64>,
    pub committed: Option<i64>,
    pub spent: Option<i64>,
    pub carry_over: Option<i64>,
    pub state_share: Option<i64>,
    pub department_share: Option<i64>,
    /// The fields these figures were read from, relative to the action, with their
    /// amounts: `prevision.part_etat 5000000;depenses[0].inscrit 1200000`. Each field
    /// once, in the order the figures name them.
    pub sources: String,
}

/// An indicator: `mesures[measure].actions[action].indicateurs[index]`, its result N.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorRow {
    pub measure: i32,
    pub action: i32,
    pub index: i32,
    pub name: String,
    pub code: Option<String>,
    /// The unit as the file writes it (`nombre`, `jours`, `%`, `euros`, `moyenne`).
    pub unit: Option<String>,
    /// The result's figure in hundredths (a breakdown's total).
    pub value: Option<i64>,
    /// When the result is printed text instead of a figure: its reason's code
    /// (`nd`, `non_evalue`, `pas_d_action`, `sans_objet`, `en_cours`, `autre`)…
    pub missing_reason: Option<String>,
    /// …and the text, verbatim.
    pub missing_text: Option<String>,
    /// A breakdown's parts (its figure is `value`): one line per part,
    /// `{hundredths} {t|o} {name}` (`t` a territory, `o` another label; `\\`, `\n` escaped
    /// in the name), then a line `total` when the report printed a total.
    pub parts: Option<String>,
}
