//! Consolidation keyed by signatory: the Départements, and the collectivités that sign
//! beside or instead of them (Métropole de Lyon, Collectivité de Corse, Collectivité
//! européenne d'Alsace). Expected lists checked by hand against the INSEE list.

use bilan_consolidate::{consolidate, ReportState, Scope};
use bilan_domain::{CollectiviteCode, DepartmentCode, Report};

fn report(programme: &str, year: i32, department: &str, collectivite: Option<&str>) -> Report {
    let mut r = bilan_source::parse_str(include_str!("fixtures/cantal-2019.toml")).unwrap().report;
    r.programme = programme.to_string();
    r.year = year;
    r.department = DepartmentCode::parse(department).unwrap();
    r.collectivite = collectivite.map(|c| CollectiviteCode::parse(c).unwrap());
    r
}

fn codes(list: &[CollectiviteCode]) -> Vec<&'static str> {
    list.iter().map(|c| c.as_str()).collect()
}

#[test]
fn the_rhone_and_the_metropole_de_lyon_are_both_counted() {
    let rhone = report("pacte", 2024, "69", None);
    let lyon = report("pacte", 2024, "69", Some("69M"));
    let scope = Scope::national("pacte", 2024);
    let c = consolidate(&scope, &[(ReportState::Approved, &lyon), (ReportState::Transmitted, &rhone)]);
    assert!(c.ignored.is_empty(), "{:?}", c.ignored);
    let counted: Vec<&str> = c.counted.iter().map(|r| r.signatory.as_str()).collect();
    assert_eq!(counted, ["69", "69M"], "both, in the signatories' order");
    let totals: Vec<&str> = c.signatories.iter().map(|t| t.signatory.as_str()).collect();
    assert_eq!(totals, ["69", "69M"]);
    // Two reports of the same figures: the total is twice one report's.
    assert_eq!(
        c.total.planned.value,
        c.signatories[0].figures.planned.value.add(c.signatories[0].figures.planned.value)
    );
    assert!(!c.not_transmitted.iter().any(|d| ["69", "69M"].contains(&d.as_str())));
    assert_eq!(c.not_transmitted.len(), scope.expected.len() - 2);
    // The same signatory twice is still a duplicate.
    let again = report("pacte", 2024, "69", Some("69M"));
    let c = consolidate(&scope, &[(ReportState::Transmitted, &lyon), (ReportState::Transmitted, &again)]);
    assert_eq!(c.counted.len(), 1);
    assert_eq!(c.ignored.len(), 1);
    assert_eq!(
        c.ignored[0].reason,
        "rapport en double : un autre rapport transmis de la même collectivité est retenu"
    );
}

#[test]
fn corsica_is_expected_as_one_collectivite() {
    let scope = Scope::national("calpae", 2019);
    let expected = codes(&scope.expected);
    assert!(expected.contains(&"20R"));
    assert!(!expected.contains(&"2A") && !expected.contains(&"2B"));
    // 101 Départements − 2A − 2B + 20R + 69M.
    assert_eq!(expected.len(), 101);
    // Right after the Corrèze (19), where 2A would be.
    let at = expected.iter().position(|c| *c == "20R").unwrap();
    assert_eq!(&expected[at - 1..=at + 1], ["19", "20R", "21"]);
    // A report of 2A that does not say who signed is not expected; the Collectivité's is.
    let alone = report("calpae", 2019, "2A", None);
    let corse = report("calpae", 2019, "2B", Some("20R"));
    let c = consolidate(&scope, &[(ReportState::Approved, &alone), (ReportState::Approved, &corse)]);
    assert_eq!(codes(&c.counted.iter().map(|r| r.signatory).collect::<Vec<_>>()), ["20R"]);
    assert_eq!(c.ignored.len(), 1);
    assert_eq!(c.ignored[0].reason, "Corse-du-Sud (2A) n'est pas dans le périmètre");
    let region = Scope::region("calpae", 2019, "94");
    assert_eq!(codes(&region.expected), ["20R"]);
}

#[test]
fn alsace_signs_as_one_from_2020() {
    let y2019 = codes(&Scope::national("calpae", 2019).expected);
    assert!(y2019.contains(&"67") && y2019.contains(&"68") && !y2019.contains(&"6AE"));
    let y2020 = codes(&Scope::national("calpae", 2020).expected);
    assert!(!y2020.contains(&"67") && !y2020.contains(&"68") && y2020.contains(&"6AE"));
    // 101 − 2A − 2B − 67 − 68 + 20R + 6AE + 69M.
    assert_eq!(y2020.len(), 100);
    // Grand Est (44): 08, 10, 51, 52, 54, 55, 57, 67, 68, 88; the CEA in place of 67 and 68.
    assert_eq!(
        codes(&Scope::region("calpae", 2019, "44").expected),
        ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
    );
    assert_eq!(
        codes(&Scope::region("calpae", 2020, "44").expected),
        ["08", "10", "51", "52", "54", "55", "57", "6AE", "88"]
    );
    let cea = report("calpae", 2020, "67", Some("6AE"));
    let c = consolidate(&Scope::region("calpae", 2020, "44"), &[(ReportState::Transmitted, &cea)]);
    assert_eq!(c.counted.len(), 1);
    assert_eq!(codes(&c.not_transmitted), ["08", "10", "51", "52", "54", "55", "57", "88"]);
}

#[test]
fn a_region_counts_its_signatories() {
    // Auvergne-Rhône-Alpes: 01, 03, 07, 15, 26, 38, 42, 43, 63, 69, 69M, 73, 74.
    let scope = Scope::region("pacte", 2024, "84");
    assert_eq!(
        codes(&scope.expected),
        ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "69M", "73", "74"]
    );
    let lyon = report("pacte", 2024, "69", Some("69M"));
    let allier = report("pacte", 2024, "03", None);
    let c = consolidate(&scope, &[(ReportState::Transmitted, &lyon), (ReportState::Approved, &allier)]);
    assert_eq!(c.counted.len(), 2);
    assert_eq!(c.expected.len(), 13);
    assert_eq!(codes(&c.not_transmitted), ["01", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]);
    assert!(c.not_transmitted_message().unwrap().starts_with("11 collectivités n'ont pas encore transmis"));
    // A préfecture of 69 expects the Rhône and the Métropole de Lyon.
    assert_eq!(codes(&Scope::territory("pacte", 2024, "69").expected), ["69", "69M"]);
    assert_eq!(codes(&Scope::territory("pacte", 2024, "2B").expected), ["20R"]);
}
