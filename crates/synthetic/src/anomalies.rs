//! The deliberate outliers, listed for the reader of the demo and for the tests.

/// What kind of figure was planted far from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnomalyKind {
    /// Cost per person accompanied of one action (spent ÷ people), compared with the
    /// same measure's actions in the other Départements.
    CostPerPerson,
    /// Execution rate (spent ÷ planned) of the whole report and of each measure.
    ExecutionRate,
    /// One indicator's result jumping from one year to the next.
    IndicatorJump,
}

/// One deliberate outlier: which Département, which year, what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlantedAnomaly {
    /// INSEE code.
    pub department: &'static str,
    pub year: i32,
    pub kind: AnomalyKind,
    /// The action concerned ("1.3.1"), empty for the whole report.
    pub action: &'static str,
    /// What is planted, in French (for the demo's readers).
    pub what: &'static str,
    /// The same in English (for the engineers).
    pub what_en: &'static str,
}

pub(crate) const COST_DEPARTMENT: &str = "72";
pub(crate) const COST_ACTION: &str = "1.3.1";
pub(crate) const RATE_DEPARTMENT: &str = "41";
pub(crate) const JUMP_DEPARTMENT: &str = "80";
pub(crate) const JUMP_ACTION: &str = "1.6.1";
pub(crate) const JUMP_YEAR: i32 = 2021;

const COST_FR: &str = "Sarthe : coût par personne accompagnée environ 5 fois celui des autres Départements \
     pour l'action 1.3.1 (« Référent de parcours »), chaque année de la CALPAE (2019–2022).";
const COST_EN: &str = "Sarthe: cost per person accompanied about 5 times the other Départements' for action \
     1.3.1 (\"Référent de parcours\"), every CALPAE year (2019–2022).";
const RATE_FR: &str = "Loir-et-Cher : taux d'exécution d'environ 25 % (crédits consommés / prévus) sur \
     l'ensemble du rapport et sur chaque mesure, chaque année de la CALPAE (2019–2022).";
const RATE_EN: &str = "Loir-et-Cher: execution rate about 25 % (spent / planned) over the whole report and \
     every measure, every CALPAE year (2019–2022).";
const JUMP_FR: &str = "Somme : l'indicateur « Nombre de professionnels formés » de l'action 1.6.1 est \
     multiplié par 6 entre 2020 et 2021 (puis reste à ce niveau).";
const JUMP_EN: &str =
    "Somme: the indicator \"Nombre de professionnels formés\" of action 1.6.1 is multiplied \
     by 6 from 2020 to 2021 (and stays at that level).";

const fn cost(year: i32) -> PlantedAnomaly {
    PlantedAnomaly {
        department: COST_DEPARTMENT,
        year,
        kind: AnomalyKind::CostPerPerson,
        action: COST_ACTION,
        what: COST_FR,
        what_en: COST_EN,
    }
}

const fn rate(year: i32) -> PlantedAnomaly {
    PlantedAnomaly {
        department: RATE_DEPARTMENT,
        year,
        kind: AnomalyKind::ExecutionRate,
        action: "",
        what: RATE_FR,
        what_en: RATE_EN,
    }
}

const PLANTED: [PlantedAnomaly; 9] = [
    cost(2019),
    cost(2020),
    cost(2021),
    cost(2022),
    rate(2019),
    rate(2020),
    rate(2021),
    rate(2022),
    PlantedAnomaly {
        department: JUMP_DEPARTMENT,
        year: JUMP_YEAR,
        kind: AnomalyKind::IndicatorJump,
        action: JUMP_ACTION,
        what: JUMP_FR,
        what_en: JUMP_EN,
    },
];

/// The deliberate outliers of every dataset, whatever the seed: one entry per
/// (Département, year) where a State reviewer's outlier detection should flag them.
///
/// - **Cost per person** — Sarthe (72), action 1.3.1 « Référent de parcours », 2019–2022:
///   the action accompanies about 5 times fewer people than its spending would buy
///   elsewhere. Steady over the years, so no year-to-year jump comes with it.
/// - **Execution rate** — Loir-et-Cher (41), 2019–2022: about 25 % of planned credits are
///   spent, on every measure. Its indicators follow its spending (cost per person stays
///   ordinary) and stay at the same level from year to year.
/// - **Indicator jump** — Somme (80), 2021: « Nombre de professionnels formés » of action
///   1.6.1 is multiplied by 6 compared with 2020 (a change of scope, justified in the
///   report), then stays at that level in 2022.
pub fn planted_anomalies() -> &'static [PlantedAnomaly] {
    &PLANTED
}

pub(crate) fn low_execution(department: &str, programme: &str) -> bool {
    department == RATE_DEPARTMENT && programme == "calpae"
}

/// Multiplies the cost per person of an action (people are divided by it).
pub(crate) fn cost_factor(department: &str, programme: &str, action: &str) -> i64 {
    if department == COST_DEPARTMENT && programme == "calpae" && action == COST_ACTION {
        5
    } else {
        1
    }
}

/// Multiplies an indicator's result (and, a year later, its target).
pub(crate) fn jump_factor(department: &str, year: i32, action: &str, indicator: &str) -> i64 {
    if department == JUMP_DEPARTMENT
        && action == JUMP_ACTION
        && indicator == crate::catalogue::TRAINED
        && (JUMP_YEAR..=2022).contains(&year)
    {
        6
    } else {
        1
    }
}
