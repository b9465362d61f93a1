//! Consolidation by catalogue code, on a hand-built catalogue and four small reports of
//! region 84 (2019); every expected figure is derived by hand in the comments.

use bilan_consolidate::catalogue::{resembles, tokens, Aggregate, Link};
use bilan_consolidate::consolidation::Stats;
use bilan_consolidate::{
    consolidate_by_code, consolidate_with_catalogue, CatalogueConsolidation, ReportState, Scope,
};
use bilan_domain::referentiel::{Aggregation, CatalogueIndicator, MeasureRef, MonthDay, Programme};
use bilan_domain::{CollectiviteCode, IndicatorUnit, Quantity, Report};

fn dep(code: &str) -> CollectiviteCode {
    CollectiviteCode::parse(code).unwrap()
}

fn deps(codes: &[&str]) -> Vec<CollectiviteCode> {
    codes.iter().map(|c| dep(c)).collect()
}

fn measure(code: &str) -> MeasureRef {
    MeasureRef {
        code: code.into(),
        title: code.into(),
        socle: true,
        since: 2019,
        until: None,
        source: String::new(),
        provisional: false,
    }
}

fn indicator(code: &str, title: &str, unit: IndicatorUnit, aggregation: Aggregation) -> CatalogueIndicator {
    CatalogueIndicator {
        code: code.into(),
        title: title.into(),
        unit,
        aggregation,
        measure: "M-ASE".into(),
        since: 2019,
        until: None,
        source: String::new(),
        provisional: false,
    }
}

fn programme() -> Programme {
    let mut old =
        indicator("OLD-01", "Nombre de contrats jeunes majeurs", IndicatorUnit::Count, Aggregation::Sum);
    old.until = Some(2018);
    Programme {
        id: "calpae".into(),
        name: "Convention".into(),
        short_name: "CALPAE".into(),
        first_year: 2019,
        last_year: 2022,
        max_state_share_percent: 50,
        indicator_change_ratio: 3,
        target_drop_tolerance_percent: 25,
        default_deadline: MonthDay { month: 6, day: 30 },
        source: String::new(),
        measures: vec![measure("M-ASE"), measure("M-REF")],
        indicators: vec![
            indicator("ASE-01", "Nombre de jeunes accompagnés", IndicatorUnit::Count, Aggregation::Sum),
            indicator(
                "ASE-02",
                "Taux de jeunes en emploi ou en formation",
                IndicatorUnit::Percent,
                Aggregation::WeightedMean { weight: "ASE-01".into() },
            ),
            indicator(
                "ASE-03",
                "Délai d'entrée en accompagnement",
                IndicatorUnit::Days,
                Aggregation::Distribution,
            ),
            old,
        ],
    }
}

/// One indicator line of a report: (code or "", title, unit, result).
type Line<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A report of 2019 with one measure per `(measure code, actions)`, each action a list
/// of indicator lines.
fn report(department: &str, measures: &[(&str, &[&[Line]])]) -> Report {
    let mut s = format!("programme = \"calpae\"\ndepartement = \"{department}\"\nannee = 2019\n");
    for (mi, (code, actions)) in measures.iter().enumerate() {
        s.push_str(&format!(
            "[[mesures]]\nnumero = \"{n}\"\ntype = \"socle\"\nintitule = \"Mesure {n}\"\n",
            n = mi + 1
        ));
        if !code.is_empty() {
            s.push_str(&format!("code = \"{code}\"\n"));
        }
        for (ai, lines) in actions.iter().enumerate() {
            s.push_str(&format!(
                "[[mesures.actions]]\nnumero = \"{}.{}\"\nintitule = \"Action\"\n",
                mi + 1,
                ai + 1
            ));
            for (code, title, unit, result) in lines.iter() {
                s.push_str(&format!(
                    "[[mesures.actions.indicateurs]]\nintitule = \"{title}\"\nresultat = {result}\n"
                ));
                if !code.is_empty() {
                    s.push_str(&format!("code = \"{code}\"\n"));
                }
                if !unit.is_empty() {
                    s.push_str(&format!("unite = \"{unit}\"\n"));
                }
            }
        }
    }
    bilan_source::parse_str(&s).unwrap_or_else(|e| panic!("{e}\n{s}")).report
}

