//! Reference data (« référentiels ») as data: programmes, their measures per year and the
//! national indicator catalogue. Nothing here is compiled in: the repository's files
//! (`data/referentiels/*.toml`, read by `bilan_source::referentiel`) seed the database, and
//! an administrator adds a programme year, a measure or an indicator without a release.
//!
//! The serde names are the files' French keys. Every entry names its `source` (the public
//! text it comes from) and may be `provisoire` (what the public texts do not fix yet).

use serde::{Deserialize, Serialize};

use crate::indicator::IndicatorUnit;

/// Every programme known to this deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Referentiel {
    #[serde(rename = "programmes", default)]
    pub programmes: Vec<Programme>,
}

/// A programme of State–Département conventions (CALPAE 2019–2022, Pacte 2024–2027).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Stable id, the report files' `programme` key: "calpae", "pacte".
    pub id: String,
    #[serde(rename = "nom")]
    pub name: String,
    #[serde(rename = "nom_court")]
    pub short_name: String,
    #[serde(rename = "premiere_annee")]
    pub first_year: i32,
    #[serde(rename = "derniere_annee")]
    pub last_year: i32,
    /// The largest share of an action the State may fund, in percent.
    #[serde(rename = "part_etat_max")]
    pub max_state_share_percent: i64,
    /// How many times its baseline (or how small a fraction of it) an indicator's result
    /// may be before the change needs a word of justification.
    #[serde(rename = "ratio_evolution_indicateur")]
    pub indicator_change_ratio: i64,
    /// How far below its baseline (in percent) a target may be set before the drop needs
    /// a word: a target a little under an exceptional year is ordinary.
    #[serde(rename = "tolerance_baisse_cible")]
    pub target_drop_tolerance_percent: i64,
    /// The usual deadline for adopting the report of year N: (month, day) of N+1.
    #[serde(rename = "echeance")]
    pub default_deadline: MonthDay,
    #[serde(default)]
    pub source: String,
    /// Measures, socle and others, with the years they apply to.
    #[serde(rename = "mesures", default)]
    pub measures: Vec<MeasureRef>,
    /// The national indicator catalogue of this programme.
    #[serde(rename = "indicateurs", default)]
    pub indicators: Vec<CatalogueIndicator>,
}

/// A day of the year, written "MM-JJ" in the files ("06-30").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    pub month: u8,
    pub day: u8,
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || format!("« {s} » n'est pas une échéance au format MM-JJ (par exemple 06-30)");
        let (m, d) = s.split_once('-').ok_or_else(bad)?;
        let (month, day): (u8, u8) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        // 2024 is a leap year: 02-29 is accepted, the year's own date decides later.
        crate::Date::new(2024, month, day).ok_or_else(bad)?;
        Ok(MonthDay { month, day })
    }
}

impl From<MonthDay> for String {
    fn from(m: MonthDay) -> String {
        format!("{:02}-{:02}", m.month, m.day)
    }
}

/// A measure of a programme (a « mesure socle » every signatory must carry, or a national
/// optional measure), with the years it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRef {
    /// Stable code ("CALPAE-SOCLE-ASE").
    pub code: String,
    #[serde(rename = "intitule")]
    pub title: String,
    /// A socle measure cannot be removed from a report.
    #[serde(default)]
    pub socle: bool,
    /// First year the measure applies to.
    #[serde(rename = "depuis")]
    pub since: i32,
    /// Last year, when it stopped before the programme's end.
    #[serde(rename = "jusqu_a", default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i32>,
    #[serde(default)]
    pub source: String,
    #[serde(rename = "provisoire", default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional: bool,
}

/// How a catalogue indicator adds up across signatories. In the files it is two keys of the
/// indicator: `agregation = "somme" | "moyenne_ponderee" | "repartition"` and, for a
/// weighted mean only, `poids = "CODE"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "regle", rename_all = "snake_case")]
pub enum Aggregation {
    /// Counts and euros: the national figure is the sum.
    #[serde(rename = "somme")]
    Sum,
    /// Rates and averages: the mean of the values weighted by another catalogue
    /// indicator of the same report (`poids`, a code), e.g. a rate by the people counted.
    #[serde(rename = "moyenne_ponderee")]
    WeightedMean {
        #[serde(rename = "poids")]
        weight: String,
    },
    /// Delays and anything else that does not add up: minimum, median, maximum.
    #[serde(rename = "repartition")]
    Distribution,
}

