//! Staff-cost calculations written in a label: "(45 500/166)*5h*13pg",
//! "(10%* 56 700)*9 cds*10%* 6 mois", "2*(10%68 200)*6 mois".
//!
//! Grammar: products and quotients of French numbers (`*`, `×`, `x`, `/`, `÷`, or two
//! factors side by side), parentheses, `N %` (N hundredths), and a unit word after a
//! number: "mois" counts twelfths of a yearly salary, other words (h, pg, cds, ETP…) only
//! name the unit. The whole text after the last colon must be a formula, or nothing is
//! evaluated: prose is never read as arithmetic.

/// A formula found in a label and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// The formula as written.
    pub text: String,
    /// Its value in cents, rounded.
    pub cents: i64,
    /// Whether a "mois" factor was read as twelfths of a year.
    pub months: bool,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    numbers: usize,
    operators: usize,
    months: bool,
    depth: usize,
}

/// Deeper parentheses than any calculation needs: refused rather than recursed into.
const MAX_DEPTH: usize = 16;

fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{a0}' || c == '\u{202f}'
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }
    fn expr(&mut self) -> Option<f64> {
        let mut value = self.factor()?;
        loop {
            self.skip_spaces();
            match self.peek() {
                Some('*' | '×' | 'x' | 'X') => {
                    self.pos += 1;
                    self.operators += 1;
                    value *= self.factor()?;
                }
                Some('/' | '÷') => {
                    self.pos += 1;
                    self.operators += 1;
                    let d = self.factor()?;
                    if d == 0.0 {
                        return None;
                    }
                    value /= d;
                }
                Some(c) if c.is_ascii_digit() || c == '(' => value *= self.factor()?,
                _ => return Some(value),
            }
        }
    }
    fn factor(&mut self) -> Option<f64> {
        self.skip_spaces();
        let mut value = if self.peek() == Some('(') {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return None;
            }
            let v = self.expr()?;
            self.depth -= 1;
            self.skip_spaces();
            if self.peek() != Some(')') {
                return None;
            }
            self.pos += 1;
            v
        } else {
            self.number()?
        };
        self.skip_spaces();
        if self.peek() == Some('%') {
            self.pos += 1;
            self.operators += 1;
            value /= 100.0;
            self.skip_spaces();
        }
        // A unit word: letters, but never the operator "x".
        let start = self.pos;
        while self.peek().is_some_and(char::is_alphabetic) {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect::<String>().to_lowercase();
        if word == "x" {
            self.pos = start;
        } else if word == "mois" {
            value /= 12.0;
            self.months = true;
        }
        Some(value)
    }
    fn number(&mut self) -> Option<f64> {
        let start = self.pos;
        let mut digits = String::new();
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            digits.push(self.chars[self.pos]);
            self.pos += 1;
        }
        if digits.is_empty() {
            return None;
        }
        // Thousands groups ("45 500") after a first group of at most three digits.
        if self.pos - start <= 3 {
            while self.peek().is_some_and(is_space)
                && (1..=3).all(|d| self.chars.get(self.pos + d).is_some_and(|c| c.is_ascii_digit()))
                && !self.chars.get(self.pos + 4).is_some_and(|c| c.is_ascii_digit())
            {
                digits.extend(&self.chars[self.pos + 1..self.pos + 4]);
                self.pos += 4;
            }
        }
        if self.peek() == Some(',') && self.chars.get(self.pos + 1).is_some_and(|c| c.is_ascii_digit()) {
            digits.push('.');
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                digits.push(self.chars[self.pos]);
                self.pos += 1;
            }
        }
        self.numbers += 1;
        digits.parse().ok()
    }
}

/// The formula of a label, if the text after its last colon is one.
pub fn find(label: &str) -> Option<Formula> {
    let segment = match label.rfind(':') {
        Some(i) if label[i + 1..].chars().any(|c| c.is_ascii_digit()) => &label[i + 1..],
        _ => label,
    };
    let text = segment.trim();
    let mut p =
        Parser { chars: text.chars().collect(), pos: 0, numbers: 0, operators: 0, months: false, depth: 0 };
    let value = p.expr()?;
    p.skip_spaces();
    if p.pos != p.chars.len() || p.numbers < 2 || p.operators == 0 || !value.is_finite() || value <= 0.0 {
        return None;
    }
    let cents = (value * 100.0).round();
    if cents > 1e14 {
        return None;
    }
    Some(Formula { text: text.to_string(), cents: cents as i64, months: p.months })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(s: &str) -> Option<i64> {
        find(s).map(|f| f.cents)
    }

    #[test]
    fn evaluates_the_seed_formulas() {
        assert_eq!(cents("Travailleur social : (45 500/166)*5h*13pg"), Some(1_781_627));
        assert_eq!(cents("Cds p/f :(10%* 56 700)*9 cds*10%* 6 mois"), Some(255_150));
        assert_eq!(cents("Resp territoires : pilote : 1*(68 200*20%)* 6 mois"), Some(682_000));
        assert_eq!(cents("2 RT : 2*(10%68 200)*6 mois"), Some(682_000));
        assert_eq!(cents("3 x 1 200"), Some(360_000));
    }

    #[test]
    fn prose_is_not_a_formula() {
        for s in &[
            "Valorisation 0,25 ETP référent MNA (Action 3)",
            "Frais de personnel (poste contractuel à 80 %)",
            "Valorisation ETP agents (26 667 € par bassin)",
            "Rémunérations chargées des travailleurs sociaux (1,2 ETP)",
            "Services civiques (1 par TSD)",
            "Temps agents du CD03",
            "12",
            "(1/0)*3",
            &"(".repeat(10_000),
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }
}
