//! Narrative against tables (NAR): figures the prose restates from the tables.
//!
//! Only clear restatements are compared: an amount right after "budget total" or
//! "crédits consommés", a count of people whose words name exactly one counted indicator
//! of the same action, a percentage in parentheses right after its count. Anything else
//! in the prose is left alone.

use bilan_domain::{figure, Action, IndicatorValue, Money, Quantity};

use super::Checker;
use crate::hints;
use crate::narrative::{as_year, phrase_after, same_word, stems, tokens, Token, Unit};

/// Which table figure a phrase of the prose announces.
#[derive(Clone, Copy, PartialEq)]
enum Restates {
    Forecast,
    Committed,
    Spent,
    CarryOver,
}

const ANNOUNCES: &[(&[&str], Restates)] = &[
    (&["budget", "total"], Restates::Forecast),
    (&["budget", "global"], Restates::Forecast),
    (&["budget", "previsionnel"], Restates::Forecast),
    (&["montant", "total"], Restates::Forecast),
    (&["credits", "engages"], Restates::Committed),
    (&["credits", "consommes"], Restates::Spent),
    (&["report", "demande"], Restates::CarryOver),
];

/// Amounts announced by a key phrase: (what, amount, its text).
fn announced(text: &str) -> Vec<(Restates, Money, &str)> {
    let toks = tokens(text);
    let mut out = Vec::new();
    for i in 0..toks.len() {
        // Every key phrase starts with a word in b, c, m or r: most words are none of them.
        let Some(Token::Word(first)) = toks.get(i) else { continue };
        if !matches!(first.as_bytes()[0].to_ascii_lowercase(), b'b' | b'c' | b'm' | b'r') {
            continue;
        }
        for (words, what) in ANNOUNCES {
            let matches = words
                .iter()
                .enumerate()
                .all(|(k, w)| matches!(toks.get(i + k), Some(Token::Word(x)) if same_word(x, w)));
            if !matches {
                continue;
            }
            // The amount follows within a few words, a year, a colon or an equals sign.
            for t in toks.iter().skip(i + words.len()).take(7) {
                match t {
                    Token::Number { hundredths, unit: Unit::Euro, start, end, .. } => {
                        out.push((*what, Money::from_cents(*hundredths), &text[*start..*end]));
                        break;
                    }
                    Token::Word(_) | Token::Break(':' | '=') => {}
                    t if as_year(t).is_some() => {}
                    _ => break,
                }
            }
        }
    }
    out
}

pub(super) fn check_action(c: &mut Checker<'_>, path: &str, a: &Action) {
    amounts(c, path, a);
    // The bilan is read once for both rules that use it.
    let text = &a.execution_review;
    let wants_counts = a.indicators.iter().any(|i| is_counted(&i.name));
    let wants_percentages = text.contains('%');
    if text.trim().is_empty() || !(wants_counts || wants_percentages) {
        return;
    }
    let toks = tokens(text);
    if wants_counts {
        counts(c, path, a, &toks);
    }
    if wants_percentages {
        percentages(c, path, a, &toks);
    }
}

/// NAR001: amounts the prose restates.
fn amounts(c: &mut Checker<'_>, path: &str, a: &Action) {
    // Most actions state no amount in their prose: nothing to prepare for them.
    let euro = |t: &str| t.contains('€');
    if !euro(&a.budget_comment)
        && !a.forecast.as_ref().is_some_and(|f| euro(&f.comment))
        && !a.executed.as_ref().is_some_and(|e| euro(&e.comment))
    {
        return;
    }
    let f = a.forecast.clone().unwrap_or_default();
    let ex = a.executed.clone().unwrap_or_default();
    let lines_sum = |pick: fn(&bilan_domain::ExecutedLine) -> Option<Money>| {
        let v: Vec<Money> = ex.lines.iter().filter_map(pick).collect();
        (!v.is_empty()).then(|| Money::sum(v))
    };
    let committed = figure(&ex.committed).or_else(|| lines_sum(|l| figure(&l.committed)));
    let spent = figure(&ex.spent).or_else(|| lines_sum(|l| figure(&l.spent)));
    let carry = figure(&ex.carry_over).or_else(|| lines_sum(|l| figure(&l.carry_over)));
    let forecast: Vec<Money> = [figure(&f.total), f.shares_total()].into_iter().flatten().collect();

    let fields: [(&str, &str, &[Restates]); 3] = [
        ("budget_commentaire", &a.budget_comment, &[Restates::Forecast]),
        ("prevision.commentaire", &f.comment, &[Restates::Forecast]),
        ("execution.commentaire", &ex.comment, &[Restates::Committed, Restates::Spent, Restates::CarryOver]),
    ];
    for (key, text, kinds) in fields {
        if !text.contains('€') {
            continue;
        }
        for (what, amount, focus) in announced(text) {
            if !kinds.contains(&what) {
                continue;
            }
            let (table, name, table_path): (Vec<Money>, &str, String) = match what {
                Restates::Forecast => {
                    (forecast.clone(), "le budget prévisionnel", format!("{path}.prevision"))
                }
                Restates::Committed => {
                    (committed.into_iter().collect(), "les crédits engagés", format!("{path}.execution"))
                }
                Restates::Spent => {
                    (spent.into_iter().collect(), "les crédits consommés", format!("{path}.execution"))
                }
                Restates::CarryOver => {
                    (carry.into_iter().collect(), "le report demandé", format!("{path}.execution"))
                }
            };
            let Some(&shown) = table.first() else { continue };
            if table.contains(&amount) {
                continue;
            }
            let hint = explain_amount(c, a, amount, shown);
            let d = c.emit(
                "NAR001",
                format!("{path}.{key}"),
                format!(
                    "action {} : le texte annonce {}, le tableau donne {} pour {name} (écart de {})",
                    a.number,
                    amount.to_french(),
                    shown.to_french(),
                    amount.sub(shown).abs().to_french()
                ),
                format!("texte : {}", amount.to_french()),
            );
            d.related(table_path, format!("tableau : {}", shown.to_french()));
            d.focus = Some(focus.to_string());
            d.hint = hint;
        }
    }
}

