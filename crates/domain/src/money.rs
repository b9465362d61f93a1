//! Exact money in euro-cents and the French notation people type.
//!
//! "145 468,26 €", "30 000 €", "30 000€", "64958.40", "1 272,60", "-  €" are all
//! accepted; printing always gives "145 468,26 €" with narrow no-break spaces.

use std::fmt;

/// Narrow no-break space: the French thousands separator.
pub const NNBSP: char = '\u{202F}';
/// No-break space: between a number and "€".
pub const NBSP: char = '\u{00A0}';

/// The largest amount a report may hold: one thousand billion euros. Keeping single
/// amounts far below `i64::MAX` means sums of any realistic number of lines cannot overflow.
pub const MAX_CENTS: i64 = 100_000_000_000_000;

/// An exact amount of money, in cents. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }
    pub const fn from_euros(euros: i64) -> Money {
        Money(euros * 100)
    }
    pub const fn cents(self) -> i64 {
        self.0
    }
    pub fn abs(self) -> Money {
        Money(self.0.saturating_abs())
    }
    pub fn is_whole_euros(self) -> bool {
        self.0 % 100 == 0
    }
    /// Saturating: report checks must never panic, even on absurd input. Deliberately
    /// not `std::ops::Add`, whose `+` reads as plain (overflowing) arithmetic.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Money {
        items.into_iter().fold(Money::ZERO, Money::add)
    }

    /// Parses an amount the way French civil servants write it. See [`parse_number`].
    pub fn parse(text: &str) -> Result<Money, AmountError> {
        let n = parse_number(text, Unit::Euro)?;
        Ok(Money(n))
    }

    /// French notation with narrow no-break spaces and a no-break space before "€".
    pub fn to_french(self) -> String {
        format!("{}{NBSP}€", format_number(self.0, 2, true))
    }
    /// French notation without the currency sign ("145 468,26").
    pub fn to_french_number(self) -> String {
        format_number(self.0, 2, true)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_french())
    }
}

/// Why an amount could not be read. Messages are in French: they reach users as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    NotANumber(String),
    TooManyDecimals(String),
    TooLarge(String),
    Negative(String),
    BadGrouping(String),
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::Empty => write!(f, "montant vide"),
            AmountError::NotANumber(t) => write!(
                f,
                "« {t} » n'est pas un montant : écrivez par exemple « 145 468,26 € » ou « 30 000 € »"
            ),
            AmountError::TooManyDecimals(t) => write!(
                f,
                "« {t} » a plus de deux décimales : un montant s'exprime au centime près"
            ),
            AmountError::TooLarge(t) => write!(
                f,
                "« {t} » dépasse le plus grand montant accepté (1 000 000 000 000 €)"
            ),
            AmountError::Negative(t) => write!(f, "« {t} » est négatif : un montant déclaré ne peut pas l'être"),
            AmountError::BadGrouping(t) => write!(
                f,
                "« {t} » : séparateurs mal placés (milliers par groupes de trois chiffres, décimales après la virgule)"
            ),
        }
    }
}

impl std::error::Error for AmountError {}

/// What a parsed number measures: decides the decimals kept and the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Two decimals, non-negative, at most [`MAX_CENTS`].
    Euro,
    /// Two decimals (hundredths), non-negative: counts, days, percentages.
    Quantity,
}

