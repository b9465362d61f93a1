//! Consolidation of Auvergne-Rhône-Alpes (region 84) for 2019: the real Allier report
//! and three tiny fixtures, checked against figures derived by hand.

use bilan_consolidate::consolidation::{IndicatorOutcome, MeasureConsolidation, Stats, UnitGroup};
use bilan_consolidate::{consolidate, Consolidation, ReportState, Scope};
use bilan_domain::{CollectiviteCode, IndicatorUnit, MeasureKind, Money, Quantity, Report};

fn parse(src: &str) -> Report {
    bilan_source::parse_str(src).unwrap_or_else(|e| panic!("{e}")).report
}

fn allier() -> Report {
    parse(include_str!("../../../examples/allier-2019.toml"))
}
fn cantal() -> Report {
    parse(include_str!("fixtures/cantal-2019.toml"))
}
fn haute_loire() -> Report {
    parse(include_str!("fixtures/haute-loire-2019.toml"))
}
fn puy_de_dome() -> Report {
    parse(include_str!("fixtures/puy-de-dome-2019.toml"))
}

fn dep(code: &str) -> CollectiviteCode {
    CollectiviteCode::parse(code).unwrap()
}

fn eur(e: i64) -> Money {
    Money::from_euros(e)
}

fn cents(c: i64) -> Money {
    Money::from_cents(c)
}

fn region() -> (Consolidation, Vec<Report>) {
    let reports = vec![allier(), cantal(), haute_loire(), puy_de_dome()];
    // Ain: a draft (the Cantal text under another code) does not count.
    let mut ain = cantal();
    ain.department = bilan_domain::DepartmentCode::parse("01").unwrap();
    let scope = Scope::region("calpae", 2019, "84");
    let input = vec![
        (ReportState::Approved, &reports[0]),
        (ReportState::Transmitted, &reports[1]),
        (ReportState::Approved, &reports[2]),
        (ReportState::Transmitted, &reports[3]),
        (ReportState::Draft, &ain),
    ];
    let c = consolidate(&scope, &input);
    (c, reports)
}

fn referent(c: &Consolidation) -> &MeasureConsolidation {
    c.measure(MeasureKind::Core, "Référent de parcours").expect("group « Référent de parcours »")
}

#[test]
fn departements_without_report_are_listed() {
    let (c, _) = region();
    let counted: Vec<&str> = c.counted.iter().map(|r| r.signatory.as_str()).collect();
    assert_eq!(counted, ["03", "15", "43", "63"]);
    let missing: Vec<&str> = c.not_transmitted.iter().map(|d| d.as_str()).collect();
    // The 13 signatories of region 84 (its 12 Départements and the Métropole de Lyon,
    // right after the Rhône) minus the four that transmitted; Ain's draft does not count.
    assert_eq!(missing, ["01", "07", "26", "38", "42", "69", "69M", "73", "74"]);
    assert_eq!(
        c.not_transmitted_message().unwrap(),
        "9 collectivités n'ont pas encore transmis leur rapport d'exécution 2019 : Ain (01), Ardèche (07), \
         Drôme (26), Isère (38), Loire (42), Rhône (69), Métropole de Lyon (69M), Savoie (73) et \
         Haute-Savoie (74)."
    );
    assert_eq!(c.ignored.len(), 1);
    assert_eq!(c.ignored[0].signatory, dep("01"));
    assert_eq!(
        c.ignored[0].reason,
        "rapport brouillon : seuls les rapports transmis ou approuvés sont consolidés"
    );
}

#[test]
fn one_missing_departement_message_is_singular() {
    let a = allier();
    let scope = Scope::new("calpae", 2019, [dep("03"), dep("15")]);
    let c = consolidate(&scope, &[(ReportState::Transmitted, &a)]);
    assert_eq!(
        c.not_transmitted_message().unwrap(),
        "1 collectivité n'a pas encore transmis son rapport d'exécution 2019 : Cantal (15)."
    );
    let c = consolidate(&Scope::new("calpae", 2019, [dep("03")]), &[(ReportState::Transmitted, &a)]);
    assert_eq!(c.not_transmitted_message(), None);
}

