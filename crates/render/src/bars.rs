//! "Prévu et consommé par mesure" for the consolidated dashboards: an accessible SVG chart
//! of horizontal grouped bars, in the per-report chart's conventions (`chart.rs`): same
//! width, fonts, colours, label wrapping and round ticks. Amounts are printed in a compact
//! form ("1,2 M€", see [`compact_euros`]); the exact amount is in each bar's `<title>`.
//!
//! The small drawing helpers shared by the SVG figures (font stack, colours, `wrap`,
//! `tick_step`, `title_text`, `fnv1a`) live here; the map ([`crate::map`]) uses them too.

use std::fmt::Write;

use bilan_domain::money::format_number;
use bilan_domain::Money;

use crate::text::NBSP;
use crate::xml::escape;

/// Font stack of every SVG figure (the per-report chart's).
pub(crate) const FONT: &str = "Arial, 'Liberation Sans', 'DejaVu Sans', 'Libertinus Serif', sans-serif";
/// Bleu France: outlines and the "spent" bars.
pub(crate) const DARK: &str = "#000091";
/// Light blue of the "planned" bars.
pub(crate) const LIGHT: &str = "#cacafb";
/// Body text colour (DSFR's grey 50 on white: 17:1).
pub(crate) const TEXT: &str = "#161616";

const WIDTH: f64 = crate::chart::WIDTH;
const LABEL_RIGHT: f64 = 300.0;
const PLOT_LEFT: f64 = 310.0;
const PLOT_RIGHT: f64 = WIDTH - 110.0;
const BAND: f64 = 46.0;
const BAR: f64 = 15.0;
const AXIS_SPACE: f64 = 40.0;
const TITLE_CHARS: usize = 80;
const TITLE_LINE: f64 = 20.0;
const LABEL_CHARS: usize = 50;
const LABEL_LINES: usize = 3;
const LINE: f64 = 12.5;

/// One measure (or any row) of [`planned_vs_spent_svg`]. Amounts in euro cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarRow {
    pub label: String,
    pub planned_cents: i64,
    pub spent_cents: i64,
    /// Where the row's label leads (e.g. the measure's page), if anywhere.
    pub href: Option<String>,
}