fn reports() -> Vec<Report> {
    vec![
        // Allier: the three indicators in one action, a local one, an unknown code.
        report(
            "03",
            &[(
                "M-ASE",
                &[&[
                    ("ASE-01", "Jeunes accompagnés", "nombre", "100"),
                    ("ASE-02", "Taux d'insertion", "%", "40"),
                    ("ASE-03", "Délai", "jours", "30"),
                    ("", "Nombre de repas distribués", "nombre", "12"),
                    ("XYZ-99", "Indicateur inventé", "nombre", "5"),
                ]],
            )],
        ),
        // Cantal: the weight in another action (taken from the report: the rate is given
        // once); an unlinked title; a code that stopped in 2018.
        report(
            "15",
            &[(
                "M-ASE",
                &[
                    &[("ASE-01", "Jeunes", "", "50"), ("", "Nb de jeunes suivis", "nombre", "50")],
                    &[
                        ("ASE-02", "Taux", "", "71"),
                        ("ASE-03", "Délai", "jours", "45"),
                        ("OLD-01", "Contrats", "nombre", "3"),
                    ],
                ],
            )],
        ),
        // Haute-Loire: the weight is « ND »: the rate is listed without weight.
        report(
            "43",
            &[(
                "M-ASE",
                &[&[
                    ("ASE-01", "Jeunes", "nombre", "\"ND\""),
                    ("ASE-02", "Taux", "%", "55"),
                    ("ASE-03", "Délai", "jours", "20"),
                ]],
            )],
        ),
        // Puy-de-Dôme: the count given in % (incompatible), no rate at all; under the
        // coded measure M-REF a title like ASE-01's stays local (another measure).
        report(
            "63",
            &[
                ("M-ASE", &[&[("ASE-01", "Jeunes", "%", "30"), ("ASE-03", "Délai", "jours", "61")]]),
                ("M-REF", &[&[("", "Nombre de jeunes accompagnés", "nombre", "8")]]),
            ],
        ),
    ]
}

fn scope() -> Scope {
    // Ain (01) is expected and sends nothing.
    Scope::new("calpae", 2019, deps(&["01", "03", "15", "43", "63"]))
}

fn consolidated() -> CatalogueConsolidation {
    let reports = reports();
    let pairs: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Transmitted, r)).collect();
    consolidate_by_code(&scope(), &programme(), &pairs)
}

#[test]
fn sum_counts_exact_values_and_lists_who_reported() {
    let c = consolidated();
    // Only the catalogue indicators of 2019, in catalogue order (OLD-01 ended in 2018).
    let codes: Vec<&str> = c.indicators.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["ASE-01", "ASE-02", "ASE-03"]);
    let i = c.indicator("ASE-01").unwrap();
    // 100 (Allier) + 50 (Cantal); Haute-Loire « ND » and Puy-de-Dôme in % are not added.
    assert_eq!(i.aggregate, Aggregate::Sum { total: Quantity::from_int(150), count: 2 });
    assert_eq!(i.reported_by, deps(&["03", "15", "43", "63"]));
    // Ain sent no report.
    assert_eq!(i.not_reported, deps(&["01"]));
    assert_eq!(i.missing.len(), 1);
    assert_eq!(i.missing[0].at.signatory, dep("43"));
    assert_eq!(i.missing[0].text, "ND");
    // Provenance of a counted value: department, action number, field path.
    assert_eq!(i.values[1].at.signatory, dep("15"));
    assert_eq!(i.values[1].at.action, "1.1");
    assert_eq!(i.values[1].at.path, "mesures[0].actions[0].indicateurs[0].resultat");
}

#[test]
fn a_value_in_another_unit_is_incompatible_not_added() {
    let c = consolidated();
    let i = c.indicator("ASE-01").unwrap();
    assert_eq!(i.incompatible.len(), 1);
    assert_eq!(i.incompatible[0].at.signatory, dep("63"));
    assert_eq!(i.incompatible[0].unit, Some(IndicatorUnit::Percent));
    assert_eq!(i.incompatible[0].value, Quantity::from_int(30));
    assert!(i.values.iter().all(|v| v.at.signatory != dep("63")));
}

