//! The parties of a convention: collectivités, not only Département codes.
//!
//! A convention is signed by a collectivité with the competences of a Département: most
//! are Départements (code = INSEE code), some are not (codes of the INSEE « collectivités
//! territoriales ayant les compétences départementales »): the Métropole de Lyon (69M,
//! beside the Département du Rhône on territory 69), the Collectivité de Corse (20R, for
//! 2A and 2B since 2018), the Collectivité européenne d'Alsace (6AE, for 67 and 68 from
//! 2021; Bas-Rhin and Haut-Rhin already wrote one joint report for 2020, so its convention
//! starts in 2020). Martinique and Guyane are single-territory collectivités whose code is
//! the territory's. The expected conventions of a year are [`signatories`]; a region's
//! completeness and the map count territories through [`Collectivite::territories`].

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::department::DepartmentCode;
use crate::geo::{self, DEPARTMENTS};

/// A party to a convention, with the Département territories it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collectivite {
    pub code: &'static str,
    pub name: &'static str,
    /// "de la Métropole de Lyon", for titles.
    pub of_name: &'static str,
    pub territories: &'static [&'static str],
    /// First year it signs instead of the Départements it covers.
    pub since: i32,
}

/// The collectivités that are not simply one Département.
const SPECIAL: [Collectivite; 5] = [
    Collectivite {
        code: "69M",
        name: "Métropole de Lyon",
        of_name: "de la Métropole de Lyon",
        territories: &["69"],
        since: 2015,
    },
    Collectivite {
        code: "20R",
        name: "Collectivité de Corse",
        of_name: "de la Collectivité de Corse",
        territories: &["2A", "2B"],
        since: 2018,
    },
    Collectivite {
        code: "6AE",
        name: "Collectivité européenne d'Alsace",
        of_name: "de la Collectivité européenne d'Alsace",
        territories: &["67", "68"],
        since: 2020,
    },
    Collectivite {
        code: "972",
        name: "Collectivité territoriale de Martinique",
        of_name: "de la Collectivité territoriale de Martinique",
        territories: &["972"],
        since: 2015,
    },
    Collectivite {
        code: "973",
        name: "Collectivité territoriale de Guyane",
        of_name: "de la Collectivité territoriale de Guyane",
        territories: &["973"],
        since: 2015,
    },
];

/// The collectivité with this code in `year`: a special one, or the Département itself
/// when no collectivité has taken its place that year.
pub fn collectivite(code: &str, year: i32) -> Option<Collectivite> {
    if let Some(c) = SPECIAL.iter().find(|c| c.code == code) {
        return (c.since <= year).then_some(*c);
    }
    let d = geo::department(code)?;
    if absorbed(d.code, year) {
        return None;
    }
    Some(Collectivite {
        code: d.code,
        name: d.name,
        of_name: d.of_name,
        territories: territory_of(d.code),
        since: 0,
    })
}

/// Whether a Département's territory is covered by a collectivité that signs instead of it.
/// The Rhône is not: the Département du Rhône and the Métropole de Lyon both sign.
fn absorbed(department: &str, year: i32) -> bool {
    SPECIAL.iter().any(|c| {
        c.code != department && c.code != "69M" && c.since <= year && c.territories.contains(&department)
    })
}

fn territory_of(code: &str) -> &'static [&'static str] {
    // A static one-element slice per Département, from the reference list itself.
    DEPARTMENTS.iter().position(|d| d.code == code).map_or(&[], |i| std::slice::from_ref(&TERRITORIES[i]))
}

static TERRITORIES: [&str; DEPARTMENTS.len()] = {
    let mut out = [""; DEPARTMENTS.len()];
    let mut i = 0;
    while i < DEPARTMENTS.len() {
        out[i] = DEPARTMENTS[i].code;
        i += 1;
    }
    out
};

