//! Figures in French prose: "145 468,26 €", "77 bénéficiaires du RSA", "(58,65 %)".
//!
//! A small tokenizer, strict on purpose: a figure glued to letters ("5h", "1er"), or part
//! of a date ("31/12/2019") or a reference ("L.222-5") is not a figure. The rules that use
//! it compare only what the prose clearly restates; anything ambiguous is left alone.

/// What follows a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    None,
    Euro,
    Percent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'t> {
    /// A number in hundredths, its place in the text (including its unit sign).
    Number { hundredths: i64, decimals: u8, unit: Unit, start: usize, end: usize },
    /// A word as written, elision removed ("d'emploi" → "emploi"); compare it with
    /// [`same_word`], which ignores case and accents.
    Word(&'t str),
    /// Punctuation or a line break: ends a phrase.
    Break(char),
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{a0}' || c == '\u{202f}'
}

fn fold(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' => 'i',
        'ô' | 'ö' => 'o',
        'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        _ => c,
    }
}

/// Whether a word as written is `target` (lower-case, unaccented), ignoring case and
/// accents, without allocating.
pub fn same_word(raw: &str, target: &str) -> bool {
    if raw.is_ascii() {
        return raw.eq_ignore_ascii_case(target);
    }
    // An accented letter is two bytes in `raw` and one in `target`.
    if raw.len() < target.len() || raw.len() > 2 * target.len() {
        return false;
    }
    let mut a = raw.chars().flat_map(char::to_lowercase).map(fold);
    let mut b = target.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// Lower-cases and folds accents.
pub fn normalise_word(w: &str) -> String {
    if w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return w.to_string();
    }
    w.chars().flat_map(char::to_lowercase).map(fold).collect()
}

/// The character at byte `b` of `text` (`b` is always a character boundary here).
fn char_at(text: &str, b: usize) -> Option<char> {
    text.get(b..)?.chars().next()
}

/// Reads a French number at byte `i` (a digit): "1 300 000", "145 468,26", "30". Returns
/// the value in hundredths, its decimals and the byte just after it. Works on the text's
/// bytes: digits, the comma and the thousands separators are found without decoding the
/// rest of the text.
fn read_number(text: &str, i: usize) -> Option<(i64, u8, usize)> {
    let bytes = text.as_bytes();
    let digit = |b: Option<&u8>| b.is_some_and(u8::is_ascii_digit);
    let mut k = i;
    let mut int: i64 = 0;
    let mut first_group = 0;
    while digit(bytes.get(k)) {
        int = int.checked_mul(10)?.checked_add(i64::from(bytes[k] - b'0'))?;
        k += 1;
        first_group += 1;
    }
    // Thousands groups: a space then exactly three digits, after a first group of 1 to 3.
    if first_group <= 3 {
        while let Some(space) = char_at(text, k).filter(|c| is_space(*c)) {
            let d = k + space.len_utf8();
            let three = (d..d + 3).all(|x| digit(bytes.get(x))) && !digit(bytes.get(d + 3));
            if !three {
                break;
            }
            for b in &bytes[d..d + 3] {
                int = int.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            }
            k = d + 3;
        }
    }
    let mut hundredths = int.checked_mul(100)?;
    let mut decimals = 0u8;
    if bytes.get(k) == Some(&b',') && digit(bytes.get(k + 1)) {
        let mut j = k + 1;
        while digit(bytes.get(j)) {
            j += 1;
        }
        let frac = &text[k + 1..j];
        if frac.len() > 2 {
            return None;
        }
        decimals = frac.len() as u8;
        let f: i64 = frac.parse().ok()?;
        hundredths = hundredths.checked_add(if frac.len() == 1 { f * 10 } else { f })?;
        k = j;
    }
    Some((hundredths, decimals, k))
}

/// Splits a text into numbers, words and breaks. Walks the text by byte offsets, decoding
/// one character at a time (no copy of the text: this runs on every bilan of a report).
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(c) = char_at(text, k) {
        if c.is_ascii_digit() {
            let glued_before = text[..k]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || matches!(p, '/' | '.' | '-' | '_' | ','));
            let Some((hundredths, decimals, mut end)) = read_number(text, k) else {
                while bytes.get(k).is_some_and(|b| b.is_ascii_digit() || *b == b',') {
                    k += 1;
                }
                continue;
            };
            // Glued to what follows: a letter, a slash, a dash; a full stop only when a
            // letter or digit comes right after it ("L.222", not "33.").
            let next = char_at(text, end);
            let glued_after = match next {
                Some('.') => char_at(text, end + 1).is_some_and(char::is_alphanumeric),
                Some(n) => n.is_alphanumeric() || matches!(n, '/' | '-' | '_'),
                None => false,
            };
            if glued_before || glued_after {
                k = end;
                while let Some(g) =
                    char_at(text, k).filter(|g| g.is_alphanumeric() || matches!(g, '/' | '.' | '-'))
                {
                    k += g.len_utf8();
                }
                out.push(Token::Break('#'));
                continue;
            }
            let mut j = end;
            while let Some(s) = char_at(text, j).filter(|s| is_space(*s)) {
                j += s.len_utf8();
            }
            let unit = match char_at(text, j) {
                Some('€') => {
                    end = j + '€'.len_utf8();
                    Unit::Euro
                }
                Some('%') => {
                    end = j + 1;
                    Unit::Percent
                }
                _ => Unit::None,
            };
            out.push(Token::Number { hundredths, decimals, unit, start: k, end });
            k = end;
        } else if c.is_alphabetic() {
            let s = k;
            let mut letters = 0;
            while let Some(l) = char_at(text, k).filter(|l| l.is_alphabetic() || *l == '-') {
                k += l.len_utf8();
                letters += 1;
            }
            // Elision: "d'emploi", "l’action" → "emploi", "action".
            if let Some(q) = char_at(text, k).filter(|q| *q == '\'' || *q == '’') {
                if letters == 1 {
                    k += q.len_utf8();
                    continue;
                }
            }
            out.push(Token::Word(&text[s..k]));
        } else {
            if !is_space(c) && c != '\'' && c != '’' && c != '«' && c != '»' && c != '"' {
                out.push(Token::Break(c));
            }
            k += c.len_utf8();
        }
    }
    out
}

