//! "Prévu et réalisé par mesure": an accessible SVG bar chart, horizontal bars so that
//! the measures' long titles stay readable.

use std::fmt::Write;

use bilan_domain::money::format_number;
use bilan_domain::Money;

use crate::bars::{tick_step, wrap, DARK, FONT, LIGHT};
use crate::outline::{MeasureFigures, CHART_TITLE};
use crate::text::{sum_cell, NBSP};
use crate::xml::escape;

/// Width of the drawing, in px.
pub const WIDTH: f64 = 800.0;
const LABEL_WIDTH: f64 = 300.0;
const PLOT_LEFT: f64 = 310.0;
const PLOT_RIGHT: f64 = WIDTH - 120.0;
const TOP: f64 = 70.0;
const BAND: f64 = 46.0;
const BAR: f64 = 15.0;
const AXIS_SPACE: f64 = 40.0;

/// The chart as a standalone SVG document.
pub fn svg(year: i32, figures: &[MeasureFigures]) -> String {
    let height = height(figures.len());
    let title = format!("{CHART_TITLE} en {year}");
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="graphique-titre graphique-desc" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="12">"#
    );
    let _ = write!(
        s,
        r#"<title id="graphique-titre">{}</title><desc id="graphique-desc">{}</desc>"#,
        escape(&title),
        escape(&crate::outline::chart_description(figures))
    );
    let _ = write!(s, r##"<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>"##);
    let _ = write!(s, r#"<text x="10" y="22" font-size="16" font-weight="bold">{}</text>"#, escape(&title));
    legend(&mut s);
    if figures.is_empty() {
        let _ = write!(s, r#"<text x="10" y="{}">Aucune mesure renseignée.</text>"#, TOP + 20.0);
        s.push_str("</svg>");
        return s;
    }
    let max =
        figures.iter().flat_map(|f| [f.planned, f.spent]).flatten().map(Money::cents).max().unwrap_or(0);
    let step = tick_step(max);
    // In i128: rounding a huge sum up to a multiple of the step must not overflow.
    let top_value = ((i128::from(max) + step - 1) / step * step).max(step);
    let x = |cents: i128| PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * cents as f64 / top_value as f64;
    let bottom = TOP + BAND * figures.len() as f64;
    axis(&mut s, step, top_value, bottom, x);
    for (k, f) in figures.iter().enumerate() {
        let y = TOP + BAND * k as f64;
        label(&mut s, f, y);
        bar(&mut s, "Prévu", f.planned, y + 6.0, x, LIGHT);
        bar(&mut s, "Réalisé", f.spent, y + 6.0 + BAR + 2.0, x, DARK);
    }
    s.push_str("</svg>");
    s
}

fn legend(s: &mut String) {
    let y = 38.0;
    let _ = write!(
        s,
        r#"<rect x="10" y="{y}" width="14" height="14" fill="{LIGHT}" stroke="{DARK}"/><text x="30" y="{}">Prévu (montant inscrit)</text>"#,
        y + 11.0
    );
    let _ = write!(
        s,
        r#"<rect x="200" y="{y}" width="14" height="14" fill="{DARK}" stroke="{DARK}"/><text x="220" y="{}">Réalisé au 31 décembre</text>"#,
        y + 11.0
    );
}

fn axis(s: &mut String, step: i128, top_value: i128, bottom: f64, x: impl Fn(i128) -> f64) {
    let _ = write!(
        s,
        r##"<line x1="{PLOT_LEFT}" y1="{TOP}" x2="{PLOT_LEFT}" y2="{bottom}" stroke="#3a3a3a"/><line x1="{PLOT_LEFT}" y1="{bottom}" x2="{PLOT_RIGHT}" y2="{bottom}" stroke="#3a3a3a"/>"##
    );
    let mut v = 0;
    while v <= top_value {
        let xv = x(v);
        let _ = write!(
            s,
            r##"<line x1="{xv:.1}" y1="{TOP}" x2="{xv:.1}" y2="{bottom}" stroke="#dddddd"/><text x="{xv:.1}" y="{}" text-anchor="middle" font-size="11">{}</text>"##,
            bottom + 16.0,
            escape(&axis_label(i64::try_from(v).unwrap_or(i64::MAX)))
        );
        v += step;
    }
}

fn bar(s: &mut String, what: &str, value: Option<Money>, y: f64, x: impl Fn(i128) -> f64, fill: &str) {
    let cents = i128::from(value.map_or(0, Money::cents).max(0));
    let w = x(cents) - PLOT_LEFT;
    let label = sum_cell(value);
    let _ = write!(
        s,
        r#"<g><title>{what}{NBSP}: {}</title><rect x="{PLOT_LEFT}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="{fill}" stroke="{DARK}"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text></g>"#,
        escape(&label),
        PLOT_LEFT + w + 4.0,
        y + BAR - 3.0,
        escape(&label)
    );
}

/// Height of the drawing for `measures` measures, in px.
pub fn height(measures: usize) -> f64 {
    TOP + BAND * measures.max(1) as f64 + AXIS_SPACE
}

/// The measure's number and title, right-aligned beside its bars, on up to three lines.
fn label(s: &mut String, f: &MeasureFigures, y: f64) {
    let lines = wrap(&format!("{} {}", f.number, f.title), LABEL_CHARS, LABEL_LINES);
    let first = y + BAND / 2.0 + 4.0 - LINE * (lines.len() as f64 - 1.0) / 2.0;
    let _ = write!(s, r#"<text x="{LABEL_WIDTH}" y="{first:.1}" text-anchor="end" font-size="11">"#);
    for (k, line) in lines.iter().enumerate() {
        let dy = if k == 0 { 0.0 } else { LINE };
        let _ = write!(s, r#"<tspan x="{LABEL_WIDTH}" dy="{dy}">{}</tspan>"#, escape(line));
    }
    s.push_str("</text>");
}

const LABEL_CHARS: usize = 50;
const LABEL_LINES: usize = 3;
const LINE: f64 = 12.5;

/// "150 000 €": whole euros on the axis.
fn axis_label(cents: i64) -> String {
    format!("{}{NBSP}€", format_number(cents, 0, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_wrap_on_three_lines_at_most() {
        assert_eq!(wrap("1. Court", 50, 3), ["1. Court"]);
        let w = wrap(&"mot ".repeat(60), 20, 3);
        assert_eq!(w.len(), 3);
        assert!(w[2].ends_with('…') && w.iter().all(|l| l.chars().count() <= 20), "{w:?}");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(0), 100);
        assert_eq!(tick_step(89_033_700), 20_000_000);
        assert_eq!(tick_step(14_564_800), 5_000_000);
        assert_eq!(axis_label(15_000_000), "150\u{202f}000\u{a0}€");
    }
}