/// Every collectivité expected to sign a convention for `year`, in the order of the
/// Départements (a special collectivité after the first territory it covers).
pub fn signatories(year: i32) -> Vec<Collectivite> {
    let mut out = Vec::new();
    for d in DEPARTMENTS.iter() {
        if let Some(c) = collectivite(d.code, year) {
            out.push(c);
        }
        for c in SPECIAL.iter().filter(|c| c.since <= year && c.territories.first() == Some(&d.code)) {
            if !out.iter().any(|o: &Collectivite| o.code == c.code) {
                out.push(*c);
            }
        }
    }
    out
}

/// The canonical code of a known collectivité, whatever the year: a Département's INSEE
/// code or a special collectivité's.
pub fn code(code: &str) -> Option<&'static str> {
    let code = code.trim();
    SPECIAL
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
        .map(|c| c.code)
        .or_else(|| geo::department(code).map(|d| d.code))
}

/// "Allier", "Métropole de Lyon"; the code itself when unknown.
pub fn name(code: &str) -> String {
    match SPECIAL.iter().find(|c| c.code == code) {
        Some(c) => c.name.to_string(),
        None => geo::department(code).map_or_else(|| code.to_string(), |d| d.name.to_string()),
    }
}

/// "Allier (03)", "Métropole de Lyon (69M)": a report's signatory, whatever its kind.
pub fn label(code: &str) -> String {
    match SPECIAL.iter().find(|c| c.code == code) {
        Some(c) => format!("{} ({})", c.name, c.code),
        None => geo::department_label(code),
    }
}

impl Collectivite {
    /// Its code as a value.
    pub fn id(&self) -> CollectiviteCode {
        CollectiviteCode(self.code)
    }

    /// The INSEE code of the region of its (first) territory.
    pub fn region_code(&self) -> &'static str {
        self.territories.first().and_then(|t| geo::department(t)).map_or("", |d| d.region_code)
    }
}

/// The code of a known collectivité (a Département's INSEE code, or `69M`, `20R`, `6AE`…),
/// whatever the year: only constructible from the reference lists, like
/// [`DepartmentCode`]. Ordered as [`signatories`] orders them (a special collectivité right
/// after the first territory it covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CollectiviteCode(&'static str);

impl CollectiviteCode {
    /// A known code (case and surrounding spaces forgiven: "69m" is `69M`).
    pub fn parse(code: &str) -> Result<CollectiviteCode, String> {
        self::code(code).map(CollectiviteCode).ok_or_else(|| {
            format!(
                "« {code} » n'est pas un code de collectivité connu (un code de département INSEE comme \"03\" \
                 ou \"2A\", ou \"69M\", \"20R\", \"6AE\")"
            )
        })
    }

    /// The Département itself as a signatory.
    pub fn of_department(department: DepartmentCode) -> CollectiviteCode {
        CollectiviteCode(department.as_str())
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The Départements it covers, principal first, whatever the year (`20R`: 2A and 2B).
    pub fn territories(self) -> &'static [&'static str] {
        match SPECIAL.iter().find(|c| c.code == self.0) {
            Some(c) => c.territories,
            None => territory_of(self.0),
        }
    }

    /// Its first territory: the Département a report of it is about (`20R`: 2A).
    pub fn principal(self) -> DepartmentCode {
        DepartmentCode::known(self.territories().first().copied().unwrap_or(self.0))
    }

    /// Whether it covers this Département.
    pub fn covers(self, department: DepartmentCode) -> bool {
        self.territories().contains(&department.as_str())
    }

    /// "Allier (03)", "Métropole de Lyon (69M)" ([`label`]).
    pub fn label(self) -> String {
        label(self.0)
    }

    /// "Allier", "Métropole de Lyon" ([`name`]).
    pub fn name(self) -> String {
        name(self.0)
    }

    /// Its position in the order of [`signatories`], the same every year. Read from a
    /// table built once: codes are compared (sorted, kept in ordered maps) by it thousands
    /// of times per national consolidation.
    pub fn rank(self) -> usize {
        let (ranks, count) = &*RANKS;
        ranks.get(self.0).copied().unwrap_or(*count)
    }
}

