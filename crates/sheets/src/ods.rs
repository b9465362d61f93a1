//! The annex as an OpenDocument Spreadsheet, written by hand (ODF 1.2).
//!
//! The package: `mimetype` first, stored uncompressed (so that `file` and office suites
//! recognise it), then the manifest, `content.xml`, `styles.xml`, `meta.xml` and
//! `settings.xml` (frozen rows under the header). Amounts are currency cells in EUR with
//! the exact decimal of the cents as `office:value`; subtotals and total carry an
//! OpenFormula (`of:=SUM([.F5:.F10])`) and its cached result.
//!
//! No whitespace is written between cells: some readers (calamine) reject it.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use bilan_domain::{Money, Report};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::annex::AnnexTable;
use crate::layout::{
    self, column_letters, decimal, is_money_column, Cell, Grid, RowKind, SumTerms, COLUMNS, GREEN, GREY,
    LIGHT_GREY,
};
use crate::{neutralize, SheetError};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// The annex of `report` as an ODS workbook.
pub fn ods(report: &Report) -> Result<Vec<u8>, SheetError> {
    let table = AnnexTable::from_report(report);
    let grid = Grid::new(&table);

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("mimetype", stored)?;
    zip.write_all(MIMETYPE.as_bytes())?;
    let parts = [
        ("META-INF/manifest.xml", manifest()),
        ("content.xml", content(&grid)),
        ("styles.xml", styles()),
        ("meta.xml", meta(&table)),
        ("settings.xml", settings(&grid)),
    ];
    for (name, xml) in parts {
        zip.start_file(name, deflated)?;
        zip.write_all(xml.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

const NAMESPACES: &str = concat!(
    r#" xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0""#,
    r#" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0""#,
    r#" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#,
    r#" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0""#,
    r#" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0""#,
    r#" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0""#,
    r#" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0""#,
    r#" xmlns:dc="http://purl.org/dc/elements/1.1/""#,
    r#" xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0""#,
    r#" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2""#,
    // LibreOffice's extension namespace: "fit to one page wide" has no ODF 1.2 attribute.
    r#" xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0""#,
);

fn manifest() -> String {
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">"#,
    ));
    let _ = write!(
        x,
        r#"<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>"#
    );
    for part in ["content.xml", "styles.xml", "meta.xml", "settings.xml"] {
        let _ =
            write!(x, r#"<manifest:file-entry manifest:full-path="{part}" manifest:media-type="text/xml"/>"#);
    }
    x.push_str("</manifest:manifest>");
    x
}

/// Escapes text for XML content and attribute values. Characters XML 1.0 forbids
/// (control characters other than tab, LF, CR) are dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        '\t' | '\n' | '\r' => out.push(c),
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
        c => out.push(c),
    }
}

/// Text as ODF paragraphs: one `<text:p>` per line, tabs as `<text:tab/>`, runs of
/// spaces (and leading spaces) as `<text:s text:c="n"/>`, so nothing is collapsed.
fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalized.split('\n') {
        out.push_str("<text:p>");
        let mut spaces = 0usize;
        let mut at_start = true;
        let flush = |out: &mut String, spaces: &mut usize, at_start: bool| {
            if *spaces == 0 {
                return;
            }
            // XML collapses nothing, but ODF does: the first space of a run is kept as a
            // character unless it starts the paragraph.
            let (literal, counted) = if at_start { (0, *spaces) } else { (1, *spaces - 1) };
            out.push_str(&" ".repeat(literal));
            if counted == 1 {
                out.push_str("<text:s/>");
            } else if counted > 1 {
                let _ = write!(out, r#"<text:s text:c="{counted}"/>"#);
            }
            *spaces = 0;
        };
        for c in line.chars() {
            match c {
                ' ' => spaces += 1,
                '\t' => {
                    flush(&mut out, &mut spaces, at_start);
                    out.push_str("<text:tab/>");
                    at_start = false;
                }
                c => {
                    flush(&mut out, &mut spaces, at_start);
                    push_escaped(&mut out, c);
                    at_start = false;
                }
            }
        }
        // Trailing spaces are kept too.
        flush(&mut out, &mut spaces, at_start);
        out.push_str("</text:p>");
    }
    out
}