#[test]
fn titles_written_differently_meet() {
    let (c, _) = region();
    let m = referent(&c);
    assert_eq!(m.title, "Référent de parcours", "the programme's name of the core measure");
    let cells: Vec<(&str, Vec<&str>)> = m
        .cells
        .iter()
        .map(|cell| (cell.signatory.as_str(), cell.measures.iter().map(|r| r.number.as_str()).collect()))
        .collect();
    // Allier 1.3 "Refonder … – Référent de parcours", Cantal 1.1 (same form), Haute-Loire
    // "REFERENT DE PARCOURS", Puy-de-Dôme "Référent de parcours".
    assert_eq!(cells, [("03", vec!["1.3"]), ("15", vec!["1.1"]), ("43", vec!["1.3"]), ("63", vec!["1.3"])]);
    assert!(m.absent_from.is_empty());
    // "Mobilité solidaire" (Cantal) and "mobilité  solidaire" (Haute-Loire): one local group.
    let mob = c.measure(MeasureKind::Local, "MOBILITE SOLIDAIRE").unwrap();
    assert_eq!(mob.cells.len(), 2);
    assert_eq!(mob.title, "Mobilité solidaire", "as first written, in reference order");
    // The Allier's measure 1.1 is the core measure "sortie sèche": the others lack it.
    let ase = c.measures.first().unwrap();
    assert!(ase.title.starts_with("Prévenir toute « sortie sèche »"), "{}", ase.title);
    assert_eq!(ase.absent_from, [dep("15"), dep("43"), dep("63")]);
    // Order: core measures in the programme's order, then local ones.
    let kinds: Vec<MeasureKind> = c.measures.iter().map(|m| m.key.kind).collect();
    assert!(kinds.windows(2).all(|w| !(w[0] == MeasureKind::Local && w[1] == MeasureKind::Core)));
}

#[test]
fn figures_per_measure_and_departement_by_hand() {
    let (c, _) = region();
    let m = referent(&c);
    let t = &m.total;
    // planned (Σ annex lines): Allier 20 000 + 80 000, Cantal 10 000 + 30 000,
    // Haute-Loire 20 000, Puy-de-Dôme 60 000 = 220 000.
    assert_eq!(t.planned.value, eur(220_000));
    // spent (5.2 first): Allier lines 0 + 41 003, Cantal 30 000, Haute-Loire 12 000,
    // Puy-de-Dôme 45 000 = 128 003.
    assert_eq!(t.spent.value, eur(128_003));
    // committed: Allier lines 0 + 41 003, 30 000, 15 000, 60 000 = 146 003.
    assert_eq!(t.committed.value, eur(146_003));
    // carry-over (annex): 20 000 + 5 000 + 0 + 15 000.
    assert_eq!(t.carry_over.value, eur(40_000));
    // part État: 50 000 + 20 000 + 10 000 + 30 000.
    assert_eq!(t.state_share.value, eur(110_000));
    // 128 003 / 220 000 = 0,58183… → 582 ‰.
    let rate = t.execution_rate().unwrap();
    assert_eq!((rate.numerator(), rate.denominator()), (12_800_300, 22_000_000));
    assert_eq!(rate.per_mille(), 582);
    assert_eq!(t.execution_rate_french(), "58,2\u{a0}%");

    // The Allier cell: 41 003 / 100 000 = 41,0 %.
    let allier = &m.cells[0];
    assert_eq!(allier.figures.execution_rate().unwrap().to_french(), "41,0\u{a0}%");
    // Provenance: every euro of the spent figure points at a field of a report.
    let paths: Vec<String> = allier.figures.spent.sources.iter().map(|s| s.at.to_string()).collect();
    assert_eq!(
        paths,
        [
            "Allier (03), 2019, action 1.3.2 : mesures[2].actions[0].execution.lignes[0].consomme",
            "Allier (03), 2019, action 1.3.2 : mesures[2].actions[0].execution.lignes[1].consomme",
        ]
    );
    assert_eq!(allier.figures.spent.sources[1].amount, eur(41_003));
    assert_eq!(allier.measures[0].at.path, "mesures[2]");

    // Local group: planned 10 000 + 4 000, spent 8 000 + 1 000 (Haute-Loire from the
    // annex, its 5.2 is empty); Haute-Loire states no part État: listed as missing.
    let mob = c.measure(MeasureKind::Local, "Mobilité solidaire").unwrap();
    assert_eq!((mob.total.planned.value, mob.total.spent.value), (eur(14_000), eur(9_000)));
    assert_eq!(mob.total.spent.sources[1].at.path, "mesures[1].actions[0].depenses[0].realise");
    assert_eq!(mob.total.state_share.value, eur(5_000));
    assert_eq!(mob.total.state_share.missing.len(), 1);
    assert_eq!(mob.total.state_share.missing[0].signatory, dep("43"));
    assert_eq!(mob.total.state_share.missing[0].path, "mesures[1].actions[0].prevision.part_etat");
}

