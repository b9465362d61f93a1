//! INSEE codes of the 101 French départements and 18 regions (reference data, 2016 regions).
//!
//! Pure reference data: no dependencies, no IO. Names use the official French
//! spelling with accents, and the plain ASCII apostrophe `'` (e.g. "Côte-d'Or").

/// A French region (2016 boundaries) identified by its INSEE code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// INSEE region code, e.g. "84".
    pub code: &'static str,
    /// Official name, e.g. "Auvergne-Rhône-Alpes".
    pub name: &'static str,
}

/// A French département identified by its INSEE code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartmentInfo {
    /// INSEE département code, e.g. "03", "2A", "971".
    pub code: &'static str,
    /// Official name, e.g. "Allier".
    pub name: &'static str,
    /// INSEE code of the region the département belongs to.
    pub region_code: &'static str,
    /// French article form used in titles, e.g. "de l'Allier", "du Rhône", "de la Somme", "des Bouches-du-Rhône", "de Paris"
    pub of_name: &'static str,
}

const fn reg(code: &'static str, name: &'static str) -> Region {
    Region { code, name }
}

const fn dep(
    code: &'static str,
    name: &'static str,
    region_code: &'static str,
    of_name: &'static str,
) -> DepartmentInfo {
    DepartmentInfo { code, name, region_code, of_name }
}

/// The 18 French regions, ordered by INSEE code.
pub const REGIONS: [Region; 18] = [
    reg("01", "Guadeloupe"),
    reg("02", "Martinique"),
    reg("03", "Guyane"),
    reg("04", "La Réunion"),
    reg("06", "Mayotte"),
    reg("11", "Île-de-France"),
    reg("24", "Centre-Val de Loire"),
    reg("27", "Bourgogne-Franche-Comté"),
    reg("28", "Normandie"),
    reg("32", "Hauts-de-France"),
    reg("44", "Grand Est"),
    reg("52", "Pays de la Loire"),
    reg("53", "Bretagne"),
    reg("75", "Nouvelle-Aquitaine"),
    reg("76", "Occitanie"),
    reg("84", "Auvergne-Rhône-Alpes"),
    reg("93", "Provence-Alpes-Côte d'Azur"),
    reg("94", "Corse"),
];

