//! Section 7: indicators.

use bilan_domain::{
    Action, Indicator, IndicatorUnit, IndicatorValue, MissingReason, PartKind, Quantity, Scope,
};

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
                    let who = if parts.iter().all(|p| p.kind == PartKind::Territory) {
                        "les territoires totalisent"
                    } else {
                        "les parts totalisent"
                    };
                    c.emit(
                        "IND003",
                        format!("{ip}.{key}.total"),
                        format!(
                            "« {} » : {who} {} mais le total déclaré est {}",
                            ind.name,
                            sum.to_french(),
                            total.to_french()
                        ),
                        format!("somme des parts : {}", sum.to_french()),
                    );
                }
            }
        }

        // IND004 comes before the result is looked at: a draft has no result yet, and
        // that is when its baseline is best compared with last year's result.
        if let Some(prev) = c
            .context
            .previous
            .filter(|_| !matches!(a.baseline_scope, Some(Scope::Territory(_))))
            .and_then(|p| previous_result(p, a, k))
        {
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

        // IND002: a result that is not a figure.
        let missing = match &ind.result {
            None => Some("aucun résultat".to_string()),
            Some(IndicatorValue::Missing { text, .. }) => Some(format!("résultat « {text} »")),
            _ => None,
        };
        // A reason written where the result goes ("Bilan en cours de réalisation") is a
        // missing value with its reason, not an unexplained gap.
        let stated_reason = matches!(
            &ind.result,
            Some(IndicatorValue::Missing { reason: MissingReason::InProgress | MissingReason::NoAction, .. })
        );
        if let Some(what) = missing {
            if !justified && !stated_reason {
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

        let same_scope = !matches!(a.baseline_scope, Some(Scope::Territory(_)));
        let baseline = ind.baseline.as_ref().and_then(IndicatorValue::figure);
        let target = ind.target.as_ref().and_then(IndicatorValue::figure);
        let result = ind.result.as_ref().and_then(IndicatorValue::figure);
        let lower_is_better = ind.unit == Some(IndicatorUnit::Days);
        let baseline_year = c.report.year - 1;

        // IND005: a target below what was already there.
        let tolerance = c.programme().map_or(25, |p| p.target_drop_tolerance_percent);
        if let (Some(b), Some(t), true) = (baseline, target, same_scope) {
            let (bh, th) = (i128::from(b.hundredths()), i128::from(t.hundredths()));
            let tol = i128::from(tolerance.clamp(0, 100));
            // Beyond the programme's tolerance: t < b·(1 − tol) (for a delay, t > b·(1 + tol)).
            let backwards =
                if lower_is_better { th * 100 > bh * (100 + tol) } else { th * 100 < bh * (100 - tol) };
            let explained = {
                let j = ind.justification.to_lowercase();
                ["cible", "objectif", "attendu"].iter().any(|w| j.contains(w))
            };
            if backwards && !explained {
                let d = c.emit(
                    "IND005",
                    format!("{ip}.cible"),
                    format!(
                        "« {} » : résultat attendu de {} pour une situation {baseline_year} de {} ({})",
                        ind.name,
                        t.to_french(),
                        b.to_french(),
                        change(b, t)
                    ),
                    format!("cible : {}", t.to_french()),
                );
                d.related(format!("{ip}.situation_precedente"), format!("situation N-1 : {}", b.to_french()));
                d.hint = Some(format!(
                    "une cible de {} recule sur les {} déjà atteints : corrigez la cible, ou expliquez ce recul dans la justification",
                    t.to_french(),
                    b.to_french()
                ));
            }
        }

        // IND007: a result far from the baseline, unexplained.
        let ratio = c.programme().map_or(3, |p| p.indicator_change_ratio);
        if let (Some(b), Some(r), true, false) = (baseline, result, same_scope, justified) {
            let (b, r) = (i128::from(b.hundredths()), i128::from(r.hundredths()));
            let ratio = i128::from(ratio.max(2));
            if b >= 500 && (r >= b * ratio || r * ratio <= b) {
                let times = if r >= b { r * 10 / b } else { b * 10 / r.max(1) };
                let (q, rem) = (times / 10, times % 10);
                let how = if r >= b {
                    format!("{q},{rem} fois la situation {baseline_year}")
                } else {
                    format!("{q},{rem} fois moins que la situation {baseline_year}")
                };
                let (bq, rq) = (baseline.unwrap_or_default(), result.unwrap_or_default());
                let d = c.emit(
                    "IND007",
                    format!("{ip}.resultat"),
                    format!(
                        "« {} » : résultat de {} pour une situation {baseline_year} de {} ({how}), sans justification",
                        ind.name,
                        rq.to_french(),
                        bq.to_french()
                    ),
                    format!("résultat : {}", rq.to_french()),
                );
                d.related(
                    format!("{ip}.situation_precedente"),
                    format!("situation N-1 : {}", bq.to_french()),
                );
                d.hint = Some(format!(
                    "au-delà de {ratio} fois (ou {ratio} fois moins que) la situation N-1, seuil du programme, l'écart s'explique : nouveau périmètre, changement de mode de calcul, montée en charge ; vérifiez aussi que {} et {} comptent la même chose",
                    bq.to_french(),
                    rq.to_french()
                ));
            }
        }
    }
}

/// "−339, −32,0 %".
fn change(from: Quantity, to: Quantity) -> String {
    let diff = to.hundredths() - from.hundredths();
    let sign = if diff < 0 { "−" } else { "+" };
    let abs = Quantity::from_hundredths(diff.abs());
    if from.hundredths() == 0 {
        return format!("{sign}{}", abs.to_french());
    }
    let per_mille = (i128::from(diff.abs()) * 2000 / i128::from(from.hundredths().abs()) + 1) / 2;
    format!("{sign}{}, {sign}{},{} %", abs.to_french(), per_mille / 10, per_mille % 10)
}

/// IND006: two indicators of one action with the same values.
pub(super) fn check_copies(c: &mut Checker<'_>, path: &str, a: &Action) {
    for (j, later) in a.indicators.iter().enumerate() {
        let values = [&later.baseline, &later.target, &later.result];
        let figures: Vec<Quantity> =
            values.iter().filter_map(|v| v.as_ref().and_then(IndicatorValue::figure)).collect();
        // Small counts coincide by chance; three-digit figures copied together do not.
        if figures.len() < 2 || figures.iter().all(|q| q.hundredths() < 10_000) {
            continue;
        }
        let Some(i) = a.indicators[..j].iter().position(|earlier| {
            norm(&earlier.name) != norm(&later.name)
                && earlier.baseline == later.baseline
                && earlier.target == later.target
                && earlier.result == later.result
        }) else {
            continue;
        };
        let shown = values
            .iter()
            .map(|v| v.as_ref().map_or("—".to_string(), IndicatorValue::to_french))
            .collect::<Vec<_>>()
            .join(" / ");
        let d = c.emit(
            "IND006",
            format!("{path}.indicateurs[{j}]"),
            format!(
                "« {} » porte exactement les valeurs de « {} » ({shown})",
                later.name, a.indicators[i].name
            ),
            "valeurs recopiées ?".into(),
        );
        d.related(format!("{path}.indicateurs[{i}]"), format!("mêmes valeurs : {shown}"));
        d.hint = Some(format!(
            "situation N-1, cible et résultat identiques ({shown}) pour deux indicateurs différents : une ligne a sans doute été recopiée de l'autre"
        ));
    }
}

/// Last year's result for the same indicator: same action number and name, else the
/// same name anywhere in the report.
fn previous_result(prev: &bilan_domain::Report, action: &Action, k: usize) -> Option<Quantity> {
    let ind = &action.indicators[k];
    let name = norm(&ind.name);
    let same = |i: &&Indicator| norm(&i.name) == name;
    // An action may repeat a title (one row per market, per public…): the n-th row of a
    // title matches last year's n-th row of that title.
    let nth = action.indicators[..k].iter().filter(same).count();
    let found = prev
        .action(&action.number)
        .and_then(|(_, _, a)| a.indicators.iter().filter(same).nth(nth))
        .or_else(|| prev.actions().flat_map(|(_, _, _, a)| a.indicators.iter()).find(same))?;
    found.result.as_ref().and_then(IndicatorValue::figure)
}

/// IND008: a measure linked to the reference data (`code`) that does not report one of its
/// catalogue indicators of the year (by `code`, in any of its actions). Measures without a
/// code (files written before the catalogue) are not judged, nor is any report checked
/// without its programme.
pub(super) fn check_catalogue(c: &mut Checker<'_>) {
    let Some(programme) = c.programme() else { return };
    let report = c.report;
    for (mi, m) in report.measures.iter().enumerate() {
        let Some(measure) = m.code.as_deref().and_then(|code| programme.measure(code)) else { continue };
        let reported = |code: &str| {
            m.actions.iter().flat_map(|a| &a.indicators).any(|i| i.code.as_deref() == Some(code))
        };
        let missing: Vec<&bilan_domain::CatalogueIndicator> =
            programme.indicators_of(&measure.code, report.year).filter(|i| !reported(&i.code)).collect();
        if missing.is_empty() {
            continue;
        }
        let list: Vec<String> = missing.iter().map(|i| format!("{} « {} »", i.code, i.title)).collect();
        let noun = if missing.len() == 1 { "l'indicateur national" } else { "les indicateurs nationaux" };
        let d = c.emit(
            "IND008",
            format!("mesures[{mi}]"),
            format!(
                "la mesure {} « {} » ({}) ne renseigne pas {noun} {}",
                m.number,
                m.title,
                measure.code,
                list.join(", ")
            ),
            format!(
                "{} indicateur{} du catalogue {} absent{}",
                missing.len(),
                if missing.len() > 1 { "s" } else { "" },
                report.year,
                if missing.len() > 1 { "s" } else { "" }
            ),
        );
        d.hint = Some(format!(
            "ajoutez à l'une de ses actions un indicateur portant code = \"{}\" (avec sa valeur, ou « ND » et une justification)",
            missing[0].code
        ));
    }
}