/// Horizontal grouped bars, "Prévu" (light) above "Consommé" (dark) for each row, with a
/// legend, an axis in round amounts and the compact amount at the end of each bar.
///
/// Long labels are wrapped on three lines and cut with "…"; the full label is in the
/// label's `<title>`. The SVG has `role="img"` (`role="group"` when a row has a link, so
/// that the links stay reachable), a `<title>` and a `<desc>` listing every amount.
/// Negative amounts draw no bar; no amount, however large, makes it panic.
pub fn planned_vs_spent_svg(rows: &[BarRow], title: &str) -> String {
    let id = format!("barres-{:08x}", fnv1a(title.as_bytes()));
    let title_lines = wrap(title, TITLE_CHARS, 2);
    let legend_y = 18.0 + TITLE_LINE * title_lines.len() as f64;
    let top = legend_y + 32.0;
    let height = top + BAND * rows.len().max(1) as f64 + AXIS_SPACE;
    let role = if rows.iter().any(|r| r.href.is_some()) { "group" } else { "img" };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="{role}" aria-labelledby="{id}-titre {id}-desc" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="12" fill="{TEXT}">"#
    );
    let _ = write!(
        s,
        r#"<title id="{id}-titre">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&description(rows))
    );
    let _ = write!(s, r##"<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>"##);
    title_text(&mut s, &title_lines, 10.0);
    legend(&mut s, legend_y);
    if rows.is_empty() {
        let _ = write!(s, r#"<text x="10" y="{}">Aucune mesure renseignée.</text>"#, top + 20.0);
        s.push_str("</svg>");
        return s;
    }
    let max = rows.iter().flat_map(|r| [r.planned_cents, r.spent_cents]).max().unwrap_or(0).max(0);
    let step = tick_step(max);
    // In i128: rounding i64::MAX up to a multiple of the step must not overflow.
    let top_value = (i128::from(max) + step - 1) / step * step;
    let top_value = top_value.max(step);
    let x = |cents: i128| PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * cents.max(0) as f64 / top_value as f64;
    let bottom = top + BAND * rows.len() as f64;
    let _ = write!(
        s,
        r##"<line x1="{PLOT_LEFT}" y1="{top}" x2="{PLOT_LEFT}" y2="{bottom}" stroke="#3a3a3a"/><line x1="{PLOT_LEFT}" y1="{bottom}" x2="{PLOT_RIGHT}" y2="{bottom}" stroke="#3a3a3a"/>"##
    );
    let mut v: i128 = 0;
    while v <= top_value {
        let xv = x(v);
        let _ = write!(
            s,
            r##"<line x1="{xv:.1}" y1="{top}" x2="{xv:.1}" y2="{bottom}" stroke="#dddddd"/><text x="{xv:.1}" y="{}" text-anchor="middle" font-size="11">{}</text>"##,
            bottom + 16.0,
            escape(&compact_euros(i64::try_from(v).unwrap_or(i64::MAX)))
        );
        v += step;
    }
    for (k, row) in rows.iter().enumerate() {
        let y = top + BAND * k as f64;
        label(&mut s, row, y);
        bar(&mut s, "Prévu", row.planned_cents, y + 6.0, &x, LIGHT);
        bar(&mut s, "Consommé", row.spent_cents, y + 6.0 + BAR + 2.0, &x, DARK);
    }
    s.push_str("</svg>");
    s
}

/// "1,2 M€": an amount in at most three significant digits, for labels and axes.
///
/// Below 1 000 € the amount is printed in full ("850 €", "850,50 €"); above, in thousands
/// ("12,3 k€"), millions ("1,2 M€") or billions ("4,5 Md€"), rounded half away from zero,
/// with one decimal below 100 units and none from 100 on. Spaces are the French ones:
/// narrow no-break space between thousands, no-break space before the unit.
pub fn compact_euros(cents: i64) -> String {
    const UNITS: [(i128, &str); 3] = [(100_000, "k€"), (100_000_000, "M€"), (100_000_000_000, "Md€")];
    let sign = if cents < 0 { "-" } else { "" };
    let abs = i128::from(cents).abs();
    if abs < 100_000 {
        return format!("{sign}{}{NBSP}€", format_number(abs as i64, 2, false));
    }
    let round = |value: i128, unit: i128| (2 * value + unit) / (2 * unit);
    for (k, &(unit, name)) in UNITS.iter().enumerate() {
        let tenths = round(abs * 10, unit);
        let hundredths = if tenths < 1000 { tenths * 10 } else { round(abs, unit) * 100 };
        if hundredths < 100_000 || k == UNITS.len() - 1 {
            // At most ~9.2e7 units of Md€ for i64::MAX cents: fits an i64.
            let text = format_number(hundredths as i64, 1, false);
            return format!("{sign}{text}{NBSP}{name}");
        }
    }
    unreachable!("the last unit always returns")
}

/// Splits `text` at spaces into at most `max_lines` lines of about `width` characters;
/// the last line ends with "…" when the text is longer. A word longer than `width` is cut.
pub(crate) fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        while current.chars().count() > width {
            let head: String = current.chars().take(width).collect();
            current = current.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = &mut lines[max_lines - 1];
        let kept: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{}…", kept.trim_end());
    }
    lines
}

