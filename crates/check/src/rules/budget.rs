//! Section 5 of each action: forecast, execution, and their agreement with the annex.

use bilan_domain::{figure, Action, Amount, ExecutedLine, Money};

use super::Checker;
use crate::{formula, hints};

/// A figure and the field it was read from (or computed over).
#[derive(Clone)]
struct Figure {
    value: Money,
    path: String,
}

fn sum_some(items: impl Iterator<Item = Option<Money>>) -> (Option<Money>, usize) {
    let mut total: Option<Money> = None;
    let mut n = 0;
    for m in items.flatten() {
        total = Some(total.unwrap_or(Money::ZERO).add(m));
        n += 1;
    }
    (total, n)
}

/// A body figure: the declared total if printed, else the sum of the table's lines.
fn body_figure(
    path: &str,
    declared: &Option<Amount>,
    key: &str,
    lines: &[ExecutedLine],
    pick: fn(&ExecutedLine) -> &Option<Amount>,
) -> Option<Figure> {
    if let Some(m) = figure(declared) {
        return Some(Figure { value: m, path: format!("{path}.execution.{key}") });
    }
    let (sum, n) = sum_some(lines.iter().map(|l| figure(pick(l))));
    sum.filter(|_| n > 0).map(|value| Figure { value, path: format!("{path}.execution.lignes") })
}

