//! Every rule of the catalogue has a case that triggers it and the clean fixture that
//! does not; near misses (a gap within rounding, a justified shortfall) stay silent.

use bilan_check::{check, check_with, Context, Diagnostic, Severity, RULES};
use bilan_domain::*;

/// The fixture's programme, from the repository's reference data.
fn calpae() -> &'static Programme {
    bilan_source::referentiel::builtin().programme("calpae").expect("calpae")
}

fn with_previous(previous: &Report) -> Context<'_> {
    Context { previous: Some(previous), programme: Some(calpae()) }
}

fn clean() -> Report {
    let text = include_str!("fixtures/propre.toml");
    bilan_source::parse_str(text).expect("fixture parses").report
}

fn euros(s: &str) -> Option<Amount> {
    Some(Amount::parse(s).expect("test amount"))
}

fn act(r: &mut Report, m: usize, a: usize) -> &mut Action {
    &mut r.measures[m].actions[a]
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

/// One broken report per rule code.
fn case(code: &str) -> Report {
    let mut r = clean();
    match code {
        "BUD001" => act(&mut r, 0, 0).forecast.as_mut().unwrap().total = euros("100 900 €"),
        "BUD002" => {
            let f = act(&mut r, 0, 0).forecast.as_mut().unwrap();
            f.state_share = euros("60 000 €");
            f.department_share = euros("40 000 €");
            r.annex.groups[0].state_revenue = euros("60 000 €");
            r.annex.total.as_mut().unwrap().state_revenue = euros("80 000,50 €");
        }
        "BUD003" => act(&mut r, 0, 0).expenses[1].planned = euros("60 000 €"),
        "BUD004" => act(&mut r, 0, 0).executed.as_mut().unwrap().committed = euros("70 000 €"),
        "BUD005" => {
            let a = act(&mut r, 1, 0);
            a.expenses[0].carry_over = euros("20 000 €");
        }
        "BUD006" => {
            let a = act(&mut r, 1, 0);
            a.expenses[0].spent = euros("50 000,60 €");
            a.executed.as_mut().unwrap().spent = euros("50 000,60 €");
            r.annex.groups[1].subtotal.as_mut().unwrap().spent = euros("50 000,60 €");
            r.annex.total.as_mut().unwrap().spent = euros("130 000,60 €");
        }
        "BUD007" => act(&mut r, 1, 0).executed.as_mut().unwrap().spent = euros("38 000 €"),
        "BUD008" => act(&mut r, 0, 0).executed.as_mut().unwrap().lines[0].spent = euros("21 000 €"),
        "BUD009" => act(&mut r, 0, 0).executed.as_mut().unwrap().committed = euros("95 000 €"),
        "BUD010" => {
            act(&mut r, 0, 0).executed.as_mut().unwrap().lines[1].staff_details[1].amount =
                Amount::parse("14 000 €").unwrap()
        }
        "BUD011" => act(&mut r, 1, 0).forecast = None,
        "BUD012" => act(&mut r, 1, 0).budget_shared_with = Some("9.9.9".into()),
        "ANX001" => r.annex.groups[0].subtotal.as_mut().unwrap().planned = euros("100 100 €"),
        "ANX002" => r.annex.total.as_mut().unwrap().carry_over = euros("2 000 €"),
        "ANX003" => r.annex.groups[1].state_revenue = euros("20 000 €"),
        "ANX004" => r.annex.total.as_mut().unwrap().state_revenue = euros("70 000 €"),
        "ANX005" => r.annex.groups[1].subtotal_label = "Sous-total - Référent de parcours".into(),
        "ANX006" => r.annex.groups[1].actions.push("1.1.1".into()),
        "IND001" => {
            act(&mut r, 0, 0).indicators[1].result = Some(IndicatorValue::Number(Quantity::from_int(35)))
        }
        "IND002" => {
            act(&mut r, 1, 0).indicators[0].result =
                Some(IndicatorValue::Missing { reason: MissingReason::NotAvailable, text: "ND".into() })
        }
        "IND003" => {
            if let Some(IndicatorValue::Breakdown { total, .. }) = &mut act(&mut r, 0, 0).indicators[0].result
            {
                *total = Some(Quantity::from_int(54));
            }
        }
        "IND004" => {
            act(&mut r, 1, 0).indicators[0].baseline = Some(IndicatorValue::Number(Quantity::from_int(41)))
        }
        "TXT001" => {
            act(&mut r, 0, 0).budget_comment =
                "Voir l'annexe. [Commentez le tableau financier au sein de cette section]".into()
        }
        "TXT002" => act(&mut r, 0, 0).indicators[0].measure_label = "Référent de parcours]".into(),
        "COM001" => act(&mut r, 0, 0).description = "  ".into(),
        "COM002" => act(&mut r, 0, 0).outlook = String::new(),
        "COM003" => act(&mut r, 0, 0).executed.as_mut().unwrap().committed = Some(Amount::Blank),
        "COM004" => r.deliberation = None,
        "COM005" => act(&mut r, 0, 0).fapi = None,
        "COM006" => act(&mut r, 1, 0).indicators.clear(),
        "DAT001" => act(&mut r, 0, 0).end = Date::new(2019, 12, 31),
        "DAT002" => {
            r.deliberation.as_mut().unwrap().date = Date::new(2021, 7, 5);
            r.transmitted_on = Date::new(2021, 7, 10);
        }
        "DAT003" => r.transmitted_on = Date::new(2021, 6, 1),
        "DAT004" => r.deliberation.as_mut().unwrap().date = Date::new(2020, 12, 15),
        "DAT005" => r.year = 2023,
        "NUM001" => act(&mut r, 0, 0).number = "1.1.2".into(),
        "NUM002" => act(&mut r, 0, 0).expenses[1].id = "form".into(),
        "BUD013" => act(&mut r, 1, 0).executed.as_mut().unwrap().committed = euros("45 000 €"),
        "BUD014" => act(&mut r, 0, 0).expenses[1].planned = euros("60 000 €"),
        "BUD015" => {
            act(&mut r, 0, 0).executed.as_mut().unwrap().lines[1].staff_details[0].label =
                "Travailleurs sociaux : (45 000/1 600)*10*100".into()
        }
        "NAR001" => act(&mut r, 0, 0).budget_comment = "Le budget total de 110 000 € est cofinancé.".into(),
        "NAR002" => {
            act(&mut r, 0, 0).execution_review =
                "En 2020, 50 professionnels formés par le Département.".into()
        }
        "NAR003" => {
            act(&mut r, 0, 0).execution_review =
                "45 professionnels formés, dont 25 à Aurillac (60 %) et 20 à Mauriac.".into()
        }
        "IND005" => {
            act(&mut r, 0, 0).indicators[0].baseline = Some(IndicatorValue::Number(Quantity::from_int(60)))
        }
        "IND006" => {
            let a = act(&mut r, 0, 0);
            let n = |v| Some(IndicatorValue::Number(Quantity::from_int(v)));
            a.indicators[0].baseline = n(150);
            a.indicators[0].target = n(160);
            a.indicators[0].result = n(170);
            let mut copy = a.indicators[0].clone();
            copy.name = "Nombre de familles accompagnées".into();
            a.indicators.push(copy);
        }
        "IND007" => {
            act(&mut r, 1, 0).indicators[0].result = Some(IndicatorValue::Number(Quantity::from_int(130)))
        }
        "DAT006" => act(&mut r, 0, 0).duration = "Sur toute l'année 2020.".into(),
        "DAT007" => act(&mut r, 0, 0).start = Date::new(2021, 2, 1),
        "ANX007" => {
            r.annex.rounding = Rounding::Euro;
            act(&mut r, 1, 0).expenses[0].spent = euros("37 920 €");
            r.annex.groups[1].subtotal.as_mut().unwrap().spent = euros("37 920 €");
            r.annex.groups[1].state_revenue = euros("20 000 €");
            let total = r.annex.total.as_mut().unwrap();
            total.spent = euros("117 920 €");
            total.state_revenue = euros("70 000 €");
        }
        "IND008" => {
            // The first measure is linked to the reference data, its indicators are not.
            r.measures[0].code = Some("CALPAE-REFERENT".into());
        }
        other => panic!("no case for rule {other}: add one"),
    }
    r
}

/// Last year's report for IND004: each result is this year's baseline.
fn previous() -> Report {
    let mut p = clean();
    p.year = 2019;
    for m in &mut p.measures {
        for a in &mut m.actions {
            for i in &mut a.indicators {
                i.result = i.baseline.clone();
            }
        }
    }
    p
}

#[test]
fn the_clean_fixture_raises_nothing() {
    let r = clean();
    assert_eq!(codes(&check(&r)), Vec::<&str>::new());
    let prev = previous();
    assert_eq!(codes(&check_with(&r, with_previous(&prev))), Vec::<&str>::new());
}

#[test]
fn every_rule_has_a_case_that_triggers_it() {
    let prev = previous();
    for rule in RULES {
        let r = case(rule.code);
        let diags = check_with(&r, with_previous(&prev));
        let got = codes(&diags);
        assert!(got.contains(&rule.code), "{}: expected it among {got:?}", rule.code);
        let d = diags.iter().find(|d| d.code == rule.code).unwrap();
        assert_eq!(d.severity, rule.severity, "{}: severity", rule.code);
        assert!(!d.message.is_empty() && !d.path.is_empty());
    }
}

#[test]
fn every_case_points_into_the_file() {
    // Paths name real TOML keys: re-serialise the broken report and locate each path.
    let prev = previous();
    for rule in RULES {
        let r = case(rule.code);
        let text = bilan_source::to_toml(&r);
        let parsed = bilan_source::parse_str(&text).expect("re-serialised report parses");
        for d in check_with(&parsed.report, with_previous(&prev)) {
            assert!(parsed.spans.locate(&d.path).is_some(), "{}: path {} not found", d.code, d.path);
        }
    }
}

#[test]
fn near_misses_stay_silent_or_informative() {
    // A shortfall with a justification is not a warning.
    let mut r = case("IND001");
    act(&mut r, 0, 0).indicators[1].justification = "Deux recrutements retardés.".into();
    assert!(!codes(&check(&r)).contains(&"IND001"));

    // For a delay, beating the target means being under it.
    let mut r = clean();
    act(&mut r, 0, 0).indicators[1].result = Some(IndicatorValue::Number(Quantity::from_int(10)));
    assert!(!codes(&check(&r)).contains(&"IND001"));

    // A gap within the euro-rounding of the annex is an info with its hint.
    let mut r = clean();
    r.annex.rounding = Rounding::Euro;
    act(&mut r, 1, 0).expenses[0].spent = euros("37 920 €");
    r.annex.groups[1].subtotal.as_mut().unwrap().spent = euros("37 920 €");
    r.annex.total.as_mut().unwrap().spent = euros("117 920 €");
    let diags = check(&r);
    let d = diags.iter().find(|d| d.code == "BUD007").expect("rounding gap reported");
    assert_eq!(d.severity, Severity::Info);
    assert!(d.hint.as_deref().unwrap_or("").contains("arrondi"));

    // Overspend with swapped digits gets the transposition hint.
    let mut r = clean();
    act(&mut r, 1, 0).expenses[0].planned = euros("37 290,40 €");
    let d = check(&r).into_iter().find(|d| d.code == "BUD006").expect("overspend");
    assert!(d.hint.unwrap_or_default().contains("intervertis"));
}

#[test]
fn reasons_and_merged_sections_are_not_gaps() {
    // A reason written where the result goes is a missing value with its reason.
    let mut r = clean();
    act(&mut r, 1, 0).indicators[0].result = Some(IndicatorValue::Missing {
        reason: MissingReason::InProgress,
        text: "Bilan en cours de réalisation".into(),
    });
    assert!(!codes(&check(&r)).contains(&"IND002"));

    // "Bilan d'exécution et perspectives": the perspectives are in the bilan.
    let mut r = clean();
    let a = act(&mut r, 0, 0);
    a.outlook = String::new();
    a.review_includes_outlook = true;
    assert!(!codes(&check(&r)).contains(&"COM002"));
}

#[test]
fn the_consistent_figure_replaces_a_swapped_total() {
    // Total 100 900 € for shares of 50 000 € + 50 000 €... is not a swap; 109 000 € is not
    // either; 100 000 € written 010 000 is impossible: use shares whose sum has a swap.
    let mut r = clean();
    let f = act(&mut r, 0, 0).forecast.as_mut().unwrap();
    f.state_share = euros("50 000 €");
    f.department_share = euros("50 400 €");
    f.total = euros("104 000 €");
    act(&mut r, 0, 0).expenses[1].planned = euros("70 400 €");
    act(&mut r, 0, 0).executed.as_mut().unwrap().spent = euros("100 500 €");
    let diags = check(&r);
    assert!(codes(&diags).contains(&"BUD001"));
    let over = diags.iter().find(|d| d.code == "BUD006").expect("overspend against the parts' sum");
    assert!(over.message.replace('\u{202f}', " ").contains("100 400,00"), "{}", over.message);
    assert!(over.hint.as_deref().unwrap_or("").contains("intervertis"), "{:?}", over.hint);
    // The annex agrees with the parts' sum: no BUD003 against the swapped total.
    assert!(!codes(&diags).contains(&"BUD003"), "{:?}", codes(&diags));
}

#[test]
fn catalogue_indicators_are_judged_only_on_linked_measures() {
    let prev = previous();
    let judged = |r: &Report| -> Vec<Diagnostic> {
        check_with(r, with_previous(&prev)).into_iter().filter(|d| d.code == "IND008").collect()
    };
    // Triggering: every catalogue indicator of the measure is named, at the measure.
    let r = case("IND008");
    let d = judged(&r);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].path, "mesures[0]");
    assert!(
        d[0].message.contains("CALPAE-REFERENT-01") && d[0].message.contains("CALPAE-REFERENT-02"),
        "{}",
        d[0].message
    );
    // Silent: each catalogue indicator reported by code, in any action of the measure.
    let mut r = case("IND008");
    act(&mut r, 0, 0).indicators[0].code = Some("CALPAE-REFERENT-01".into());
    assert_eq!(judged(&r).len(), 1, "one still missing");
    assert!(judged(&r)[0].message.contains("l'indicateur national CALPAE-REFERENT-02"));
    act(&mut r, 0, 0).indicators[1].code = Some("CALPAE-REFERENT-02".into());
    assert!(judged(&r).is_empty());
    // Silent: a measure without code (the clean fixture), a report checked without its
    // programme, a code the programme does not know.
    assert!(judged(&clean()).is_empty());
    assert!(!codes(&check(&case("IND008"))).contains(&"IND008"));
    let mut r = case("IND008");
    r.measures[0].code = Some("AUTRE-MESURE".into());
    assert!(judged(&r).is_empty());
    // An indicator that starts later does not apply before: training of social workers (2020).
    let mut r = case("IND008");
    r.year = 2019;
    r.measures[0].code = Some("CALPAE-FTS".into());
    assert!(judged(&r).is_empty());
    r.year = 2020;
    assert_eq!(judged(&r).len(), 1);
}

