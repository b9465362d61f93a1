//! Section 7: indicators.

use bilan_domain::{Action, Indicator, IndicatorUnit, IndicatorValue, Quantity};

use super::Checker;

fn norm(s: &str) -> String {
    s.to_lowercase().replace('’', "'").split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn check_action(c: &mut Checker<'_>, path: &str, a: &Action) {
    for (k, ind) in a.indicators.iter().enumerate() {
        let ip = format!("{path}.indicateurs[{k}]");
        let justified = !ind.justification.trim().is_empty();

        // IND003: breakdowns add up.
        for (key, value) in
            [("situation_precedente", &ind.baseline), ("cible", &ind.target), ("resultat", &ind.result)]
        {
            if let Some(IndicatorValue::Breakdown { parts, total: Some(total) }) = value {
                let sum = parts.iter().fold(Quantity::default(), |s, p| s.add(p.value));
                if sum != *total {
                    c.emit(
                        "IND003",
                        format!("{ip}.{key}.total"),
                        format!(
                            "« {} » : les territoires totalisent {} mais le total déclaré est {}",
                            ind.name,
                            sum.to_french(),
                            total.to_french()
                        ),
                        format!("somme des parts : {}", sum.to_french()),
                    );
                }
            }
        }

        // IND002: a result that is not a figure.
        let missing = match &ind.result {
            None => Some("aucun résultat".to_string()),
            Some(IndicatorValue::Missing { text, .. }) => Some(format!("résultat « {text} »")),
            _ => None,
        };
        if let Some(what) = missing {
            if !justified {
                c.emit(
                    "IND002",
                    if ind.result.is_some() { format!("{ip}.resultat") } else { ip.clone() },
                    format!(
                        "l'indicateur « {} » n'a pas de résultat chiffré ({what}) et aucune justification",
                        ind.name
                    ),
                    what,
                )
                .hint = Some("expliquez pourquoi dans `justification`".into());
            }
            continue;
        }

        // IND001: under target.
        if let (Some(result), Some(target)) = (
            ind.result.as_ref().and_then(IndicatorValue::figure),
            ind.target.as_ref().and_then(IndicatorValue::figure),
        ) {
            let lower_is_better = ind.unit == Some(IndicatorUnit::Days);
            let short = if lower_is_better { result > target } else { result < target };
            if short && !justified {
                c.emit(
                    "IND001",
                    format!("{ip}.resultat"),
                    format!(
                        "« {} » : résultat {} pour une cible de {}, sans justification",
                        ind.name,
                        result.to_french(),
                        target.to_french()
                    ),
                    format!("cible : {}", target.to_french()),
                );
            }
        }

        // IND004: baseline against last year's result.
        if let Some(prev) = c.context.previous.and_then(|p| previous_result(p, &a.number, ind)) {
            if let Some(base) = ind.baseline.as_ref().and_then(IndicatorValue::figure) {
                if base != prev {
                    c.emit(
                        "IND004",
                        format!("{ip}.situation_precedente"),
                        format!(
                            "« {} » : situation N-1 de {} alors que le rapport précédent déclarait un résultat de {}",
                            ind.name,
                            base.to_french(),
                            prev.to_french()
                        ),
                        format!("résultat N-1 : {}", prev.to_french()),
                    );
                }
            }
        }
    }
}

/// Last year's result for the same indicator: same action number and name, else the
/// same name anywhere in the report.
fn previous_result(prev: &bilan_domain::Report, action: &str, ind: &Indicator) -> Option<Quantity> {
    let name = norm(&ind.name);
    let same = |i: &&Indicator| norm(&i.name) == name;
    let found = prev
        .action(action)
        .and_then(|(_, _, a)| a.indicators.iter().find(same))
        .or_else(|| prev.actions().flat_map(|(_, _, _, a)| a.indicators.iter()).find(same))?;
    found.result.as_ref().and_then(IndicatorValue::figure)
}