#[test]
fn totals_by_hand() {
    let (c, _) = region();
    let allier = &c.signatories[0];
    assert_eq!(allier.signatory, dep("03"));
    // Allier: Σ annex "inscrit" = the annex's own total, 890 337.
    assert_eq!(allier.figures.planned.value, eur(890_337));
    // Spent, 5.2 first: 26 988 (1.1) + 34 910 (1.2.1: 3 080 + 31 830) + 41 003 (1.3.2)
    // + 86 152,60 (1.4.1 lines) + 145 721 (1.4.2) + 64 958,40 (2.1)
    // + 88 557,90 (2.2: 37 920,40 + 50 637,50) = 488 290,90.
    assert_eq!(allier.figures.spent.value, cents(48_829_090));
    // Committed: 30 000 + 52 000 + 90 000 + 41 003 + 86 152,60 + 64 958,40 = 364 114;
    // 1.1.2 (blank "€"), 1.4.2 and 2.2 state none; 1.4.3's budget is 1.4.2's.
    assert_eq!(allier.figures.committed.value, eur(364_114));
    let missing: Vec<&str> = allier.figures.committed.missing.iter().map(|p| p.action.as_str()).collect();
    assert_eq!(missing, ["1.1.2", "1.4.2", "2.2"]);
    // Carry-over: 19 800 + 20 000 + 3 000 = 42 800, the annex total.
    assert_eq!(allier.figures.carry_over.value, eur(42_800));
    // Part État: 63 200 + 90 000 + 50 000 + 2 × 72 734,13 + 64 724,45 = 413 392,71.
    assert_eq!(allier.figures.state_share.value, cents(41_339_271));

    // Region: planned 890 337 + 50 000 + 24 000 + 60 000.
    assert_eq!(c.total.planned.value, eur(1_024_337));
    // Spent 488 290,90 + 38 000 + 13 000 + 45 000.
    assert_eq!(c.total.spent.value, cents(58_429_090));
    // 584 290,90 / 1 024 337 = 0,57041 → 570 ‰.
    assert_eq!(c.total.execution_rate_french(), "57,0\u{a0}%");
    assert_eq!(c.total.committed.value, eur(364_114 + 30_000 + 15_000 + 60_000));
    assert_eq!(c.total.carry_over.value, eur(42_800 + 5_000 + 15_000));
    assert_eq!(c.total.state_share.value, cents(41_339_271 + 6_500_000));

    // By kind. Local: Allier 2.1 + 2.2, Cantal 2.1, Haute-Loire 2.1.
    let local = &c.by_kind[1];
    assert_eq!(local.kind, MeasureKind::Local);
    assert_eq!(local.figures.planned.value, eur(166_000 + 50_000 + 10_000 + 4_000));
    assert_eq!(local.figures.spent.value, cents(6_495_840 + 8_855_790 + 800_000 + 100_000));
    let core = &c.by_kind[0];
    assert_eq!(core.figures.planned.value.add(local.figures.planned.value), c.total.planned.value);
    assert_eq!(core.figures.spent.value.add(local.figures.spent.value), c.total.spent.value);
}

