//! Text helpers: the normalisation that lets titles written differently by each
//! Département meet, and French labels.

use bilan_domain::{geo, DepartmentCode};

/// The key two titles must share to be counted as the same measure or indicator.
///
/// Rules, in order:
/// - lower case (Unicode);
/// - accents removed: precomposed letters are folded (é → e, ç → c, œ → oe, æ → ae)
///   and combining marks (U+0300–U+036F, as left by some PDF extractions) are dropped;
/// - every apostrophe (’ ‘ ʼ ` ´ ′) becomes `'`;
/// - every dash (‐ ‑ ‒ – — ― −) becomes `-`;
/// - quotation marks (« » “ ” „ ") count as spaces;
/// - any run of whitespace (including no-break and narrow no-break spaces) becomes one
///   space, and the result is trimmed.
///
/// Nothing else is touched: words, word order and other punctuation still distinguish
/// titles ("Nb de participants" and "Nombre de participants" stay apart: guessing that
/// two different wordings mean the same thing is left to people).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded: Option<&str> = match c {
            '\u{300}'..='\u{36f}' => continue,
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => Some("a"),
            'ç' => Some("c"),
            'è' | 'é' | 'ê' | 'ë' => Some("e"),
            'ì' | 'í' | 'î' | 'ï' => Some("i"),
            'ñ' => Some("n"),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => Some("o"),
            'ù' | 'ú' | 'û' | 'ü' => Some("u"),
            'ý' | 'ÿ' => Some("y"),
            'œ' => Some("oe"),
            'æ' => Some("ae"),
            '’' | '‘' | 'ʼ' | '`' | '´' | '′' => Some("'"),
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => Some("-"),
            '«' | '»' | '“' | '”' | '„' | '"' => None,
            c if c.is_whitespace() => None,
            _ => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
                continue;
            }
        };
        match folded {
            Some(s) => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push_str(s);
            }
            None => space = true,
        }
    }
    out
}

/// "Allier (03)" ([`geo::department_label`]).
pub fn department_label(code: DepartmentCode) -> String {
    geo::department_label(code.as_str())
}

/// "Département de l'Allier".
pub fn department_of(code: DepartmentCode) -> String {
    format!("Département {}", code.info().of_name)
}

/// The position of a Département in the reference list ([`geo::department_rank`]).
pub fn department_rank(code: DepartmentCode) -> usize {
    geo::department_rank(code.as_str())
}

/// "50 %" with a no-break space, as French typography wants.
pub fn percent(p: i64) -> String {
    format!("{p}\u{a0}%")
}

/// A list in French: "a", "a et b", "a, b et c".
pub fn join_french(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// "1 Département", "3 Départements".
pub fn departments_count(n: usize) -> String {
    if n > 1 {
        format!("{n} Départements")
    } else {
        format!("{n} Département")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_accents_apostrophes_quotes_and_spaces() {
        assert_eq!(
            normalise("Prévenir toute « sortie sèche » pour les jeunes sortants de l’aide sociale à l’enfance (ASE)"),
            "prevenir toute sortie seche pour les jeunes sortants de l'aide sociale a l'enfance (ase)"
        );
        assert_eq!(normalise("  Référent\u{a0}\u{202f} de   PARCOURS "), "referent de parcours");
        // "à" written as a + U+0300 (decomposed), and "–" dash.
        assert_eq!(normalise("Accueil a\u{300} Vichy – Cœur"), "accueil a vichy - coeur");
        assert_eq!(normalise(""), "");
        assert_eq!(normalise(" « » "), "");
    }

    #[test]
    fn french_lists_and_counts() {
        assert_eq!(join_french(&["a".into(), "b".into(), "c".into()]), "a, b et c");
        assert_eq!(join_french(&["a".into()]), "a");
        assert_eq!(departments_count(1), "1 Département");
        assert_eq!(departments_count(2), "2 Départements");
        let allier = DepartmentCode::parse("03").unwrap();
        assert_eq!(department_label(allier), "Allier (03)");
        assert_eq!(department_of(allier), "Département de l'Allier");
        let corse = DepartmentCode::parse("2A").unwrap();
        let finistere = DepartmentCode::parse("29").unwrap();
        assert!(department_rank(corse) < department_rank(finistere));
    }
}