/// The 101 French départements, ordered by code:
/// 01..19, 2A, 2B, 21..95, 971, 972, 973, 974, 976.
pub const DEPARTMENTS: [DepartmentInfo; 101] = [
    dep("01", "Ain", "84", "de l'Ain"),
    dep("02", "Aisne", "32", "de l'Aisne"),
    dep("03", "Allier", "84", "de l'Allier"),
    dep("04", "Alpes-de-Haute-Provence", "93", "des Alpes-de-Haute-Provence"),
    dep("05", "Hautes-Alpes", "93", "des Hautes-Alpes"),
    dep("06", "Alpes-Maritimes", "93", "des Alpes-Maritimes"),
    dep("07", "Ardèche", "84", "de l'Ardèche"),
    dep("08", "Ardennes", "44", "des Ardennes"),
    dep("09", "Ariège", "76", "de l'Ariège"),
    dep("10", "Aube", "44", "de l'Aube"),
    dep("11", "Aude", "76", "de l'Aude"),
    dep("12", "Aveyron", "76", "de l'Aveyron"),
    dep("13", "Bouches-du-Rhône", "93", "des Bouches-du-Rhône"),
    dep("14", "Calvados", "28", "du Calvados"),
    dep("15", "Cantal", "84", "du Cantal"),
    dep("16", "Charente", "75", "de la Charente"),
    dep("17", "Charente-Maritime", "75", "de la Charente-Maritime"),
    dep("18", "Cher", "24", "du Cher"),
    dep("19", "Corrèze", "75", "de la Corrèze"),
    dep("2A", "Corse-du-Sud", "94", "de la Corse-du-Sud"),
    dep("2B", "Haute-Corse", "94", "de la Haute-Corse"),
    dep("21", "Côte-d'Or", "27", "de la Côte-d'Or"),
    dep("22", "Côtes-d'Armor", "53", "des Côtes-d'Armor"),
    dep("23", "Creuse", "75", "de la Creuse"),
    dep("24", "Dordogne", "75", "de la Dordogne"),
    dep("25", "Doubs", "27", "du Doubs"),
    dep("26", "Drôme", "84", "de la Drôme"),
    dep("27", "Eure", "28", "de l'Eure"),
    dep("28", "Eure-et-Loir", "24", "d'Eure-et-Loir"),
    dep("29", "Finistère", "53", "du Finistère"),
    dep("30", "Gard", "76", "du Gard"),
    dep("31", "Haute-Garonne", "76", "de la Haute-Garonne"),
    dep("32", "Gers", "76", "du Gers"),
    dep("33", "Gironde", "75", "de la Gironde"),
    dep("34", "Hérault", "76", "de l'Hérault"),
    dep("35", "Ille-et-Vilaine", "53", "d'Ille-et-Vilaine"),
    dep("36", "Indre", "24", "de l'Indre"),
    dep("37", "Indre-et-Loire", "24", "d'Indre-et-Loire"),
    dep("38", "Isère", "84", "de l'Isère"),
    dep("39", "Jura", "27", "du Jura"),
    dep("40", "Landes", "75", "des Landes"),
    dep("41", "Loir-et-Cher", "24", "du Loir-et-Cher"),
    dep("42", "Loire", "84", "de la Loire"),
    dep("43", "Haute-Loire", "84", "de la Haute-Loire"),
    dep("44", "Loire-Atlantique", "52", "de la Loire-Atlantique"),
    dep("45", "Loiret", "24", "du Loiret"),
    dep("46", "Lot", "76", "du Lot"),
    dep("47", "Lot-et-Garonne", "75", "du Lot-et-Garonne"),
    dep("48", "Lozère", "76", "de la Lozère"),
    dep("49", "Maine-et-Loire", "52", "de Maine-et-Loire"),
    dep("50", "Manche", "28", "de la Manche"),
    dep("51", "Marne", "44", "de la Marne"),
    dep("52", "Haute-Marne", "44", "de la Haute-Marne"),
    dep("53", "Mayenne", "52", "de la Mayenne"),
    dep("54", "Meurthe-et-Moselle", "44", "de Meurthe-et-Moselle"),
    dep("55", "Meuse", "44", "de la Meuse"),
    dep("56", "Morbihan", "53", "du Morbihan"),
    dep("57", "Moselle", "44", "de la Moselle"),
    dep("58", "Nièvre", "27", "de la Nièvre"),
    dep("59", "Nord", "32", "du Nord"),
    dep("60", "Oise", "32", "de l'Oise"),
    dep("61", "Orne", "28", "de l'Orne"),
    dep("62", "Pas-de-Calais", "32", "du Pas-de-Calais"),
    dep("63", "Puy-de-Dôme", "84", "du Puy-de-Dôme"),
    dep("64", "Pyrénées-Atlantiques", "75", "des Pyrénées-Atlantiques"),
    dep("65", "Hautes-Pyrénées", "76", "des Hautes-Pyrénées"),
    dep("66", "Pyrénées-Orientales", "76", "des Pyrénées-Orientales"),
    dep("67", "Bas-Rhin", "44", "du Bas-Rhin"),
    dep("68", "Haut-Rhin", "44", "du Haut-Rhin"),
    dep("69", "Rhône", "84", "du Rhône"),
    dep("70", "Haute-Saône", "27", "de la Haute-Saône"),
    dep("71", "Saône-et-Loire", "27", "de Saône-et-Loire"),
    dep("72", "Sarthe", "52", "de la Sarthe"),
    dep("73", "Savoie", "84", "de la Savoie"),
    dep("74", "Haute-Savoie", "84", "de la Haute-Savoie"),
    dep("75", "Paris", "11", "de Paris"),
    dep("76", "Seine-Maritime", "28", "de la Seine-Maritime"),
    dep("77", "Seine-et-Marne", "11", "de Seine-et-Marne"),
    dep("78", "Yvelines", "11", "des Yvelines"),
    dep("79", "Deux-Sèvres", "75", "des Deux-Sèvres"),
    dep("80", "Somme", "32", "de la Somme"),
    dep("81", "Tarn", "76", "du Tarn"),
    dep("82", "Tarn-et-Garonne", "76", "du Tarn-et-Garonne"),
    dep("83", "Var", "93", "du Var"),
    dep("84", "Vaucluse", "93", "du Vaucluse"),
    dep("85", "Vendée", "52", "de la Vendée"),
    dep("86", "Vienne", "75", "de la Vienne"),
    dep("87", "Haute-Vienne", "75", "de la Haute-Vienne"),
    dep("88", "Vosges", "44", "des Vosges"),
    dep("89", "Yonne", "27", "de l'Yonne"),
    dep("90", "Territoire de Belfort", "27", "du Territoire de Belfort"),
    dep("91", "Essonne", "11", "de l'Essonne"),
    dep("92", "Hauts-de-Seine", "11", "des Hauts-de-Seine"),
    dep("93", "Seine-Saint-Denis", "11", "de la Seine-Saint-Denis"),
    dep("94", "Val-de-Marne", "11", "du Val-de-Marne"),
    dep("95", "Val-d'Oise", "11", "du Val-d'Oise"),
    dep("971", "Guadeloupe", "01", "de la Guadeloupe"),
    dep("972", "Martinique", "02", "de la Martinique"),
    dep("973", "Guyane", "03", "de la Guyane"),
    dep("974", "La Réunion", "04", "de La Réunion"),
    dep("976", "Mayotte", "06", "de Mayotte"),
];