#[test]
fn indicators_summed_only_where_units_allow() {
    let (c, _) = region();
    let m = referent(&c);
    let find = |name: &str| {
        m.indicators
            .iter()
            .find(|i| i.key == bilan_consolidate::text::normalise(name))
            .unwrap_or_else(|| panic!("{name}"))
    };

    // Count: 100 + 60 + 150 (the Haute-Loire wrote "accompagnees" without accent).
    let acc = find("Nombre de personnes accompagnées");
    assert_eq!(
        acc.outcome,
        IndicatorOutcome::Summed { unit: IndicatorUnit::Count, total: Quantity::from_int(310) }
    );
    assert_eq!(acc.values.len(), 3);
    assert_eq!(acc.values[0].at.path, "mesures[0].actions[0].indicateurs[0].resultat");
    assert_eq!(acc.describe(), "Total : 310 (nombre), 3 collectivités.");
    // The Allier's "Nbre de personnes accompagnées" is another wording: its own group.
    assert!(m.indicators.iter().any(|i| i.name == "Nbre de personnes accompagnées"));

    // Days are never summed: 30, 42, 34 → min 30, median 34, max 42.
    let delay = find("Délai moyen d'entrée en accompagnement");
    assert_eq!(
        delay.outcome,
        IndicatorOutcome::Spread {
            unit: Some(IndicatorUnit::Days),
            stats: Some(Stats { count: 3, min: 3000, median: 3400, max: 4200 })
        }
    );
    assert_eq!(
        delay.describe(),
        "Non additionnable (jours) : minimum 30 jours, médiane 34 jours, maximum 42 jours sur 3 valeurs."
    );

    // Same name, three units: %, nombre, none. Listed, not mixed.
    let rate = find("Taux de contrats signés");
    assert_eq!(
        rate.outcome,
        IndicatorOutcome::Incompatible {
            units: vec![
                UnitGroup { unit: Some(IndicatorUnit::Count), signatories: vec![dep("43")] },
                UnitGroup { unit: Some(IndicatorUnit::Percent), signatories: vec![dep("15")] },
                UnitGroup { unit: None, signatories: vec![dep("63")] },
            ]
        }
    );
    assert_eq!(
        rate.describe(),
        "Unités incompatibles, non additionné : nombre (Haute-Loire (43)) ; % (Cantal (15)) ; \
         unité non précisée (Puy-de-Dôme (63))."
    );

    // Only missing values: counted per reason, no total of 0.
    let trained = find("Nombre de référents formés");
    assert_eq!(trained.outcome, IndicatorOutcome::NoValue { unit: Some(IndicatorUnit::Count) });
    assert_eq!(trained.missing_by_reason(), [("non disponible", 1), ("non évalué", 1)]);
    assert_eq!(
        trained.describe(),
        "Aucune valeur chiffrée (nombre) ; 2 valeurs manquantes (1 non disponible, 1 non évalué)."
    );

    // Local group: 50 + 20 persons helped.
    let mob = c.measure(MeasureKind::Local, "Mobilité solidaire").unwrap();
    assert_eq!(
        mob.indicators[0].outcome,
        IndicatorOutcome::Summed { unit: IndicatorUnit::Count, total: Quantity::from_int(70) }
    );
    assert_eq!(
        mob.indicators[0].per_signatory(),
        [(dep("15"), Quantity::from_int(50)), (dep("43"), Quantity::from_int(20))]
    );
}

