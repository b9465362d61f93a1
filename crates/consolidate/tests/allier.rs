//! The real Allier 2019 report (examples/allier-2019.toml): credits for 2020 and
//! year-to-year jumps, with every figure derived by hand in the comments.

use bilan_consolidate::outliers::Direction;
use bilan_consolidate::{
    compute_credits, year_over_year, CreditRules, Decision, Decisions, LineKey, OutlierKind,
};
use bilan_domain::{DepartmentCode, IndicatorValue, Money, Quantity, Report};

fn allier() -> Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

fn eur(e: i64) -> Money {
    Money::from_euros(e)
}

fn cents(c: i64) -> Money {
    Money::from_cents(c)
}

// Per action, 50 % at most, spent read from section 5.2 first:
//
// | action | part État   | consommé    | 50 % × consommé | utilisé     | non consommé |
// |--------|-------------|-------------|-----------------|-------------|--------------|
// | 1.1.1  | 15 000      | 19 863      | 9 931,50        | 9 931,50    | 5 068,50     |
// | 1.1.2  | 22 200      | 2 000       | 1 000           | 1 000       | 21 200       |
// | 1.1.3  | 26 000      | 5 125       | 2 562,50        | 2 562,50    | 23 437,50    |
// | 1.2.1  | 90 000      | 34 910 (a)  | 17 455          | 17 455      | 72 545       |
// | 1.3.2  | 50 000      | 41 003 (b)  | 20 501,50       | 20 501,50   | 29 498,50    |
// | 1.4.1  | 72 734,13   | 86 152,60(c)| 43 076,30       | 43 076,30   | 29 657,83    |
// | 1.4.2  | 72 734,13   | 145 721     | 72 860,50       | 72 734,13   | 0 (overspent)|
// | 1.4.3  | — (budget of 1.4.2)                                          | 0            |
// | 2.1    | 64 724,45   | 64 958,40   | 32 479,20       | 32 479,20   | 32 245,25    |
// | 2.2    | — (no 5.1)                                                   | 0            |
//
// (a) lines 3 080 + 31 830; (b) lines 0 + 41 003; (c) lines 0 + 57 133 + 1 272,60 + 940
// + 407 + 26 400. Σ non consommé = 213 652,58.
//
// Carry-over lines (annex): 1.1.2 "ase-a2-subvention-ml" 19 800 → 9 900;
// 1.3.2 "referent-formation" 20 000 → 10 000; 1.4.1 "brsa-formation" 3 000 → 1 500.
// (1.2.1's annex lines print "-  €": no request.)
fn decisions() -> Decisions {
    Decisions::from([
        (LineKey::new("1.1.2", "ase-a2-subvention-ml"), Decision::Accept),
        (LineKey::new("1.3.2", "referent-formation"), Decision::Accept),
        (LineKey::new("1.4.1", "brsa-formation"), Decision::Refuse),
    ])
}