#[test]
fn weighted_mean_by_the_weight_of_the_same_report() {
    let c = consolidated();
    let i = c.indicator("ASE-02").unwrap();
    // Allier 40 % weighted by its 100 young people (same action); Cantal 71 % (no unit
    // stated: the catalogue's) weighted by its 50 (another action, rate given once):
    // (40 × 100 + 71 × 50) / (100 + 50) = (4 000 + 3 550) / 150 = 50,333… → 50,33 %.
    assert_eq!(
        i.aggregate,
        Aggregate::WeightedMean {
            mean: Some(Quantity::from_hundredths(5033)),
            weight_total: Quantity::from_int(150),
            count: 2
        }
    );
    assert_eq!(i.values[0].weight, Some(Quantity::from_int(100)));
    assert_eq!(i.values[1].weight, Some(Quantity::from_int(50)));
    // Haute-Loire's weight is « ND »: listed, not counted.
    assert_eq!(i.without_weight.len(), 1);
    assert_eq!(i.without_weight[0].at.signatory, dep("43"));
    assert_eq!(i.reported_by, deps(&["03", "15", "43"]));
}

#[test]
fn a_report_without_the_indicator_is_listed_as_not_reporting() {
    let c = consolidated();
    let i = c.indicator("ASE-02").unwrap();
    // Puy-de-Dôme transmitted without the rate; Ain transmitted nothing.
    assert_eq!(i.not_reported, deps(&["01", "63"]));
}

#[test]
fn distribution_with_an_even_count() {
    let c = consolidated();
    let i = c.indicator("ASE-03").unwrap();
    // 20, 30, 45, 61 days: the median of an even count is the mean of the two middle
    // values, (30 + 45) / 2 = 37,5 days.
    assert_eq!(
        i.aggregate,
        Aggregate::Distribution { stats: Some(Stats { count: 4, min: 2000, median: 3750, max: 6100 }) }
    );
    assert_eq!(i.not_reported, deps(&["01"]));
}

#[test]
fn local_indicators_per_department() {
    let c = consolidated();
    let per: Vec<(CollectiviteCode, Vec<&str>)> = c
        .local
        .iter()
        .map(|l| (l.signatory, l.indicators.iter().map(|i| i.name.as_str()).collect()))
        .collect();
    assert_eq!(
        per,
        vec![
            (dep("03"), vec!["Nombre de repas distribués"]),
            // Resembles ASE-01, but under M-REF, whose catalogue has no such indicator.
            (dep("63"), vec!["Nombre de jeunes accompagnés"]),
        ]
    );
    assert_eq!(c.local[0].indicators[0].result, "12");
    assert_eq!(c.local[0].indicators[0].at.path, "mesures[0].actions[0].indicateurs[3]");
}

#[test]
fn unlinked_indicator_with_suggested_code_and_form_index() {
    let c = consolidated();
    assert_eq!(c.unlinked.len(), 1);
    let u = &c.unlinked[0];
    assert_eq!(u.suggested_code, "ASE-01");
    assert_eq!(u.suggested_title, "Nombre de jeunes accompagnés");
    assert_eq!(u.indicator.name, "Nb de jeunes suivis");
    assert_eq!(u.indicator.at.signatory, dep("15"));
    assert_eq!(u.indicator.at.action, "1.1");
    assert_eq!(u.indicator.index, 1);
    assert_eq!(u.indicator.at.path, "mesures[0].actions[0].indicateurs[1]");
    // Not added to ASE-01.
    assert_eq!(c.indicator("ASE-01").unwrap().values.len(), 2);
    assert_eq!(c.unlinked_of(dep("15")).count(), 1);
    assert_eq!(c.unlinked_of(dep("03")).count(), 0);
}

