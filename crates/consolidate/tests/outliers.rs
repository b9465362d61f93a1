//! Outliers across Départements: six small reports built in code plus the real Allier
//! report, quartile fences derived by hand.

use bilan_consolidate::outliers::Direction;
use bilan_consolidate::{across_signatories, OutlierKind, ReportState, Scope};
use bilan_domain::Report;

/// One core measure "Référent de parcours", one action: planned, spent, people.
fn mini(department: &str, planned: i64, spent: i64, people: i64) -> Report {
    let src = format!(
        r#"programme = "calpae"
departement = "{department}"
annee = 2019

[[mesures]]
numero = "1"
type = "socle"
intitule = "Référent de parcours"

[[mesures.actions]]
numero = "1.1"
intitule = "Référents"

[mesures.actions.prevision]
part_etat = "{half} €"
part_cd = "{half} €"

[mesures.actions.execution]
consomme = "{spent} €"

[[mesures.actions.depenses]]
libelle = "Référents"
inscrit = "{planned} €"

[[mesures.actions.indicateurs]]
intitule = "Nombre de personnes accompagnées"
unite = "nombre"
resultat = {people}

# Not a number of people: a share, an average.
[[mesures.actions.indicateurs]]
intitule = "Taux de sorties des personnes accompagnées"
unite = "%"
resultat = 1

[[mesures.actions.indicateurs]]
intitule = "Nombre moyen de personnes accompagnées par référent"
unite = "moyenne"
resultat = 1
"#,
        half = planned / 2
    );
    bilan_source::parse_str(&src).unwrap_or_else(|e| panic!("{e}")).report
}

fn allier() -> Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

/// Costs per person: 1 000, 1 200, 1 100, 900, 1 050 and 6 000 €; execution rates
/// 50 %, 6 %, 55 %, 45 %, 52,5 %, 300 %.
fn six() -> Vec<Report> {
    vec![
        mini("01", 20_000, 10_000, 10),
        mini("07", 200_000, 12_000, 10),
        mini("26", 20_000, 11_000, 10),
        mini("38", 20_000, 9_000, 10),
        mini("42", 20_000, 10_500, 10),
        mini("69", 20_000, 60_000, 10),
    ]
}

#[test]
fn cost_per_person_and_execution_rate_with_the_allier() {
    let mut reports = six();
    reports.push(allier());
    let input: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Transmitted, r)).collect();
    let flags = across_signatories(&Scope::region("calpae", 2019, "84"), &input);

    let summary: Vec<(OutlierKind, &str, &str, Direction, i64)> = flags
        .iter()
        .map(|o| (o.kind, o.signatory.as_str(), o.subject.as_str(), o.direction, o.value))
        .collect();
    assert_eq!(
        summary,
        [
            // Cost in cents, sorted: 90 000, 100 000, 105 000, 110 000, 120 000,
            // 315 408 (Allier 1.3.2: 41 003 € / 13), 600 000. n = 7:
            // Q1 at h = 1,5 → 102 500; Q3 at h = 4,5 → 120 000 + 0,5 × 195 408 = 217 704;
            // IQR 115 204; fences −70 306 and 390 510: only the Rhône is above.
            (OutlierKind::CostPerPerson, "69", "Référent de parcours", Direction::High, 600_000),
            // Rates in millionths, sorted: 60 000, 410 030 (Allier 41 003 / 100 000),
            // 450 000, 500 000, 525 000, 550 000, 3 000 000. Q1 = 430 015,
            // Q3 = 537 500, IQR 107 485, fences 268 787,5 and 698 727,5.
            (OutlierKind::ExecutionRate, "07", "Référent de parcours", Direction::Low, 60_000),
            (OutlierKind::ExecutionRate, "69", "Référent de parcours", Direction::High, 3_000_000),
            // Whole reports: the Allier is at 488 290,90 / 890 337 = 548 432 millionths.
            // Sorted 60 000, 450 000, 500 000, 525 000, 548 432, 550 000, 3 000 000:
            // Q1 = 475 000, Q3 = 549 216, IQR 74 216, fences 363 676 and 660 540.
            (OutlierKind::ExecutionRate, "07", "l'ensemble des mesures", Direction::Low, 60_000),
            (OutlierKind::ExecutionRate, "69", "l'ensemble des mesures", Direction::High, 3_000_000),
        ]
    );

    let cost = &flags[0];
    let f = cost.fences.unwrap();
    assert_eq!((f.q1_x4, f.q3_x4, f.population), (410_000, 870_816, 7));
    assert_eq!((f.lower(), f.upper()), (-70_306, 390_510));
    assert_eq!(cost.action, "1.1");
    assert_eq!(
        cost.message,
        "Coût par personne accompagnée nettement plus élevé que pour les autres actions de la mesure : action 1.1 (Département du Rhône), \
         6\u{202f}000,00\u{a0}€ (60\u{202f}000,00\u{a0}€ consommés pour 10 personnes) ; pour « Référent de parcours », \
         les valeurs habituelles vont de 0,00\u{a0}€ à 3\u{202f}905,10\u{a0}€ (méthode des quartiles sur 7 actions)."
    );
    let paths: Vec<&str> = cost.sources.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["mesures[0].actions[0].execution.consomme", "mesures[0].actions[0].indicateurs[0].resultat"],
        "the % and average indicators are not people"
    );
    let low = &flags[1];
    assert_eq!(
        low.message,
        "Taux d'exécution nettement plus bas que dans les autres collectivités : Département de l'Ardèche, 6,0\u{a0}% \
         (12\u{202f}000,00\u{a0}€ consommés sur 200\u{202f}000,00\u{a0}€ prévus) ; pour « Référent de parcours », \
         les valeurs habituelles vont de 26,9\u{a0}% à 69,9\u{a0}% (méthode des quartiles sur 7 collectivités)."
    );
}

#[test]
fn small_populations_raise_nothing() {
    // Four Départements: below the five values the method needs.
    let reports: Vec<Report> = six().into_iter().take(4).collect();
    let input: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Approved, r)).collect();
    assert!(across_signatories(&Scope::region("calpae", 2019, "84"), &input).is_empty());
    // Drafts do not count: six reports, five of them drafts.
    let reports = six();
    let input: Vec<(ReportState, &Report)> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (if i == 0 { ReportState::Approved } else { ReportState::Draft }, r))
        .collect();
    assert!(across_signatories(&Scope::region("calpae", 2019, "84"), &input).is_empty());
}