/// Width of a column: Excel's character unit is about 0.2 cm at the default font.
fn width_cm(chars: f64) -> String {
    format!("{:.2}cm", chars * 0.2 + 0.2)
}

fn cell_style(name: &str, bold: bool, background: Option<u32>, wrap: bool, money: bool) -> String {
    let data_style = if money { r#" style:data-style-name="N_EUR""# } else { "" };
    let background = background.map(|c| format!(r##" fo:background-color="#{c:06X}""##)).unwrap_or_default();
    let wrap = if wrap { r#" fo:wrap-option="wrap""# } else { "" };
    let bold = if bold {
        r#"<style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"/>"#
    } else {
        ""
    };
    let align = if money { r#"<style:paragraph-properties fo:text-align="end"/>"# } else { "" };
    format!(
        r#"<style:style style:name="{name}" style:family="table-cell" style:parent-style-name="Default"{data_style}><style:table-cell-properties fo:border="0.06pt solid #000000" style:vertical-align="top"{wrap}{background}/>{align}{bold}</style:style>"#
    )
}

/// Names of the cell styles, by row kind: (text, money).
fn style_names(kind: RowKind) -> (&'static str, &'static str) {
    match kind {
        RowKind::Title => ("ceTitle", "ceTitle"),
        RowKind::Note => ("ceNote", "ceNote"),
        RowKind::Header => ("ceHeader", "ceHeader"),
        RowKind::Line { staff_time: false } => ("ceText", "ceMoney"),
        RowKind::Line { staff_time: true } => ("ceTextEtp", "ceMoneyEtp"),
        RowKind::Subtotal => ("ceSubText", "ceSubMoney"),
        RowKind::Total => ("ceTotText", "ceTotMoney"),
    }
}

fn automatic_styles() -> String {
    let mut x = String::from("<office:automatic-styles>");
    for (i, w) in layout::WIDTHS.iter().enumerate() {
        let _ = write!(
            x,
            r#"<style:style style:name="co{i}" style:family="table-column"><style:table-column-properties fo:break-before="auto" style:column-width="{}"/></style:style>"#,
            width_cm(*w)
        );
    }
    x.push_str(r#"<style:style style:name="ro" style:family="table-row"><style:table-row-properties style:use-optimal-row-height="true" fo:break-before="auto"/></style:style>"#);
    x.push_str(r#"<style:style style:name="ta" style:family="table" style:master-page-name="Annexe"><style:table-properties table:display="true" style:writing-mode="lr-tb"/></style:style>"#);
    // "145 468,26 €" whatever the reader's locale: French grouping and decimal comma.
    x.push_str(concat!(
        r#"<number:currency-style style:name="N_EUR" number:language="fr" number:country="FR">"#,
        r#"<number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/>"#,
        "<number:text>\u{A0}</number:text>",
        r#"<number:currency-symbol number:language="fr" number:country="FR">€</number:currency-symbol>"#,
        "</number:currency-style>",
    ));
    x.push_str(r#"<style:style style:name="ceTitle" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-size="14pt" style:font-size-asian="14pt" style:font-size-complex="14pt" fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"/></style:style>"#);
    x.push_str(r#"<style:style style:name="ceNote" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-style="italic" style:font-style-asian="italic" style:font-style-complex="italic"/></style:style>"#);
    x.push_str(
        &cell_style("ceHeader", true, Some(GREY), true, false)
            .replace(r#"style:vertical-align="top""#, r#"style:vertical-align="middle""#),
    );
    x.push_str(&cell_style("ceText", false, None, true, false));
    x.push_str(&cell_style("ceMoney", false, None, false, true));
    x.push_str(&cell_style("ceTextEtp", false, Some(GREEN), true, false));
    x.push_str(&cell_style("ceMoneyEtp", false, Some(GREEN), false, true));
    x.push_str(&cell_style("ceSubText", true, Some(LIGHT_GREY), true, false));
    x.push_str(&cell_style("ceSubMoney", true, Some(LIGHT_GREY), false, true));
    x.push_str(&cell_style("ceTotText", true, Some(GREY), true, false));
    x.push_str(&cell_style("ceTotMoney", true, Some(GREY), false, true));
    x.push_str("</office:automatic-styles>");
    x
}

fn money_cell(style: &str, value: Money, formula: Option<&str>) -> String {
    let formula = formula.map(|f| format!(r#" table:formula="{}""#, escape(f))).unwrap_or_default();
    format!(
        r#"<table:table-cell table:style-name="{style}"{formula} office:value-type="currency" office:currency="EUR" office:value="{}"><text:p>{}</text:p></table:table-cell>"#,
        decimal(value, '.', false),
        escape(&value.to_french())
    )
}

/// "of:=SUM([.F5:.F10])" or "of:=SUM([.F11];[.F15])".
fn formula(terms: &SumTerms) -> String {
    match terms {
        SumTerms::Range { col, first, last } => {
            let c = column_letters(*col);
            format!("of:=SUM([.{c}{}:.{c}{}])", first + 1, last + 1)
        }
        SumTerms::Cells { col, rows } => {
            let c = column_letters(*col);
            let refs: Vec<String> = rows.iter().map(|r| format!("[.{c}{}]", r + 1)).collect();
            format!("of:={}", layout::sum_of_cells(&refs, ";"))
        }
    }
}

fn content(grid: &Grid) -> String {
    let mut x = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = write!(x, r#"<office:document-content{NAMESPACES} office:version="1.2">"#);
    x.push_str(&automatic_styles());
    let _ = write!(
        x,
        r#"<office:body><office:spreadsheet><table:table table:name="{}" table:style-name="ta">"#,
        escape(layout::SHEET_NAME)
    );
    for i in 0..COLUMNS {
        let _ = write!(
            x,
            r#"<table:table-column table:style-name="co{i}" table:default-cell-style-name="Default"/>"#
        );
    }
    for (r, row) in grid.rows.iter().enumerate() {
        let is_header = r as u32 == grid.header_row;
        if is_header {
            // Repeated on every printed page.
            x.push_str("<table:table-header-rows>");
        }
        x.push_str(r#"<table:table-row table:style-name="ro">"#);
        let (text_style, money_style) = style_names(row.kind);
        let is_table = !matches!(row.kind, RowKind::Title | RowKind::Note);
        for c in 0..COLUMNS {
            let cell = row.cells.get(usize::from(c)).unwrap_or(&Cell::Empty);
            match cell {
                Cell::Empty if is_table => {
                    let style = if is_money_column(c) { money_style } else { text_style };
                    let _ = write!(x, r#"<table:table-cell table:style-name="{style}"/>"#);
                }
                Cell::Empty => x.push_str("<table:table-cell/>"),
                Cell::Text(t) => {
                    let _ = write!(
                        x,
                        r#"<table:table-cell table:style-name="{text_style}" office:value-type="string">{}</table:table-cell>"#,
                        paragraphs(&neutralize(t))
                    );
                }
                Cell::Money(m) => x.push_str(&money_cell(money_style, *m, None)),
                Cell::Sum { terms, value } => {
                    x.push_str(&money_cell(money_style, *value, Some(&formula(terms))));
                }
            }
        }
        x.push_str("</table:table-row>");
        if is_header {
            x.push_str("</table:table-header-rows>");
        }
    }
    x.push_str("</table:table></office:spreadsheet></office:body></office:document-content>");
    x
}

fn styles() -> String {
    let mut x = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = write!(x, r#"<office:document-styles{NAMESPACES} office:version="1.2">"#);
    x.push_str(concat!(
        "<office:styles>",
        r#"<style:default-style style:family="table-cell"><style:text-properties fo:language="fr" fo:country="FR" fo:font-size="10pt"/></style:default-style>"#,
        r#"<style:style style:name="Default" style:family="table-cell"/>"#,
        "</office:styles>",
        "<office:automatic-styles>",
        r#"<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" fo:margin-top="1cm" fo:margin-bottom="1cm" fo:margin-left="1cm" fo:margin-right="1cm" loext:scale-to-X="1" loext:scale-to-Y="0"/></style:page-layout>"#,
        "</office:automatic-styles>",
        "<office:master-styles>",
        r#"<style:master-page style:name="Annexe" style:page-layout-name="pm1"/>"#,
        "</office:master-styles>",
        "</office:document-styles>",
    ));
    x
}

fn meta(table: &AnnexTable) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-meta{NAMESPACES} office:version="1.2"><office:meta><meta:generator>bilan</meta:generator><dc:title>{}</dc:title><dc:subject>Annexe financière du rapport d'exécution {}</dc:subject><dc:language>fr-FR</dc:language></office:meta></office:document-meta>"#,
        escape(&table.title),
        table.year
    )
}

/// LibreOffice's view settings: rows above the header's end are frozen
/// (`VerticalSplitMode` 2 = frozen, `VerticalSplitPosition` = number of frozen rows).
fn settings(grid: &Grid) -> String {
    let frozen = grid.header_row + 1;
    let item = |name: &str, ty: &str, value: &str| {
        format!(r#"<config:config-item config:name="{name}" config:type="{ty}">{value}</config:config-item>"#)
    };
    let sheet = escape(layout::SHEET_NAME);
    let mut x = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = write!(
        x,
        r#"<office:document-settings{NAMESPACES} office:version="1.2"><office:settings><config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>"#
    );
    x.push_str(&item("ViewId", "string", "view1"));
    let _ = write!(
        x,
        r#"<config:config-item-map-named config:name="Tables"><config:config-item-map-entry config:name="{sheet}">"#
    );
    for (name, ty, value) in [
        ("CursorPositionX", "int", "0".to_string()),
        ("CursorPositionY", "int", frozen.to_string()),
        ("HorizontalSplitMode", "short", "0".to_string()),
        ("VerticalSplitMode", "short", "2".to_string()),
        ("HorizontalSplitPosition", "int", "0".to_string()),
        ("VerticalSplitPosition", "int", frozen.to_string()),
        ("ActiveSplitRange", "short", "2".to_string()),
        ("PositionLeft", "int", "0".to_string()),
        ("PositionRight", "int", "0".to_string()),
        ("PositionTop", "int", "0".to_string()),
        ("PositionBottom", "int", frozen.to_string()),
    ] {
        x.push_str(&item(name, ty, &value));
    }
    x.push_str("</config:config-item-map-entry></config:config-item-map-named>");
    x.push_str(&item("ActiveTable", "string", &sheet));
    x.push_str("</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set></office:settings></office:document-settings>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_spaces_kept() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(escape("a\u{1}b"), "ab");
        assert_eq!(paragraphs("a  b"), "<text:p>a <text:s/>b</text:p>");
        assert_eq!(paragraphs("  a"), r#"<text:p><text:s text:c="2"/>a</text:p>"#);
        assert_eq!(paragraphs("a\nb"), "<text:p>a</text:p><text:p>b</text:p>");
        assert_eq!(paragraphs("a\tb"), "<text:p>a<text:tab/>b</text:p>");
        assert_eq!(paragraphs("a b"), "<text:p>a b</text:p>");
    }

    #[test]
    fn formulas_use_openformula_references() {
        let range = SumTerms::Range { col: 6, first: 4, last: 9 };
        assert_eq!(formula(&range), "of:=SUM([.G5:.G10])");
        let cells = SumTerms::Cells { col: 5, rows: vec![10, 14] };
        assert_eq!(formula(&cells), "of:=SUM([.F11];[.F15])");
    }
}
