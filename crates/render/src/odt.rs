//! OpenDocument Text (.odt): real heading styles, real tables, a landscape master page for
//! the financial annex.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::outline::{Block, Field, Heading, Outline, Row, RowKind, Table, TitlePage};
use crate::package::{zip, Part};
use crate::xml::escape;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";
const CHART_FILE: &str = "Pictures/graphique.svg";

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0""#;

/// Writes the outline as an .odt package; `svg` is the chart, stored as a picture.
pub fn write(outline: &Outline, svg: &str) -> Vec<u8> {
    let content = content(outline);
    let meta = meta(&outline.title);
    zip(&[
        Part { name: "mimetype", data: MIMETYPE.as_bytes() },
        Part { name: "META-INF/manifest.xml", data: MANIFEST.as_bytes() },
        Part { name: "content.xml", data: content.as_bytes() },
        Part { name: "styles.xml", data: STYLES.as_bytes() },
        Part { name: "meta.xml", data: meta.as_bytes() },
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

fn meta(t: &TitlePage) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {NS} office:version="1.3"><office:meta><meta:generator>bilan</meta:generator><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:language>fr-FR</dc:language></office:meta></office:document-meta>
"#,
        escape(&t.title),
        escape(&t.department)
    )
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

/// The body, and the automatic styles it needs (column widths, page switches).
struct Body {
    text: String,
    widths: BTreeSet<u16>,
    tables: usize,
}

fn content(outline: &Outline) -> String {
    let mut b = Body { text: String::with_capacity(128 * 1024), widths: BTreeSet::new(), tables: 0 };
    b.title_page(&outline.title);
    for section in &outline.sections {
        let master = if section.landscape { "Debut_20_Paysage" } else { "Debut_20_Portrait" };
        let mut blocks = section.blocks.iter();
        match blocks.next() {
            // The first heading of a section carries the page switch itself.
            Some(Block::Heading(h)) => b.heading(h, Some(master)),
            Some(other) => {
                let _ = write!(b.text, r#"<text:p text:style-name="{master}"/>"#);
                b.block(other);
            }
            None => {}
        }
        for block in blocks {
            b.block(block);
        }
    }
    let mut auto = String::new();
    for (name, parent, page) in
        [("Debut_20_Portrait", "Heading_20_1", "Standard"), ("Debut_20_Paysage", "Heading_20_1", "Paysage")]
    {
        let _ = write!(
            auto,
            r#"<style:style style:name="{name}" style:family="paragraph" style:parent-style-name="{parent}" style:master-page-name="{page}"/>"#
        );
    }
    auto.push_str(r#"<style:style style:name="Tableau" style:family="table"><style:table-properties style:rel-width="100%" style:width="17cm" table:align="margins"/></style:style>"#);
    for w in &b.widths {
        let _ = write!(
            auto,
            r#"<style:style style:name="Col{w}" style:family="table-column"><style:table-column-properties style:rel-column-width="{w}*"/></style:style>"#
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS} office:version="1.3"><office:automatic-styles>{auto}</office:automatic-styles><office:body><office:text>{}</office:text></office:body></office:document-content>
"#,
        b.text
    )
}

/// Escaped text with ODF line breaks and tabs.
fn text(t: &str) -> String {
    escape(t).replace('\n', "<text:line-break/>").replace('\t', "<text:tab/>")
}

impl Body {
    fn p(&mut self, style: &str, content: &str) {
        let _ = write!(self.text, r#"<text:p text:style-name="{style}">{}</text:p>"#, text(content));
    }

    fn title_page(&mut self, t: &TitlePage) {
        self.p("Subtitle", &t.department);
        self.p("Title", &t.title);
        if !t.programme.is_empty() {
            self.p("Subtitle", &t.programme);
        }
        self.p("Subtitle", &t.year);
        for f in &t.fields {
            self.field(f);
        }
        if !t.signatories.is_empty() {
            self.field(&Field::new("Signataires", ""));
            self.list(&t.signatories);
        }
    }

    fn heading(&mut self, h: &Heading, style: Option<&str>) {
        let level = h.level.clamp(1, 5);
        let style = style.map_or_else(|| format!("Heading_20_{level}"), str::to_string);
        let _ = write!(
            self.text,
            r#"<text:h text:style-name="{style}" text:outline-level="{level}"><text:bookmark text:name="{}"/>{}</text:h>"#,
            escape(&h.anchor),
            text(&h.text())
        );
    }

    fn field(&mut self, f: &Field) {
        let _ = write!(
            self.text,
            r#"<text:p text:style-name="Text_20_body"><text:span text:style-name="Strong_20_Emphasis">{}</text:span>{}: {}</text:p>"#,
            text(&f.label),
            crate::text::NBSP,
            text(&f.value)
        );
    }

    fn list(&mut self, items: &[String]) {
        self.text.push_str(r#"<text:list text:style-name="Puces">"#);
        for i in items {
            let _ = write!(
                self.text,
                r#"<text:list-item><text:p text:style-name="List_20_Paragraph">{}</text:p></text:list-item>"#,
                text(i)
            );
        }
        self.text.push_str("</text:list>");
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
                let _ = write!(
                    self.text,
                    r#"<text:p text:style-name="Standard"><draw:frame draw:name="Graphique" text:anchor-type="as-char" svg:width="17cm" svg:height="{:.2}cm"><draw:image xlink:href="{CHART_FILE}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/><svg:title>{}</svg:title><svg:desc>{}</svg:desc></draw:frame></text:p>"#,
                    17.0 * chart_height_ratio(c.table.rows.len().saturating_sub(1)),
                    escape(&c.table.caption),
                    escape(&c.description)
                );
                self.table(&c.table);
            }
        }
    }

    fn table(&mut self, t: &Table) {
        self.tables += 1;
        self.p("Caption", &t.caption);
        let _ = write!(
            self.text,
            r#"<table:table table:name="Tableau{}" table:style-name="Tableau">"#,
            self.tables
        );
        for c in &t.columns {
            self.widths.insert(c.width);
            let _ = write!(self.text, r#"<table:table-column table:style-name="Col{}"/>"#, c.width);
        }
        self.text.push_str("<table:table-header-rows><table:table-row>");
        for c in &t.columns {
            let style = if c.numeric { "Cell_20_Number_20_Bold" } else { "Table_20_Heading" };
            self.cell("Cell_20_Head", style, &c.title, 1);
        }
        self.text.push_str("</table:table-row></table:table-header-rows>");
        for row in &t.rows {
            self.row(t, row);
        }
        self.text.push_str("</table:table>");
    }

    fn row(&mut self, t: &Table, row: &Row) {
        self.text.push_str("<table:table-row>");
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
        self.text.push_str("</table:table-row>");
    }

    fn cell(&mut self, cell_style: &str, p_style: &str, content: &str, span: usize) {
        let spanned =
            if span > 1 { format!(r#" table:number-columns-spanned="{span}""#) } else { String::new() };
        let _ = write!(
            self.text,
            r#"<table:table-cell table:style-name="{cell_style}" office:value-type="string"{spanned}><text:p text:style-name="{p_style}">{}</text:p></table:table-cell>"#,
            text(content)
        );
        for _ in 1..span {
            self.text.push_str("<table:covered-table-cell/>");
        }
    }
}

/// Height / width of the chart drawn for `measures` measures (see `chart::svg`).
fn chart_height_ratio(measures: usize) -> f64 {
    crate::chart::height(measures) / crate::chart::WIDTH
}