#[test]
fn allier_credits_for_2020() {
    let r = allier();
    let rules = CreditRules::for_report(&r);
    assert_eq!(rules.max_state_share_percent, 50);
    // Hypothesis for the test: the avenant for 2020 repeats 2019's recette État, 413 393 €.
    let n = compute_credits(&r, eur(413_393), &decisions(), &rules);

    let by = |number: &str| n.lines.iter().find(|l| l.action == number).unwrap();
    let expect = [
        ("1.1.1", cents(993_150), cents(506_850)),
        ("1.1.2", eur(1_000), eur(21_200)),
        ("1.1.3", cents(256_250), cents(2_343_750)),
        ("1.2.1", eur(17_455), eur(72_545)),
        ("1.3.2", cents(2_050_150), cents(2_949_850)),
        ("1.4.1", cents(4_307_630), cents(2_965_783)),
        ("1.4.2", cents(7_273_413), eur(0)),
        ("1.4.3", eur(0), eur(0)),
        ("2.1", cents(3_247_920), cents(3_224_525)),
        ("2.2", eur(0), eur(0)),
    ];
    assert_eq!(n.lines.len(), expect.len());
    for (number, used, unspent) in expect {
        let l = by(number);
        assert_eq!((l.state_credit_used, l.unspent_state_credit), (used, unspent), "action {number}");
    }
    assert_eq!(Money::sum(n.lines.iter().map(|l| l.unspent_state_credit)), cents(21_365_258));

    // Accepted 9 900 + 10 000 = 19 900; refused 1 500.
    assert_eq!(n.accepted_carry_over, eur(19_900));
    assert_eq!(n.refused_carry_over, eur(1_500));
    assert_eq!(n.undecided_carry_over, eur(0));
    // Réfaction = 213 652,58 − 19 900 = 193 752,58 (1.4.2 overspent: none there).
    assert_eq!(n.reduction, cents(19_375_258));
    assert_eq!(by("1.1.2").reduction, eur(11_300));
    assert_eq!(by("1.3.2").reduction, cents(1_949_850));
    assert_eq!(by("1.4.1").reduction, cents(2_965_783), "refused: the whole unspent credit is cut");
    assert_eq!(by("1.4.2").reduction, eur(0));
    // Delegated 2020 = 413 393 + 19 900 − 193 752,58 = 239 540,42.
    assert_eq!(n.delegated, cents(23_954_042));
    assert!(n.is_final());
    assert_eq!(
        n.explanation,
        "Crédits État délégués pour 2020 : montant État 2020 de la convention 413\u{202f}393,00\u{a0}€ \
         + reports acceptés (part État) 19\u{202f}900,00\u{a0}€ − réfaction 193\u{202f}752,58\u{a0}€ \
         = 239\u{202f}540,42\u{a0}€. Reports refusés (part État) : 1\u{202f}500,00\u{a0}€."
    );

    // The body asks carry-overs the annex lines do not carry: 1.1.2 (20 000 vs 19 800)
    // and 1.2.1 (portail 30 000 vs "-  €").
    assert_eq!(n.warnings.len(), 2, "{:#?}", n.warnings);
    assert!(
        n.warnings[0].starts_with("Action 1.1.2 : le corps du rapport demande un report de 20\u{202f}000,00")
    );
    assert!(
        n.warnings[1].starts_with("Action 1.2.1 : le corps du rapport demande un report de 30\u{202f}000,00")
    );

    // Line by line, in French.
    let l = by("1.1.2");
    assert_eq!(l.carry_overs.len(), 1);
    assert_eq!(l.carry_overs[0].at.path, "mesures[0].actions[1].depenses[0].report");
    assert_eq!(
        l.explanation,
        "Action 1.1.2 — Part État prévue : 22\u{202f}200,00\u{a0}€ ; crédits consommés : 2\u{202f}000,00\u{a0}€. \
         L'État finance au plus 50\u{a0}% de la dépense : 50\u{a0}% × 2\u{202f}000,00\u{a0}€ = 1\u{202f}000,00\u{a0}€ : \
         crédit État utilisé 1\u{202f}000,00\u{a0}€. \
         Crédit État non consommé : 22\u{202f}200,00\u{a0}€ − 1\u{202f}000,00\u{a0}€ = 21\u{202f}200,00\u{a0}€. \
         Ligne « Subvention Missions locales (Action 2) » : report demandé 19\u{202f}800,00\u{a0}€ ; \
         part État 50\u{a0}% × 19\u{202f}800,00\u{a0}€ = 9\u{202f}900,00\u{a0}€ : accepté. \
         Le corps du rapport demande un report de 20\u{202f}000,00\u{a0}€, les lignes de l'annexe 19\u{202f}800,00\u{a0}€ : \
         seuls les reports des lignes de l'annexe sont soumis à décision. \
         Réfaction : crédit État non consommé 21\u{202f}200,00\u{a0}€ − reports acceptés (part État) \
         9\u{202f}900,00\u{a0}€ = 11\u{202f}300,00\u{a0}€."
    );
    assert!(by("1.4.2").explanation.contains("part État entièrement utilisée"));
    assert!(by("1.4.2").explanation.contains("pas de réfaction"));
    assert!(by("1.4.3").explanation.contains("Budget porté par l'action 1.4.2"));
    assert!(by("2.2").explanation.contains("Aucune part État prévue"));
    assert_eq!(
        by("1.4.1").spent_sources.iter().map(|p| p.path.as_str()).collect::<Vec<_>>().len(),
        6,
        "the six lines of the 5.2 table"
    );
}

