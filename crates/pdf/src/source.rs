//! The Typst source of a report, written from the shared outline.
//!
//! User text never becomes markup: every piece of it is passed as a Typst string literal
//! (see [`lit`]) to functions of the fixed template below, which print strings as text.

use std::fmt::Write;

use bilan_render::outline::{Block, Column, Field, Outline, Row, RowKind, Table, TitlePage};

/// The name the chart is served under by the compiler's world.
pub const CHART_PATH: &str = "/chart.svg";

/// Fixed template: page setup, styles and the functions the body calls. Holds no user data.
const TEMPLATE: &str = r##"
#set text(lang: "fr", region: "FR", font: ("Libertinus Serif", "New Computer Modern"), size: 10.5pt, hyphenate: false)
#set page(
  paper: "a4",
  margin: (x: 2cm, top: 1.8cm, bottom: 2cm),
  footer: context align(center, text(size: 9pt)[Page #counter(page).display("1 / 1", both: true)]),
)
#set par(justify: true)
#set heading(numbering: none)
#show heading: set text(fill: rgb("#000091"))
#show heading: set block(above: 1.3em, below: 0.7em)
#show heading.where(level: 1): set text(size: 17pt)
#show heading.where(level: 2): set text(size: 14pt)
#show heading.where(level: 3): set text(size: 12.5pt)
#show heading.where(level: 4): set text(size: 11pt, fill: black)
#show heading.where(level: 5): set text(size: 10.5pt, fill: black, style: "italic")
#set table(stroke: 0.5pt + rgb("#929292"), inset: 4pt)
#show table: set text(size: 8.5pt)
#show table: set par(justify: false)
#show figure: set block(breakable: true)
#set figure(numbering: none)
#set figure.caption(position: top)
#show figure.caption: set text(weight: "bold", size: 9.5pt)
#set outline(depth: 3)

#let txt(s) = s.split("\n").join(linebreak())
#let para(s) = par(txt(s))
#let field(label, value) = par(justify: false)[#strong(label)~: #txt(value)]
#let items(..xs) = list(..xs.pos().map(txt))

#let fills = (
  normal: none,
  valuation: rgb("#b8fec9"),
  group: rgb("#e3e3fd"),
  subtotal: rgb("#f6f6f6"),
  total: rgb("#eeeeee"),
)

#let tbl(caption, widths, numeric, header, row-headers, rows) = {
  let n = widths.len()
  let side(k) = if numeric.at(k) { right } else { left }
  let cells = ()
  for (kind, cs) in rows {
    let fill = fills.at(kind)
    if kind == "group" {
      cells.push(table.cell(colspan: n, fill: fill, strong(txt(cs.at(0)))))
    } else {
      for (k, c) in cs.enumerate() {
        let body = txt(c)
        if kind == "subtotal" or kind == "total" or (row-headers and k == 0) { body = strong(body) }
        cells.push(table.cell(fill: fill, align: side(k), body))
      }
    }
  }
  figure(
    kind: table,
    caption: caption,
    table(
      columns: widths,
      table.header(..header.enumerate().map(((k, h)) => table.cell(fill: rgb("#eeeeee"), align: side(k), strong(h)))),
      ..cells,
    ),
  )
}

#let title-page(department, title, programme, year, fields, signatories) = {
  set par(justify: false)
  align(center)[
    #v(2cm)
    #text(size: 14pt, weight: "bold", department)
    #v(1.5cm)
    #text(size: 22pt, weight: "bold", fill: rgb("#000091"), title)
    #v(1cm)
    #text(size: 13pt, programme)
    #v(0.5cm)
    #text(size: 13pt, weight: "bold", year)
    #v(2cm)
  ]
  for (label, value) in fields { field(label, value) }
  if signatories.len() > 0 {
    field("Signataires", "")
    items(..signatories)
  }
}
"##;