pub(super) fn check_action(c: &mut Checker<'_>, path: &str, a: &Action) {
    let max_pct = c.programme().map_or(50, |p| p.max_state_share_percent);

    // 5.1 forecast.
    let f = a.forecast.clone().unwrap_or_default();
    let state = figure(&f.state_share);
    let dept = figure(&f.department_share);
    let declared_total = figure(&f.total);
    if let (Some(s), Some(d), Some(t)) = (state, dept, declared_total) {
        if let Some(diag) = c.mismatch(
            "BUD001",
            format!("{path}.prevision.total"),
            "le total prévisionnel déclaré",
            t,
            "la somme des parts État et CD",
            s.add(d),
            0,
        ) {
            diag.related(format!("{path}.prevision.part_etat"), format!("part État : {}", s.to_french()))
                .related(format!("{path}.prevision.part_cd"), format!("part CD : {}", d.to_french()));
            if t == s || t == d {
                diag.hint_if_none(Some("le total ne compte qu'une des deux parts".into()));
            }
        }
    }
    if let (Some(s), Some(d)) = (state, dept) {
        let whole = s.add(d);
        // s / (s + d) > max_pct %, in integers.
        if i128::from(s.cents()) * 100 > i128::from(whole.cents()) * i128::from(max_pct) {
            c.emit(
                "BUD002",
                format!("{path}.prevision.part_etat"),
                format!(
                    "la part État ({}) dépasse {max_pct} % du budget de l'action : la part CD ({}) doit être au moins égale",
                    s.to_french(),
                    d.to_french()
                ),
                format!("part État : {}", s.to_french()),
            )
            .related(format!("{path}.prevision.part_cd"), format!("part CD : {}", d.to_french()));
        }
    }
    // The consistent figure: a declared total that is the shares' sum with two digits
    // swapped (BUD001 says so) is not the one to measure the rest against.
    let swapped_total = match (declared_total, f.shares_total()) {
        (Some(t), Some(sum)) if t != sum && hints::transposition(t, sum).is_some() => Some((t, sum)),
        _ => None,
    };
    let consistent_note = swapped_total.map(|(t, sum)| {
        format!(
            "mesuré sur la somme des parts ({}) et non sur le total déclaré ({}), dont deux chiffres sont intervertis",
            sum.to_french(),
            t.to_french()
        )
    });
    let forecast_total = match swapped_total {
        Some((_, sum)) => Some(sum),
        None => declared_total.or(f.shares_total()),
    };
    if forecast_total.is_none() && a.budget_shared_with.is_none() {
        c.emit(
            "BUD011",
            format!("{path}.prevision"),
            format!(
                "l'action {} ne rappelle pas son budget prévisionnel (part État, part CD, total)",
                a.number
            ),
            "budget prévisionnel absent".into(),
        )
        .hint =
            Some("si le budget est porté par une autre action, indiquez-la avec `budget_commun_avec`".into());
    }
    let forecast_path = if swapped_total.is_some() {
        format!("{path}.prevision")
    } else if declared_total.is_some() {
        format!("{path}.prevision.total")
    } else {
        format!("{path}.prevision")
    };

    // The annex lines of this action.
    let (annex_planned, n_planned) = sum_some(a.expenses.iter().map(|e| figure(&e.planned)));
    let (annex_spent, n_spent) = sum_some(a.expenses.iter().map(|e| figure(&e.spent)));
    let (annex_carry, n_carry) = sum_some(a.expenses.iter().map(|e| figure(&e.carry_over)));
    if let (Some(total), Some(planned)) = (forecast_total, annex_planned) {
        let terms = c.rounded_terms(n_planned);
        let what = if swapped_total.is_some() {
            "la somme des parts du budget prévisionnel"
        } else {
            "le budget prévisionnel"
        };
        if let Some(d) = c.mismatch(
            "BUD003",
            forecast_path.clone(),
            what,
            total,
            "la somme des montants inscrits dans l'annexe",
            planned,
            terms,
        ) {
            d.related(format!("{path}.depenses"), format!("annexe : {}", planned.to_french()));
            if d.severity != crate::Severity::Info {
                if let Some(note) = &consistent_note {
                    d.hint = Some(note.clone());
                }
            }
        }
    }

    // BUD014: the State's cap measured on the annex lines the action lists.
    if let (Some(s), Some(planned)) = (state, annex_planned) {
        let shares_ok = dept.is_none_or(|d| {
            i128::from(s.cents()) * 100 <= i128::from(s.add(d).cents()) * i128::from(max_pct)
        });
        let tolerance = i64::try_from(c.rounded_terms(n_planned)).unwrap_or(0).saturating_mul(50);
        let ceiling = i128::from(planned.cents().saturating_add(tolerance)) * i128::from(max_pct);
        if shares_ok && planned > Money::ZERO && i128::from(s.cents()) * 100 > ceiling {
            let allowed = Money::from_cents(
                i64::try_from(i128::from(planned.cents()) * i128::from(max_pct) / 100).unwrap_or(i64::MAX),
            );
            let pct = i128::from(s.cents()) * 1000 / i128::from(planned.cents()).max(1);
            let pct = format!("{},{}", pct / 10, pct % 10);
            let d = c.emit(
                "BUD014",
                format!("{path}.prevision.part_etat"),
                format!(
                    "la part État de l'action {} ({}) dépasse {max_pct} % des lignes de l'annexe qu'elle liste ({}) : l'État en financerait {pct} %",
                    a.number,
                    s.to_french(),
                    planned.to_french()
                ),
                format!("part État : {}", s.to_french()),
            );
            d.related(format!("{path}.depenses"), format!("annexe : {}", planned.to_french()));
            let mut hint = format!(
                "avec ces lignes, la part État est d'au plus {} ({max_pct} % de {})",
                allowed.to_french(),
                planned.to_french()
            );
            if let Some(total) = forecast_total.filter(|t| *t > planned) {
                hint.push_str(&format!(
                    " ; le budget prévisionnel ({}) compte {} de plus que l'annexe : ajoutez la ligne manquante ou réduisez la part État",
                    total.to_french(),
                    total.sub(planned).to_french()
                ));
            }
            d.hint = Some(hint);
        }
    }

    // 5.2 execution as stated in the body.
    let ex = a.executed.clone().unwrap_or_default();
    let body_committed = body_figure(path, &ex.committed, "engage", &ex.lines, |l| &l.committed);
    let body_spent = body_figure(path, &ex.spent, "consomme", &ex.lines, |l| &l.spent);
    let body_carry = body_figure(path, &ex.carry_over, "report", &ex.lines, |l| &l.carry_over);

    // BUD009: a declared total next to its lines.
    for (key, declared, pick) in [
        ("engage", &ex.committed, (|l: &ExecutedLine| &l.committed) as fn(&ExecutedLine) -> &Option<Amount>),
        ("consomme", &ex.spent, |l: &ExecutedLine| &l.spent),
        ("report", &ex.carry_over, |l: &ExecutedLine| &l.carry_over),
    ] {
        let (lines_sum, n) = sum_some(ex.lines.iter().map(|l| figure(pick(l))));
        if let (Some(total), Some(sum)) = (figure(declared), lines_sum.filter(|_| n > 0)) {
            c.mismatch(
                "BUD009",
                format!("{path}.execution.{key}"),
                "le total déclaré",
                total,
                "la somme des lignes du tableau",
                sum,
                0,
            );
        }
    }

    // BUD004: consumed ≤ committed.
    if let (Some(com), Some(sp)) = (&body_committed, &body_spent) {
        if sp.value > com.value {
            c.emit(
                "BUD004",
                sp.path.clone(),
                format!(
                    "l'action {} déclare {} de crédits consommés pour {} engagés",
                    a.number,
                    sp.value.to_french(),
                    com.value.to_french()
                ),
                format!("consommé : {}", sp.value.to_french()),
            )
            .related(com.path.clone(), format!("engagé : {}", com.value.to_french()));
        }
    }
    for (li, l) in ex.lines.iter().enumerate() {
        if let (Some(com), Some(sp)) = (figure(&l.committed), figure(&l.spent)) {
            if sp > com && ex.lines.len() > 1 {
                c.emit(
                    "BUD004",
                    format!("{path}.execution.lignes[{li}].consomme"),
                    format!(
                        "« {} » : {} consommés pour {} engagés",
                        l.label,
                        sp.to_french(),
                        com.to_french()
                    ),
                    format!("consommé : {}", sp.to_french()),
                );
            }
        }
    }
    for (li, e) in a.expenses.iter().enumerate() {
        if let (Some(com), Some(sp)) = (figure(&e.committed), figure(&e.spent)) {
            if sp > com {
                c.emit(
                    "BUD004",
                    format!("{path}.depenses[{li}].realise"),
                    format!("« {} » : {} réalisés pour {} engagés", e.label, sp.to_french(), com.to_french()),
                    format!("réalisé : {}", sp.to_french()),
                );
            }
        }
    }

    // BUD006 / BUD005 at the action level: the body's figures, else the annex's.
    let spent =
        body_spent.clone().or(annex_spent.map(|v| Figure { value: v, path: format!("{path}.depenses") }));
    let carry =
        body_carry.clone().or(annex_carry.map(|v| Figure { value: v, path: format!("{path}.depenses") }));
    if let (Some(total), Some(sp)) = (forecast_total, &spent) {
        if sp.value > total {
            let d = c.emit(
                "BUD006",
                sp.path.clone(),
                format!(
                    "l'action {} a consommé {} pour un budget prévisionnel de {}{} : dépassement de {}",
                    a.number,
                    sp.value.to_french(),
                    total.to_french(),
                    if swapped_total.is_some() { " (somme des parts)" } else { "" },
                    sp.value.sub(total).to_french()
                ),
                format!("consommé : {}", sp.value.to_french()),
            );
            match (swapped_total, state, dept) {
                (Some((declared, _)), Some(s), Some(dp)) => {
                    d.related(
                        format!("{path}.prevision.part_etat"),
                        format!("part État : {}", s.to_french()),
                    )
                    .related(format!("{path}.prevision.part_cd"), format!("part CD : {}", dp.to_french()))
                    .related(
                        format!("{path}.prevision.total"),
                        format!("total déclaré : {}", declared.to_french()),
                    );
                }
                _ => {
                    d.related(forecast_path.clone(), format!("prévu : {}", total.to_french()));
                }
            }
            d.hint = match &consistent_note {
                Some(note) => Some(format!(
                    "dépassement {note} (le total déclaré donnerait {})",
                    sp.value.sub(declared_total.unwrap_or(total)).max(Money::ZERO).to_french()
                )),
                None => hints::transposition(sp.value, total),
            };
        }
        if let Some(cr) = &carry {
            let remaining = total.sub(sp.value).max(Money::ZERO);
            if cr.value > remaining {
                let d = c.emit(
                    "BUD005",
                    cr.path.clone(),
                    format!(
                        "le report demandé ({}) dépasse les crédits restants de l'action {} ({} prévus − {} consommés = {})",
                        cr.value.to_french(),
                        a.number,
                        total.to_french(),
                        sp.value.to_french(),
                        remaining.to_french()
                    ),
                    format!("report : {}", cr.value.to_french()),
                );
                d.hint = consistent_note.clone();
            }
        }
    }
    for (li, e) in a.expenses.iter().enumerate() {
        let lp = format!("{path}.depenses[{li}]");
        let planned = figure(&e.planned);
        let sp = figure(&e.spent);
        if let (Some(p), Some(s)) = (planned, sp) {
            if s > p {
                let d = c.emit(
                    "BUD006",
                    format!("{lp}.realise"),
                    format!(
                        "« {} » : {} réalisés pour {} inscrits, dépassement de {}",
                        e.label,
                        s.to_french(),
                        p.to_french(),
                        s.sub(p).to_french()
                    ),
                    format!("réalisé : {}", s.to_french()),
                );
                d.related(format!("{lp}.inscrit"), format!("inscrit : {}", p.to_french()));
                d.hint = hints::transposition(s, p);
            }
        }
        if let (Some(p), Some(cr)) = (planned, figure(&e.carry_over)) {
            let remaining = p.sub(sp.unwrap_or(Money::ZERO)).max(Money::ZERO);
            if cr > remaining {
                c.emit(
                    "BUD005",
                    format!("{lp}.report"),
                    format!(
                        "« {} » : report de {} pour {} restant ({} inscrits − {} réalisés)",
                        e.label,
                        cr.to_french(),
                        remaining.to_french(),
                        p.to_french(),
                        sp.unwrap_or(Money::ZERO).to_french()
                    ),
                    format!("report : {}", cr.to_french()),
                );
            }
        }
    }

    // BUD008: body lines linked to an annex line.
    let mut explained_spent = Money::ZERO;
    let mut explained_carry = Money::ZERO;
    for (li, l) in ex.lines.iter().enumerate() {
        let Some(id) = &l.expense else { continue };
        let Some((ei, e)) = a.expenses.iter().enumerate().find(|(_, e)| &e.id == id) else { continue };
        let lp = format!("{path}.execution.lignes[{li}]");
        let ep = format!("{path}.depenses[{ei}]");
        let terms = c.rounded_terms(1);
        for (key, ekey, body, annex, what) in [
            ("consomme", "realise", figure(&l.spent), figure(&e.spent), "le montant consommé"),
            ("report", "report", figure(&l.carry_over), figure(&e.carry_over), "le report"),
            ("engage", "engage", figure(&l.committed), figure(&e.committed), "le montant engagé"),
        ] {
            // A figure on one side only is compared with zero: "-  €" and an empty cell agree.
            if body.is_none() && annex.is_none() {
                continue;
            }
            if key == "engage" && annex.is_none() {
                continue; // annexes seldom show commitments
            }
            let b = body.unwrap_or(Money::ZERO);
            let x = annex.unwrap_or(Money::ZERO);
            let before = c.out.len();
            if let Some(d) = c.mismatch(
                "BUD008",
                format!("{lp}.{key}"),
                &format!("{what} de « {} » dans le corps du rapport", l.label),
                b,
                "celui de sa ligne d'annexe",
                x,
                terms,
            ) {
                d.related(format!("{ep}.{ekey}"), format!("annexe : {}", x.to_french()));
            }
            if c.out.len() > before {
                match key {
                    "consomme" => explained_spent = explained_spent.add(b.sub(x)),
                    "report" => explained_carry = explained_carry.add(b.sub(x)),
                    _ => {}
                }
            }
        }
    }

    // BUD007: body totals against the annex.
    let unlinked: Vec<(&str, Money, Money)> = ex
        .lines
        .iter()
        .filter(|l| l.expense.is_none())
        .map(|l| {
            (
                l.label.as_str(),
                figure(&l.spent).unwrap_or(Money::ZERO),
                figure(&l.carry_over).unwrap_or(Money::ZERO),
            )
        })
        .collect();
    let unmatched_annex: Vec<(&str, Money, Money)> = a
        .expenses
        .iter()
        .filter(|e| !ex.lines.iter().any(|l| l.expense.as_deref() == Some(e.id.as_str()) && !e.id.is_empty()))
        .map(|e| {
            (
                e.label.as_str(),
                figure(&e.spent).unwrap_or(Money::ZERO),
                figure(&e.carry_over).unwrap_or(Money::ZERO),
            )
        })
        .collect();
    for (body, annex, n, explained, what, pick) in [
        (&body_spent, annex_spent, n_spent, explained_spent, "les crédits consommés déclarés", 0usize),
        (&body_carry, annex_carry, n_carry, explained_carry, "le report demandé", 1usize),
    ] {
        let Some(b) = body else { continue };
        if a.expenses.is_empty() {
            continue;
        }
        let x = annex.unwrap_or(Money::ZERO);
        let gap = b.value.sub(x);
        if gap == explained && explained != Money::ZERO {
            continue; // already reported line by line
        }
        let terms = c.rounded_terms(n.max(1));
        let label = format!("{what} pour l'action {}", a.number);
        if let Some(d) =
            c.mismatch("BUD007", b.path.clone(), &label, b.value, "la somme des lignes de l'annexe", x, terms)
        {
            d.related(format!("{path}.depenses"), format!("annexe : {}", x.to_french()));
            let pickf = |t: &(&str, Money, Money)| if pick == 0 { t.1 } else { t.2 };
            let hint = if gap > Money::ZERO {
                hints::matching_line(
                    gap,
                    unlinked.iter().map(|t| (t.0, pickf(t))),
                    ", du corps du rapport, absente de l'annexe",
                    terms,
                )
            } else {
                hints::matching_line(
                    gap,
                    unmatched_annex.iter().map(|t| (t.0, pickf(t))),
                    " de l'annexe, absente du corps du rapport",
                    terms,
                )
            };
            d.hint_if_none(hint);
        }
    }

    vanishing_credits(c, path, a);
    formulas(c, path, a);

    // BUD010: staff-cost details.
    for (li, l) in ex.lines.iter().enumerate() {
        if l.staff_details.is_empty() {
            continue;
        }
        let (sum, _) = sum_some(l.staff_details.iter().map(|s| s.amount.value()));
        let target = figure(&l.spent).or(figure(&l.committed));
        if let (Some(sum), Some(t)) = (sum, target) {
            let key = if figure(&l.spent).is_some() { "consomme" } else { "engage" };
            c.mismatch(
                "BUD010",
                format!("{path}.execution.lignes[{li}].{key}"),
                &format!("le montant de « {} »", l.label),
                t,
                "la somme du détail des frais de personnel",
                sum,
                0,
            );
        }
    }
}

