//! Exact statistics: rates as fractions, medians and quartile fences on integers.
//!
//! No floating point anywhere: a rate is kept as the fraction it is and only rounded when
//! printed or turned into an integer scale; quartiles are computed on integers scaled by
//! 4 and the fences by 8, so every comparison is exact.

use std::cmp::Ordering;

use bilan_domain::money::format_number;
use bilan_domain::Money;

/// Rounds `n / d` half away from zero. `d` must be positive (callers guarantee it; a
/// non-positive `d` gives 0 rather than a panic).
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    if d <= 0 {
        return 0;
    }
    let twice = n.saturating_mul(2);
    if n >= 0 {
        twice.saturating_add(d) / d.saturating_mul(2)
    } else {
        -(twice.saturating_neg().saturating_add(d) / d.saturating_mul(2))
    }
}

/// An `i128` brought back into `i64`, saturating.
pub(crate) fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// An exact ratio, e.g. an execution rate: spent / planned. The denominator is always
/// positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    numerator: i64,
    denominator: i64,
}

impl Rate {
    /// `None` when the denominator is zero or negative: no rate can be computed.
    pub fn new(numerator: i64, denominator: i64) -> Option<Rate> {
        (denominator > 0).then_some(Rate { numerator, denominator })
    }

    /// `part / whole` for two amounts (e.g. spent / planned).
    pub fn of_money(part: Money, whole: Money) -> Option<Rate> {
        Rate::new(part.cents(), whole.cents())
    }

    pub fn numerator(self) -> i64 {
        self.numerator
    }

    pub fn denominator(self) -> i64 {
        self.denominator
    }

    /// `numerator × scale / denominator`, rounded half away from zero.
    pub fn scaled(self, scale: i64) -> i64 {
        clamp_i64(div_round(i128::from(self.numerator) * i128::from(scale), i128::from(self.denominator)))
    }

    /// In thousandths (632 for 63,2 %), rounded half away from zero.
    pub fn per_mille(self) -> i64 {
        self.scaled(1000)
    }

    /// In millionths, rounded: the integer scale used to compare rates in [`crate::outliers`].
    pub fn parts_per_million(self) -> i64 {
        self.scaled(1_000_000)
    }

    /// Exact comparison of two rates (cross-multiplication).
    pub fn cmp_value(self, other: Rate) -> Ordering {
        (i128::from(self.numerator) * i128::from(other.denominator))
            .cmp(&(i128::from(other.numerator) * i128::from(self.denominator)))
    }

    /// As a percentage with one decimal: "63,2 %", "100,0 %", "1 250,0 %" (no-break space
    /// before the sign, narrow no-break spaces between thousands).
    pub fn to_french(self) -> String {
        // per mille × 10 = hundredths of a percent with a zero last digit: one decimal.
        let per_mille = self.per_mille();
        format!("{}\u{a0}%", format_number(per_mille.saturating_mul(10), 1, true))
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_french())
    }
}

/// The median of integers. For an even count it is the mean of the two middle values,
/// rounded half away from zero (on hundredths, a rounding of at most half a hundredth).
/// `None` for an empty list. The input need not be sorted.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let hi = v.get(n / 2).copied()?;
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = v.get(n / 2 - 1).copied()?;
    Some(clamp_i64(div_round(i128::from(lo) + i128::from(hi), 2)))
}

/// The fewest values the quartile method is applied to: below, "far from the others"
/// means nothing and no flag is raised.
pub const MIN_POPULATION: usize = 5;

/// Where a value falls with respect to the fences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Below,
    Inside,
    Above,
}

/// The quartile fences of a population of integers: a value is far from the others when
/// it lies outside [Q1 − 1,5 × IQR ; Q3 + 1,5 × IQR] (Tukey), IQR = Q3 − Q1.
///
/// **Method.** Quartiles by linear interpolation between the sorted values (the
/// "inclusive" method: R's type 7, the spreadsheet function QUARTILE.INCLUS that State
/// analysts use): for Qp (p = 1/4 or 3/4) the position is h = (n − 1) × p, counted from 0;
/// with k = ⌊h⌋, `Qp = x[k] + (h − k) × (x[k+1] − x[k])`. Since h − k is a multiple of 1/4,
/// 4 × Qp is an integer, and so is 8 × each fence (8 × lower = 5 × 4Q1 − 3 × 4Q3,
/// 8 × upper = 5 × 4Q3 − 3 × 4Q1): every comparison is made on exact integers (`i128`).
/// At least [`MIN_POPULATION`] values are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fences {
    /// 4 × Q1.
    pub q1_x4: i128,
    /// 4 × Q3.
    pub q3_x4: i128,
    /// How many values the quartiles were computed on.
    pub population: usize,
}