/// Parses a French (or plain) decimal number into hundredths.
///
/// Accepted: spaces (normal, no-break, narrow no-break) or "." as thousands separators,
/// "," or "." as decimal separator, a trailing "€" or "%" (by unit), at most two
/// decimals. "64958.40" is read as 64 958,40 (a dot followed by exactly three digits
/// and no comma is a thousands separator: "30.000" = 30 000).
pub fn parse_number(text: &str, unit: Unit) -> Result<i64, AmountError> {
    let original = text.trim();
    let mut t: &str = original;
    if let Some(rest) = t.strip_suffix('€').or_else(|| t.strip_suffix("EUR")) {
        if unit != Unit::Euro {
            return Err(AmountError::NotANumber(original.to_string()));
        }
        t = rest.trim_end();
    } else if unit == Unit::Euro {
        if let Some(rest) = t.strip_prefix('€') {
            t = rest.trim_start();
        }
    }
    if unit == Unit::Quantity {
        if let Some(rest) = t.strip_suffix('%') {
            t = rest.trim_end();
        }
    }
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    // Accounting dash ("-  €") prints a zero in spreadsheets.
    if t == "-" {
        return Ok(0);
    }
    if t.starts_with('-') || t.starts_with('−') {
        let rest = t.trim_start_matches(['-', '−']).trim();
        return match parse_number(rest, unit) {
            Ok(0) => Ok(0),
            Ok(_) => Err(AmountError::Negative(original.to_string())),
            Err(e) => Err(e),
        };
    }
    let t = t.strip_prefix('+').unwrap_or(t);

    // Split integer part and decimals.
    let is_space = |c: char| c == ' ' || c == NBSP || c == NNBSP || c == '\u{2009}';
    let (int_part, frac_part) = match (t.rfind(','), t.rfind('.')) {
        (Some(c), _) => {
            // A comma is the decimal separator; dots before it group thousands.
            (&t[..c], Some(&t[c + 1..]))
        }
        (None, Some(d)) => {
            let after = &t[d + 1..];
            let dots = t.matches('.').count();
            if dots > 1 || (after.len() == 3 && after.chars().all(|c| c.is_ascii_digit())) {
                (t, None) // "30.000" or "1.234.567": dots group thousands
            } else {
                (&t[..d], Some(after))
            }
        }
        (None, None) => (t, None),
    };

    let mut digits = String::new();
    let mut groups: Vec<usize> = vec![0];
    for c in int_part.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            if let Some(last) = groups.last_mut() {
                *last += 1;
            }
        } else if is_space(c) || c == '.' {
            if groups.last() == Some(&0) {
                // two separators in a row, or a leading separator
                if !is_space(c) || digits.is_empty() {
                    return Err(AmountError::BadGrouping(original.to_string()));
                }
                continue;
            }
            groups.push(0);
        } else {
            return Err(AmountError::NotANumber(original.to_string()));
        }
    }
    if digits.is_empty() {
        return Err(AmountError::NotANumber(original.to_string()));
    }
    if groups.len() > 1 {
        // "145 468" is grouped; every group after the first must have three digits.
        let trailing_empty = groups.last() == Some(&0);
        let body = if trailing_empty { &groups[..groups.len() - 1] } else { &groups[..] };
        if trailing_empty && frac_part.is_some() {
            return Err(AmountError::BadGrouping(original.to_string()));
        }
        if body.len() > 1 && (body[0] > 3 || body[1..].iter().any(|&g| g != 3)) {
            return Err(AmountError::BadGrouping(original.to_string()));
        }
    }
    let frac = match frac_part {
        None => "",
        Some(f) => {
            let f = f.trim();
            if !f.chars().all(|c| c.is_ascii_digit()) {
                return Err(AmountError::NotANumber(original.to_string()));
            }
            f
        }
    };
    if frac.len() > 2 {
        return Err(AmountError::TooManyDecimals(original.to_string()));
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 16 {
        return Err(AmountError::TooLarge(original.to_string()));
    }
    let whole: i64 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| AmountError::TooLarge(original.to_string()))?
    };
    let mut hundredths: i64 = 0;
    for (i, c) in frac.chars().enumerate() {
        let d = i64::from(c as u8 - b'0');
        hundredths += if i == 0 { d * 10 } else { d };
    }
    let value = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(hundredths))
        .ok_or_else(|| AmountError::TooLarge(original.to_string()))?;
    if unit == Unit::Euro && value > MAX_CENTS {
        return Err(AmountError::TooLarge(original.to_string()));
    }
    Ok(value)
}

/// Formats hundredths in French notation; `keep_zero_decimals` prints ",00".
pub fn format_number(hundredths: i64, decimals: u8, keep_zero_decimals: bool) -> String {
    let negative = hundredths < 0;
    let abs = hundredths.unsigned_abs();
    let whole = abs / 100;
    let frac = abs % 100;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(NNBSP);
        }
        out.push(c);
    }
    if decimals > 0 && (frac != 0 || keep_zero_decimals) {
        if decimals == 1 && frac.is_multiple_of(10) {
            out.push_str(&format!(",{}", frac / 10));
        } else {
            out.push_str(&format!(",{frac:02}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(t: &str) -> Result<i64, AmountError> {
        Money::parse(t).map(Money::cents)
    }

    #[test]
    fn parses_what_people_write() {
        assert_eq!(p("145 468,26 €"), Ok(14_546_826));
        assert_eq!(p("30 000 €"), Ok(3_000_000));
        assert_eq!(p("30 000€"), Ok(3_000_000));
        assert_eq!(p("64958.40"), Ok(6_495_840));
        assert_eq!(p("1\u{202F}272,6 €"), Ok(127_260));
        assert_eq!(p("30.000"), Ok(3_000_000));
        assert_eq!(p("1.234.567,89"), Ok(123_456_789));
        assert_eq!(p("-  €"), Ok(0));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("€ 12"), Ok(1200));
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert!(matches!(p("douze euros"), Err(AmountError::NotANumber(_))));
        assert!(matches!(p("12,345"), Err(AmountError::TooManyDecimals(_))));
        assert!(matches!(p("-12 €"), Err(AmountError::Negative(_))));
        assert!(matches!(p("99999999999999999999 €"), Err(AmountError::TooLarge(_))));
        assert!(matches!(p("1 000 000 000 001 €"), Err(AmountError::TooLarge(_))));
        assert!(matches!(p("1 23 456"), Err(AmountError::BadGrouping(_))));
        assert_eq!(p("€"), Err(AmountError::Empty));
        assert_eq!(p(""), Err(AmountError::Empty));
    }

    #[test]
    fn errors_are_french() {
        let e = p("douze euros").unwrap_err().to_string();
        assert!(e.contains("n'est pas un montant"), "{e}");
    }

    #[test]
    fn prints_french_notation() {
        assert_eq!(Money::from_cents(14_546_826).to_french(), "145\u{202F}468,26\u{A0}€");
        assert_eq!(Money::from_euros(30_000).to_french(), "30\u{202F}000,00\u{A0}€");
        assert_eq!(Money::from_cents(-5).to_french(), "-0,05\u{A0}€");
        assert_eq!(format_number(300, 2, false), "3");
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(cents in 0i64..=MAX_CENTS) {
            let m = Money::from_cents(cents);
            prop_assert_eq!(Money::parse(&m.to_french()), Ok(m));
            prop_assert_eq!(Money::parse(&m.to_french_number()), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Money::parse(&s);
            let _ = parse_number(&s, Unit::Quantity);
        }
    }
}
