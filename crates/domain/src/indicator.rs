//! Indicators: a value can be a number, a number per territory with a total, or
//! missing with a reason ("ND", "non évalué", "pas d'action réalisée").

use std::fmt;

use serde::de::{self, value::MapAccessDeserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{format_number, parse_number, Unit};

/// A measured quantity in hundredths: counts, days, percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    pub const fn from_int(n: i64) -> Quantity {
        Quantity(n * 100)
    }
    pub const fn from_hundredths(h: i64) -> Quantity {
        Quantity(h)
    }
    pub const fn hundredths(self) -> i64 {
        self.0
    }
    pub fn is_whole(self) -> bool {
        self.0 % 100 == 0
    }
    /// Saturating, like [`crate::Money::add`].
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, o: Quantity) -> Quantity {
        Quantity(self.0.saturating_add(o.0))
    }
    pub fn parse(text: &str) -> Option<Quantity> {
        parse_number(text, Unit::Quantity).ok().map(Quantity)
    }
    /// "1 221", "2,6".
    pub fn to_french(self) -> String {
        format_number(self.0, 2, false)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_french())
    }
}

/// Why a value is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingReason {
    /// "ND": non disponible.
    NotAvailable,
    /// "Non évalué".
    NotEvaluated,
    /// "Pas d'action réalisée".
    NoAction,
    /// "RAS", "sans objet": nothing to report (often a baseline before the action existed).
    NotApplicable,
    /// "Bilan en cours", "en cours".
    InProgress,
    Other,
}

impl MissingReason {
    /// Classifies the text a Département printed instead of a figure.
    pub fn classify(text: &str) -> MissingReason {
        let t = text.trim().to_lowercase();
        let t = t.replace('’', "'");
        if t == "nd" || t == "n.d." || t.starts_with("non disponible") {
            MissingReason::NotAvailable
        } else if t.starts_with("non évalué") || t.starts_with("non evalue") {
            MissingReason::NotEvaluated
        } else if t.starts_with("pas d'action")
            || t.starts_with("pas actions")
            || t.starts_with("aucune action")
        {
            MissingReason::NoAction
        } else if t == "ras" || t.starts_with("sans objet") || t == "so" || t == "-" {
            MissingReason::NotApplicable
        } else if t.contains("en cours") {
            MissingReason::InProgress
        } else {
            MissingReason::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MissingReason::NotAvailable => "non disponible",
            MissingReason::NotEvaluated => "non évalué",
            MissingReason::NoAction => "pas d'action réalisée",
            MissingReason::NotApplicable => "sans objet",
            MissingReason::InProgress => "en cours",
            MissingReason::Other => "non chiffré",
        }
    }
}

/// What the parts of a breakdown are: territories (the usual case) or something else
/// (parcours, prestations: "52 Persévérance + 45 Réussite").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PartKind {
    #[default]
    Territory,
    /// A part named by a label that is not a territory (file key `libelle`).
    Other,
}

/// One part of a breakdown. `territory` is the part's name, a territory unless `kind`
/// says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryValue {
    pub territory: String,
    pub value: Quantity,
    pub kind: PartKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndicatorValue {
    Number(Quantity),
    /// Printed text instead of a figure, kept verbatim.
    Missing {
        reason: MissingReason,
        text: String,
    },
    /// "83 Montluçon, 47 Moulins, 40 Vichy : 170 au total".
    Breakdown {
        parts: Vec<TerritoryValue>,
        total: Option<Quantity>,
    },
}

impl IndicatorValue {
    /// The figure this value stands for: the number, or the breakdown's stated total
    /// (or the sum of its parts when no total was printed).
    pub fn figure(&self) -> Option<Quantity> {
        match self {
            IndicatorValue::Number(q) => Some(*q),
            IndicatorValue::Missing { .. } => None,
            IndicatorValue::Breakdown { parts, total } => {
                total.or_else(|| Some(parts.iter().fold(Quantity::default(), |a, p| a.add(p.value))))
            }
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, IndicatorValue::Missing { .. })
    }

