//! A calendar date, validated, with French long format ("30 juin 2020").

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1900..=2200).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// "2020-06-30" or "30/06/2020".
    pub fn parse(text: &str) -> Result<Date, String> {
        let t = text.trim();
        let bad = || format!("« {t} » n'est pas une date : écrivez 2020-06-30 (ou 30/06/2020)");
        let parts: Vec<&str> = if t.contains('-') {
            t.split('-').collect()
        } else {
            let mut p: Vec<&str> = t.split('/').collect();
            p.reverse();
            p
        };
        if parts.len() != 3 {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: u8 = parts[1].parse().map_err(|_| bad())?;
        let day: u8 = parts[2].parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(|| format!("« {t} » : cette date n'existe pas"))
    }

    /// "30 juin 2020", "1er septembre 2019".
    pub fn to_french(self) -> String {
        let month = MONTHS[usize::from(self.month - 1)];
        if self.day == 1 {
            format!("1er {month} {}", self.year)
        } else {
            format!("{} {month} {}", self.day, self.year)
        }
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_french())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateVisitor)
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("une date, par exemple 2020-06-30")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        Date::parse(v).map_err(E::custom)
    }
    /// TOML's native dates reach serde as a one-entry map holding their text; reading it
    /// generically keeps this crate free of any format dependency.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("date vide"));
        };
        if text.len() != 10 {
            return Err(de::Error::custom(format!(
                "« {text} » : une date sans heure est attendue, par exemple 2020-06-30"
            )));
        }
        Date::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        d: Date,
    }

    #[test]
    fn reads_native_and_text_dates() {
        let d: Doc = toml::from_str("d = 2020-06-30").unwrap();
        assert_eq!(d.d, Date::new(2020, 6, 30).unwrap());
        let d: Doc = toml::from_str("d = \"30/06/2020\"").unwrap();
        assert_eq!(d.d.to_french(), "30 juin 2020");
        assert!(toml::from_str::<Doc>("d = 2020-02-30").is_err());
        let e = toml::from_str::<Doc>("d = \"2019-02-29\"").unwrap_err();
        assert!(e.message().contains("n'existe pas"), "{}", e.message());
        assert!(toml::from_str::<Doc>("d = 2020-06-30T10:00:00").is_err());
    }

    #[test]
    fn french_format() {
        assert_eq!(Date::new(2019, 9, 1).unwrap().to_french(), "1er septembre 2019");
        assert_eq!(Date::new(2020, 6, 30).unwrap().to_string(), "30 juin 2020");
    }
}