#[test]
fn allier_indicators_without_unit_are_not_summed() {
    let (c, _) = region();
    // Measure 1.4 of the Allier: "Nombre de 1er rendez-vous fixes dans le délai de 2
    // semaines" is ND everywhere; the indicators carry no unit: never summed.
    let m = c
        .measure(MeasureKind::Core, "Orientation et parcours des allocataires du revenu de solidarité active")
        .unwrap();
    let nd = m.indicators.iter().find(|i| i.name.starts_with("Nombre de 1er rendez-vous fixes")).unwrap();
    assert_eq!(nd.outcome, IndicatorOutcome::NoValue { unit: None });
    assert_eq!(nd.missing_by_reason(), [("non disponible", 1)]);
    let orient = m.indicators.iter().find(|i| i.name.starts_with("Nombre de nouveaux entrants")).unwrap();
    assert_eq!(
        orient.outcome,
        IndicatorOutcome::Spread {
            unit: None,
            stats: Some(Stats { count: 1, min: 7800, median: 7800, max: 7800 })
        }
    );
    // 1.4.3's average and days indicators.
    let avg = m.indicators.iter().find(|i| i.name.starts_with("Nombre moyen de personnes")).unwrap();
    assert!(matches!(avg.outcome, IndicatorOutcome::Spread { unit: Some(IndicatorUnit::Average), .. }));
    // An indicator with no result at all is missing "non renseigné".
    let ase = c.measures.first().unwrap();
    let q = ase
        .indicators
        .iter()
        .find(|i| i.name.starts_with("Nombre de jeunes ayant acceptés de réaliser"))
        .unwrap();
    assert_eq!(q.missing_by_reason(), [("non renseigné", 1)]);
    // A breakdown counts for its total (83 + 47 + 40 = 170 printed).
    let r = referent(&c);
    let sens = r.indicators.iter().find(|i| i.name.starts_with("Nbre d’intervenants sociaux")).unwrap();
    assert_eq!(sens.values[0].value, Quantity::from_int(170));
}

#[test]
fn reports_outside_the_scope_or_duplicated_are_ignored() {
    let (a, mut c2, cantal) = (allier(), cantal(), cantal());
    c2.year = 2020;
    let mut paris = puy_de_dome();
    paris.department = bilan_domain::DepartmentCode::parse("75").unwrap();
    let mut pacte = puy_de_dome();
    pacte.programme = "pacte".into();
    let scope = Scope::region("calpae", 2019, "84");
    let c = consolidate(
        &scope,
        &[
            (ReportState::Transmitted, &cantal),
            (ReportState::Approved, &cantal),
            (ReportState::Transmitted, &c2),
            (ReportState::Approved, &paris),
            (ReportState::Approved, &pacte),
            (ReportState::SentBack, &a),
        ],
    );
    assert_eq!(c.counted.len(), 1);
    assert_eq!((c.counted[0].signatory, c.counted[0].state), (dep("15"), ReportState::Approved));
    let reasons: Vec<&str> = c.ignored.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "rapport en double : un autre rapport approuvé de la même collectivité est retenu",
            "rapport 2020 : la consolidation porte sur l'année 2019",
            "Paris (75) n'est pas dans le périmètre",
            "programme « pacte » : la consolidation porte sur « calpae »",
            "rapport renvoyé pour correction : seuls les rapports transmis ou approuvés sont consolidés",
        ]
    );
    assert_eq!(c.ignored[0].state, ReportState::Transmitted, "the transmitted duplicate gives way");
    assert!(c.not_transmitted.contains(&dep("03")));
    assert_eq!(ReportState::from_code("a_corriger"), Some(ReportState::SentBack));
    assert_eq!(ReportState::from_code("inconnu"), None);
}

#[test]
fn national_scope_and_empty_input() {
    let c = consolidate(&Scope::national("pacte", 2024), &[]);
    // 101 Départements − 2A − 2B − 67 − 68 + 20R + 6AE + 69M.
    assert_eq!(c.expected.len(), 100);
    assert_eq!(c.not_transmitted.len(), 100);
    assert!(c.measures.is_empty());
    assert_eq!(c.total.execution_rate(), None);
    assert!(Scope::region("calpae", 2019, "99").expected.is_empty());
}