/// Words that carry no meaning in a noun phrase.
const ARTICLES: &[&str] = &["de", "du", "des", "la", "le", "les", "un", "une", "au", "aux", "et", "a", "en"];

/// Words that end a noun phrase: verbs, relatives, prepositions that open a complement.
const PHRASE_END: &[&str] = &[
    "sont", "ont", "est", "ete", "seront", "sera", "etaient", "etait", "qui", "que", "dont", "soit", "pour",
    "sur", "avec", "par", "dans", "se", "ne", "n", "y", "avant", "apres", "depuis", "contre",
];

/// Crude French singular: "accompagnées" → "accompagne", "bénéficiaires" → "beneficiair".
pub fn stem(w: &str) -> String {
    let mut s = w.trim_end_matches('s').to_string();
    if s.ends_with('e') && s.len() > 3 {
        s.pop();
    }
    s
}

/// The meaningful words (stems) of the noun phrase that follows token `at`, and how many
/// words of the text it spans.
pub fn phrase_after(toks: &[Token<'_>], at: usize) -> (Vec<String>, usize) {
    let mut words = Vec::new();
    let mut spanned = 0;
    for t in toks.iter().skip(at + 1) {
        match t {
            Token::Word(w) if PHRASE_END.iter().any(|e| same_word(w, e)) => break,
            Token::Word(w) if ARTICLES.iter().any(|e| same_word(w, e)) => {}
            Token::Word(w) => words.push(stem(&normalise_word(w))),
            _ => break,
        }
        spanned += 1;
        if words.len() >= 4 {
            break;
        }
    }
    (words, spanned)
}

/// The stems of a label's words (for matching a phrase against an indicator name).
pub fn stems(label: &str) -> Vec<String> {
    tokens(label)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) if !ARTICLES.iter().any(|e| same_word(w, e)) => Some(stem(&normalise_word(w))),
            _ => None,
        })
        .collect()
}

/// A calendar year written in the text ("2019"), as a plain number.
pub fn as_year(t: &Token<'_>) -> Option<i32> {
    match t {
        Token::Number { hundredths, decimals: 0, unit: Unit::None, .. }
            if (190_000..=210_000).contains(hundredths) && hundredths % 100 == 0 =>
        {
            i32::try_from(hundredths / 100).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<(i64, Unit)> {
        tokens(text)
            .into_iter()
            .filter_map(|t| match t {
                Token::Number { hundredths, unit, .. } => Some((hundredths, unit)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reads_french_figures() {
        assert_eq!(numbers("Le budget total de 145 468,26 €, cofinancé"), vec![(14_546_826, Unit::Euro)]);
        assert_eq!(numbers("plus de 1 300 000 offres"), vec![(130_000_000, Unit::None)]);
        assert_eq!(numbers("(soit 58,65 % contre"), vec![(5865, Unit::Percent)]);
        assert_eq!(numbers("1\u{202f}848\u{a0}€"), vec![(184_800, Unit::Euro)]);
        // Dates, references and figures glued to letters are not figures.
        assert_eq!(numbers("du 9/12/2019 au 29/04/2020, L.222-5, le 1er, 5h, 13pg"), vec![]);
        // A year is not the thousands of the next figure.
        assert_eq!(numbers("en 2019 145 jeunes"), vec![(201_900, Unit::None), (14_500, Unit::None)]);
        assert_eq!(numbers("Nombre de sorties : 33.\nDont 3"), vec![(3300, Unit::None), (300, Unit::None)]);
    }

    #[test]
    fn finds_the_noun_phrase_after_a_figure() {
        let t = tokens("En 2019, 77 bénéficiaires du RSA sont entrés");
        let at = t.iter().position(|x| matches!(x, Token::Number { hundredths: 7700, .. })).unwrap();
        assert_eq!(phrase_after(&t, at), (vec!["beneficiair".to_string(), "rsa".to_string()], 3));
        let t = tokens("793 personnes qui ont bénéficié");
        assert_eq!(phrase_after(&t, 0).0, vec!["personn"]);
        assert_eq!(
            stems("Nb de participants bénéficiaires du RSA"),
            vec!["nb", "participant", "beneficiair", "rsa"]
        );
    }
}