/// The `agregation` key of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum AggregationRule {
    #[serde(rename = "somme")]
    Sum,
    #[serde(rename = "moyenne_ponderee")]
    WeightedMean,
    #[serde(rename = "repartition")]
    Distribution,
}

impl Aggregation {
    pub fn label(&self) -> &'static str {
        match self {
            Aggregation::Sum => "somme",
            Aggregation::WeightedMean { .. } => "moyenne pondérée",
            Aggregation::Distribution => "répartition (min., médiane, max.)",
        }
    }
}

/// One indicator of the national catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CatalogueIndicatorFile", into = "CatalogueIndicatorFile")]
pub struct CatalogueIndicator {
    /// Stable code, written in the reports' files (`code = "CALPAE-ASE-01"`).
    pub code: String,
    pub title: String,
    pub unit: IndicatorUnit,
    pub aggregation: Aggregation,
    /// Code of the measure it belongs to.
    pub measure: String,
    pub since: i32,
    pub until: Option<i32>,
    pub source: String,
    pub provisional: bool,
}

/// A catalogue indicator as the files write it: the aggregation is two flat keys,
/// `agregation` and `poids`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueIndicatorFile {
    code: String,
    intitule: String,
    unite: IndicatorUnit,
    agregation: AggregationRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poids: Option<String>,
    mesure: String,
    depuis: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jusqu_a: Option<i32>,
    #[serde(default)]
    source: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    provisoire: bool,
}

impl TryFrom<CatalogueIndicatorFile> for CatalogueIndicator {
    type Error = String;
    fn try_from(f: CatalogueIndicatorFile) -> Result<Self, String> {
        let aggregation = match (f.agregation, f.poids) {
            (AggregationRule::WeightedMean, Some(weight)) => Aggregation::WeightedMean { weight },
            (AggregationRule::WeightedMean, None) => {
                return Err(format!(
                    "l'indicateur « {} » est une moyenne pondérée : donnez le code de l'indicateur qui la pondère (poids = \"…\")",
                    f.code
                ))
            }
            (_, Some(_)) => {
                return Err(format!(
                    "l'indicateur « {} » n'est pas une moyenne pondérée : la clé poids ne s'applique qu'à agregation = \"moyenne_ponderee\"",
                    f.code
                ))
            }
            (AggregationRule::Sum, None) => Aggregation::Sum,
            (AggregationRule::Distribution, None) => Aggregation::Distribution,
        };
        Ok(CatalogueIndicator {
            code: f.code,
            title: f.intitule,
            unit: f.unite,
            aggregation,
            measure: f.mesure,
            since: f.depuis,
            until: f.jusqu_a,
            source: f.source,
            provisional: f.provisoire,
        })
    }
}

impl From<CatalogueIndicator> for CatalogueIndicatorFile {
    fn from(i: CatalogueIndicator) -> Self {
        let (agregation, poids) = match i.aggregation {
            Aggregation::Sum => (AggregationRule::Sum, None),
            Aggregation::WeightedMean { weight } => (AggregationRule::WeightedMean, Some(weight)),
            Aggregation::Distribution => (AggregationRule::Distribution, None),
        };
        CatalogueIndicatorFile {
            code: i.code,
            intitule: i.title,
            unite: i.unit,
            agregation,
            poids,
            mesure: i.measure,
            depuis: i.since,
            jusqu_a: i.until,
            source: i.source,
            provisoire: i.provisional,
        }
    }
}

fn applies(since: i32, until: Option<i32>, year: i32) -> bool {
    since <= year && until.is_none_or(|u| year <= u)
}

impl MeasureRef {
    pub fn applies_to(&self, year: i32) -> bool {
        applies(self.since, self.until, year)
    }
}

impl CatalogueIndicator {
    pub fn applies_to(&self, year: i32) -> bool {
        applies(self.since, self.until, year)
    }
}