/// What an amount of the prose is, when it is another figure of the report.
fn explain_amount(c: &Checker<'_>, a: &Action, amount: Money, shown: Money) -> Option<String> {
    let mut found = Vec::new();
    if let Some(f) = &a.forecast {
        for (share, other, name, other_name) in [
            (figure(&f.state_share), figure(&f.department_share), "la part État", "la part CD"),
            (figure(&f.department_share), figure(&f.state_share), "la part CD", "la part État"),
        ] {
            if let (Some(s), Some(o)) = (share, other) {
                if s.add(s) == amount && o != s {
                    found.push(format!(
                        "{} = 2 × {name} ({}) : {other_name} déclarée ({}) en diffère de {}",
                        amount.to_french(),
                        s.to_french(),
                        o.to_french(),
                        o.sub(s).abs().to_french()
                    ));
                    break;
                }
            }
        }
    }
    for (_, _, _, other) in c.report.actions() {
        if other.number == a.number {
            continue;
        }
        if let Some(f) = &other.forecast {
            if f.shares_total() == Some(amount) || figure(&f.total) == Some(amount) {
                found.push(format!(
                    "{} est le budget prévisionnel de l'action {} : montant recopié d'une autre action ?",
                    amount.to_french(),
                    other.number
                ));
                break;
            }
        }
    }
    if found.is_empty() {
        return Some(hints::transposition(amount, shown).unwrap_or_else(|| {
            format!(
                "le texte doit reprendre le chiffre du tableau : corrigez {} ou {}",
                amount.to_french(),
                shown.to_french()
            )
        }));
    }
    Some(found.join(" ; "))
}

fn is_counted(name: &str) -> bool {
    // "Nb", "Nbre", "Nombre" as the first word.
    let first = name.trim_start().split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    ["nb", "nbre", "nombre"].iter().any(|w| same_word(first, w))
}

/// NAR002: a count of people in the bilan that names one counted indicator.
fn counts(c: &mut Checker<'_>, path: &str, a: &Action, toks: &[Token<'_>]) {
    let text = &a.execution_review;
    // The counted indicators of the action and their words, once.
    let counted: Vec<(usize, &bilan_domain::Indicator, Vec<String>)> = a
        .indicators
        .iter()
        .enumerate()
        .filter(|(_, ind)| is_counted(&ind.name))
        .map(|(k, ind)| (k, ind, stems(&ind.name)))
        .collect();
    let previous_year = c.report.year - 1;
    for (i, t) in toks.iter().enumerate() {
        let Token::Number { hundredths, decimals: 0, unit: Unit::None, start, end } = t else { continue };
        if as_year(t).is_some() {
            continue;
        }
        let (words, consumed) = phrase_after(toks, i);
        if words.len() < 2 {
            continue;
        }
        // "… en 2018": the figure is last year's.
        if toks.iter().skip(i + 1).take(10).any(|x| as_year(x) == Some(previous_year)) {
            continue;
        }
        let candidates: Vec<(usize, &bilan_domain::Indicator)> = counted
            .iter()
            .filter(|(_, _, s)| words.iter().all(|w| s.contains(w)))
            .map(|(k, ind, _)| (*k, *ind))
            .collect();
        let [(k, ind)] = candidates[..] else { continue };
        let Some(result) = ind.result.as_ref().and_then(IndicatorValue::figure) else { continue };
        let stated = Quantity::from_hundredths(*hundredths);
        let elsewhere = [&ind.baseline, &ind.target]
            .into_iter()
            .any(|v| v.as_ref().and_then(IndicatorValue::figure) == Some(stated));
        if stated == result || elsewhere {
            continue;
        }
        let focus = focus_words(text, *start, *end, consumed);
        let mut hint =
            format!("le tableau des indicateurs donne {} pour « {} »", result.to_french(), ind.name);
        if let Some(IndicatorValue::Breakdown { parts, .. }) = &ind.result {
            if !parts.is_empty() {
                let list = parts
                    .iter()
                    .map(|p| format!("{} ({})", p.value.to_french(), p.territory))
                    .collect::<Vec<_>>()
                    .join(" + ");
                hint.push_str(&format!(" = {list}"));
            }
        }
        hint.push_str(&format!(
            " : corrigez {} dans le texte, ou le résultat dans le tableau",
            stated.to_french()
        ));
        let d = c.emit(
            "NAR002",
            format!("{path}.bilan"),
            format!(
                "action {} : le bilan annonce « {focus} », le tableau des indicateurs donne {} (écart de {})",
                a.number,
                result.to_french(),
                Quantity::from_hundredths((result.hundredths() - stated.hundredths()).abs()).to_french()
            ),
            format!("texte : {}", stated.to_french()),
        );
        d.related(format!("{path}.indicateurs[{k}].resultat"), format!("tableau : {}", result.to_french()));
        d.focus = Some(focus);
        d.hint = Some(hint);
    }
}

