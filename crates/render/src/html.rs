//! One self-contained, accessible HTML page: no external resource, print styles inline.

use std::fmt::Write;

use crate::outline::{Block, Field, Heading, Outline, Row, RowKind, Table, TitlePage};
use crate::xml::escape;

const STYLE: &str = r#"
body { font-family: Marianne, Arial, "Liberation Sans", sans-serif; line-height: 1.5; color: #161616; max-width: 60rem; margin: 0 auto; padding: 1rem; }
header.titre { border-bottom: 2px solid #000091; margin-bottom: 2rem; padding-bottom: 1rem; }
header.titre .departement { font-size: 1.25rem; font-weight: bold; }
h1 { font-size: 1.9rem; color: #000091; } h2 { font-size: 1.6rem; color: #000091; border-bottom: 1px solid #000091; }
h3 { font-size: 1.35rem; } h4 { font-size: 1.15rem; } h5 { font-size: 1rem; } h6 { font-size: 1rem; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border: 1px solid #929292; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
thead th { background: #eeeeee; }
.nombre { text-align: right; } td.nombre { white-space: nowrap; }
tr.groupe th { background: #e3e3fd; }
tr.sous-total, tr.total, tr.groupe { font-weight: bold; }
tr.total { background: #eeeeee; }
tr.valorisation { background: #b8fec9; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
nav ul { list-style: none; padding-left: 1rem; }
nav .niveau-2 { padding-left: 1rem; } nav .niveau-3 { padding-left: 2rem; }
@page { size: A4; margin: 1.5cm; }
@page paysage { size: A4 landscape; }
@media print {
  body { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav { display: none; }
  section.paysage { page: paysage; break-before: page; }
  section.portrait + section.portrait { break-before: page; }
  h2, h3, h4, h5, h6 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
"#;

/// Writes the outline as one HTML page; `svg` is the chart, inlined where it belongs.
pub fn write(outline: &Outline, svg: &str) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let t = &outline.title;
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} – {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&t.title),
        escape(&t.department)
    );
    title_page(&mut s, t);
    contents(&mut s, outline);
    s.push_str("<main>\n");
    for section in &outline.sections {
        let class = if section.landscape { "paysage" } else { "portrait" };
        let _ = writeln!(s, "<section class=\"{class}\">");
        for block in &section.blocks {
            self::block(&mut s, block, svg);
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn title_page(s: &mut String, t: &TitlePage) {
    s.push_str("<header class=\"titre\">\n");
    let _ = writeln!(s, "<p class=\"departement\">{}</p>", escape(&t.department));
    let _ = writeln!(s, "<h1>{}</h1>", escape(&t.title));
    if !t.programme.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", escape(&t.programme));
    }
    let _ = writeln!(s, "<p>{}</p>", escape(&t.year));
    for f in &t.fields {
        field(s, f);
    }
    if !t.signatories.is_empty() {
        s.push_str("<p><strong>Signataires</strong>&#160;:</p>\n<ul>\n");
        for n in &t.signatories {
            let _ = writeln!(s, "<li>{}</li>", escape(n));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</header>\n");
}

/// A table of contents down to the actions.
fn contents(s: &mut String, outline: &Outline) {
    s.push_str("<nav aria-labelledby=\"sommaire\">\n<h2 id=\"sommaire\">Sommaire</h2>\n<ul>\n");
    for block in outline.sections.iter().flat_map(|sec| &sec.blocks) {
        if let Block::Heading(h) = block {
            if h.level <= 3 {
                let _ = writeln!(
                    s,
                    "<li class=\"niveau-{}\"><a href=\"#{}\">{}</a></li>",
                    h.level,
                    escape(&h.anchor),
                    escape(&h.text())
                );
            }
        }
    }
    s.push_str("</ul>\n</nav>\n");
}

fn block(s: &mut String, block: &Block, svg: &str) {
    match block {
        Block::Heading(h) => heading(s, h),
        Block::Paragraph(p) => {
            let _ = writeln!(s, "<p>{}</p>", text(p));
        }
        Block::Field(f) => field(s, f),
        Block::List(items) => {
            s.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(s, "<li>{}</li>", text(i));
            }
            s.push_str("</ul>\n");
        }
        Block::Table(t) => table(s, t),
        Block::Chart(c) => {
            // The drawing carries its own title; the table gives its figures.
            let _ = writeln!(s, "<figure>\n{svg}\n</figure>");
            table(s, &c.table);
        }
    }
}

fn heading(s: &mut String, h: &Heading) {
    // h1 is the document's title: outline level 1 is an h2.
    let n = (h.level + 1).min(6);
    let _ = writeln!(s, "<h{n} id=\"{}\">{}</h{n}>", escape(&h.anchor), escape(&h.text()));
}

fn field(s: &mut String, f: &Field) {
    let _ = writeln!(s, "<p><strong>{}</strong>&#160;: {}</p>", escape(&f.label), text(&f.value));
}

/// Escaped text with its line breaks.
fn text(t: &str) -> String {
    escape(t).replace('\n', "<br>\n")
}

fn table(s: &mut String, t: &Table) {
    let _ = writeln!(s, "<table>\n<caption>{}</caption>", escape(&t.caption));
    let total: u32 = t.columns.iter().map(|c| u32::from(c.width)).sum::<u32>().max(1);
    s.push_str("<colgroup>");
    for c in &t.columns {
        let _ = write!(s, "<col style=\"width: {}%\">", u32::from(c.width) * 100 / total);
    }
    s.push_str("</colgroup>\n<thead>\n<tr>");
    for c in &t.columns {
        let class = if c.numeric { " class=\"nombre\"" } else { "" };
        let _ = write!(s, "<th scope=\"col\"{class}>{}</th>", escape(&c.title));
    }
    s.push_str("</tr>\n</thead>\n<tbody>\n");
    // Each group of rows is a <tbody> headed by its label; a total after groups
    // stands in its own.
    let mut in_group = false;
    for (k, row) in t.rows.iter().enumerate() {
        let starts_group = row.kind == RowKind::Group;
        if k > 0 && (starts_group || (in_group && row.kind == RowKind::Total)) {
            s.push_str("</tbody>\n<tbody>\n");
        }
        in_group = starts_group || (in_group && row.kind != RowKind::Total);
        self::row(s, t, row);
    }
    s.push_str("</tbody>\n</table>\n");
}

fn row(s: &mut String, t: &Table, row: &Row) {
    let class = match row.kind {
        RowKind::Normal => "",
        RowKind::Valuation => " class=\"valorisation\"",
        RowKind::Group => " class=\"groupe\"",
        RowKind::Subtotal => " class=\"sous-total\"",
        RowKind::Total => " class=\"total\"",
    };
    let _ = write!(s, "<tr{class}>");
    if row.kind == RowKind::Group {
        let label = row.cells.first().map(String::as_str).unwrap_or_default();
        let _ = write!(s, "<th scope=\"rowgroup\" colspan=\"{}\">{}</th>", t.columns.len(), text(label));
    } else {
        for (k, (cell, col)) in row.cells.iter().zip(&t.columns).enumerate() {
            let class = if col.numeric { " class=\"nombre\"" } else { "" };
            if k == 0 && t.row_headers {
                let _ = write!(s, "<th scope=\"row\"{class}>{}</th>", text(cell));
            } else {
                let _ = write!(s, "<td{class}>{}</td>", text(cell));
            }
        }
    }
    s.push_str("</tr>\n");
}