/// The whole Typst document.
pub fn typst_source(outline: &Outline) -> String {
    let mut s = String::with_capacity(128 * 1024);
    let t = &outline.title;
    let _ = writeln!(s, "#set document(title: {}, author: {})", lit(&t.title), lit(&t.department));
    s.push_str(TEMPLATE);
    title_page(&mut s, t);
    s.push_str("#pagebreak()\n#outline(title: \"Sommaire\")\n");
    for section in &outline.sections {
        // A page rule starts a new page: each section begins on its own.
        let _ = writeln!(s, "#set page(flipped: {})", section.landscape);
        for b in &section.blocks {
            block(&mut s, b);
        }
    }
    s
}

fn title_page(s: &mut String, t: &TitlePage) {
    let fields: Vec<String> =
        t.fields.iter().map(|f| format!("({}, {})", lit(&f.label), lit(&f.value))).collect();
    let _ = writeln!(
        s,
        "#title-page({}, {}, {}, {}, {}, {})",
        lit(&t.department),
        lit(&t.title),
        lit(&t.programme),
        lit(&t.year),
        array(&fields),
        array(&t.signatories.iter().map(|n| lit(n)).collect::<Vec<_>>())
    );
}

fn block(s: &mut String, b: &Block) {
    match b {
        Block::Heading(h) => {
            let _ = writeln!(s, "#heading(level: {}, {})", h.level.clamp(1, 5), lit(&h.text()));
        }
        Block::Paragraph(p) => {
            let _ = writeln!(s, "#para({})", lit(p));
        }
        Block::Field(Field { label, value }) => {
            let _ = writeln!(s, "#field({}, {})", lit(label), lit(value));
        }
        Block::List(items) => {
            let _ = writeln!(s, "#items({})", items.iter().map(|i| lit(i)).collect::<Vec<_>>().join(", "));
        }
        Block::Table(t) => table(s, t),
        Block::Chart(c) => {
            let _ =
                writeln!(s, "#figure(image({}, width: 100%, alt: {}))", lit(CHART_PATH), lit(&c.description));
        }
    }
}

fn table(s: &mut String, t: &Table) {
    let widths: Vec<String> = t.columns.iter().map(|c| format!("{}fr", c.width.max(1))).collect();
    let numeric: Vec<String> = t.columns.iter().map(|c: &Column| c.numeric.to_string()).collect();
    let header: Vec<String> = t.columns.iter().map(|c| lit(&c.title)).collect();
    let rows: Vec<String> = t.rows.iter().map(row).collect();
    let _ = writeln!(
        s,
        "#tbl({}, {}, {}, {}, {}, {})",
        lit(&t.caption),
        array(&widths),
        array(&numeric),
        array(&header),
        t.row_headers,
        array(&rows)
    );
}

fn row(r: &Row) -> String {
    let kind = match r.kind {
        RowKind::Normal => "normal",
        RowKind::Valuation => "valuation",
        RowKind::Group => "group",
        RowKind::Subtotal => "subtotal",
        RowKind::Total => "total",
    };
    format!("({}, {})", lit(kind), array(&r.cells.iter().map(|c| lit(c)).collect::<Vec<_>>()))
}

/// A Typst array of already-written expressions; a trailing comma keeps one-element
/// arrays arrays.
fn array(items: &[String]) -> String {
    if items.is_empty() {
        "()".into()
    } else {
        format!("({},)", items.join(", "))
    }
}

/// A Typst string literal holding `text` exactly: backslashes, quotes and every control
/// character are escaped, so no user text can close the literal or reach the markup.
pub fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_everything_that_could_end_them() {
        assert_eq!(lit("a\"b\\c\nd\u{0}#[]$*_@<x>"), "\"a\\\"b\\\\c\\nd\\u{0}#[]$*_@<x>\"");
        assert_eq!(array(&["1".into()]), "(1,)");
        assert_eq!(array(&[]), "()");
    }
}