fn quartile_x4(sorted: &[i64], p: usize) -> Option<i128> {
    let n = sorted.len();
    let pos = n.checked_sub(1)?.checked_mul(p)?; // 4 × h
    let (k, r) = (pos / 4, pos % 4);
    let xk = i128::from(*sorted.get(k)?);
    if r == 0 {
        return Some(4 * xk);
    }
    let next = i128::from(*sorted.get(k + 1)?);
    Some(4 * xk + (r as i128) * (next - xk))
}

impl Fences {
    /// `None` below [`MIN_POPULATION`] values. The input need not be sorted.
    pub fn of(values: &[i64]) -> Option<Fences> {
        if values.len() < MIN_POPULATION {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_unstable();
        Some(Fences { q1_x4: quartile_x4(&v, 1)?, q3_x4: quartile_x4(&v, 3)?, population: v.len() })
    }

    /// 8 × (Q1 − 1,5 × IQR).
    pub fn lower_x8(&self) -> i128 {
        5 * self.q1_x4 - 3 * self.q3_x4
    }

    /// 8 × (Q3 + 1,5 × IQR).
    pub fn upper_x8(&self) -> i128 {
        5 * self.q3_x4 - 3 * self.q1_x4
    }

    pub fn position(&self, value: i64) -> Position {
        let v8 = i128::from(value) * 8;
        if v8 < self.lower_x8() {
            Position::Below
        } else if v8 > self.upper_x8() {
            Position::Above
        } else {
            Position::Inside
        }
    }

    /// The lower fence rounded to an integer of the values' scale (for display).
    pub fn lower(&self) -> i64 {
        clamp_i64(div_round(self.lower_x8(), 8))
    }

    /// The upper fence rounded to an integer of the values' scale (for display).
    pub fn upper(&self) -> i64 {
        clamp_i64(div_round(self.upper_x8(), 8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact_and_french() {
        let r = Rate::of_money(Money::from_euros(26_988), Money::from_euros(126_400)).unwrap();
        // 26 988 / 126 400 = 0,213512… → 213,5 ‰ → rounded 214 ‰.
        assert_eq!(r.per_mille(), 214);
        assert_eq!(r.to_french(), "21,4\u{a0}%");
        assert_eq!(Rate::new(1, 1).unwrap().to_french(), "100,0\u{a0}%");
        assert_eq!(Rate::new(25, 2).unwrap().to_french(), "1\u{202f}250,0\u{a0}%");
        assert_eq!(Rate::new(1, 0), None);
        assert_eq!(Rate::new(1, -3), None);
        // Half away from zero: 1/8 = 125 ‰ exactly, 1/16 = 62,5 ‰ → 63.
        assert_eq!(Rate::new(1, 16).unwrap().per_mille(), 63);
        assert_eq!(Rate::new(-1, 16).unwrap().per_mille(), -63);
        assert_eq!(Rate::new(1, 3).unwrap().cmp_value(Rate::new(2, 6).unwrap()), Ordering::Equal);
        assert_eq!(Rate::new(i64::MAX, 1).unwrap().per_mille(), i64::MAX);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5, 1, 3]), Some(3));
        assert_eq!(median(&[4, 1, 3, 2]), Some(3)); // (2 + 3) / 2 = 2,5 → 3
        assert_eq!(median(&[i64::MAX, i64::MAX]), Some(i64::MAX));
    }

    #[test]
    fn fences_by_hand() {
        // Sorted 10 12 14 16 100, n = 5: h(Q1) = 1 → Q1 = 12; h(Q3) = 3 → Q3 = 16;
        // IQR = 4; fences 12 − 6 = 6 and 16 + 6 = 22.
        let f = Fences::of(&[100, 14, 10, 16, 12]).unwrap();
        assert_eq!((f.q1_x4, f.q3_x4), (48, 64));
        assert_eq!((f.lower(), f.upper()), (6, 22));
        assert_eq!(f.position(100), Position::Above);
        assert_eq!(f.position(22), Position::Inside);
        assert_eq!(f.position(5), Position::Below);
        // n = 6: 1 2 3 4 5 6: h(Q1) = 1,25 → 2,25; h(Q3) = 3,75 → 4,75 (QUARTILE.INCLUS).
        let f = Fences::of(&[6, 5, 4, 3, 2, 1]).unwrap();
        assert_eq!((f.q1_x4, f.q3_x4), (9, 19));
        // IQR 2,5: fences 2,25 − 3,75 = −1,5 and 4,75 + 3,75 = 8,5.
        assert_eq!((f.lower_x8(), f.upper_x8()), (-12, 68));
        assert_eq!(Fences::of(&[1, 2, 3, 4]), None);
        let big = Fences::of(&[i64::MAX, i64::MIN, 0, i64::MAX, i64::MIN]).unwrap();
        let _ = big.position(i64::MAX);
        let _ = (big.lower(), big.upper());
    }
}
