//! The execution report of one Département for one year, as the Département wrote it.
//!
//! Field names are English (see the glossary in `shared/domain.md`); the serde names are
//! the French keys of the TOML file, since the people who write those files are French
//! civil servants. Every figure is kept as *declared*: a total stated in the text is
//! stored beside the lines it should equal, never recomputed, so that `bilan-check` can
//! tell the two apart.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::collectivite::CollectiviteCode;
use crate::date::Date;
use crate::department::DepartmentCode;
use crate::indicator::Indicator;

/// One yearly execution report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Programme id in the reference data: "calpae" or "pacte".
    pub programme: String,
    /// The Département the report is about (the principal territory of its signatory).
    #[serde(rename = "departement")]
    pub department: DepartmentCode,
    /// Who signed the convention, when it is not the Département itself (`69M`, `20R`,
    /// `6AE`); its territories include `department` (checked by `bilan-source`). See
    /// [`Report::signatory`].
    #[serde(rename = "collectivite", default, skip_serializing_if = "Option::is_none")]
    pub collectivite: Option<CollectiviteCode>,
    #[serde(rename = "annee")]
    pub year: i32,
    #[serde(rename = "titre", default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Date by which the assembly must adopt the report (set by each convention).
    #[serde(rename = "echeance", default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    #[serde(rename = "preambule", default, skip_serializing_if = "String::is_empty")]
    pub preamble: String,
    #[serde(default)]
    pub convention: Convention,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliberation: Option<Deliberation>,
    /// Date the report was sent to the prefects.
    #[serde(rename = "transmission", default, skip_serializing_if = "Option::is_none")]
    pub transmitted_on: Option<Date>,
    #[serde(rename = "mesures", default)]
    pub measures: Vec<Measure>,
    #[serde(rename = "annexe", default)]
    pub annex: Annex,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Convention {
    #[serde(rename = "intitule", default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(rename = "date_signature", default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<Date>,
    #[serde(rename = "signataires", default, skip_serializing_if = "Vec::is_empty")]
    pub signatories: Vec<String>,
    /// The avenant fixing this year's State amount.
    #[serde(rename = "avenant", default, skip_serializing_if = "String::is_empty")]
    pub amendment: String,
}

/// The act by which the assembly adopts the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deliberation {
    #[serde(rename = "numero", default, skip_serializing_if = "String::is_empty")]
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// "assemblée départementale" or "commission permanente".
    #[serde(rename = "instance", default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeasureKind {
    /// Mesure socle: mandatory for every Département.
    #[serde(rename = "socle")]
    Core,
    /// Mesure à l'initiative du Département.
    #[serde(rename = "initiative")]
    Local,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Number as printed ("1.1").
    #[serde(rename = "numero")]
    pub number: String,
    #[serde(rename = "type")]
    pub kind: MeasureKind,
    /// Code of the programme's measure in the reference data (`bilan_domain::referentiel`);
    /// `None` for a measure of the Département's own initiative, or an old file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "intitule")]
    pub title: String,
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// Oui / Non / Oui en partie: was the action already funded by the FAPI?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fapi {
    #[serde(rename = "oui", alias = "Oui")]
    Yes,
    #[serde(rename = "non", alias = "Non")]
    No,
    #[serde(rename = "oui en partie", alias = "Oui en partie")]
    Partly,
}

