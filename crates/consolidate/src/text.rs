//! Text helpers: the normalisation that lets titles written differently by each
//! Département meet, and French labels.

use bilan_domain::{geo, CollectiviteCode};

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

/// "Allier (03)", "Métropole de Lyon (69M)" ([`bilan_domain::collectivite::label`]).
pub fn signatory_label(code: CollectiviteCode) -> String {
    code.label()
}

/// "Département de l'Allier", "Métropole de Lyon".
pub fn signatory_of(code: CollectiviteCode) -> String {
    match geo::department(code.as_str()) {
        Some(d) if code.name() == d.name => format!("Département {}", d.of_name),
        _ => code.name(),
    }
}

/// The position of a signatory in the order of [`bilan_domain::collectivite::signatories`].
pub fn signatory_rank(code: CollectiviteCode) -> usize {
    code.rank()
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

/// "1 collectivité", "3 collectivités" (Départements, Métropole de Lyon, collectivités
/// uniques: whoever signs a convention).
pub fn signatories_count(n: usize) -> String {
    if n > 1 {
        format!("{n} collectivités")
    } else {
        format!("{n} collectivité")
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
        assert_eq!(signatories_count(1), "1 collectivité");
        assert_eq!(signatories_count(2), "2 collectivités");
        let allier = CollectiviteCode::parse("03").unwrap();
        assert_eq!(signatory_label(allier), "Allier (03)");
        assert_eq!(signatory_of(allier), "Département de l'Allier");
        assert_eq!(signatory_of(CollectiviteCode::parse("69M").unwrap()), "Métropole de Lyon");
        assert_eq!(
            signatory_of(CollectiviteCode::parse("972").unwrap()),
            "Collectivité territoriale de Martinique"
        );
        let corse = CollectiviteCode::parse("2A").unwrap();
        let finistere = CollectiviteCode::parse("29").unwrap();
        assert!(signatory_rank(corse) < signatory_rank(finistere));
    }
}