    /// As a reader sees it: "1 221", "ND", "83 Montluçon, 47 Moulins, 40 Vichy (total 170)".
    pub fn to_french(&self) -> String {
        match self {
            IndicatorValue::Number(q) => q.to_french(),
            IndicatorValue::Missing { text, .. } => text.clone(),
            IndicatorValue::Breakdown { parts, total } => {
                let list = parts
                    .iter()
                    .map(|p| format!("{} {}", p.value.to_french(), p.territory))
                    .collect::<Vec<_>>()
                    .join(", ");
                match total {
                    Some(t) => format!("{list} (total {})", t.to_french()),
                    None => list,
                }
            }
        }
    }
}

/// The unit of an indicator; decides whether values of several Départements add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndicatorUnit {
    #[serde(rename = "nombre")]
    Count,
    #[serde(rename = "jours")]
    Days,
    #[serde(rename = "%", alias = "pourcentage")]
    Percent,
    #[serde(rename = "euros")]
    Euros,
    /// An average per person, per adviser…: never summed.
    #[serde(rename = "moyenne")]
    Average,
}

impl IndicatorUnit {
    pub fn label(self) -> &'static str {
        match self {
            IndicatorUnit::Count => "nombre",
            IndicatorUnit::Days => "jours",
            IndicatorUnit::Percent => "%",
            IndicatorUnit::Euros => "euros",
            IndicatorUnit::Average => "moyenne",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Code of the national catalogue indicator this one reports (`bilan_domain::referentiel`);
    /// `None` for a local indicator, or one not yet linked to the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// "Nom de la mesure" as printed in the table.
    #[serde(rename = "mesure", default, skip_serializing_if = "String::is_empty")]
    pub measure_label: String,
    #[serde(rename = "intitule")]
    pub name: String,
    #[serde(rename = "unite", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<IndicatorUnit>,
    /// Situation N-1.
    #[serde(rename = "situation_precedente", default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<IndicatorValue>,
    /// Résultat attendu.
    #[serde(rename = "cible", default, skip_serializing_if = "Option::is_none")]
    pub target: Option<IndicatorValue>,
    /// Résultat obtenu.
    #[serde(rename = "resultat", default, skip_serializing_if = "Option::is_none")]
    pub result: Option<IndicatorValue>,
    /// Justification des écarts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub justification: String,
}

impl Serialize for IndicatorValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IndicatorValue::Number(q) if q.is_whole() => s.serialize_i64(q.hundredths() / 100),
            IndicatorValue::Number(q) => s.serialize_str(&q.to_french()),
            IndicatorValue::Missing { text, .. } => s.serialize_str(text),
            IndicatorValue::Breakdown { parts, total } => {
                let raw: Vec<RawPart> = parts
                    .iter()
                    .map(|p| {
                        let (territory, label) = match p.kind {
                            PartKind::Territory => (Some(p.territory.clone()), None),
                            PartKind::Other => (None, Some(p.territory.clone())),
                        };
                        RawPart { territory, label, value: IndicatorValue::Number(p.value) }
                    })
                    .collect();
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("repartition", &raw)?;
                if let Some(t) = total {
                    m.serialize_entry("total", &IndicatorValue::Number(*t))?;
                }
                m.end()
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    #[serde(rename = "territoire", default, skip_serializing_if = "Option::is_none")]
    territory: Option<String>,
    /// A part that is not a territory ("Parcours Persévérance").
    #[serde(rename = "libelle", default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(rename = "valeur")]
    value: IndicatorValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreakdown {
    repartition: Vec<RawPart>,
    #[serde(default)]
    total: Option<IndicatorValue>,
}

impl<'de> Deserialize<'de> for IndicatorValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

fn number_only<E: de::Error>(v: IndicatorValue, what: &str) -> Result<Quantity, E> {
    match v {
        IndicatorValue::Number(q) => Ok(q),
        other => Err(E::custom(format!("{what} : un nombre est attendu, pas « {} »", other.to_french()))),
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = IndicatorValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("un nombre, un texte (\"ND\", \"non évalué\") ou une répartition par territoire")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IndicatorValue, E> {
        if v < 0 {
            return Err(E::custom(format!("« {v} » : une valeur d'indicateur ne peut pas être négative")));
        }
        v.checked_mul(100)
            .map(|h| IndicatorValue::Number(Quantity(h)))
            .ok_or_else(|| E::custom(format!("« {v} » : nombre trop grand")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IndicatorValue, E> {
        i64::try_from(v)
            .map_err(|_| E::custom(format!("« {v} » : nombre trop grand")))
            .and_then(|v| self.visit_i64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<IndicatorValue, E> {
        if !v.is_finite() || !(0.0..=1e15).contains(&v) {
            return Err(E::custom(format!("« {v} » n'est pas une valeur d'indicateur acceptée")));
        }
        let h = (v * 100.0).round();
        if (h - v * 100.0).abs() > 1e-6 * h.max(1.0) {
            return Err(E::custom(format!("« {v} » : deux décimales au plus")));
        }
        Ok(IndicatorValue::Number(Quantity(h as i64)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<IndicatorValue, E> {
        if v.trim().is_empty() {
            return Err(E::custom(
                "valeur vide : omettez la clé, ou écrivez la raison (\"ND\", \"non évalué\")",
            ));
        }
        Ok(match Quantity::parse(v) {
            Some(q) => IndicatorValue::Number(q),
            None => {
                IndicatorValue::Missing { reason: MissingReason::classify(v), text: v.trim().to_string() }
            }
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IndicatorValue, A::Error> {
        let raw = RawBreakdown::deserialize(MapAccessDeserializer::new(map))?;
        let mut parts = Vec::with_capacity(raw.repartition.len());
        for p in raw.repartition {
            let (name, kind) = match (p.territory, p.label) {
                (Some(t), None) => (t, PartKind::Territory),
                (None, Some(l)) => (l, PartKind::Other),
                _ => {
                    return Err(de::Error::custom(
                        "chaque part d'une répartition a soit un `territoire`, soit un `libelle`",
                    ))
                }
            };
            let value = number_only(p.value, &name)?;
            parts.push(TerritoryValue { territory: name, value, kind });
        }
        let total = match raw.total {
            Some(t) => Some(number_only(t, "total")?),
            None => None,
        };
        Ok(IndicatorValue::Breakdown { parts, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Doc {
        v: IndicatorValue,
    }

    fn read(src: &str) -> IndicatorValue {
        toml::from_str::<Doc>(src).unwrap().v
    }

    #[test]
    fn reads_every_form() {
        assert_eq!(read("v = 78"), IndicatorValue::Number(Quantity::from_int(78)));
        assert_eq!(read("v = \"1 221\""), IndicatorValue::Number(Quantity::from_int(1221)));
        assert_eq!(read("v = \"30 %\""), IndicatorValue::Number(Quantity::from_int(30)));
        assert_eq!(
            read("v = \"ND\""),
            IndicatorValue::Missing { reason: MissingReason::NotAvailable, text: "ND".into() }
        );
        assert!(matches!(
            read("v = \"Pas d’action réalisée\""),
            IndicatorValue::Missing { reason: MissingReason::NoAction, .. }
        ));
        let b = read(
            "v = { repartition = [{ territoire = \"Montluçon\", valeur = 83 }, { territoire = \"Moulins\", valeur = 47 }], total = 130 }",
        );
        assert_eq!(b.figure(), Some(Quantity::from_int(130)));
        assert_eq!(b.to_french(), "83 Montluçon, 47 Moulins (total 130)");
    }

    #[test]
    fn round_trips_through_toml() {
        for src in [
            "v = 78",
            "v = \"2,5\"",
            "v = \"Non évalué\"",
            "v = { repartition = [{ territoire = \"Vichy\", valeur = 40 }], total = 40 }",
            "v = { repartition = [{ libelle = \"Parcours Réussite\", valeur = 45 }], total = 45 }",
        ] {
            let v = read(src);
            let text = toml::to_string(&Doc { v: v.clone() }).unwrap();
            assert_eq!(read(&text), v, "{text}");
        }
    }

    #[test]
    fn refuses_bad_values() {
        assert!(toml::from_str::<Doc>("v = -1").is_err());
        assert!(toml::from_str::<Doc>("v = \"\"").is_err());
        assert!(
            toml::from_str::<Doc>("v = { repartition = [{ territoire = \"A\", valeur = \"ND\" }] }").is_err()
        );
        assert!(toml::from_str::<Doc>(
            "v = { repartition = [{ territoire = \"A\", libelle = \"B\", valeur = 1 }] }"
        )
        .is_err());
    }
}