/// The figure and the `words` words after it, as written.
fn focus_words(text: &str, start: usize, end: usize, words: usize) -> String {
    let mut out = text[start..end].to_string();
    let mut rest = text[end..].split_whitespace();
    for _ in 0..words {
        match rest.next() {
            Some(w) => {
                out.push(' ');
                out.push_str(w.trim_end_matches([',', '.', ';', ':', '(', ')']));
            }
            None => break,
        }
    }
    out
}

/// NAR003: "(P %)" right after a count must be that count over a number stated before.
fn percentages(c: &mut Checker<'_>, path: &str, a: &Action, toks: &[Token<'_>]) {
    let text = &a.execution_review;
    let plain = |t: &Token| match t {
        Token::Number { hundredths, decimals: 0, unit: Unit::None, .. }
            if as_year(t).is_none() && *hundredths > 0 =>
        {
            Some(*hundredths)
        }
        _ => None,
    };
    for (p, t) in toks.iter().enumerate() {
        let Token::Number { hundredths: pct, decimals, unit: Unit::Percent, start, end } = t else {
            continue;
        };
        let opens = match (p.checked_sub(1).map(|i| &toks[i]), p.checked_sub(2).map(|i| &toks[i])) {
            (Some(Token::Break('(')), _) => true,
            (Some(Token::Word(w)), Some(Token::Break('('))) => same_word(w, "soit"),
            _ => false,
        };
        if !opens {
            continue;
        }
        // The count: the last plain figure before, on the same line and sentence.
        let mut count = None;
        for q in (0..p).rev() {
            match &toks[q] {
                Token::Break('\n' | '.' | ';') => break,
                x => {
                    if let Some(v) = plain(x) {
                        count = Some((q, v));
                        break;
                    }
                }
            }
        }
        let Some((q, x)) = count else { continue };
        let bases: Vec<i64> = toks[..q].iter().filter_map(plain).filter(|b| *b > x).collect();
        if bases.is_empty() {
            continue;
        }
        // |100·x/b − pct| ≤ half a unit of the last printed decimal.
        let scale: i128 = match decimals {
            0 => 1,
            1 => 10,
            _ => 100,
        };
        let gives = |b: i64| {
            // |100·x/b − pct/100| ≤ 1/(2·scale), multiplied out by 200·b·scale.
            let lhs = i128::from(x) * 20_000 * scale;
            let rhs = i128::from(*pct) * i128::from(b) * 2 * scale;
            (lhs - rhs).abs() <= i128::from(b) * 100
        };
        if bases.iter().any(|b| gives(*b)) {
            continue;
        }
        let nearest = *bases.last().unwrap_or(&x);
        let computed = i128::from(x) * 10_000 / i128::from(nearest).max(1);
        let computed = Quantity::from_hundredths(i64::try_from(computed).unwrap_or(0));
        let stated = Quantity::from_hundredths(*pct);
        let xq = Quantity::from_hundredths(x);
        let nq = Quantity::from_hundredths(nearest);
        let d = c.emit(
            "NAR003",
            format!("{path}.bilan"),
            format!(
                "action {} : « {} % » après {} ne correspond à aucun des nombres cités avant ({} / {} = {} %)",
                a.number,
                stated.to_french(),
                xq.to_french(),
                xq.to_french(),
                nq.to_french(),
                computed.to_french()
            ),
            format!("texte : {} %", stated.to_french()),
        );
        d.focus = Some(text[*start..*end].to_string());
        d.hint = Some(format!(
            "{} rapporté à {} donne {} %, pas {} % : corrigez le pourcentage ou l'effectif",
            xq.to_french(),
            nq.to_french(),
            computed.to_french(),
            stated.to_french()
        ));
    }
}

#[cfg(test)]
mod announce_tests {
    use super::*;

    /// `announced` skips every word that does not start with one of these letters.
    #[test]
    fn key_phrases_start_with_the_letters_looked_for() {
        for (words, _) in ANNOUNCES {
            assert!(matches!(words[0].as_bytes()[0], b'b' | b'c' | b'm' | b'r'), "{words:?}");
        }
    }
}