/// Looks up a département by its exact INSEE code ("03", "2A", "971", ...).
///
/// No zero-padding is applied ("3" does not match "03"), but the Corsican
/// codes are accepted in lowercase ("2a", "2b").
pub fn department(code: &str) -> Option<&'static DepartmentInfo> {
    DEPARTMENTS
        .iter()
        .find(|d| d.code == code || (d.code.starts_with('2') && d.code.eq_ignore_ascii_case(code)))
}

/// "Allier (03)": how every list and title names a Département; an unknown code is shown
/// as it is.
pub fn department_label(code: &str) -> String {
    department(code).map(|d| format!("{} ({})", d.name, d.code)).unwrap_or_else(|| code.to_string())
}

/// The position of a Département in the reference list (01…19, 2A, 2B, 21…95, 971…976),
/// the order every list follows (plain string order would put "2A" after "29"); unknown
/// codes come last.
pub fn department_rank(code: &str) -> usize {
    DEPARTMENTS.iter().position(|d| d.code == code).unwrap_or(usize::MAX)
}

/// Looks up a region by its exact INSEE code ("84", "06", ...).
pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// All départements belonging to the region with the given INSEE code,
/// in département code order. Empty if the region code is unknown.
pub fn departments_of_region(code: &str) -> impl Iterator<Item = &'static DepartmentInfo> + '_ {
    DEPARTMENTS.iter().filter(move |d| d.region_code == code)
}

impl DepartmentInfo {
    /// The region this département belongs to.
    pub fn region(&self) -> &'static Region {
        region(self.region_code).expect("every département references a known region")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected_codes() -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for n in 1..=19 {
            v.push(format!("{:02}", n));
        }
        v.push("2A".to_string());
        v.push("2B".to_string());
        for n in 21..=95 {
            v.push(format!("{:02}", n));
        }
        for c in ["971", "972", "973", "974", "976"] {
            v.push(c.to_string());
        }
        v
    }

    #[test]
    fn has_101_departments() {
        assert_eq!(DEPARTMENTS.len(), 101);
    }

    #[test]
    fn codes_unique_and_in_order() {
        let codes: Vec<&str> = DEPARTMENTS.iter().map(|d| d.code).collect();
        let expected = expected_codes();
        assert_eq!(expected.len(), 101);
        assert_eq!(codes, expected.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 101, "département codes must be unique");
    }

    #[test]
    fn region_codes_unique() {
        let mut codes: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 18);
    }

    #[test]
    fn every_region_code_exists() {
        for d in DEPARTMENTS.iter() {
            assert!(
                region(d.region_code).is_some(),
                "unknown region {} for département {}",
                d.region_code,
                d.code
            );
            assert_eq!(d.region().code, d.region_code);
        }
    }

    #[test]
    fn every_region_has_a_department() {
        for r in REGIONS.iter() {
            assert!(departments_of_region(r.code).next().is_some(), "region {} has no département", r.code);
        }
    }

    #[test]
    fn auvergne_rhone_alpes_has_12_departments() {
        assert_eq!(departments_of_region("84").count(), 12);
        assert_eq!(region("84").unwrap().name, "Auvergne-Rhône-Alpes");
    }

    #[test]
    fn lookup_allier() {
        let d = department("03").unwrap();
        assert_eq!(d.name, "Allier");
        assert_eq!(d.of_name, "de l'Allier");
        assert_eq!(d.region().name, "Auvergne-Rhône-Alpes");
    }

    #[test]
    fn lookup_corsica_lowercase() {
        let d = department("2a").unwrap();
        assert_eq!(d.name, "Corse-du-Sud");
        assert_eq!(d.region_code, "94");
        assert_eq!(department("2b").unwrap().name, "Haute-Corse");
        assert_eq!(department("2A").unwrap().name, "Corse-du-Sud");
    }

    #[test]
    fn lookup_misses() {
        assert!(department("99").is_none());
        assert!(department("3").is_none());
        assert!(department("").is_none());
        assert!(region("99").is_none());
    }

    #[test]
    fn overseas() {
        assert_eq!(department("971").unwrap().region_code, "01");
        assert_eq!(department("976").unwrap().region().name, "Mayotte");
    }
}
