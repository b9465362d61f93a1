//! Office Open XML (.docx): heading styles Heading1…Heading5, real tables, a landscape
//! section for the financial annex.

use crate::outline::{Block, Field, Heading, OfficeBody, Outline, Row, RowKind, Table, TitlePage};
use crate::package::{zip, Part};
use crate::xml::Xml;

/// A4 in twentieths of a point, and the margins used on every page.
const A4_SHORT: u32 = 11906;
const A4_LONG: u32 = 16838;
const MARGIN: u32 = 1134;

const W_NS: &[(&str, &str)] = &[
    ("xmlns:w", "http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
    ("xmlns:r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
];

/// Writes the outline as a .docx package.
pub fn write(outline: &Outline) -> Vec<u8> {
    let document = document(outline);
    let core = core(&outline.title);
    zip(&[
        Part { name: "[Content_Types].xml", data: CONTENT_TYPES.as_bytes() },
        Part { name: "_rels/.rels", data: RELS.as_bytes() },
        Part { name: "docProps/core.xml", data: &core },
        Part { name: "word/document.xml", data: &document },
        Part { name: "word/_rels/document.xml.rels", data: DOCUMENT_RELS.as_bytes() },
        Part { name: "word/styles.xml", data: STYLES.as_bytes() },
        Part { name: "word/numbering.xml", data: NUMBERING.as_bytes() },
        Part { name: "word/footer1.xml", data: FOOTER.as_bytes() },
    ])
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>
"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>
"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdNumbering" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>
"#;

const FOOTER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="center"/></w:pPr><w:r><w:t xml:space="preserve">Page </w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve"> / </w:t></w:r><w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>
"#;

const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="567" w:hanging="283"/></w:pPr></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>
"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="fr-FR" w:eastAsia="fr-FR" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="2400" w:after="480"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:color w:val="000091"/><w:sz w:val="48"/><w:szCs w:val="48"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="160"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="000091"/><w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="300" w:after="120"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:color w:val="000091"/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:color w:val="000091"/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading4"><w:name w:val="heading 4"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/><w:outlineLvl w:val="3"/></w:pPr><w:rPr><w:b/><w:sz w:val="23"/><w:szCs w:val="23"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading5"><w:name w:val="heading 5"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="160" w:after="80"/><w:outlineLvl w:val="4"/></w:pPr><w:rPr><w:b/><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/></w:pPr><w:rPr><w:b/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:left="567"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TableContents"><w:name w:val="Table Contents"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:qFormat/><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="929292"/><w:left w:val="single" w:sz="4" w:space="0" w:color="929292"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="929292"/><w:right w:val="single" w:sz="4" w:space="0" w:color="929292"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="929292"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="929292"/></w:tblBorders></w:tblPr></w:style>
</w:styles>
"#;

fn core(t: &TitlePage) -> Vec<u8> {
    let mut x = Xml::new(true);
    x.open(
        "cp:coreProperties",
        &[
            ("xmlns:cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ],
    );
    x.element("dc:title", &[], &t.title);
    x.element("dc:subject", &[], &t.department);
    x.element("dc:creator", &[], "bilan");
    x.element("dc:language", &[], "fr-FR");
    x.close("cp:coreProperties");
    x.text("\n");
    x.finish()
}

/// Section properties: page size, orientation, margins, footer.
fn section_properties(x: &mut Xml, landscape: bool) {
    let (short, long) = (A4_SHORT.to_string(), A4_LONG.to_string());
    let margin = MARGIN.to_string();
    x.open("w:sectPr", &[]);
    x.empty("w:footerReference", &[("w:type", "default"), ("r:id", "rIdFooter")]);
    if landscape {
        x.empty("w:pgSz", &[("w:w", &long), ("w:h", &short), ("w:orient", "landscape")]);
    } else {
        x.empty("w:pgSz", &[("w:w", &short), ("w:h", &long)]);
    }
    x.empty(
        "w:pgMar",
        &[
            ("w:top", &margin),
            ("w:right", &margin),
            ("w:bottom", &margin),
            ("w:left", &margin),
            ("w:header", "567"),
            ("w:footer", "567"),
            ("w:gutter", "0"),
        ],
    );
    x.close("w:sectPr");
}

struct Body {
    x: Xml,
    /// Width available for tables in the current section, in twentieths of a point.
    text_width: u32,
    bookmarks: u32,
}

fn document(outline: &Outline) -> Vec<u8> {
    let mut x = Xml::new(true);
    x.open("w:document", W_NS);
    x.open("w:body", &[]);
    let mut b = Body { x, text_width: A4_SHORT - 2 * MARGIN, bookmarks: 0 };
    b.title_page(&outline.title);
    b.page_break();
    let last = outline.sections.len().saturating_sub(1);
    for (k, section) in outline.sections.iter().enumerate() {
        let short = if section.landscape { A4_LONG } else { A4_SHORT };
        b.text_width = short - 2 * MARGIN;
        for block in &section.blocks {
            b.block(block);
        }
        if k != last {
            // A section ends with a paragraph holding its own properties.
            b.x.open("w:p", &[]);
            b.x.open("w:pPr", &[]);
            section_properties(&mut b.x, section.landscape);
            b.x.close("w:pPr");
            b.x.close("w:p");
        }
    }
    let final_landscape = outline.sections.last().is_some_and(|s| s.landscape);
    let mut x = b.x;
    section_properties(&mut x, final_landscape);
    x.close("w:body");
    x.close("w:document");
    x.text("\n");
    x.finish()
}

impl Body {
    fn page_break(&mut self) {
        self.x.open("w:p", &[]);
        self.x.open("w:r", &[]);
        self.x.empty("w:br", &[("w:type", "page")]);
        self.x.close("w:r");
        self.x.close("w:p");
    }

    /// Runs of text, with line breaks and tabs.
    fn runs(&mut self, t: &str, bold: bool) {
        let x = &mut self.x;
        let rpr = |x: &mut Xml| {
            if bold {
                x.open("w:rPr", &[]);
                x.empty("w:b", &[]);
                x.close("w:rPr");
            }
        };
        for (k, line) in t.split('\n').enumerate() {
            if k > 0 {
                x.open("w:r", &[]);
                rpr(x);
                x.empty("w:br", &[]);
                x.close("w:r");
            }
            for (m, piece) in line.split('\t').enumerate() {
                if m > 0 {
                    x.open("w:r", &[]);
                    rpr(x);
                    x.empty("w:tab", &[]);
                    x.close("w:r");
                }
                if !piece.is_empty() {
                    x.open("w:r", &[]);
                    rpr(x);
                    x.element("w:t", &[("xml:space", "preserve")], piece);
                    x.close("w:r");
                }
            }
        }
    }

    /// `<w:pPr>` with a paragraph style and, inside, an optional extra property.
    fn p_style(&mut self, style: &str, extra: Option<fn(&mut Xml)>) {
        self.x.open("w:pPr", &[]);
        self.x.empty("w:pStyle", &[("w:val", style)]);
        if let Some(extra) = extra {
            extra(&mut self.x);
        }
        self.x.close("w:pPr");
    }

    fn heading(&mut self, h: &Heading) {
        let level = h.level.clamp(1, 5);
        self.bookmarks += 1;
        let id = self.bookmarks.to_string();
        let name: String =
            h.anchor.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(40).collect();
        self.x.open("w:p", &[]);
        self.p_style(&format!("Heading{level}"), None);
        self.x.empty("w:bookmarkStart", &[("w:id", &id), ("w:name", &name)]);
        self.runs(&h.text(), false);
        self.x.empty("w:bookmarkEnd", &[("w:id", &id)]);
        self.x.close("w:p");
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(h) => self.heading(h),
            Block::Paragraph(p) => self.p("Normal", p),
            Block::Field(f) => self.field(f),
            Block::List(items) => self.list(items),
            Block::Table(t) => self.table(t),
            Block::Chart(c) => {
                // Word needs a bitmap beside an SVG: the chart's figures go in as a table.
                self.p("Normal", &c.description);
                self.table(&c.table);
            }
        }
    }

    fn table(&mut self, t: &Table) {
        self.p("Caption", &t.caption);
        let total: u32 = t.columns.iter().map(|c| u32::from(c.width)).sum::<u32>().max(1);
        let widths: Vec<u32> =
            t.columns.iter().map(|c| self.text_width * u32::from(c.width) / total).collect();
        let x = &mut self.x;
        x.open("w:tbl", &[]);
        x.open("w:tblPr", &[]);
        x.empty("w:tblStyle", &[("w:val", "TableGrid")]);
        x.empty("w:tblW", &[("w:w", "5000"), ("w:type", "pct")]);
        x.empty("w:tblLayout", &[("w:type", "fixed")]);
        x.empty(
            "w:tblLook",
            &[
                ("w:val", "04A0"),
                ("w:firstRow", "1"),
                ("w:lastRow", "0"),
                ("w:firstColumn", if t.row_headers { "1" } else { "0" }),
                ("w:lastColumn", "0"),
                ("w:noHBand", "1"),
                ("w:noVBand", "1"),
            ],
        );
        x.empty("w:tblCaption", &[("w:val", &t.caption)]);
        x.close("w:tblPr");
        x.open("w:tblGrid", &[]);
        for w in &widths {
            x.empty("w:gridCol", &[("w:w", &w.to_string())]);
        }
        x.close("w:tblGrid");
        x.open("w:tr", &[]);
        x.open("w:trPr", &[]);
        x.empty("w:tblHeader", &[]);
        x.close("w:trPr");
        for (c, w) in t.columns.iter().zip(&widths) {
            self.cell(&c.title, *w, 1, Some("EEEEEE"), true, c.numeric);
        }
        self.x.close("w:tr");
        for row in &t.rows {
            self.row(t, row, &widths);
        }
        self.x.close("w:tbl");
    }

    fn row(&mut self, t: &Table, row: &Row, widths: &[u32]) {
        self.x.open("w:tr", &[]);
        self.x.open("w:trPr", &[]);
        self.x.empty("w:cantSplit", &[]);
        self.x.close("w:trPr");
        let fill = match row.kind {
            RowKind::Normal => None,
            RowKind::Valuation => Some("B8FEC9"),
            RowKind::Group => Some("E3E3FD"),
            RowKind::Subtotal | RowKind::Total => Some("F6F6F6"),
        };
        if row.kind == RowKind::Group {
            let label = row.cells.first().map(String::as_str).unwrap_or_default();
            self.cell(label, widths.iter().sum(), widths.len(), fill, true, false);
        } else {
            for (k, ((cell, col), w)) in row.cells.iter().zip(&t.columns).zip(widths).enumerate() {
                let bold = row.kind.is_sum() || (k == 0 && t.row_headers);
                self.cell(cell, *w, 1, fill, bold, col.numeric);
            }
        }
        self.x.close("w:tr");
    }

    fn cell(&mut self, text: &str, width: u32, span: usize, fill: Option<&str>, bold: bool, numeric: bool) {
        let x = &mut self.x;
        x.open("w:tc", &[]);
        x.open("w:tcPr", &[]);
        x.empty("w:tcW", &[("w:w", &width.to_string()), ("w:type", "dxa")]);
        if span > 1 {
            x.empty("w:gridSpan", &[("w:val", &span.to_string())]);
        }
        if let Some(fill) = fill {
            x.empty("w:shd", &[("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)]);
        }
        x.close("w:tcPr");
        x.open("w:p", &[]);
        let right = |x: &mut Xml| x.empty("w:jc", &[("w:val", "right")]);
        self.p_style("TableContents", numeric.then_some(right as fn(&mut Xml)));
        self.runs(text, bold);
        self.x.close("w:p");
        self.x.close("w:tc");
    }
}

impl OfficeBody for Body {
    fn p(&mut self, style: &str, text: &str) {
        self.x.open("w:p", &[]);
        self.p_style(style, None);
        self.runs(text, false);
        self.x.close("w:p");
    }

    fn field(&mut self, f: &Field) {
        self.x.open("w:p", &[]);
        self.runs(&f.label, true);
        self.runs(&format!("{}: {}", crate::text::NBSP, f.value), false);
        self.x.close("w:p");
    }

    fn list(&mut self, items: &[String]) {
        for i in items {
            self.x.open("w:p", &[]);
            self.p_style(
                "ListParagraph",
                Some(|x: &mut Xml| {
                    x.open("w:numPr", &[]);
                    x.empty("w:ilvl", &[("w:val", "0")]);
                    x.empty("w:numId", &[("w:val", "1")]);
                    x.close("w:numPr");
                }),
            );
            self.runs(i, false);
            self.x.close("w:p");
        }
    }
}