/// A fiche-action and its nine sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Number as printed ("1.3.2"); documents renumber on their own.
    #[serde(rename = "numero")]
    pub number: String,
    #[serde(rename = "intitule")]
    pub title: String,
    /// 1. Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 2. Date de mise en place (narrative).
    #[serde(rename = "mise_en_place", default, skip_serializing_if = "String::is_empty")]
    pub start_text: String,
    #[serde(rename = "date_debut", default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(rename = "date_fin", default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    /// 3. Partenaires et co-financeurs.
    #[serde(rename = "partenaires", default, skip_serializing_if = "String::is_empty")]
    pub partners: String,
    /// 4. Durée.
    #[serde(rename = "duree", default, skip_serializing_if = "String::is_empty")]
    pub duration: String,
    /// 5. Budget: the text that introduces it.
    #[serde(rename = "budget_commentaire", default, skip_serializing_if = "String::is_empty")]
    pub budget_comment: String,
    /// Number of another action whose budget covers this one ("CF. budget de l'action …").
    #[serde(rename = "budget_commun_avec", default, skip_serializing_if = "Option::is_none")]
    pub budget_shared_with: Option<String>,
    /// 5.1 Budget prévisionnel figurant dans la convention.
    #[serde(rename = "prevision", default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
    /// 5.2 Budget exécuté au 31/12, as stated in the body.
    #[serde(rename = "execution", default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<Executed>,
    /// The lines of the financial annex that belong to this action.
    #[serde(rename = "depenses", default, skip_serializing_if = "Vec::is_empty")]
    pub expenses: Vec<ExpenseLine>,
    /// 6. Action déjà financée au titre du FAPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fapi: Option<Fapi>,
    /// 7. Indicateurs: the text around the table.
    #[serde(rename = "indicateurs_commentaire", default, skip_serializing_if = "String::is_empty")]
    pub indicators_comment: String,
    #[serde(rename = "indicateurs", default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
    /// Whose figures the "Situation N-1" column of the indicator table shows, when its
    /// header says it ("Situation 2018 du TSD Montluçon Ouest Allier"); absent: the
    /// Département's.
    #[serde(rename = "perimetre_situation", default, skip_serializing_if = "Option::is_none")]
    pub baseline_scope: Option<Scope>,
    /// 8. Bilan d'exécution.
    #[serde(rename = "bilan", default, skip_serializing_if = "String::is_empty")]
    pub execution_review: String,
    /// Sections 8 and 9 printed as one ("Bilan d'exécution et perspectives futures de mise
    /// en œuvre de l'action"): `bilan` holds both, and no separate perspectives is expected.
    #[serde(rename = "bilan_et_perspectives", default, skip_serializing_if = "std::ops::Not::not")]
    pub review_includes_outlook: bool,
    /// 9. Perspectives.
    #[serde(rename = "perspectives", default, skip_serializing_if = "String::is_empty")]
    pub outlook: String,
}

impl Action {
    /// An action with its number and title and nothing else: no texts, no budget, no
    /// indicator (what a new action and a report rebuilt from stored figures start from).
    pub fn blank(number: impl Into<String>, title: impl Into<String>) -> Action {
        Action {
            number: number.into(),
            title: title.into(),
            description: String::new(),
            start_text: String::new(),
            start: None,
            end: None,
            partners: String::new(),
            duration: String::new(),
            budget_comment: String::new(),
            budget_shared_with: None,
            forecast: None,
            executed: None,
            expenses: Vec::new(),
            fapi: None,
            indicators_comment: String::new(),
            indicators: Vec::new(),
            baseline_scope: None,
            execution_review: String::new(),
            review_includes_outlook: false,
            outlook: String::new(),
        }
    }
}

/// Where a figure was measured: the whole Département, or one of its territories.
/// In the file: `"departement"`, or the territory's name as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Department,
    Territory(String),
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::Department => s.serialize_str("departement"),
            Scope::Territory(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let t = text.trim();
        if t.is_empty() {
            return Err(serde::de::Error::custom(
                "périmètre vide : écrivez \"departement\" ou le nom du territoire",
            ));
        }
        let lower = t.to_lowercase();
        Ok(if lower == "departement" || lower == "département" || lower == "le département" {
            Scope::Department
        } else {
            Scope::Territory(t.to_string())
        })
    }
}

/// 5.1: the amounts of the convention for this action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    #[serde(rename = "part_etat", default, skip_serializing_if = "Option::is_none")]
    pub state_share: Option<Amount>,
    #[serde(rename = "part_cd", default, skip_serializing_if = "Option::is_none")]
    pub department_share: Option<Amount>,
    /// The total as stated, which should equal the two shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
    #[serde(rename = "commentaire", default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// 5.2: execution at 31/12 as stated in the body, in totals and/or in a table of lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Executed {
    #[serde(rename = "engage", default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<Amount>,
    #[serde(rename = "consomme", default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<Amount>,
    /// Report demandé sur N+1.
    #[serde(rename = "report", default, skip_serializing_if = "Option::is_none")]
    pub carry_over: Option<Amount>,
    #[serde(rename = "commentaire", default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(rename = "lignes", default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ExecutedLine>,
}