/// Words by which a report says what became of credits it did not spend.
const FATE_WORDS: &[&str] = &[
    "non consomm",
    "non utilis",
    "non dépens",
    "non depens",
    "reliquat",
    "annul",
    "désengag",
    "desengag",
    "solde",
    "restitu",
    "économie",
    "réfaction",
    "refaction",
    "non report",
    "abandon",
];

fn says_what_became(texts: &[&str]) -> bool {
    texts.iter().any(|t| {
        let t = t.to_lowercase();
        FATE_WORDS.iter().any(|w| t.contains(w))
    })
}

/// BUD013: committed − spent − carried over > 0, and not a word about it.
fn vanishing_credits(c: &mut Checker<'_>, path: &str, a: &Action) {
    let Some(ex) = &a.executed else { return };
    // Read the texts only when some credit is unaccounted for (most actions have none).
    let mut said: Option<bool> = None;
    let mut report = |c: &mut Checker<'_>, at: String, what: String, com: Money, sp: Money, cr: Money| {
        let gone = com.sub(sp).sub(cr);
        if gone <= Money::ZERO {
            return;
        }
        let said = *said.get_or_insert_with(|| {
            let mut texts: Vec<&str> = vec![&ex.comment, &a.execution_review, &a.budget_comment];
            texts.extend(a.expenses.iter().map(|e| e.comment.as_str()));
            says_what_became(&texts)
        });
        if said {
            return;
        }
        let d = c.emit(
            "BUD013",
            at,
            format!(
                "{what} : {} engagés, {} consommés, {} reportés : {} ne sont ni consommés ni reportés",
                com.to_french(),
                sp.to_french(),
                cr.to_french(),
                gone.to_french()
            ),
            format!("engagé : {}", com.to_french()),
        );
        d.hint = Some(format!(
            "{} − {} − {} = {} sans emploi : demandez leur report sur N+1, ou dites dans le commentaire d'exécution qu'ils sont annulés",
            com.to_french(),
            sp.to_french(),
            cr.to_french(),
            gone.to_french()
        ));
    };
    if let Some(com) = figure(&ex.committed) {
        let sp =
            figure(&ex.spent).unwrap_or_else(|| Money::sum(ex.lines.iter().filter_map(|l| figure(&l.spent))));
        let cr = figure(&ex.carry_over)
            .unwrap_or_else(|| Money::sum(ex.lines.iter().filter_map(|l| figure(&l.carry_over))));
        report(c, format!("{path}.execution.engage"), format!("action {}", a.number), com, sp, cr);
        return;
    }
    for (li, l) in ex.lines.iter().enumerate() {
        let Some(com) = figure(&l.committed) else { continue };
        let sp = figure(&l.spent).unwrap_or(Money::ZERO);
        let cr = figure(&l.carry_over).unwrap_or(Money::ZERO);
        report(
            c,
            format!("{path}.execution.lignes[{li}].engage"),
            format!("action {}, « {} »", a.number, l.label),
            com,
            sp,
            cr,
        );
    }
}