/// A round step (1, 2 or 5 × 10ⁿ euros, in cents) giving at most six ticks up to `max_cents`.
pub(crate) fn tick_step(max_cents: i64) -> i128 {
    let max = i128::from(max_cents.max(0));
    let mut step: i128 = 100;
    loop {
        for m in [1, 2, 5] {
            if max / (step * m) < 6 {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// The figure's title, bold, one `<text>` per line from `x`, the first baseline at y = 26.
pub(crate) fn title_text(s: &mut String, lines: &[String], x: f64) {
    for (k, line) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{x}" y="{}" font-size="16" font-weight="bold">{}</text>"#,
            26.0 + TITLE_LINE * k as f64,
            escape(line)
        );
    }
}

/// FNV-1a: a short stable hash, to give each figure's ids a prefix of their own so that
/// several figures can share a page.
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn legend(s: &mut String, y: f64) {
    let _ = write!(
        s,
        r#"<rect x="10" y="{y}" width="14" height="14" fill="{LIGHT}" stroke="{DARK}"/><text x="30" y="{}">Prévu</text>"#,
        y + 11.0
    );
    let _ = write!(
        s,
        r#"<rect x="110" y="{y}" width="14" height="14" fill="{DARK}" stroke="{DARK}"/><text x="130" y="{}">Consommé</text>"#,
        y + 11.0
    );
}

fn bar(s: &mut String, what: &str, cents: i64, y: f64, x: &impl Fn(i128) -> f64, fill: &str) {
    let w = x(i128::from(cents)) - PLOT_LEFT;
    let _ = write!(
        s,
        r#"<g><title>{what}{NBSP}: {}</title><rect x="{PLOT_LEFT}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="{fill}" stroke="{DARK}"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text></g>"#,
        escape(&Money::from_cents(cents).to_french()),
        PLOT_LEFT + w + 4.0,
        y + BAR - 3.0,
        escape(&compact_euros(cents))
    );
}

/// The row's label, right-aligned beside its bars on up to three lines, the full label in
/// its `<title>`; a link when the row has one.
fn label(s: &mut String, row: &BarRow, y: f64) {
    let lines = wrap(&row.label, LABEL_CHARS, LABEL_LINES);
    let first = y + BAND / 2.0 + 4.0 - LINE * (lines.len() as f64 - 1.0) / 2.0;
    match &row.href {
        Some(href) => {
            let _ = write!(s, r#"<a href="{}">"#, escape(href));
        }
        None => s.push_str("<g>"),
    }
    let _ = write!(s, r#"<title>{}</title>"#, escape(row.label.trim()));
    // A link looks like one: blue France, underlined.
    let style = if row.href.is_some() {
        format!(r#" fill="{DARK}" text-decoration="underline""#)
    } else {
        String::new()
    };
    let _ = write!(s, r#"<text x="{LABEL_RIGHT}" y="{first:.1}" text-anchor="end" font-size="11"{style}>"#);
    for (k, line) in lines.iter().enumerate() {
        let dy = if k == 0 { 0.0 } else { LINE };
        let _ = write!(s, r#"<tspan x="{LABEL_RIGHT}" dy="{dy}">{}</tspan>"#, escape(line));
    }
    s.push_str("</text>");
    s.push_str(if row.href.is_some() { "</a>" } else { "</g>" });
}

/// "Pour chaque mesure, … Titre : prévu 126 400,00 €, consommé 26 988,00 €. …"
fn description(rows: &[BarRow]) -> String {
    if rows.is_empty() {
        return "Aucune mesure renseignée.".to_string();
    }
    let mut s = String::from("Pour chaque mesure, montant prévu et montant consommé.");
    for r in rows {
        let _ = write!(
            s,
            " {}{NBSP}: prévu {}, consommé {}.",
            r.label.trim(),
            Money::from_cents(r.planned_cents),
            Money::from_cents(r.spent_cents)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_amounts() {
        let n = |s: &str| s.replace([NBSP, '\u{202F}'], " ");
        assert_eq!(n(&compact_euros(0)), "0 €");
        assert_eq!(n(&compact_euros(85_000)), "850 €");
        assert_eq!(n(&compact_euros(85_050)), "850,50 €");
        assert_eq!(n(&compact_euros(99_999)), "999,99 €");
        assert_eq!(n(&compact_euros(100_000)), "1 k€");
        assert_eq!(n(&compact_euros(123_456)), "1,2 k€");
        assert_eq!(n(&compact_euros(12_345_600)), "123 k€");
        assert_eq!(n(&compact_euros(99_999_900)), "1 M€");
        assert_eq!(n(&compact_euros(123_456_700)), "1,2 M€");
        assert_eq!(n(&compact_euros(1_550_000_000)), "15,5 M€");
        assert_eq!(n(&compact_euros(-123_456_700)), "-1,2 M€");
        assert_eq!(n(&compact_euros(450_000_000_000)), "4,5 Md€");
        assert_eq!(n(&compact_euros(i64::MAX)), "92 233 720 Md€");
        assert_eq!(n(&compact_euros(i64::MIN)), "-92 233 720 Md€");
    }

    #[test]
    fn labels_wrap_on_three_lines_at_most() {
        assert_eq!(wrap("1. Court", 50, 3), ["1. Court"]);
        let w = wrap(&"mot ".repeat(60), 20, 3);
        assert_eq!(w.len(), 3);
        assert!(w[2].ends_with('…') && w.iter().all(|l| l.chars().count() <= 20), "{w:?}");
        let long = wrap(&"x".repeat(45), 20, 3);
        assert_eq!(long.len(), 3);
        assert!(long.iter().all(|l| l.chars().count() <= 20), "{long:?}");
    }

    #[test]
    fn ticks_are_round_and_never_overflow() {
        assert_eq!(tick_step(0), 100);
        assert_eq!(tick_step(89_033_700), 20_000_000);
        assert_eq!(tick_step(14_564_800), 5_000_000);
        assert!(tick_step(i64::MAX) > 0);
        assert!(i128::from(i64::MAX) / tick_step(i64::MAX) < 6);
    }
}
