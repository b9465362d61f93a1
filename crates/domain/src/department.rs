//! A Département's INSEE code, checked against the reference list.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::geo::{self, DepartmentInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepartmentCode(&'static str);

impl DepartmentCode {
    pub fn parse(code: &str) -> Result<DepartmentCode, String> {
        geo::department(code.trim()).map(|d| DepartmentCode(d.code)).ok_or_else(|| {
            format!("« {code} » n'est pas un code de département INSEE (exemples : \"03\", \"2A\", \"974\")")
        })
    }
    /// A code taken from the reference lists themselves (a collectivité's territory).
    pub(crate) const fn known(code: &'static str) -> DepartmentCode {
        DepartmentCode(code)
    }
    pub fn as_str(self) -> &'static str {
        self.0
    }
    pub fn info(self) -> &'static DepartmentInfo {
        // Only constructible from the list itself, so the lookup cannot fail; fall back to
        // the first entry rather than panic if the list were ever edited inconsistently.
        geo::department(self.0).unwrap_or(&geo::DEPARTMENTS[0])
    }
}

impl fmt::Display for DepartmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for DepartmentCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for DepartmentCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DepartmentCode::parse(&s).map_err(serde::de::Error::custom)
    }
}
