//! The State side's perimeters: which territories a reviewer or reader consolidates, and
//! which signatories (Départements and other collectivités) are expected there.

use bilan_consolidate::Scope;
use bilan_domain::geo;
use bilan_store::{Role, User};

/// A perimeter: the nation, or one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Perimeter {
    National,
    Region(String),
}

impl Perimeter {
    /// "France entière", "Auvergne-Rhône-Alpes".
    pub fn label(&self) -> String {
        match self {
            Perimeter::National => "France entière".to_string(),
            Perimeter::Region(code) => {
                geo::region(code).map_or_else(|| format!("région {code}"), |r| r.name.to_string())
            }
        }
    }

    /// The URL path of its dashboard.
    pub fn path(&self) -> String {
        match self {
            Perimeter::National => "/tableaux/national".to_string(),
            Perimeter::Region(code) => format!("/tableaux/regions/{code}"),
        }
    }

    /// The Départements (territories) of the perimeter: the store's filter, which finds a
    /// collectivité's report through any territory it covers (the Métropole de Lyon's
    /// through 69, the Collectivité de Corse's through 2A and 2B).
    pub fn territories(&self) -> Vec<String> {
        match self {
            Perimeter::National => geo::DEPARTMENTS.iter().map(|d| d.code.to_string()).collect(),
            Perimeter::Region(code) => geo::departments_of_region(code).map(|d| d.code.to_string()).collect(),
        }
    }

    /// What is consolidated: the signatories of the year expected in the perimeter
    /// ([`Scope::national`], [`Scope::region`]).
    pub fn scope(&self, programme: &str, year: i32) -> Scope {
        match self {
            Perimeter::National => Scope::national(programme, year),
            Perimeter::Region(code) => Scope::region(programme, year, code),
        }
    }
}

/// Whether the user may consolidate this perimeter: a regional reviewer its region, the
/// national reader everything. Préfectures and Départements have no dashboard: their
/// perimeter is one report.
pub fn may_consolidate(user: &User, p: &Perimeter) -> bool {
    match (user.role, p) {
        (Role::NationalReader, _) => true,
        (Role::RegionalReviewer, Perimeter::Region(code)) => user.territory.as_deref() == Some(code.as_str()),
        _ => false,
    }
}

/// The perimeters a user may open, the widest first.
pub fn perimeters_of(user: &User) -> Vec<Perimeter> {
    match user.role {
        Role::NationalReader => std::iter::once(Perimeter::National)
            .chain(geo::REGIONS.iter().map(|r| Perimeter::Region(r.code.to_string())))
            .collect(),
        Role::RegionalReviewer => user.territory.iter().map(|c| Perimeter::Region(c.clone())).collect(),
        _ => Vec::new(),
    }
}
