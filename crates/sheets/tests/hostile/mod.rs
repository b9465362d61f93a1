//! Hostile workbooks, generated in the tests (never committed): shared by the reader's
//! tests (`crates/sheets/tests/read.rs`) and the upload tests through the real server
//! (`crates/web/tests/uploads.rs`, which includes this file by path).

#![allow(dead_code)]

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub type Zip = ZipWriter<Cursor<Vec<u8>>>;

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A zip whose entries `fill` writes.
pub fn zip_with(fill: impl FnOnce(&mut Zip)) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    fill(&mut z);
    z.finish().unwrap().into_inner()
}

pub fn entry(z: &mut Zip, name: &str, data: &[u8]) {
    z.start_file(name, options()).unwrap();
    z.write_all(data).unwrap();
}

/// An entry of `prefix`, then `chunk` repeated until the entry holds `size` bytes, then
/// `suffix`: written in pieces, so that the test never holds the inflated text.
pub fn big_entry(z: &mut Zip, name: &str, prefix: &[u8], chunk: &[u8], size: u64, suffix: &[u8]) {
    z.start_file(name, options().large_file(size > u32::MAX as u64)).unwrap();
    z.write_all(prefix).unwrap();
    let block: Vec<u8> = chunk.iter().copied().cycle().take(1 << 20).collect();
    let mut written = 0u64;
    while written < size {
        let n = (size - written).min(block.len() as u64) as usize;
        z.write_all(&block[..n]).unwrap();
        written += n as u64;
    }
    z.write_all(suffix).unwrap();
}

pub const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Annexe financière" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

pub const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

pub const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;

/// The XML of a worksheet whose `<sheetData>` is `rows`.
pub fn sheet_xml(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// The workbook parts, then `fill` adds the sheet (and shared strings).
pub fn xlsx_with(fill: impl FnOnce(&mut Zip)) -> Vec<u8> {
    zip_with(|z| {
        entry(z, "[Content_Types].xml", CONTENT_TYPES.as_bytes());
        entry(z, "xl/workbook.xml", WORKBOOK.as_bytes());
        entry(z, "xl/_rels/workbook.xml.rels", RELS.as_bytes());
        fill(z);
    })
}

pub fn xlsx(sheet: &str, shared_strings: Option<&str>) -> Vec<u8> {
    xlsx_with(|z| {
        entry(z, "xl/worksheets/sheet1.xml", sheet.as_bytes());
        if let Some(s) = shared_strings {
            entry(z, "xl/sharedStrings.xml", s.as_bytes());
        }
    })
}

/// A sheet with one cell in A1 and one in XFD1048576: its bounding box is 17 billion
/// cells (what made calamine allocate 549 GB).
pub fn far_cells_xlsx() -> Vec<u8> {
    xlsx(
        &sheet_xml(
            "A1:XFD1048576",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Mesure</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        ),
        None,
    )
}

/// The same far cell under a dimension that lies (« A1:B2 »).
pub fn lying_dimension_xlsx() -> Vec<u8> {
    xlsx(
        &sheet_xml(
            "A1:B2",
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        ),
        None,
    )
}

/// A ~0.5–5 MB workbook whose `xl/sharedStrings.xml` inflates to `size` bytes (one huge
/// string).
pub fn shared_strings_bomb(size: u64) -> Vec<u8> {
    xlsx_with(|z| {
        entry(
            z,
            "xl/worksheets/sheet1.xml",
            sheet_xml("A1", r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).as_bytes(),
        );
        big_entry(
            z,
            "xl/sharedStrings.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#,
            b"bilan ",
            size,
            b"</t></si></sst>",
        );
    })
}

/// A workbook whose shared strings are millions of tiny strings (`size` bytes in all).
pub fn many_strings_bomb(size: u64) -> Vec<u8> {
    xlsx_with(|z| {
        entry(
            z,
            "xl/worksheets/sheet1.xml",
            sheet_xml("A1", r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).as_bytes(),
        );
        big_entry(
            z,
            "xl/sharedStrings.xml",
            br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            b"<si><t>x</t></si>",
            size,
            b"</sst>",
        );
    })
}

/// Rewrites the uncompressed size of every entry named `name` (local header and central
/// directory) to `declared`: the zip then lies about what the entry inflates to.
pub fn lie_about_size(mut zip: Vec<u8>, name: &str, declared: u32) -> Vec<u8> {
    let name = name.as_bytes();
    let mut i = 0;
    while i + 46 <= zip.len() {
        let sig = u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
        if sig == 0x0403_4b50 {
            let n = u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize;
            if zip.get(i + 30..i + 30 + n) == Some(name) {
                zip[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
            }
        } else if sig == 0x0201_4b50 {
            let n = u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize;
            if zip.get(i + 46..i + 46 + n) == Some(name) {
                zip[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
            }
        }
        i += 1;
    }
    zip
}

/// A sheet entry that inflates to `size` bytes but declares 1 KB.
pub fn lying_size_xlsx(size: u64) -> Vec<u8> {
    let zip = xlsx_with(|z| {
        big_entry(
            z,
            "xl/worksheets/sheet1.xml",
            br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
            b"<!-- bilan -->",
            size,
            b"</sheetData></worksheet>",
        );
    });
    lie_about_size(zip, "xl/worksheets/sheet1.xml", 1024)
}

pub const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// An ODS whose first table has `rows` (table:table-row elements).
pub fn ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Annexe financière"><table:table-column table:number-columns-repeated="16384"/>{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_with(|z| {
        z.start_file("mimetype", SimpleFileOptions::default().compression_method(CompressionMethod::Stored))
            .unwrap();
        z.write_all(ODS_MIMETYPE.as_bytes()).unwrap();
        entry(z, "content.xml", content.as_bytes());
    })
}

/// A text cell of an ODS row.
pub fn ods_text(t: &str) -> String {
    format!(r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#)
}

/// An ODS whose one non-empty row is repeated over a million rows and 16 384 columns.
pub fn ods_repeat_bomb() -> Vec<u8> {
    ods(&format!(
        r#"<table:table-row>{}{}</table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        ods_text("Mesure"),
        ods_text("Action")
    ))
}

/// An ODS whose non-empty cell is repeated across 16 384 columns.
pub fn ods_column_bomb() -> Vec<u8> {
    ods(&format!(
        r#"<table:table-row>{}<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        ods_text("Mesure")
    ))
}

/// The first half of a valid workbook.
pub fn truncated(valid: &[u8]) -> Vec<u8> {
    valid[..valid.len() / 2].to_vec()
}
