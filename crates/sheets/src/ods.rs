//! The annex as an OpenDocument Spreadsheet (ODF 1.2), every part written through
//! quick-xml's writer ([`crate::xml::Xml`]).
//!
//! The package: `mimetype` first, stored uncompressed (so that `file` and office suites
//! recognise it), then the manifest, `content.xml`, `styles.xml`, `meta.xml` and
//! `settings.xml` (frozen rows under the header). Amounts are currency cells in EUR with
//! the exact decimal of the cents as `office:value`; subtotals and total carry an
//! OpenFormula (`of:=SUM([.F5:.F10])`) and its cached result.
//!
//! No whitespace is written between cells: some readers (calamine) reject it.

use std::io::{Cursor, Write as _};

use bilan_domain::{Money, Report};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::annex::AnnexTable;
use crate::layout::{
    self, column_letters, decimal, is_money_column, Cell, Grid, RowKind, SumTerms, COLUMNS, GREEN, GREY,
    LIGHT_GREY,
};
use crate::xml::Xml;
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
        zip.write_all(&xml)?;
    }
    Ok(zip.finish()?.into_inner())
}

const NAMESPACES: &[(&str, &str)] = &[
    ("xmlns:office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    ("xmlns:style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
    ("xmlns:text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
    ("xmlns:table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    ("xmlns:fo", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"),
    ("xmlns:number", "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"),
    ("xmlns:meta", "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"),
    ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
    ("xmlns:config", "urn:oasis:names:tc:opendocument:xmlns:config:1.0"),
    ("xmlns:of", "urn:oasis:names:tc:opendocument:xmlns:of:1.2"),
    // LibreOffice's extension namespace: "fit to one page wide" has no ODF 1.2 attribute.
    ("xmlns:loext", "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"),
];

/// A part whose root element `name` declares every namespace (ODF 1.2).
fn document(name: &str) -> Xml {
    let mut x = Xml::new(false);
    let mut attrs = NAMESPACES.to_vec();
    attrs.push(("office:version", "1.2"));
    x.open(name, &attrs);
    x
}

fn manifest() -> Vec<u8> {
    let mut x = Xml::new(false);
    x.open(
        "manifest:manifest",
        &[
            ("xmlns:manifest", "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"),
            ("manifest:version", "1.2"),
        ],
    );
    x.empty(
        "manifest:file-entry",
        &[("manifest:full-path", "/"), ("manifest:version", "1.2"), ("manifest:media-type", MIMETYPE)],
    );
    for part in ["content.xml", "styles.xml", "meta.xml", "settings.xml"] {
        x.empty("manifest:file-entry", &[("manifest:full-path", part), ("manifest:media-type", "text/xml")]);
    }
    x.close("manifest:manifest");
    x.finish()
}

/// Text as ODF paragraphs: one `<text:p>` per line, tabs as `<text:tab/>`, runs of
/// spaces (and leading spaces) as `<text:s text:c="n"/>`, so nothing is collapsed.
fn paragraphs(x: &mut Xml, text: &str) {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalized.split('\n') {
        x.open("text:p", &[]);
        // Characters not yet written, and the pending run of spaces.
        let mut pending = String::new();
        let mut spaces = 0usize;
        let mut at_start = true;
        let flush = |x: &mut Xml, pending: &mut String, spaces: &mut usize, at_start: bool| {
            if *spaces > 0 {
                // XML collapses nothing, but ODF does: the first space of a run is kept as
                // a character unless it starts the paragraph.
                let (literal, counted) = if at_start { (0, *spaces) } else { (1, *spaces - 1) };
                pending.push_str(&" ".repeat(literal));
                x.text(pending);
                pending.clear();
                if counted == 1 {
                    x.empty("text:s", &[]);
                } else if counted > 1 {
                    x.empty("text:s", &[("text:c", &counted.to_string())]);
                }
                *spaces = 0;
            }
        };
        for c in line.chars() {
            match c {
                ' ' => spaces += 1,
                '\t' => {
                    flush(x, &mut pending, &mut spaces, at_start);
                    x.text(&pending);
                    pending.clear();
                    x.empty("text:tab", &[]);
                    at_start = false;
                }
                c => {
                    flush(x, &mut pending, &mut spaces, at_start);
                    pending.push(c);
                    at_start = false;
                }
            }
        }
        // Trailing spaces are kept too.
        flush(x, &mut pending, &mut spaces, at_start);
        x.text(&pending);
        x.close("text:p");
    }
}

/// Width of a column: Excel's character unit is about 0.2 cm at the default font.
fn width_cm(chars: f64) -> String {
    format!("{:.2}cm", chars * 0.2 + 0.2)
}

/// A bordered cell style. `middle`: vertically centred (the header), else top-aligned.
fn cell_style(
    x: &mut Xml,
    name: &str,
    bold: bool,
    background: Option<u32>,
    wrap: bool,
    money: bool,
    middle: bool,
) {
    let mut attrs =
        vec![("style:name", name), ("style:family", "table-cell"), ("style:parent-style-name", "Default")];
    if money {
        attrs.push(("style:data-style-name", "N_EUR"));
    }
    x.open("style:style", &attrs);
    let background = background.map(|c| format!("#{c:06X}"));
    let mut props = vec![
        ("fo:border", "0.06pt solid #000000"),
        ("style:vertical-align", if middle { "middle" } else { "top" }),
    ];
    if wrap {
        props.push(("fo:wrap-option", "wrap"));
    }
    if let Some(background) = &background {
        props.push(("fo:background-color", background));
    }
    x.empty("style:table-cell-properties", &props);
    if money {
        x.empty("style:paragraph-properties", &[("fo:text-align", "end")]);
    }
    if bold {
        x.empty("style:text-properties", &BOLD);
    }
    x.close("style:style");
}

const BOLD: [(&str, &str); 3] =
    [("fo:font-weight", "bold"), ("style:font-weight-asian", "bold"), ("style:font-weight-complex", "bold")];

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

fn automatic_styles(x: &mut Xml) {
    x.open("office:automatic-styles", &[]);
    for (i, w) in layout::WIDTHS.iter().enumerate() {
        x.open("style:style", &[("style:name", &format!("co{i}")), ("style:family", "table-column")]);
        x.empty(
            "style:table-column-properties",
            &[("fo:break-before", "auto"), ("style:column-width", &width_cm(*w))],
        );
        x.close("style:style");
    }
    x.open("style:style", &[("style:name", "ro"), ("style:family", "table-row")]);
    x.empty(
        "style:table-row-properties",
        &[("style:use-optimal-row-height", "true"), ("fo:break-before", "auto")],
    );
    x.close("style:style");
    x.open(
        "style:style",
        &[("style:name", "ta"), ("style:family", "table"), ("style:master-page-name", "Annexe")],
    );
    x.empty("style:table-properties", &[("table:display", "true"), ("style:writing-mode", "lr-tb")]);
    x.close("style:style");
    // "145 468,26 €" whatever the reader's locale: French grouping and decimal comma.
    let fr = [("number:language", "fr"), ("number:country", "FR")];
    x.open("number:currency-style", &[("style:name", "N_EUR"), fr[0], fr[1]]);
    x.empty(
        "number:number",
        &[
            ("number:decimal-places", "2"),
            ("number:min-decimal-places", "2"),
            ("number:min-integer-digits", "1"),
            ("number:grouping", "true"),
        ],
    );
    x.element("number:text", &[], "\u{A0}");
    x.element("number:currency-symbol", &fr, "€");
    x.close("number:currency-style");
    x.open(
        "style:style",
        &[("style:name", "ceTitle"), ("style:family", "table-cell"), ("style:parent-style-name", "Default")],
    );
    let mut title = vec![
        ("fo:font-size", "14pt"),
        ("style:font-size-asian", "14pt"),
        ("style:font-size-complex", "14pt"),
    ];
    title.extend(BOLD);
    x.empty("style:text-properties", &title);
    x.close("style:style");
    x.open(
        "style:style",
        &[("style:name", "ceNote"), ("style:family", "table-cell"), ("style:parent-style-name", "Default")],
    );
    x.empty(
        "style:text-properties",
        &[
            ("fo:font-style", "italic"),
            ("style:font-style-asian", "italic"),
            ("style:font-style-complex", "italic"),
        ],
    );
    x.close("style:style");
    cell_style(x, "ceHeader", true, Some(GREY), true, false, true);
    cell_style(x, "ceText", false, None, true, false, false);
    cell_style(x, "ceMoney", false, None, false, true, false);
    cell_style(x, "ceTextEtp", false, Some(GREEN), true, false, false);
    cell_style(x, "ceMoneyEtp", false, Some(GREEN), false, true, false);
    cell_style(x, "ceSubText", true, Some(LIGHT_GREY), true, false, false);
    cell_style(x, "ceSubMoney", true, Some(LIGHT_GREY), false, true, false);
    cell_style(x, "ceTotText", true, Some(GREY), true, false, false);
    cell_style(x, "ceTotMoney", true, Some(GREY), false, true, false);
    x.close("office:automatic-styles");
}

fn money_cell(x: &mut Xml, style: &str, value: Money, formula: Option<&str>) {
    let mut attrs = vec![("table:style-name", style)];
    if let Some(f) = formula {
        attrs.push(("table:formula", f));
    }
    let decimal = decimal(value, '.', false);
    attrs.extend([("office:value-type", "currency"), ("office:currency", "EUR"), ("office:value", &decimal)]);
    x.open("table:table-cell", &attrs);
    x.element("text:p", &[], &value.to_french());
    x.close("table:table-cell");
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

fn content(grid: &Grid) -> Vec<u8> {
    let mut x = document("office:document-content");
    automatic_styles(&mut x);
    x.open("office:body", &[]);
    x.open("office:spreadsheet", &[]);
    x.open("table:table", &[("table:name", layout::SHEET_NAME), ("table:style-name", "ta")]);
    for i in 0..COLUMNS {
        x.empty(
            "table:table-column",
            &[("table:style-name", &format!("co{i}")), ("table:default-cell-style-name", "Default")],
        );
    }
    for (r, row) in grid.rows.iter().enumerate() {
        let is_header = r as u32 == grid.header_row;
        if is_header {
            // Repeated on every printed page.
            x.open("table:table-header-rows", &[]);
        }
        x.open("table:table-row", &[("table:style-name", "ro")]);
        let (text_style, money_style) = style_names(row.kind);
        let is_table = !matches!(row.kind, RowKind::Title | RowKind::Note);
        for c in 0..COLUMNS {
            let cell = row.cells.get(usize::from(c)).unwrap_or(&Cell::Empty);
            match cell {
                Cell::Empty if is_table => {
                    let style = if is_money_column(c) { money_style } else { text_style };
                    x.empty("table:table-cell", &[("table:style-name", style)]);
                }
                Cell::Empty => x.empty("table:table-cell", &[]),
                Cell::Text(t) => {
                    x.open(
                        "table:table-cell",
                        &[("table:style-name", text_style), ("office:value-type", "string")],
                    );
                    paragraphs(&mut x, &neutralize(t));
                    x.close("table:table-cell");
                }
                Cell::Money(m) => money_cell(&mut x, money_style, *m, None),
                Cell::Sum { terms, value } => money_cell(&mut x, money_style, *value, Some(&formula(terms))),
            }
        }
        x.close("table:table-row");
        if is_header {
            x.close("table:table-header-rows");
        }
    }
    x.close("table:table");
    x.close("office:spreadsheet");
    x.close("office:body");
    x.close("office:document-content");
    x.finish()
}

fn styles() -> Vec<u8> {
    let mut x = document("office:document-styles");
    x.open("office:styles", &[]);
    x.open("style:default-style", &[("style:family", "table-cell")]);
    x.empty(
        "style:text-properties",
        &[("fo:language", "fr"), ("fo:country", "FR"), ("fo:font-size", "10pt")],
    );
    x.close("style:default-style");
    x.empty("style:style", &[("style:name", "Default"), ("style:family", "table-cell")]);
    x.close("office:styles");
    x.open("office:automatic-styles", &[]);
    x.open("style:page-layout", &[("style:name", "pm1")]);
    x.empty(
        "style:page-layout-properties",
        &[
            ("fo:page-width", "29.7cm"),
            ("fo:page-height", "21cm"),
            ("style:print-orientation", "landscape"),
            ("fo:margin-top", "1cm"),
            ("fo:margin-bottom", "1cm"),
            ("fo:margin-left", "1cm"),
            ("fo:margin-right", "1cm"),
            ("loext:scale-to-X", "1"),
            ("loext:scale-to-Y", "0"),
        ],
    );
    x.close("style:page-layout");
    x.close("office:automatic-styles");
    x.open("office:master-styles", &[]);
    x.empty("style:master-page", &[("style:name", "Annexe"), ("style:page-layout-name", "pm1")]);
    x.close("office:master-styles");
    x.close("office:document-styles");
    x.finish()
}

fn meta(table: &AnnexTable) -> Vec<u8> {
    let mut x = document("office:document-meta");
    x.open("office:meta", &[]);
    x.element("meta:generator", &[], "bilan");
    x.element("dc:title", &[], &table.title);
    x.element("dc:subject", &[], &format!("Annexe financière du rapport d'exécution {}", table.year));
    x.element("dc:language", &[], "fr-FR");
    x.close("office:meta");
    x.close("office:document-meta");
    x.finish()
}

/// LibreOffice's view settings: rows above the header's end are frozen
/// (`VerticalSplitMode` 2 = frozen, `VerticalSplitPosition` = number of frozen rows).
fn settings(grid: &Grid) -> Vec<u8> {
    let frozen = (grid.header_row + 1).to_string();
    let item = |x: &mut Xml, name: &str, ty: &str, value: &str| {
        x.element("config:config-item", &[("config:name", name), ("config:type", ty)], value);
    };
    let mut x = document("office:document-settings");
    x.open("office:settings", &[]);
    x.open("config:config-item-set", &[("config:name", "ooo:view-settings")]);
    x.open("config:config-item-map-indexed", &[("config:name", "Views")]);
    x.open("config:config-item-map-entry", &[]);
    item(&mut x, "ViewId", "string", "view1");
    x.open("config:config-item-map-named", &[("config:name", "Tables")]);
    x.open("config:config-item-map-entry", &[("config:name", layout::SHEET_NAME)]);
    for (name, ty, value) in [
        ("CursorPositionX", "int", "0"),
        ("CursorPositionY", "int", frozen.as_str()),
        ("HorizontalSplitMode", "short", "0"),
        ("VerticalSplitMode", "short", "2"),
        ("HorizontalSplitPosition", "int", "0"),
        ("VerticalSplitPosition", "int", frozen.as_str()),
        ("ActiveSplitRange", "short", "2"),
        ("PositionLeft", "int", "0"),
        ("PositionRight", "int", "0"),
        ("PositionTop", "int", "0"),
        ("PositionBottom", "int", frozen.as_str()),
    ] {
        item(&mut x, name, ty, value);
    }
    x.close("config:config-item-map-entry");
    x.close("config:config-item-map-named");
    item(&mut x, "ActiveTable", "string", layout::SHEET_NAME);
    x.close("config:config-item-map-entry");
    x.close("config:config-item-map-indexed");
    x.close("config:config-item-set");
    x.close("office:settings");
    x.close("office:document-settings");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paragraphs of `text`, without the XML declaration.
    fn paragraphs(text: &str) -> String {
        let mut x = Xml::new(false);
        super::paragraphs(&mut x, text);
        let xml = String::from_utf8(x.finish()).unwrap();
        xml.split_once("?>\n").unwrap().1.to_string()
    }

    #[test]
    fn text_is_escaped_and_spaces_kept() {
        assert_eq!(
            paragraphs("a<b & \"c\" 'd'>"),
            "<text:p>a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;</text:p>"
        );
        assert_eq!(paragraphs("a\u{1}b"), "<text:p>ab</text:p>");
        assert_eq!(paragraphs("a  b"), "<text:p>a <text:s/>b</text:p>");
        assert_eq!(paragraphs("  a"), r#"<text:p><text:s text:c="2"/>a</text:p>"#);
        assert_eq!(paragraphs("a\nb"), "<text:p>a</text:p><text:p>b</text:p>");
        assert_eq!(paragraphs("a\tb"), "<text:p>a<text:tab/>b</text:p>");
        assert_eq!(paragraphs("a b"), "<text:p>a b</text:p>");
        assert_eq!(paragraphs("a  "), "<text:p>a <text:s/></text:p>");
    }

    #[test]
    fn formulas_use_openformula_references() {
        let range = SumTerms::Range { col: 6, first: 4, last: 9 };
        assert_eq!(formula(&range), "of:=SUM([.G5:.G10])");
        let cells = SumTerms::Cells { col: 5, rows: vec![10, 14] };
        assert_eq!(formula(&cells), "of:=SUM([.F11];[.F15])");
    }
}