#[test]
fn new_rules_name_their_figures() {
    for (code, figures) in [
        ("BUD013", &["45 000,00", "37 920,40", "7 079,60"][..]),
        ("BUD014", &["50 000,00", "90 000,00", "45 000,00"][..]),
        ("BUD015", &["28 125,00", "45 000,00"][..]),
        ("NAR001", &["110 000,00", "100 000,00"][..]),
        ("NAR002", &["50", "45"][..]),
        ("NAR003", &["60", "55,55"][..]),
        ("IND005", &["40", "60"][..]),
        ("IND007", &["130", "40"][..]),
    ] {
        let d = check(&case(code)).into_iter().find(|d| d.code == code).unwrap();
        let text = format!("{} {}", d.message, d.hint.clone().unwrap_or_default())
            .replace(['\u{202f}', '\u{a0}'], " ");
        for f in figures {
            assert!(text.contains(f), "{code}: « {f} » missing from {text}");
        }
        assert!(d.hint.is_some(), "{code} has a hint");
    }
}

#[test]
fn hostile_reports_never_panic() {
    // Absurd but parseable content: huge amounts, empty everything, dangling references.
    let mut r = clean();
    let big = euros("1 000 000 000 000 €");
    for m in &mut r.measures {
        for a in &mut m.actions {
            a.forecast = Some(Forecast {
                state_share: big,
                department_share: big,
                total: Some(Amount::Blank),
                comment: "[".into(),
            });
            for e in &mut a.expenses {
                e.planned = big;
                e.spent = big;
                e.carry_over = big;
            }
            a.indicators.push(Indicator {
                code: None,
                measure_label: "]]][[".into(),
                name: String::new(),
                unit: None,
                baseline: Some(IndicatorValue::Breakdown {
                    parts: vec![],
                    total: Some(Quantity::from_int(1)),
                }),
                target: None,
                result: Some(IndicatorValue::Breakdown { parts: vec![], total: None }),
                justification: String::new(),
            });
        }
    }
    r.annex.groups.push(AnnexGroup { actions: vec!["1.1.1".into(), "x".into()], ..AnnexGroup::default() });
    // Prose and formulas built to trip the readers: deep parentheses, endless digits,
    // percentages without counts, durations without dates.
    let a = act(&mut r, 0, 0);
    a.execution_review = format!(
        "{} € (99 %) (soit 1,5 %) 3 {} 9999999999999999999999 personnes",
        "9".repeat(40),
        "(".repeat(5000)
    );
    a.budget_comment = "Budget total : 1 000 000 000 000 000 000 € ; budget total de ,5 €".into();
    a.duration = "durée de 999999999999 ans (1990/2100/0000) toute l'année 99999".into();
    a.start = Date::new(2019, 1, 31);
    if let Some(ex) = a.executed.as_mut() {
        for l in &mut ex.lines {
            l.label = format!("x : {}1{}", "(".repeat(10_000), ")".repeat(10_000));
            for s in &mut l.staff_details {
                s.label = "a : 1/0.0000*999999999999999999999 mois".into();
            }
        }
    }
    let diags = check(&r);
    assert!(!diags.is_empty());
    let empty = Report { measures: vec![], annex: Annex::default(), ..clean() };
    let _ = check(&empty);
}

/// A draft has no result yet: its baselines are still compared with last year's results
/// (that is when a wrong baseline is cheapest to fix).
#[test]
fn a_draft_baseline_is_compared_before_any_result() {
    let prev = previous();
    let mut r = case("IND004");
    let ind = &mut act(&mut r, 1, 0).indicators[0];
    ind.result = None;
    ind.justification = "Résultats connus en fin d'année".into();
    let diags = check_with(&r, with_previous(&prev));
    assert!(codes(&diags).contains(&"IND004"), "{:?}", codes(&diags));
}
