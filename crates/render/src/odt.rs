//! OpenDocument Text (.odt): real heading styles, real tables, a landscape master page for
//! the financial annex.

use std::collections::BTreeSet;

use crate::outline::{Block, Field, Heading, OfficeBody, Outline, Row, RowKind, Table, TitlePage};
use crate::package::{zip, Part};
use crate::xml::Xml;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";
const CHART_FILE: &str = "Pictures/graphique.svg";

/// The namespaces of `content.xml` and `meta.xml`.
const NS: &[(&str, &str)] = &[
    ("xmlns:office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    ("xmlns:style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
    ("xmlns:text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
    ("xmlns:table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    ("xmlns:draw", "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"),
    ("xmlns:fo", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"),
    ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
    ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
    ("xmlns:meta", "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"),
    ("xmlns:svg", "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"),
];

/// Writes the outline as an .odt package; `svg` is the chart, stored as a picture.
pub fn write(outline: &Outline, svg: &str) -> Vec<u8> {
    let content = content(outline);
    let meta = meta(&outline.title);
    zip(&[
        Part { name: "mimetype", data: MIMETYPE.as_bytes() },
        Part { name: "META-INF/manifest.xml", data: MANIFEST.as_bytes() },
        Part { name: "content.xml", data: &content },
        Part { name: "styles.xml", data: STYLES.as_bytes() },
        Part { name: "meta.xml", data: &meta },
        Part { name: CHART_FILE, data: svg.as_bytes() },
    ])
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="Pictures/graphique.svg" manifest:media-type="image/svg+xml"/>
</manifest:manifest>
"#;

fn meta(t: &TitlePage) -> Vec<u8> {
    let mut x = Xml::new(false);
    let mut root = NS.to_vec();
    root.push(("office:version", "1.3"));
    x.open("office:document-meta", &root);
    x.open("office:meta", &[]);
    x.element("meta:generator", &[], "bilan");
    x.element("dc:title", &[], &t.title);
    x.element("dc:subject", &[], &t.department);
    x.element("dc:language", &[], "fr-FR");
    x.close("office:meta");
    x.close("office:document-meta");
    x.text("\n");
    x.finish()
}

/// Styles every document shares: headings, tables, page layouts (portrait and landscape)
/// with "Page n / N" in the footer.
const STYLES: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3">
<office:font-face-decls>
 <style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'" style:font-family-generic="swiss" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="10.5pt" fo:language="fr" fo:country="FR" fo:hyphenate="false"/>
 </style:default-style>
 <style:default-style style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="0.5pt solid #929292"/></style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm" fo:line-height="130%"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text">
  <style:paragraph-properties fo:margin-top="0.45cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/>
  <style:text-properties fo:font-weight="bold" fo:color="#000091"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:class="chapter">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="3cm" fo:margin-bottom="1cm"/>
  <style:text-properties fo:font-size="24pt"/>
 </style:style>
 <style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:class="chapter">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="16pt"/>
 </style:style>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-size="18pt"/></style:style>
 <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="2" style:class="text"><style:text-properties fo:font-size="15pt"/></style:style>
 <style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="3" style:class="text"><style:text-properties fo:font-size="13pt"/></style:style>
 <style:style style:name="Heading_20_4" style:display-name="Heading 4" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="4" style:class="text"><style:text-properties fo:font-size="11.5pt" fo:color="#161616"/></style:style>
 <style:style style:name="Heading_20_5" style:display-name="Heading 5" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="5" style:class="text"><style:text-properties fo:font-size="10.5pt" fo:font-style="italic" fo:color="#161616"/></style:style>
 <style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:text-properties fo:font-size="9pt"/></style:style>
 <style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Cell_20_Number" style:display-name="Cell Number" style:family="paragraph" style:parent-style-name="Table_20_Contents"><style:paragraph-properties fo:text-align="end"/></style:style>
 <style:style style:name="Cell_20_Number_20_Bold" style:display-name="Cell Number Bold" style:family="paragraph" style:parent-style-name="Cell_20_Number"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Caption" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:margin-top="0.2cm" fo:margin-bottom="0.1cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" fo:font-size="9.5pt"/>
 </style:style>
 <style:style style:name="List_20_Paragraph" style:display-name="List Paragraph" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="list"/>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="9pt"/></style:style>
 <style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="0.5pt solid #929292"/></style:style>
 <style:style style:name="Cell_20_Head" style:display-name="Cell Head" style:family="table-cell" style:parent-style-name="Cell"><style:table-cell-properties fo:background-color="#eeeeee"/></style:style>
 <style:style style:name="Cell_20_Valuation" style:display-name="Cell Valuation" style:family="table-cell" style:parent-style-name="Cell"><style:table-cell-properties fo:background-color="#b8fec9"/></style:style>
 <style:style style:name="Cell_20_Group" style:display-name="Cell Group" style:family="table-cell" style:parent-style-name="Cell"><style:table-cell-properties fo:background-color="#e3e3fd"/></style:style>
 <style:style style:name="Cell_20_Sum" style:display-name="Cell Sum" style:family="table-cell" style:parent-style-name="Cell"><style:table-cell-properties fo:background-color="#f6f6f6"/></style:style>
 <text:list-style style:name="Puces">
  <text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.6cm" fo:text-indent="-0.4cm" fo:margin-left="0.6cm"/></style:list-level-properties></text:list-level-style-bullet>
 </text:list-style>
 <text:outline-style style:name="Outline">
  <text:outline-level-style text:level="1" style:num-format=""/><text:outline-level-style text:level="2" style:num-format=""/><text:outline-level-style text:level="3" style:num-format=""/><text:outline-level-style text:level="4" style:num-format=""/><text:outline-level-style text:level="5" style:num-format=""/>
 </text:outline-style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4_Portrait"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="1.5cm" fo:margin-bottom="1.2cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
 <style:page-layout style:name="A4_Paysage"><style:page-layout-properties fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" fo:margin-top="1.5cm" fo:margin-bottom="1.2cm" fo:margin-left="1.5cm" fo:margin-right="1.5cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="A4_Portrait"><style:footer><text:p text:style-name="Footer">Page <text:page-number text:select-page="current">1</text:page-number> / <text:page-count>1</text:page-count></text:p></style:footer></style:master-page>
 <style:master-page style:name="Paysage" style:page-layout-name="A4_Paysage"><style:footer><text:p text:style-name="Footer">Page <text:page-number text:select-page="current">1</text:page-number> / <text:page-count>1</text:page-count></text:p></style:footer></style:master-page>
</office:master-styles>
</office:document-styles>
"##;

/// The column widths (relative) that the tables of `outline` use: one automatic style each.
fn column_widths(outline: &Outline) -> BTreeSet<u16> {
    let mut widths = BTreeSet::new();
    for block in outline.sections.iter().flat_map(|s| &s.blocks) {
        let table = match block {
            Block::Table(t) => t,
            Block::Chart(c) => &c.table,
            _ => continue,
        };
        widths.extend(table.columns.iter().map(|c| c.width));
    }
    widths
}

fn content(outline: &Outline) -> Vec<u8> {
    let mut x = Xml::new(false);
    let mut root = NS.to_vec();
    root.push(("office:version", "1.3"));
    x.open("office:document-content", &root);
    x.open("office:automatic-styles", &[]);
    for (name, parent, page) in
        [("Debut_20_Portrait", "Heading_20_1", "Standard"), ("Debut_20_Paysage", "Heading_20_1", "Paysage")]
    {
        x.empty(
            "style:style",
            &[
                ("style:name", name),
                ("style:family", "paragraph"),
                ("style:parent-style-name", parent),
                ("style:master-page-name", page),
            ],
        );
    }
    x.open("style:style", &[("style:name", "Tableau"), ("style:family", "table")]);
    x.empty(
        "style:table-properties",
        &[("style:rel-width", "100%"), ("style:width", "17cm"), ("table:align", "margins")],
    );
    x.close("style:style");
    for w in column_widths(outline) {
        x.open("style:style", &[("style:name", &format!("Col{w}")), ("style:family", "table-column")]);
        x.empty("style:table-column-properties", &[("style:rel-column-width", &format!("{w}*"))]);
        x.close("style:style");
    }
    x.close("office:automatic-styles");
    x.open("office:body", &[]);
    x.open("office:text", &[]);
    let mut b = Body { x, tables: 0 };
    b.title_page(&outline.title);
    for section in &outline.sections {
        let master = if section.landscape { "Debut_20_Paysage" } else { "Debut_20_Portrait" };
        let mut blocks = section.blocks.iter();
        match blocks.next() {
            // The first heading of a section carries the page switch itself.
            Some(Block::Heading(h)) => b.heading(h, Some(master)),
            Some(other) => {
                b.x.empty("text:p", &[("text:style-name", master)]);
                b.block(other);
            }
            None => {}
        }
        for block in blocks {
            b.block(block);
        }
    }
    let mut x = b.x;
    x.close("office:text");
    x.close("office:body");
    x.close("office:document-content");
    x.text("\n");
    x.finish()
}

/// The body being written.
struct Body {
    x: Xml,
    tables: usize,
}

impl Body {
    /// Text with ODF line breaks and tabs.
    fn text(&mut self, t: &str) {
        for (k, line) in t.split('\n').enumerate() {
            if k > 0 {
                self.x.empty("text:line-break", &[]);
            }
            for (m, piece) in line.split('\t').enumerate() {
                if m > 0 {
                    self.x.empty("text:tab", &[]);
                }
                self.x.text(piece);
            }
        }
    }

    fn heading(&mut self, h: &Heading, style: Option<&str>) {
        let level = h.level.clamp(1, 5);
        let style = style.map_or_else(|| format!("Heading_20_{level}"), str::to_string);
        self.x.open("text:h", &[("text:style-name", &style), ("text:outline-level", &level.to_string())]);
        self.x.empty("text:bookmark", &[("text:name", &h.anchor)]);
        self.text(&h.text());
        self.x.close("text:h");
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(h) => self.heading(h, None),
            Block::Paragraph(p) => self.p("Text_20_body", p),
            Block::Field(f) => self.field(f),
            Block::List(items) => self.list(items),
            Block::Table(t) => self.table(t),
            Block::Chart(c) => {
                // 800 px wide at 17 cm: keep the drawing's aspect ratio.
                let height =
                    format!("{:.2}cm", 17.0 * chart_height_ratio(c.table.rows.len().saturating_sub(1)));
                self.x.open("text:p", &[("text:style-name", "Standard")]);
                self.x.open(
                    "draw:frame",
                    &[
                        ("draw:name", "Graphique"),
                        ("text:anchor-type", "as-char"),
                        ("svg:width", "17cm"),
                        ("svg:height", &height),
                    ],
                );
                self.x.empty(
                    "draw:image",
                    &[
                        ("xlink:href", CHART_FILE),
                        ("xlink:type", "simple"),
                        ("xlink:show", "embed"),
                        ("xlink:actuate", "onLoad"),
                    ],
                );
                self.x.element("svg:title", &[], &c.table.caption);
                self.x.element("svg:desc", &[], &c.description);
                self.x.close("draw:frame");
                self.x.close("text:p");
                self.table(&c.table);
            }
        }
    }

    fn table(&mut self, t: &Table) {
        self.tables += 1;
        self.p("Caption", &t.caption);
        let name = format!("Tableau{}", self.tables);
        self.x.open("table:table", &[("table:name", &name), ("table:style-name", "Tableau")]);
        for c in &t.columns {
            self.x.empty("table:table-column", &[("table:style-name", &format!("Col{}", c.width))]);
        }
        self.x.open("table:table-header-rows", &[]);
        self.x.open("table:table-row", &[]);
        for c in &t.columns {
            let style = if c.numeric { "Cell_20_Number_20_Bold" } else { "Table_20_Heading" };
            self.cell("Cell_20_Head", style, &c.title, 1);
        }
        self.x.close("table:table-row");
        self.x.close("table:table-header-rows");
        for row in &t.rows {
            self.row(t, row);
        }
        self.x.close("table:table");
    }

    fn row(&mut self, t: &Table, row: &Row) {
        self.x.open("table:table-row", &[]);
        let cell_style = match row.kind {
            RowKind::Normal => "Cell",
            RowKind::Valuation => "Cell_20_Valuation",
            RowKind::Group => "Cell_20_Group",
            RowKind::Subtotal | RowKind::Total => "Cell_20_Sum",
        };
        if row.kind == RowKind::Group {
            let label = row.cells.first().map(String::as_str).unwrap_or_default();
            self.cell(cell_style, "Table_20_Heading", label, t.columns.len());
        } else {
            for (k, (cell, col)) in row.cells.iter().zip(&t.columns).enumerate() {
                let bold = row.kind.is_sum() || (k == 0 && t.row_headers);
                let style = match (col.numeric, bold) {
                    (true, true) => "Cell_20_Number_20_Bold",
                    (true, false) => "Cell_20_Number",
                    (false, true) => "Table_20_Heading",
                    (false, false) => "Table_20_Contents",
                };
                self.cell(cell_style, style, cell, 1);
            }
        }
        self.x.close("table:table-row");
    }

    fn cell(&mut self, cell_style: &str, p_style: &str, content: &str, span: usize) {
        let span_text = span.to_string();
        let mut attrs = vec![("table:style-name", cell_style), ("office:value-type", "string")];
        if span > 1 {
            attrs.push(("table:number-columns-spanned", &span_text));
        }
        self.x.open("table:table-cell", &attrs);
        self.p(p_style, content);
        self.x.close("table:table-cell");
        for _ in 1..span {
            self.x.empty("table:covered-table-cell", &[]);
        }
    }
}

/// Height / width of the chart drawn for `measures` measures (see `chart::svg`).
fn chart_height_ratio(measures: usize) -> f64 {
    crate::chart::height(measures) / crate::chart::WIDTH
}

impl OfficeBody for Body {
    fn p(&mut self, style: &str, content: &str) {
        self.x.open("text:p", &[("text:style-name", style)]);
        self.text(content);
        self.x.close("text:p");
    }

    fn field(&mut self, f: &Field) {
        self.x.open("text:p", &[("text:style-name", "Text_20_body")]);
        self.x.open("text:span", &[("text:style-name", "Strong_20_Emphasis")]);
        self.text(&f.label);
        self.x.close("text:span");
        self.text(&format!("{}: {}", crate::text::NBSP, f.value));
        self.x.close("text:p");
    }

    fn list(&mut self, items: &[String]) {
        self.x.open("text:list", &[("text:style-name", "Puces")]);
        for i in items {
            self.x.open("text:list-item", &[]);
            self.p("List_20_Paragraph", i);
            self.x.close("text:list-item");
        }
        self.x.close("text:list");
    }
}
