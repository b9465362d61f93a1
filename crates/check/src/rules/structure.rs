//! Numbering and references (NUM, BUD012).

use std::collections::HashMap;

use bilan_domain::MeasureKind;

use super::{action_path, Checker};

pub(super) fn check(c: &mut Checker<'_>) {
    let report = c.report;
    // Printed numbers against positions: core measures are "1.k", local ones "2.k".
    let mut per_kind: HashMap<bool, usize> = HashMap::new();
    for (mi, m) in report.measures.iter().enumerate() {
        let core = m.kind == MeasureKind::Core;
        let k = per_kind.entry(core).or_insert(0);
        *k += 1;
        let expected = format!("{}.{}", if core { 1 } else { 2 }, k);
        if m.number != expected {
            c.emit(
                "NUM001",
                format!("mesures[{mi}].numero"),
                format!(
                    "la mesure « {} » est numérotée {} alors qu'elle est en position {expected}",
                    m.title, m.number
                ),
                format!("attendu : {expected}"),
            );
        }
        // Part 2 measures may be their own single action ("2.1"): accept that form too.
        for (ai, a) in m.actions.iter().enumerate() {
            let expected_action = format!("{}.{}", m.number, ai + 1);
            let single = m.actions.len() == 1 && a.number == m.number;
            if a.number != expected_action && !single {
                c.emit(
                    "NUM001",
                    format!("{}.numero", action_path(mi, ai)),
                    format!(
                        "l'action « {} » est numérotée {} alors qu'elle est la {} action de la mesure {}",
                        a.title,
                        a.number,
                        ordinal(ai + 1),
                        m.number
                    ),
                    format!("attendu : {expected_action}"),
                )
                .hint = Some("les documents générés numérotent les sections d'après leur position".into());
            }
        }
    }

    // Duplicate action numbers and expense ids.
    let mut seen_actions: HashMap<&str, String> = HashMap::new();
    let mut seen_ids: HashMap<&str, String> = HashMap::new();
    for (mi, _, ai, a) in report.actions() {
        let path = action_path(mi, ai);
        if let Some(first) = seen_actions.insert(a.number.as_str(), path.clone()) {
            c.emit(
                "NUM002",
                format!("{path}.numero"),
                format!("le numéro d'action {} est déjà utilisé", a.number),
                "numéro en double".into(),
            )
            .related(format!("{first}.numero"), "première occurrence".into());
        }
        for (li, line) in a.expenses.iter().enumerate() {
            if line.id.is_empty() {
                continue;
            }
            let lp = format!("{path}.depenses[{li}]");
            if let Some(first) = seen_ids.insert(line.id.as_str(), lp.clone()) {
                c.emit(
                    "NUM002",
                    format!("{lp}.id"),
                    format!("l'identifiant de dépense « {} » est déjà utilisé", line.id),
                    "identifiant en double".into(),
                )
                .related(format!("{first}.id"), "première occurrence".into());
            }
        }
    }

    // References: budget_commun_avec and execution lines' `depense`.
    for (mi, _, ai, a) in report.actions() {
        let path = action_path(mi, ai);
        if let Some(other) = &a.budget_shared_with {
            if report.action(other).is_none() || other == &a.number {
                c.emit(
                    "BUD012",
                    format!("{path}.budget_commun_avec"),
                    format!("« {other} » ne désigne aucune autre action du rapport"),
                    "action inconnue".into(),
                );
            }
        }
        if let Some(ex) = &a.executed {
            for (li, line) in ex.lines.iter().enumerate() {
                if let Some(id) = &line.expense {
                    if !a.expenses.iter().any(|e| &e.id == id) {
                        c.emit(
                            "BUD012",
                            format!("{path}.execution.lignes[{li}].depense"),
                            format!("« {id} » ne désigne aucune ligne de dépense de l'action {}", a.number),
                            "ligne inconnue".into(),
                        );
                    }
                }
            }
        }
    }
}

fn ordinal(n: usize) -> String {
    if n == 1 {
        "1re".to_string()
    } else {
        format!("{n}e")
    }
}
