//! French typography shared by every format: amounts, dates, labels, paragraphs.

use bilan_domain::{Amount, Date, Money};

/// No-break space, before ":" and "%" in French.
pub const NBSP: char = '\u{00A0}';

/// What an amount printed blank in the report shows ("Crédits engagés : €").
pub const BLANK_AMOUNT: &str = "—";

/// "Part État : 15 000,00 €": a label, a no-break space, a colon.
pub fn label_value(label: &str, value: &str) -> String {
    format!("{label}{NBSP}: {value}")
}

/// An amount in a table cell: the figure, "—" when printed blank, nothing when absent.
pub fn amount_cell(amount: Option<&Amount>) -> String {
    match amount {
        Some(Amount::Value(m)) => m.to_french(),
        Some(Amount::Blank) => BLANK_AMOUNT.to_string(),
        None => String::new(),
    }
}

/// An amount on its own line: the figure, or "non renseigné".
pub fn amount_text(amount: Option<&Amount>) -> String {
    match amount {
        Some(Amount::Value(m)) => m.to_french(),
        _ => "non renseigné".to_string(),
    }
}

/// A computed sum: "—" when no line had a figure at all.
pub fn sum_cell(sum: Option<Money>) -> String {
    sum.map(Money::to_french).unwrap_or_else(|| BLANK_AMOUNT.to_string())
}

pub fn date(d: Date) -> String {
    d.to_french()
}

/// Reference data is written with the ASCII apostrophe; documents use the French one.
pub fn typographic(text: &str) -> String {
    text.replace('\'', "’")
}

/// Splits a narrative into paragraphs at blank lines. Single line breaks are kept inside a
/// paragraph (lists typed with "-"); surrounding spaces and empty paragraphs are dropped.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// Sums the figures of some amounts; `None` when none of them is a figure.
pub fn sum<'a>(amounts: impl IntoIterator<Item = Option<&'a Amount>>) -> Option<Money> {
    amounts
        .into_iter()
        .filter_map(|a| a.and_then(|a| a.value()))
        .fold(None, |acc, m| Some(acc.unwrap_or(Money::ZERO).add(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_a_no_break_space_before_the_colon() {
        assert_eq!(label_value("Part État", "15"), "Part État\u{a0}: 15");
    }

    #[test]
    fn amounts_blank_absent_and_present() {
        let v = Amount::Value(Money::from_cents(14_546_826));
        assert_eq!(amount_cell(Some(&v)), "145\u{202f}468,26\u{a0}€");
        assert_eq!(amount_cell(Some(&Amount::Blank)), "—");
        assert_eq!(amount_cell(None), "");
        assert_eq!(amount_text(None), "non renseigné");
        assert_eq!(sum([None, Some(&Amount::Blank)]), None);
        assert_eq!(sum([Some(&v), Some(&v)]), Some(Money::from_cents(29_093_652)));
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        let p = paragraphs("  Premier\n- a\n\n\n  Second  \n");
        assert_eq!(p, vec!["Premier\n- a".to_string(), "Second".to_string()]);
        assert!(paragraphs(" \n ").is_empty());
    }
}