#[test]
fn allier_credits_everything_refused_or_undecided() {
    let r = allier();
    let rules = CreditRules::for_report(&r);
    // No decision at all: nothing accepted, réfaction = all 213 652,58 unspent,
    // delegated 413 393 − 213 652,58 = 199 740,42; three lines wait for a decision.
    let n = compute_credits(&r, eur(413_393), &Decisions::new(), &rules);
    assert_eq!(n.reduction, cents(21_365_258));
    assert_eq!(n.delegated, cents(19_974_042));
    assert_eq!(n.undecided_carry_over, eur(9_900 + 10_000 + 1_500));
    assert_eq!(n.undecided.len(), 3);
    assert!(!n.is_final());
    // Without réfaction (rules as data), the State amount is delegated as is.
    let rules = CreditRules { reduction_applies: false, ..rules };
    let n = compute_credits(&r, eur(413_393), &decisions(), &rules);
    assert_eq!((n.reduction, n.delegated), (eur(0), eur(413_393 + 19_900)));
}

fn set_result(r: &mut Report, action: &str, indicator: usize, value: i64) {
    let (mi, ai, _) = r.action(action).unwrap();
    r.measures[mi].actions[ai].indicators[indicator].result =
        Some(IndicatorValue::Number(Quantity::from_int(value)));
}

#[test]
fn allier_year_to_year_jumps() {
    let before = allier();
    let mut now = allier();
    now.year = 2020;
    // 2.1 "Nb de participants" 74 → 300: 300 > 3 × 74 = 222, ratio 4,054 → × 4,05.
    set_result(&mut now, "2.1", 0, 300);
    // 1.4.2 "Nb de participants bénéficiaires du RSA" 97 → 30: 3 × 30 = 90 < 97,
    // 97 / 30 = 3,233 → ÷ 3,23.
    set_result(&mut now, "1.4.2", 0, 30);
    // 1.4.1 "Nombre de nouveaux entrants orientés…" 78 → 200: 200 < 234, not flagged.
    set_result(&mut now, "1.4.1", 0, 200);
    // 1.2.1 "Nbre d'intervenants sociaux sensibilisés" 100 → 0: falls to zero.
    set_result(&mut now, "1.2.1", 0, 0);
    // 1.1.2 "Nb de réunions par bassin (2ème temps…)" 0 → 5: no ratio from 0.
    set_result(&mut now, "1.1.2", 1, 5);
    // 2.2 has two "Nb de participants" (45 then 343), matched by rank:
    // the second 343 → 1 100 (> 1 029, ratio 3,207 → × 3,21), the first unchanged.
    set_result(&mut now, "2.2", 2, 1_100);

    let flags = year_over_year(&now, &before).unwrap();
    let summary: Vec<(&str, Direction, i64)> =
        flags.iter().map(|o| (o.action.as_str(), o.direction, o.value)).collect();
    assert_eq!(
        summary,
        [
            ("1.2.1", Direction::Low, 0),
            ("1.4.2", Direction::Low, 31),
            ("2.1", Direction::High, 405),
            ("2.2", Direction::High, 321)
        ]
    );
    assert!(flags.iter().all(|o| o.kind == OutlierKind::IndicatorJump && o.fences.is_none()));
    let by = |a: &str| flags.iter().find(|o| o.action == a).unwrap();
    assert_eq!(
        by("2.1").message,
        "L'indicateur « Nb de participants » (action 2.1) passe de 74 en 2019 à 300 en 2020, \
         soit × 4,05 : hausse de plus du triple, à vérifier ou à justifier."
    );
    assert_eq!(
        by("1.4.2").message,
        "L'indicateur « Nb de participants bénéficiaires du RSA » (action 1.4.2) passe de 97 en 2019 à 30 en 2020, \
         soit ÷ 3,23 : baisse de plus des deux tiers, à vérifier ou à justifier."
    );
    assert!(by("1.2.1").message.contains("soit une chute à zéro"));
    assert_eq!(by("2.2").sources[0].path, "mesures[5].actions[0].indicateurs[2].resultat");
    assert_eq!(by("2.2").sources[1].year, 2019);

    // Same report twice a year apart: nothing jumps.
    let mut same = allier();
    same.year = 2020;
    assert!(year_over_year(&same, &before).unwrap().is_empty());
}

#[test]
fn year_to_year_needs_same_departement_and_consecutive_years() {
    let before = allier();
    let mut other = allier();
    other.year = 2020;
    other.department = DepartmentCode::parse("15").unwrap();
    assert_eq!(
        year_over_year(&other, &before).unwrap_err(),
        "les deux rapports ne concernent pas la même collectivité (Cantal (15) et Allier (03))"
    );
    let mut later = allier();
    later.year = 2021;
    assert_eq!(
        year_over_year(&later, &before).unwrap_err(),
        "le rapport précédent doit être celui de 2020, pas celui de 2019"
    );
}