/// Each code's rank (each Département, followed by the collectivités whose first territory
/// it is), and how many places there are.
static RANKS: LazyLock<(HashMap<&'static str, usize>, usize)> = LazyLock::new(|| {
    let mut ranks = HashMap::new();
    let mut rank = 0;
    for d in DEPARTMENTS.iter() {
        ranks.entry(d.code).or_insert(rank);
        rank += 1;
        for c in SPECIAL.iter().filter(|c| c.code != d.code && c.territories.first() == Some(&d.code)) {
            ranks.entry(c.code).or_insert(rank);
            rank += 1;
        }
    }
    (ranks, rank)
});

impl PartialOrd for CollectiviteCode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CollectiviteCode {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.rank(), self.0).cmp(&(other.rank(), other.0))
    }
}

impl fmt::Display for CollectiviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for CollectiviteCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for CollectiviteCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CollectiviteCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(year: i32) -> Vec<&'static str> {
        signatories(year).iter().map(|c| c.code).collect()
    }

    #[test]
    fn alsace_signs_as_one_from_2020() {
        let y2019 = codes(2019);
        assert!(y2019.contains(&"67") && y2019.contains(&"68") && !y2019.contains(&"6AE"));
        let y2021 = codes(2021);
        assert!(!y2021.contains(&"67") && !y2021.contains(&"68") && y2021.contains(&"6AE"));
        assert_eq!(collectivite("6AE", 2021).unwrap().territories, &["67", "68"]);
        assert!(collectivite("67", 2022).is_none());
    }

    #[test]
    fn rhone_and_lyon_both_sign_corsica_once() {
        let y = codes(2024);
        assert!(y.contains(&"69") && y.contains(&"69M"));
        assert!(y.contains(&"20R") && !y.contains(&"2A") && !y.contains(&"2B"));
        // 101 Départements − 2A − 2B − 67 − 68 + 20R + 6AE + 69M.
        assert_eq!(y.len(), 100);
        assert_eq!(codes(2019).len(), 101, "101 − 2A − 2B + 20R + 69M");
        let lyon = collectivite("69M", 2024).unwrap();
        assert_eq!(lyon.region_code(), "84");
        assert_eq!(collectivite("972", 2024).unwrap().name, "Collectivité territoriale de Martinique");
    }

    #[test]
    fn codes_are_known_ones_ordered_as_signatories() {
        let lyon = CollectiviteCode::parse("69m").unwrap();
        assert_eq!(lyon.as_str(), "69M");
        assert_eq!(lyon.label(), "Métropole de Lyon (69M)");
        assert!(CollectiviteCode::parse("99Z").unwrap_err().contains("« 99Z »"));
        let corse = CollectiviteCode::parse("20R").unwrap();
        assert_eq!(corse.territories(), &["2A", "2B"]);
        assert!(corse.covers(DepartmentCode::parse("2B").unwrap()));
        assert_eq!(CollectiviteCode::parse("03").unwrap().territories(), &["03"]);
        for year in [2019, 2020, 2025] {
            let codes: Vec<CollectiviteCode> = signatories(year).iter().map(Collectivite::id).collect();
            let mut sorted = codes.clone();
            sorted.sort();
            assert_eq!(codes, sorted, "{year}");
        }
        let rhone = CollectiviteCode::parse("69").unwrap();
        assert!(rhone < lyon && lyon < CollectiviteCode::parse("70").unwrap());
    }

    #[test]
    fn every_territory_is_covered_each_year() {
        for year in [2019, 2020, 2021, 2025] {
            let all = signatories(year);
            for d in DEPARTMENTS.iter() {
                assert!(all.iter().any(|c| c.territories.contains(&d.code)), "{year} {}", d.code);
            }
        }
    }
}
