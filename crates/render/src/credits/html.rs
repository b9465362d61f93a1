//! The credits note as an HTML fragment for the web page: one `<section>`, DSFR table
//! markup (`<div class="fr-table">`), no style and no script of its own.

use std::fmt::Write;

use crate::outline::{Block, Field, Heading, Outline, Row, RowKind, Table, TitlePage};
use crate::xml::escape;

/// The id of the note's title, which labels the section.
const TITLE_ID: &str = "note-credits-titre";

pub fn write(outline: &Outline) -> String {
    let mut s = String::with_capacity(32 * 1024);
    let _ = writeln!(s, "<section class=\"note-credits\" aria-labelledby=\"{TITLE_ID}\">");
    title_page(&mut s, &outline.title);
    for block in outline.sections.iter().flat_map(|section| &section.blocks) {
        self::block(&mut s, block);
    }
    s.push_str("</section>\n");
    s
}

fn title_page(s: &mut String, t: &TitlePage) {
    s.push_str("<header>\n");
    let _ = writeln!(s, "<p class=\"departement\">{}</p>", escape(&t.department));
    let _ = writeln!(s, "<h2 id=\"{TITLE_ID}\">{}</h2>", escape(&t.title));
    if !t.programme.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", escape(&t.programme));
    }
    let _ = writeln!(s, "<p>{}</p>", escape(&t.year));
    for f in &t.fields {
        field(s, f);
    }
    s.push_str("</header>\n");
}

fn block(s: &mut String, block: &Block) {
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
        // The note has no chart; its figures would be in the table anyway.
        Block::Chart(c) => table(s, &c.table),
    }
}

fn heading(s: &mut String, h: &Heading) {
    // The note's title is an h2: outline level 1 is an h3.
    let n = (h.level + 2).min(6);
    let _ = writeln!(s, "<h{n} id=\"{}\">{}</h{n}>", escape(&h.anchor), escape(&h.text()));
}

fn field(s: &mut String, f: &Field) {
    let _ = writeln!(s, "<p><strong>{}</strong>&#160;: {}</p>", escape(&f.label), text(&f.value));
}

/// Escaped text with its line breaks.
fn text(t: &str) -> String {
    escape(t).replace('\n', "<br>\n")
}

fn class(numeric: bool) -> &'static str {
    if numeric {
        " class=\"montant\""
    } else {
        ""
    }
}

fn table(s: &mut String, t: &Table) {
    let _ = writeln!(
        s,
        "<div class=\"fr-table\">\n<table tabindex=\"0\">\n<caption>{}</caption>",
        escape(&t.caption)
    );
    s.push_str("<thead>\n<tr>");
    for c in &t.columns {
        let _ = write!(s, "<th scope=\"col\"{}>{}</th>", class(c.numeric), escape(&c.title));
    }
    s.push_str("</tr>\n</thead>\n<tbody>\n");
    let (totals, body): (Vec<&Row>, Vec<&Row>) = t.rows.iter().partition(|r| r.kind == RowKind::Total);
    for r in body {
        row(s, t, r);
    }
    s.push_str("</tbody>\n");
    if !totals.is_empty() {
        s.push_str("<tfoot>\n");
        for r in totals {
            row(s, t, r);
        }
        s.push_str("</tfoot>\n");
    }
    s.push_str("</table>\n</div>\n");
}

fn row(s: &mut String, t: &Table, row: &Row) {
    let class_attr = match row.kind {
        RowKind::Normal => "",
        RowKind::Valuation => " class=\"valorisation\"",
        RowKind::Group => " class=\"groupe\"",
        RowKind::Subtotal => " class=\"sous-total\"",
        RowKind::Total => " class=\"total\"",
    };
    let _ = write!(s, "<tr{class_attr}>");
    if row.kind == RowKind::Group {
        let label = row.cells.first().map(String::as_str).unwrap_or_default();
        let _ = write!(s, "<th scope=\"rowgroup\" colspan=\"{}\">{}</th>", t.columns.len(), text(label));
    } else {
        for (k, (cell, col)) in row.cells.iter().zip(&t.columns).enumerate() {
            if k == 0 && t.row_headers {
                let _ = write!(s, "<th scope=\"row\"{}>{}</th>", class(col.numeric), text(cell));
            } else {
                let _ = write!(s, "<td{}>{}</td>", class(col.numeric), text(cell));
            }
        }
    }
    s.push_str("</tr>\n");
}
