//! A declared amount as it appears in a report: a sum of money, or printed blank
//! ("Crédits engagés : €"). An amount that was not printed at all is `None` where used.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{format_number, Money, MAX_CENTS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Value(Money),
    /// The label was printed with no figure ("Crédits engagés : €").
    Blank,
}

impl Amount {
    pub fn value(self) -> Option<Money> {
        match self {
            Amount::Value(m) => Some(m),
            Amount::Blank => None,
        }
    }

    /// Reads what a person typed; "", "€" and whitespace are a blank.
    pub fn parse(text: &str) -> Result<Amount, crate::money::AmountError> {
        let t = text.trim();
        if t.is_empty() || t == "€" {
            return Ok(Amount::Blank);
        }
        Money::parse(t).map(Amount::Value)
    }
}

/// `Some(Amount::Value(m))` → `Some(m)`: the figure, if one was printed.
pub fn figure(amount: &Option<Amount>) -> Option<Money> {
    amount.and_then(Amount::value)
}

/// How amounts are written back into a TOML file: plain spaces (easy to type and
/// diff), no ",00" for whole euros.
pub fn money_for_file(m: Money) -> String {
    let s = format_number(m.cents(), 2, false).replace(crate::money::NNBSP, " ");
    format!("{s} €")
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Amount::Value(m) => s.serialize_str(&money_for_file(*m)),
            Amount::Blank => s.serialize_str(""),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AmountVisitor)
    }
}

struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("un montant, par exemple \"145 468,26 €\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        Amount::parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        if v < 0 {
            return Err(E::custom(format!("« {v} » est négatif : un montant déclaré ne peut pas l'être")));
        }
        match v.checked_mul(100) {
            Some(c) if c <= MAX_CENTS => Ok(Amount::Value(Money::from_cents(c))),
            _ => {
                Err(E::custom(format!("« {v} » dépasse le plus grand montant accepté (1 000 000 000 000 €)")))
            }
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => {
                Err(E::custom(format!("« {v} » dépasse le plus grand montant accepté (1 000 000 000 000 €)")))
            }
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        // A float in the file (64958.40) is accepted only if it is whole cents.
        if !v.is_finite() {
            return Err(E::custom(format!("« {v} » n'est pas un montant")));
        }
        if v < 0.0 {
            return Err(E::custom(format!("« {v} » est négatif : un montant déclaré ne peut pas l'être")));
        }
        let cents = (v * 100.0).round();
        if cents > MAX_CENTS as f64 {
            return Err(E::custom(format!(
                "« {v} » dépasse le plus grand montant accepté (1 000 000 000 000 €)"
            )));
        }
        if (cents - v * 100.0).abs() > 1e-6 * cents.max(1.0) {
            return Err(E::custom(format!(
                "« {v} » a plus de deux décimales : un montant s'exprime au centime près"
            )));
        }
        Ok(Amount::Value(Money::from_cents(cents as i64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Doc {
        a: Amount,
    }

    fn read(src: &str) -> Result<Amount, String> {
        toml::from_str::<Doc>(src).map(|d| d.a).map_err(|e| e.message().to_string())
    }

    #[test]
    fn reads_strings_integers_and_floats() {
        assert_eq!(read("a = \"145 468,26 €\""), Ok(Amount::Value(Money::from_cents(14_546_826))));
        assert_eq!(read("a = 30000"), Ok(Amount::Value(Money::from_euros(30_000))));
        assert_eq!(read("a = 64958.40"), Ok(Amount::Value(Money::from_cents(6_495_840))));
        assert_eq!(read("a = \"€\""), Ok(Amount::Blank));
        assert_eq!(read("a = \"\""), Ok(Amount::Blank));
    }

    #[test]
    fn refuses_with_french_messages() {
        assert!(read("a = -3").unwrap_err().contains("négatif"));
        assert!(read("a = 1.005").unwrap_err().contains("deux décimales"));
        assert!(read("a = \"trois\"").unwrap_err().contains("n'est pas un montant"));
        assert!(read("a = 9223372036854775807").unwrap_err().contains("dépasse"));
    }

    #[test]
    fn writes_plain_spaces() {
        let s = toml::to_string(&Doc { a: Amount::Value(Money::from_cents(14_546_826)) }).unwrap();
        assert_eq!(s.trim(), "a = \"145 468,26 €\"");
        let s = toml::to_string(&Doc { a: Amount::Value(Money::from_euros(30_000)) }).unwrap();
        assert_eq!(s.trim(), "a = \"30 000 €\"");
    }
}