/// BUD015: a calculation written in a label, evaluated against its amount.
fn formulas(c: &mut Checker<'_>, path: &str, a: &Action) {
    let check = |c: &mut Checker<'_>, at: String, label: &str, amounts: &[Money]| {
        let Some(f) = formula::find(label) else { return };
        let Some(&amount) = amounts.first() else { return };
        let result = Money::from_cents(f.cents);
        if amounts.iter().any(|m| m.sub(result).abs() <= Money::from_cents(100)) {
            return;
        }
        let name = label.rsplit_once(':').map_or(label, |(head, _)| head).trim().trim_end_matches(':').trim();
        let d = c.emit(
            "BUD015",
            at,
            format!(
                "« {name} » : le calcul {} donne {}, le montant déclaré est {} (écart de {})",
                f.text,
                result.to_french(),
                amount.to_french(),
                amount.sub(result).abs().to_french()
            ),
            format!("calcul : {}", result.to_french()),
        );
        let mut hint = match hints::power_of_ten(amount, result) {
            Some(k) => format!(
                "le montant déclaré vaut {k} fois le résultat du calcul ({}) : une virgule déplacée ?",
                result.to_french()
            ),
            None => format!(
                "{} = {} et non {} : vérifiez les termes du calcul ou le montant",
                f.text,
                result.to_french(),
                amount.to_french()
            ),
        };
        if f.months {
            hint.push_str(" ; les mois sont comptés en douzièmes d'un salaire annuel");
        }
        d.hint = Some(hint);
    };
    if let Some(ex) = &a.executed {
        for (li, l) in ex.lines.iter().enumerate() {
            let lp = format!("{path}.execution.lignes[{li}]");
            let amounts: Vec<Money> = [&l.spent, &l.committed].into_iter().filter_map(figure).collect();
            let key = if figure(&l.spent).is_some() { "consomme" } else { "engage" };
            check(c, format!("{lp}.{key}"), &l.label, &amounts);
            for (k, s) in l.staff_details.iter().enumerate() {
                let amounts: Vec<Money> = s.amount.value().into_iter().collect();
                check(c, format!("{lp}.detail_personnel[{k}].montant"), &s.label, &amounts);
            }
        }
    }
    for (li, e) in a.expenses.iter().enumerate() {
        let amounts: Vec<Money> = [&e.planned, &e.spent].into_iter().filter_map(figure).collect();
        let lp = format!("{path}.depenses[{li}]");
        check(c, format!("{lp}.inscrit"), &e.label, &amounts);
        check(c, format!("{lp}.inscrit"), &e.comment, &amounts);
    }
}