impl Referentiel {
    pub fn programme(&self, id: &str) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.id == id)
    }

    /// The programme whose years cover `year` (programmes do not overlap).
    pub fn programme_for_year(&self, year: i32) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.covers(year))
    }

    /// A catalogue indicator by code, in whichever programme holds it.
    pub fn indicator(&self, code: &str) -> Option<&CatalogueIndicator> {
        self.programmes.iter().find_map(|p| p.indicator(code))
    }
}

impl Programme {
    pub fn covers(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }

    /// The socle measures of a year, in the file's order.
    pub fn core_measures(&self, year: i32) -> impl Iterator<Item = &MeasureRef> {
        self.measures.iter().filter(move |m| m.socle && m.applies_to(year))
    }

    pub fn measure(&self, code: &str) -> Option<&MeasureRef> {
        self.measures.iter().find(|m| m.code == code)
    }

    pub fn indicator(&self, code: &str) -> Option<&CatalogueIndicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The catalogue indicators of one measure for one year.
    pub fn indicators_of<'a>(
        &'a self,
        measure: &'a str,
        year: i32,
    ) -> impl Iterator<Item = &'a CatalogueIndicator> + 'a {
        self.indicators.iter().filter(move |i| i.measure == measure && i.applies_to(year))
    }

    /// The deadline of the report of year N: the programme's usual day of N+1.
    pub fn deadline(&self, year: i32) -> Option<crate::Date> {
        crate::Date::new(year + 1, self.default_deadline.month, self.default_deadline.day)
    }
}

/// A repository programme, read without `bilan_source`'s validation (which lives above this
/// crate): for this crate's own tests.
#[cfg(test)]
pub(crate) fn test_programme(id: &str) -> Programme {
    let text = match id {
        "calpae" => include_str!("../../../data/referentiels/calpae.toml"),
        _ => include_str!("../../../data/referentiels/pacte.toml"),
    };
    toml::from_str(text).expect("repository referentiel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_day_is_checked() {
        assert_eq!(MonthDay::try_from("06-30".to_string()), Ok(MonthDay { month: 6, day: 30 }));
        assert!(MonthDay::try_from("02-30".to_string()).is_err());
        assert!(MonthDay::try_from("30/06".to_string()).unwrap_err().contains("MM-JJ"));
        assert_eq!(String::from(MonthDay { month: 3, day: 1 }), "03-01");
    }

    #[test]
    fn years_bound_measures_and_indicators() {
        let m = MeasureRef {
            code: "M".into(),
            title: "t".into(),
            socle: true,
            since: 2020,
            until: Some(2021),
            source: String::new(),
            provisional: false,
        };
        assert!(!m.applies_to(2019) && m.applies_to(2020) && m.applies_to(2021) && !m.applies_to(2022));
    }

    #[test]
    fn an_indicator_reads_its_aggregation_from_two_flat_keys() {
        let base = "code = \"P-01\"\nintitule = \"Taux\"\nunite = \"%\"\nmesure = \"P\"\ndepuis = 2024\n";
        let weighted: CatalogueIndicator =
            toml::from_str(&format!("{base}agregation = \"moyenne_ponderee\"\npoids = \"P-02\"\n")).unwrap();
        assert_eq!(weighted.aggregation, Aggregation::WeightedMean { weight: "P-02".into() });
        assert_eq!(
            toml::from_str::<CatalogueIndicator>(&toml::to_string(&weighted).unwrap()).unwrap(),
            weighted
        );
        let sum: CatalogueIndicator = toml::from_str(&format!("{base}agregation = \"somme\"\n")).unwrap();
        assert_eq!(sum.aggregation, Aggregation::Sum);
        let no_weight =
            toml::from_str::<CatalogueIndicator>(&format!("{base}agregation = \"moyenne_ponderee\"\n"));
        assert!(no_weight.unwrap_err().to_string().contains("poids"));
        let stray =
            toml::from_str::<CatalogueIndicator>(&format!("{base}agregation = \"somme\"\npoids = \"X\"\n"));
        assert!(stray.unwrap_err().to_string().contains("ne s'applique qu'à"));
    }
}
