//! Marks that typing slips leave, turned into hints for the person who must fix them.

use bilan_domain::Money;

/// "deux chiffres semblent intervertis" when swapping two digits of one figure gives the
/// other (their difference is then always a multiple of 9).
pub fn transposition(a: Money, b: Money) -> Option<String> {
    let diff = a.cents().abs_diff(b.cents());
    if diff == 0 || !diff.is_multiple_of(9) {
        return None;
    }
    let da: Vec<u8> = a.cents().unsigned_abs().to_string().into_bytes();
    let db: Vec<u8> = b.cents().unsigned_abs().to_string().into_bytes();
    if da.len() != db.len() {
        return None;
    }
    let differing: Vec<usize> = (0..da.len()).filter(|&i| da[i] != db[i]).collect();
    if let [i, j] = differing[..] {
        if da[i] == db[j] && da[j] == db[i] {
            return Some(format!(
                "deux chiffres semblent intervertis : {} et {} ne diffèrent que par l'ordre des chiffres « {} » et « {} »",
                a.to_french(),
                b.to_french(),
                char::from(da[i]),
                char::from(da[j])
            ));
        }
    }
    None
}

/// When a gap equals one of the candidate lines (to the rounding of `rounded_terms`
/// figures), name it: "l'écart correspond à la ligne « formation »".
pub fn matching_line<'a>(
    diff: Money,
    candidates: impl IntoIterator<Item = (&'a str, Money)>,
    what: &str,
    rounded_terms: usize,
) -> Option<String> {
    let diff = diff.abs();
    if diff == Money::ZERO {
        return None;
    }
    let found: Vec<(&str, Money)> = candidates
        .into_iter()
        .filter(|(_, m)| *m != Money::ZERO && within_rounding(m.sub(diff), rounded_terms))
        .collect();
    match found.as_slice() {
        [(one, m)] if *m == diff => {
            Some(format!("l'écart ({}) correspond exactement à la ligne « {one} »{what}", diff.to_french()))
        }
        [(one, m)] => Some(format!(
            "l'écart ({}) correspond, à l'arrondi près, à la ligne « {one} » ({}){what}",
            diff.to_french(),
            m.to_french()
        )),
        _ => None,
    }
}

/// Whether a gap is explained by figures printed rounded to the euro: each rounded
/// figure may be off by 0,50 €.
pub fn within_rounding(diff: Money, rounded_terms: usize) -> bool {
    let tolerance = i64::try_from(rounded_terms).unwrap_or(i64::MAX).saturating_mul(50);
    diff.cents().unsigned_abs() <= tolerance.unsigned_abs()
}

/// `Some(10^k)` when `a` is `b` times a power of ten (k = 1 to 3), to the cent: a
/// misplaced decimal comma.
pub fn power_of_ten(a: Money, b: Money) -> Option<i64> {
    let (big, small) = if a.cents().abs() >= b.cents().abs() { (a, b) } else { (b, a) };
    if small == Money::ZERO {
        return None;
    }
    [10i64, 100, 1000]
        .into_iter()
        .find(|k| small.cents().saturating_mul(*k).abs_diff(big.cents()) <= k.unsigned_abs())
}

pub const ROUNDING_HINT: &str =
    "écart dû à l'arrondi à l'euro des montants de l'annexe : aucune correction nécessaire";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_swapped_digits() {
        let h = transposition(Money::from_cents(14_564_826), Money::from_cents(14_546_826)).unwrap();
        assert!(h.contains("intervertis"), "{h}");
        assert!(h.contains("« 6 » et « 4 »"), "{h}");
        // A multiple of 9 that no swap explains.
        assert_eq!(transposition(Money::from_euros(100), Money::from_euros(91)), None);
        assert_eq!(transposition(Money::from_euros(100), Money::from_euros(100)), None);
        assert_eq!(transposition(Money::from_euros(12), Money::from_euros(13)), None);
    }

    #[test]
    fn names_the_line_that_explains_a_gap() {
        let h = matching_line(
            Money::from_euros(-3080),
            [("formation", Money::from_euros(3080)), ("autre", Money::from_euros(5))],
            ", absente de l'annexe",
            0,
        )
        .unwrap();
        assert!(h.contains("« formation »"), "{h}");
        assert!(matching_line(Money::from_euros(1), [("a", Money::from_euros(2))], "", 0).is_none());
        let h =
            matching_line(Money::from_cents(93_960), [("livrets", Money::from_euros(940))], "", 2).unwrap();
        assert!(h.contains("à l'arrondi près"), "{h}");
    }

    #[test]
    fn rounding_tolerance() {
        assert!(within_rounding(Money::from_cents(40), 1));
        assert!(!within_rounding(Money::from_cents(60), 1));
        assert!(within_rounding(Money::from_cents(100), 6));
        assert!(!within_rounding(Money::from_cents(1), 0));
    }
}
