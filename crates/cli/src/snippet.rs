//! rustc-style rendering of a diagnostic against its source text:
//!
//! ```text
//! erreur[BUD001]: le total prévisionnel déclaré (…) diffère de …
//!    --> examples/allier-2019.toml:412:9
//!     |
//! 412 | total = "145 648,26 €"
//!     |         ^^^^^^^^^^^^^^ déclaré : 145 648,26 €
//!     |
//!     = conseil : deux chiffres semblent intervertis …
//! ```

use std::ops::Range;

use bilan_source::LineIndex;

use crate::term::Style;

pub struct Mark {
    pub span: Range<usize>,
    pub label: String,
    pub primary: bool,
}

pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub lines: &'a LineIndex,
}

/// Severity word ("erreur", "avertissement", "info") already coloured by the caller.
pub fn render(
    out: &mut String,
    style: Style,
    header: &str,
    message: &str,
    src: &Source<'_>,
    marks: &[Mark],
    notes: &[String],
) {
    out.push_str(&format!("{header}{}\n", style.bold(&format!(": {message}"))));
    let primary = marks.iter().find(|m| m.primary).or(marks.first());
    let Some(primary) = primary else {
        out.push_str(&format!("  --> {}\n", src.name));
        for n in notes {
            out.push_str(&format!("   = {n}\n"));
        }
        return;
    };
    let (pl, pc) = src.lines.line_col(src.text, primary.span.start);
    // Lines to show, in order, each with the marks that start on it.
    let mut shown: Vec<(usize, Vec<&Mark>)> = Vec::new();
    for m in marks {
        let (l, _) = src.lines.line_col(src.text, m.span.start);
        match shown.iter_mut().find(|(sl, _)| *sl == l) {
            Some((_, v)) => v.push(m),
            None => shown.push((l, vec![m])),
        }
    }
    shown.sort_by_key(|(l, _)| *l);
    let width = shown.last().map_or(1, |(l, _)| l.to_string().len());
    let pad = " ".repeat(width);
    let bar = style.blue("|");
    out.push_str(&format!("{pad}{} {}:{pl}:{pc}\n", style.blue("-->"), src.name));
    out.push_str(&format!("{pad} {bar}\n"));
    let mut previous: Option<usize> = None;
    for (line_no, line_marks) in &shown {
        if let Some(p) = previous {
            if *line_no > p + 1 {
                out.push_str(&format!("{}\n", style.blue("...")));
            }
        }
        previous = Some(*line_no);
        let line_text = line_at(src.text, *line_no);
        out.push_str(&format!(
            "{} {bar} {}\n",
            style.blue(&format!("{line_no:>width$}")),
            line_text.trim_end()
        ));
        for m in line_marks {
            let (_, col) = src.lines.line_col(src.text, m.span.start);
            let start_in_line = col - 1;
            let visible = line_text.chars().count().saturating_sub(start_in_line).max(1);
            let len =
                src.text.get(m.span.clone()).map_or(1, |s| s.chars().take_while(|c| *c != '\n').count());
            let len = len.clamp(1, visible);
            let (ch, paint): (char, fn(Style, &str) -> String) =
                if m.primary { ('^', Style::red) } else { ('-', Style::cyan) };
            let underline: String = std::iter::repeat_n(ch, len).collect();
            out.push_str(&format!(
                "{pad} {bar} {}{}\n",
                " ".repeat(start_in_line),
                paint(style, &format!("{underline} {}", m.label))
            ));
        }
    }
    if !notes.is_empty() {
        out.push_str(&format!("{pad} {bar}\n"));
        for n in notes {
            out.push_str(&format!("{pad} {} {n}\n", style.blue("=")));
        }
    }
}

fn line_at(text: &str, line_no: usize) -> &str {
    text.split('\n').nth(line_no.saturating_sub(1)).unwrap_or("")
}
