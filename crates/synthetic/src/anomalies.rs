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

/// What an indicator planted outside the catalogue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedIndicatorKind {
    /// An indicator of the Département's own: no code, and no catalogue title like it.
    Local,
    /// No code, but a title like a catalogue indicator's (the code to suggest):
    /// « non rattaché au référentiel ».
    Unlinked { suggested_code: &'static str },
}

/// An indicator added to an action of a signatory every year of a programme, besides
/// the catalogue ones (which stay: no socle measure leaves one out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlantedIndicator {
    /// The signatory's code ("15", "20R").
    pub signatory: &'static str,
    /// Programme id ("calpae", "pacte"): every year of it.
    pub programme: &'static str,
    /// The action carrying it ("1.3.1"), always generated (a measure's first action).
    pub action: &'static str,
    pub name: &'static str,
    pub kind: PlantedIndicatorKind,
}

const fn unlinked(
    signatory: &'static str,
    programme: &'static str,
    action: &'static str,
    name: &'static str,
    suggested_code: &'static str,
) -> PlantedIndicator {
    PlantedIndicator {
        signatory,
        programme,
        action,
        name,
        kind: PlantedIndicatorKind::Unlinked { suggested_code },
    }
}

const fn local(
    signatory: &'static str,
    programme: &'static str,
    action: &'static str,
    name: &'static str,
) -> PlantedIndicator {
    PlantedIndicator { signatory, programme, action, name, kind: PlantedIndicatorKind::Local }
}

const PLANTED_INDICATORS: [PlantedIndicator; 5] = [
    unlinked(
        "15",
        "calpae",
        "1.3.1",
        "Nb de personnes suivies par un référent de parcours",
        "CALPAE-REFERENT-02",
    ),
    unlinked(
        "29",
        "calpae",
        "1.1.1",
        "Nombre de jeunes de 16 à 21 ans accompagnés vers l'autonomie",
        "CALPAE-ASE-01",
    ),
    local("38", "calpae", "1.2.1", "Nombre de repas solidaires servis"),
    unlinked("62", "pacte", "1.2.1", "Nb d'allocataires du RSA suivis", "PACTE-EMPLOI-01"),
    local("20R", "pacte", "1.1.1", "Nombre de jardins partagés créés"),
];

/// The indicators planted outside the catalogue, whatever the seed: in every report of
/// the Département for the programme's years, whatever its stage.
///
/// - **Not linked** (a catalogue title written another way, no code): Cantal (15), action
///   1.3.1, « Nb de personnes suivies par un référent de parcours » (CALPAE-REFERENT-02);
///   Finistère (29), action 1.1.1, « Nombre de jeunes de 16 à 21 ans accompagnés vers
///   l'autonomie » (CALPAE-ASE-01); Pas-de-Calais (62), action 1.2.1, « Nb d'allocataires
///   du RSA suivis » (PACTE-EMPLOI-01).
/// - **Local**: Isère (38), action 1.2.1, « Nombre de repas solidaires servis » (CALPAE);
///   Collectivité de Corse (20R), action 1.1.1, « Nombre de jardins partagés créés » (Pacte).
///
/// The other indicators outside the catalogue (the measures' own secondary indicators,
/// those of local measures) resemble no catalogue title: they are local too.
pub fn planted_indicators() -> &'static [PlantedIndicator] {
    &PLANTED_INDICATORS
}

/// Adds this signatory's planted indicators to its measures: a count with no code,
/// steady (situation N−1 52, target 50, result 52), so that no check warns.
pub(crate) fn plant_indicators(signatory: &str, programme: &str, measures: &mut [bilan_domain::Measure]) {
    use bilan_domain::{Indicator, IndicatorUnit, IndicatorValue, Quantity};
    for p in PLANTED_INDICATORS.iter().filter(|p| p.signatory == signatory && p.programme == programme) {
        let Some((label, action)) = measures.iter_mut().find_map(|m| {
            let label = m.actions.first().and_then(|a| a.indicators.first()).map(|i| i.measure_label.clone());
            m.actions.iter_mut().find(|a| a.number == p.action).map(|a| (label, a))
        }) else {
            continue;
        };
        action.indicators.push(Indicator {
            code: None,
            measure_label: label.unwrap_or_default(),
            name: p.name.to_string(),
            unit: Some(IndicatorUnit::Count),
            baseline: Some(IndicatorValue::Number(Quantity::from_int(52))),
            target: Some(IndicatorValue::Number(Quantity::from_int(50))),
            result: Some(IndicatorValue::Number(Quantity::from_int(52))),
            justification: String::new(),
        });
    }
}