#[test]
fn unknown_and_expired_codes_are_listed_apart() {
    let c = consolidated();
    let listed: Vec<(&str, &str)> =
        c.unknown_codes.iter().map(|u| (u.code.as_str(), u.reason.as_str())).collect();
    assert_eq!(
        listed,
        [
            ("XYZ-99", "code XYZ-99 absent du référentiel CALPAE"),
            ("OLD-01", "l'indicateur OLD-01 ne s'applique pas en 2019"),
        ]
    );
}

#[test]
fn resemblance_rule() {
    let t: Vec<String> = tokens("Nb de jeunes suivis").into_iter().collect();
    assert_eq!(t, ["accompagne", "jeune", "nombre"]);
    assert!(resembles("Nb de jeunes suivis", "Nombre de jeunes accompagnés"));
    assert!(resembles("Nombre de bénéficiaires accompagnés", "Nombre de personnes accompagnées"));
    // {nombre, jeune} against {nombre, jeune, accompagne}: 2/3 ≥ 3/5.
    assert!(resembles("Nombre de jeunes", "Nombre de jeunes accompagnés"));
    // {nombre, repa, distribue} against {nombre, jeune, accompagne}: 1/5.
    assert!(!resembles("Nombre de repas distribués", "Nombre de jeunes accompagnés"));
    assert!(!resembles("", ""));
}

#[test]
fn the_consolidation_carries_the_catalogue_part() {
    let reports = reports();
    let pairs: Vec<(ReportState, &Report)> = reports.iter().map(|r| (ReportState::Transmitted, r)).collect();
    let c = consolidate_with_catalogue(&scope(), &programme(), &pairs);
    assert_eq!(c.catalogue, Some(consolidated()));
    assert_eq!(c.counted.len(), 4);
    // A draft does not count, by code either.
    let draft = consolidate_by_code(&scope(), &programme(), &[(ReportState::Draft, &reports[0])]);
    assert!(draft.indicators.iter().all(|i| i.values.is_empty() && i.reported_by.is_empty()));
    assert_eq!(bilan_consolidate::consolidate(&scope(), &pairs).catalogue, None);
}

#[test]
fn link_of_an_indicator_by_its_path() {
    let c = consolidated();
    let code = |d: &str, path: &str| c.link_of(dep(d), path).map(|l| l.code());
    assert_eq!(code("03", "mesures[0].actions[0].indicateurs[0].resultat"), Some("referentiel"));
    assert_eq!(code("03", "mesures[0].actions[0].indicateurs[3]"), Some("local"));
    assert_eq!(code("03", "mesures[0].actions[0].indicateurs[4]"), Some("code_inconnu"));
    assert_eq!(code("15", "mesures[0].actions[0].indicateurs[1].resultat"), Some("non_rattache"));
    assert_eq!(code("43", "mesures[0].actions[0].indicateurs[0]"), Some("referentiel"));
    assert_eq!(code("43", "mesures[0].actions[0].indicateurs[1]"), Some("sans_poids"));
    assert_eq!(code("63", "mesures[0].actions[0].indicateurs[0]"), Some("unite_incompatible"));
    assert_eq!(code("63", "mesures[0].actions[0].indicateurs[9]"), None);
    let l = c.link_of(dep("63"), "mesures[0].actions[0].indicateurs[1]").unwrap();
    assert_eq!(l.indicator().map(|i| i.code.as_str()), Some("ASE-03"));
    assert_eq!(l.indicator().and_then(|i| i.aggregate.headline()), Some(Quantity::from_hundredths(3750)));
    assert!(Link::CODES.contains(&l.code()));
}

#[test]
fn each_aggregate_in_one_french_sentence() {
    let c = consolidated();
    let say = |code: &str| c.indicator(code).unwrap().describe();
    assert_eq!(
        say("ASE-01"),
        "Somme : 150 (nombre), 2 valeurs ; 1 valeur dans une autre unité, non comptée ; 1 valeur manquante."
    );
    assert_eq!(
        say("ASE-02"),
        "Moyenne pondérée par ASE-01 : 50,33\u{a0}% sur 2 valeurs (poids total 150) ; 1 valeur sans poids, non comptée."
    );
    assert_eq!(
        say("ASE-03"),
        "Répartition : minimum 20 jours, médiane 37,50 jours, maximum 61 jours sur 4 valeurs."
    );
}