/// A row of the body's "budget exécuté" table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutedLine {
    #[serde(rename = "libelle")]
    pub label: String,
    #[serde(rename = "engage", default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<Amount>,
    #[serde(rename = "consomme", default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<Amount>,
    #[serde(rename = "report", default, skip_serializing_if = "Option::is_none")]
    pub carry_over: Option<Amount>,
    /// Id of the annex line ([`ExpenseLine::id`]) this row describes, when there is one.
    #[serde(rename = "depense", default, skip_serializing_if = "Option::is_none")]
    pub expense: Option<String>,
    /// Staff-cost details ("Travailleur social : (45 500/166)*5h*13pg : 1848 €").
    #[serde(rename = "detail_personnel", default, skip_serializing_if = "Vec::is_empty")]
    pub staff_details: Vec<StaffDetail>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffDetail {
    #[serde(rename = "libelle")]
    pub label: String,
    #[serde(rename = "montant")]
    pub amount: Amount,
}

/// A line of the financial annex (ligne de dépense).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseLine {
    /// Short id, unique in the report, so that body rows can point at it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The directorate that spends (DRH, DIEL, …).
    #[serde(rename = "direction", default, skip_serializing_if = "String::is_empty")]
    pub directorate: String,
    #[serde(rename = "libelle")]
    pub label: String,
    #[serde(rename = "categorie", default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// Existing staff time counted in the Département's share (green in the annex).
    #[serde(rename = "valorisation_etp", default, skip_serializing_if = "std::ops::Not::not")]
    pub staff_time_valuation: bool,
    /// Montant inscrit dans la convention.
    #[serde(rename = "inscrit", default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Amount>,
    #[serde(rename = "engage", default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<Amount>,
    /// Montant réalisé au 31/12.
    #[serde(rename = "realise", default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<Amount>,
    /// Montant à reporter en N+1.
    #[serde(rename = "report", default, skip_serializing_if = "Option::is_none")]
    pub carry_over: Option<Amount>,
    #[serde(rename = "commentaire", default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// How the annex prints amounts: some annexes round every figure to the euro.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    #[default]
    #[serde(rename = "centime")]
    Cent,
    #[serde(rename = "euro")]
    Euro,
}

/// The financial annex: groups of actions, each with declared subtotals, and a total.
/// Its rows are the [`ExpenseLine`]s of the actions each group lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annex {
    #[serde(rename = "titre", default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(rename = "sous_titre", default, skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    #[serde(rename = "legende", default, skip_serializing_if = "String::is_empty")]
    pub legend: String,
    #[serde(rename = "arrondi", default)]
    pub rounding: Rounding,
    #[serde(rename = "groupes", default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<AnnexGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<AnnexTotals>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexGroup {
    #[serde(rename = "intitule")]
    pub label: String,
    /// The label printed on the subtotal row ("Sous-total - …").
    #[serde(rename = "intitule_sous_total", default, skip_serializing_if = "String::is_empty")]
    pub subtotal_label: String,
    /// Numbers of the actions whose expense lines this group shows, in order.
    pub actions: Vec<String>,
    /// Recette État declared for the group.
    #[serde(rename = "recette_etat", default, skip_serializing_if = "Option::is_none")]
    pub state_revenue: Option<Amount>,
    #[serde(rename = "sous_total", default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<AnnexTotals>,
}

/// Declared totals of a group or of the whole annex.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexTotals {
    #[serde(rename = "inscrit", default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Amount>,
    #[serde(rename = "realise", default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<Amount>,
    #[serde(rename = "report", default, skip_serializing_if = "Option::is_none")]
    pub carry_over: Option<Amount>,
    #[serde(rename = "recette_etat", default, skip_serializing_if = "Option::is_none")]
    pub state_revenue: Option<Amount>,
}

impl Forecast {
    /// Part État + part CD, when both are stated as figures.
    pub fn shares_total(&self) -> Option<crate::Money> {
        match (crate::figure(&self.state_share), crate::figure(&self.department_share)) {
            (Some(s), Some(d)) => Some(s.add(d)),
            _ => None,
        }
    }
}

impl Report {
    /// The collectivité that signed the convention: `collectivite` when the file says it,
    /// else the Département itself.
    pub fn signatory(&self) -> CollectiviteCode {
        self.collectivite.unwrap_or_else(|| CollectiviteCode::of_department(self.department))
    }

    /// Every action with its measure, in document order.
    pub fn actions(&self) -> impl Iterator<Item = (usize, &Measure, usize, &Action)> {
        self.measures
            .iter()
            .enumerate()
            .flat_map(|(mi, m)| m.actions.iter().enumerate().map(move |(ai, a)| (mi, m, ai, a)))
    }

    /// Finds an action by its printed number.
    pub fn action(&self, number: &str) -> Option<(usize, usize, &Action)> {
        self.actions().find(|(_, _, _, a)| a.number == number).map(|(mi, _, ai, a)| (mi, ai, a))
    }
}
