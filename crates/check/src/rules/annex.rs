//! The financial annex: subtotals, total, State revenue, group membership.

use std::collections::HashMap;

use bilan_domain::{figure, Action, AnnexTotals, ExpenseLine, Money};

use super::{action_path, Checker};

type Pick = fn(&ExpenseLine) -> Option<Money>;
type PickTotal = fn(&AnnexTotals) -> Option<Money>;

const COLUMNS: [(&str, &str, Pick, PickTotal); 3] = [
    ("inscrit", "le montant inscrit", |e| figure(&e.planned), |t| figure(&t.planned)),
    ("realise", "le montant réalisé", |e| figure(&e.spent), |t| figure(&t.spent)),
    ("report", "le montant à reporter", |e| figure(&e.carry_over), |t| figure(&t.carry_over)),
];

fn normalise(s: &str) -> String {
    s.to_lowercase().replace(['’', '\''], "'").split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn check(c: &mut Checker<'_>) {
    let report = c.report;
    let annex = &report.annex;
    if annex.groups.is_empty() {
        return;
    }

    // Group membership.
    let mut owner: HashMap<&str, usize> = HashMap::new();
    let mut group_actions: Vec<Vec<&Action>> = Vec::new();
    for (gi, g) in annex.groups.iter().enumerate() {
        let mut actions = Vec::new();
        for (k, number) in g.actions.iter().enumerate() {
            match report.action(number) {
                None => {
                    c.emit(
                        "ANX006",
                        format!("annexe.groupes[{gi}].actions[{k}]"),
                        format!(
                            "le groupe « {} » cite l'action {number}, qui n'existe pas dans le rapport",
                            g.label
                        ),
                        "action inconnue".into(),
                    );
                }
                Some((_, _, a)) => {
                    if let Some(first) = owner.insert(number.as_str(), gi) {
                        c.emit(
                            "ANX006",
                            format!("annexe.groupes[{gi}].actions[{k}]"),
                            format!(
                                "l'action {number} figure déjà dans le groupe « {} » : ses lignes seraient comptées deux fois",
                                annex.groups[first].label
                            ),
                            "action en double".into(),
                        );
                    } else {
                        actions.push(a);
                    }
                }
            }
        }
        group_actions.push(actions);
    }
    for (mi, _, ai, a) in report.actions() {
        if !a.expenses.is_empty() && !owner.contains_key(a.number.as_str()) {
            c.emit(
                "ANX006",
                format!("{}.depenses", action_path(mi, ai)),
                format!(
                    "les lignes de dépense de l'action {} ne figurent dans aucun groupe de l'annexe",
                    a.number
                ),
                "hors annexe".into(),
            )
            .hint = Some("ajoutez le numéro de l'action à la liste `actions` d'un groupe de l'annexe".into());
        }
    }

    // Subtotals and State revenue per group.
    let mut revenue_sum = Money::ZERO;
    let mut revenue_terms = 0;
    for (gi, g) in annex.groups.iter().enumerate() {
        let gp = format!("annexe.groupes[{gi}]");
        let lines: Vec<&ExpenseLine> = group_actions[gi].iter().flat_map(|a| a.expenses.iter()).collect();
        if let Some(sub) = &g.subtotal {
            for (key, what, pick, declared) in COLUMNS {
                let Some(declared) = declared(sub) else { continue };
                let computed = Money::sum(lines.iter().filter_map(|e| pick(e)));
                let terms = c.rounded_terms(lines.len() + 1);
                c.mismatch(
                    "ANX001",
                    format!("{gp}.sous_total.{key}"),
                    &format!("le sous-total « {} » ({what})", g.label),
                    declared,
                    "la somme de ses lignes",
                    computed,
                    terms,
                );
            }
        }
        if let Some(rev) = figure(&g.state_revenue) {
            revenue_sum = revenue_sum.add(rev);
            revenue_terms += 1;
            let shares: Vec<Money> = group_actions[gi]
                .iter()
                .filter_map(|a| a.forecast.as_ref().and_then(|f| figure(&f.state_share)))
                .collect();
            if !shares.is_empty() {
                let terms = c.rounded_terms(1);
                c.mismatch(
                    "ANX003",
                    format!("{gp}.recette_etat"),
                    &format!("la recette État du groupe « {} »", g.label),
                    rev,
                    "la somme des parts État de ses actions",
                    Money::sum(shares),
                    terms,
                );
            }
        }
        if !g.subtotal_label.is_empty() && !normalise(&g.subtotal_label).contains(&normalise(&g.label)) {
            let other = annex
                .groups
                .iter()
                .enumerate()
                .find(|(oi, o)| *oi != gi && normalise(&g.subtotal_label).contains(&normalise(&o.label)));
            let d = c.emit(
                "ANX005",
                format!("{gp}.intitule_sous_total"),
                format!("le sous-total du groupe « {} » est intitulé « {} »", g.label, g.subtotal_label),
                "intitulé d'un autre groupe".into(),
            );
            d.related(format!("{gp}.intitule"), "intitulé du groupe".into());
            if let Some((oi, o)) = other {
                d.related(format!("annexe.groupes[{oi}].intitule"), format!("groupe « {} »", o.label));
                d.hint = Some(format!("intitulé sans doute copié du groupe « {} »", o.label));
            }
        }
    }

    // The grand total.
    if let Some(total) = &annex.total {
        let all: Vec<&ExpenseLine> = group_actions.iter().flatten().flat_map(|a| a.expenses.iter()).collect();
        for (key, what, pick, declared) in COLUMNS {
            let Some(declared) = declared(total) else { continue };
            let computed = Money::sum(all.iter().filter_map(|e| pick(e)));
            let terms = c.rounded_terms(all.len() + 1);
            c.mismatch(
                "ANX002",
                format!("annexe.total.{key}"),
                &format!("le montant total de l'annexe ({what})"),
                declared,
                "la somme de ses lignes",
                computed,
                terms,
            );
        }
        if let (Some(declared), true) = (figure(&total.state_revenue), revenue_terms > 0) {
            let terms = c.rounded_terms(revenue_terms + 1);
            c.mismatch(
                "ANX004",
                "annexe.total.recette_etat".into(),
                "la recette État totale",
                declared,
                "la somme des recettes État des groupes",
                revenue_sum,
                terms,
            );
        }
    }
}
