//! Differences between two versions of the Allier report and between two years.

use bilan_consolidate::{version_changes, year_comparison};
use bilan_domain::{Amount, IndicatorValue, Money, Quantity, Report};

fn allier() -> Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

#[test]
fn identical_versions_have_no_change() {
    assert!(version_changes(&allier(), &allier()).is_empty());
}

#[test]
fn a_corrected_total_is_one_change_with_both_values() {
    let old = allier();
    let mut new = old.clone();
    // The seed's 1.4.2 forecast total 145 648,26 was a swap of 145 468,26.
    let (mi, ai) =
        new.actions().find(|(_, _, _, a)| a.number == "1.4.2").map(|(mi, _, ai, _)| (mi, ai)).unwrap();
    let action = &mut new.measures[mi].actions[ai];
    action.forecast.as_mut().unwrap().total = Some(Amount::Value(Money::from_cents(14_546_826)));
    let changes = version_changes(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    let c = &changes[0];
    assert_eq!(c.path, format!("mesures[{mi}].actions[{ai}].prevision.total"));
    assert_eq!(c.place, "Action 1.4.2 – Total prévu (5.1)");
    assert_eq!(c.before, "145\u{202f}648,26\u{a0}€");
    assert_eq!(c.after, "145\u{202f}468,26\u{a0}€");
}

#[test]
fn inserted_expense_line_does_not_shift_the_others() {
    let old = allier();
    let mut new = old.clone();
    let (mi, ai) =
        new.actions().find(|(_, _, _, a)| a.number == "1.1.2").map(|(mi, _, ai, _)| (mi, ai)).unwrap();
    let mut line = new.measures[mi].actions[ai].expenses[0].clone();
    line.id = "nouvelle-ligne".into();
    line.label = "Nouvelle ligne".into();
    new.measures[mi].actions[ai].expenses.insert(0, line);
    let changes = version_changes(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].after, "ligne ajoutée : Nouvelle ligne");
    assert_eq!(changes[0].path, format!("mesures[{mi}].actions[{ai}].depenses[0]"));
}

#[test]
fn removed_action_is_reported() {
    let old = allier();
    let mut new = old.clone();
    let removed = new.measures.last_mut().unwrap().actions.pop().unwrap();
    let changes = version_changes(&old, &new);
    assert!(changes
        .iter()
        .any(|c| c.place == format!("Action {}", removed.number) && c.after == "action supprimée"));
}

#[test]
fn year_comparison_matches_actions_by_number_and_indicators_by_title() {
    let previous = allier();
    let mut current = allier();
    current.year = 2020;
    // Double one indicator result; drop one action.
    let (mi, ai, k) = current
        .actions()
        .find_map(|(mi, _, ai, a)| {
            a.indicators
                .iter()
                .position(|i| matches!(i.result, Some(IndicatorValue::Number(q)) if q.hundredths() > 0))
                .map(|k| (mi, ai, k))
        })
        .unwrap();
    let before = current.measures[mi].actions[ai].indicators[k].result.as_ref().unwrap().figure().unwrap();
    current.measures[mi].actions[ai].indicators[k].result =
        Some(IndicatorValue::Number(Quantity::from_int(before.hundredths() / 100 * 2)));
    let dropped = current.measures.last_mut().unwrap().actions.pop().unwrap();

    let cmp = year_comparison(&previous, &current);
    assert_eq!(cmp.previous_year, 2019);
    let row = cmp
        .indicators
        .iter()
        .find(|r| r.path == format!("mesures[{mi}].actions[{ai}].indicateurs[{k}]"))
        .unwrap();
    assert_eq!(row.change_percent, Some(200));
    // Unchanged actions keep equal figures on both sides.
    let same = cmp.actions.iter().find(|r| r.number == "1.1.2").unwrap();
    assert_eq!(same.spent.0, same.spent.1);
    assert!(same.spent.0.is_some());
    // The dropped action is listed as last year's only.
    let gone = cmp.actions.iter().find(|r| r.number == dropped.number).unwrap();
    assert!(gone.path.is_none());
    assert!(gone.spent.1.is_none());
}

/// The first action of the Allier report that has an indicator with a figure as result:
/// (measure, action, indicator) indexes.
fn indicator_with_figure(r: &Report) -> (usize, usize, usize) {
    r.actions()
        .find_map(|(mi, _, ai, a)| {
            a.indicators
                .iter()
                .position(|i| matches!(i.result, Some(IndicatorValue::Number(_))))
                .map(|k| (mi, ai, k))
        })
        .unwrap()
}

#[test]
fn year_comparison_matches_a_reworded_indicator_by_its_catalogue_code() {
    let mut previous = allier();
    let mut current = allier();
    current.year = 2020;
    let (mi, ai, k) = indicator_with_figure(&previous);
    previous.measures[mi].actions[ai].indicators[k].code = Some("CALPAE-TEST-1".into());
    previous.measures[mi].actions[ai].indicators[k].name = "Nb de jeunes accompagnés".into();
    let ind = &mut current.measures[mi].actions[ai].indicators[k];
    ind.code = Some("CALPAE-TEST-1".into());
    ind.name = "Nombre de jeunes suivis".into();
    let figure = ind.result.as_ref().unwrap().figure().unwrap();
    ind.result = Some(IndicatorValue::Number(Quantity::from_int(figure.hundredths() / 100 * 3)));

    let cmp = year_comparison(&previous, &current);
    let path = format!("mesures[{mi}].actions[{ai}].indicateurs[{k}]");
    let row = cmp.indicators.iter().find(|r| r.path == path).unwrap();
    assert_eq!(row.change_percent, Some(300), "{row:?}");
    assert_ne!(row.previous, "—");

    // The same title under another catalogue code is another indicator: nothing to compare.
    current.measures[mi].actions[ai].indicators[k].code = Some("CALPAE-TEST-2".into());
    current.measures[mi].actions[ai].indicators[k].name = "Nb de jeunes accompagnés".into();
    let cmp = year_comparison(&previous, &current);
    let row = cmp.indicators.iter().find(|r| r.path == path).unwrap();
    assert_eq!((row.change_percent, row.previous.as_str()), (None, "—"), "{row:?}");

    // A code on one side only: matched by title, as before the catalogue.
    current.measures[mi].actions[ai].indicators[k].code = None;
    let cmp = year_comparison(&previous, &current);
    let row = cmp.indicators.iter().find(|r| r.path == path).unwrap();
    assert_eq!(row.change_percent, Some(300), "{row:?}");
}
