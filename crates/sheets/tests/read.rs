//! The annex reader: valid workbooks read back exactly; hostile ones are refused with a
//! French message, after bounded work.

mod hostile;

use bilan_domain::{Amount, Money, Report};
use bilan_sheets::read::{self, apply_annex, read_annex, read_annex_with, read_sheet, Limits, Value, LIMITS};

fn allier() -> Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

fn refused(bytes: &[u8]) -> String {
    let errors = read_annex(bytes).expect_err("refused");
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ; ")
}

#[test]
fn exported_annex_reimports_unchanged() {
    let r = allier();
    for bytes in [bilan_sheets::xlsx(&r).unwrap(), bilan_sheets::ods(&r).unwrap()] {
        let values = read_annex(&bytes).unwrap();
        assert_eq!(values.sheet, "Annexe financière");
        let mut r2 = r.clone();
        let (rows, changed) = apply_annex(&mut r2, &values).unwrap();
        assert_eq!(rows, r.actions().map(|(_, _, _, a)| a.expenses.len()).sum::<usize>());
        assert_eq!(changed, 0);
        for ((_, _, _, a), (_, _, _, b)) in r.actions().zip(r2.actions()) {
            assert_eq!(a.expenses, b.expenses, "{}", a.number);
        }
    }
}

#[test]
fn a_changed_amount_is_applied_and_named_by_cell_when_wrong() {
    let header = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Mesure</t></is></c><c r="B1" t="inlineStr"><is><t>Action</t></is></c></row>"#;
    let line = |g: &str| {
        format!(
            r#"{header}<row r="2"><c r="B2" t="s"><v>0</v></c><c r="D2" t="s"><v>1</v></c><c r="F2"><v>100</v></c>{g}</row>"#
        )
    };
    let r = allier();
    let a = &r.measures[0].actions[0];
    let strings = format!(
        r#"<sst><si><t>{}</t></si><si><r><t>{}</t></r><rPh><t>phonétique</t></rPh></si><si><t>douze &amp; &#233;</t></si></sst>"#,
        a.number, a.expenses[0].label
    );
    let ok = hostile::xlsx(
        &hostile::sheet_xml("A1:J2", &line(r#"<c r="G2"><v>12345.67</v></c>"#)),
        Some(&strings),
    );
    let values = read_annex(&ok).unwrap();
    assert_eq!(values.rows.len(), 1);
    assert_eq!(values.rows[0].label, a.expenses[0].label.trim());
    assert_eq!(values.rows[0].amounts[1], Some(Amount::Value(Money::from_cents(1_234_567))));
    let mut r2 = r.clone();
    assert_eq!(apply_annex(&mut r2, &values).unwrap().0, 1);
    assert_eq!(
        r2.measures[0].actions[0].expenses[0].spent,
        Some(Amount::Value(Money::from_cents(1_234_567)))
    );

    let bad =
        hostile::xlsx(&hostile::sheet_xml("A1:J2", &line(r#"<c r="G2" t="s"><v>2</v></c>"#)), Some(&strings));
    let e = refused(&bad);
    assert!(e.starts_with("Annexe financière!G2 : « douze & é »"), "{e}");
    let bad =
        hostile::xlsx(&hostile::sheet_xml("A1:J2", &line(r#"<c r="G2"><v>1.005</v></c>"#)), Some(&strings));
    assert!(refused(&bad).contains("plus de deux décimales"));
}

#[test]
fn unknown_lines_are_named_by_cell() {
    let sheet = hostile::sheet_xml(
        "A1:D2",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Mesure</t></is></c><c r="B1" t="inlineStr"><is><t>Action</t></is></c></row><row r="2"><c r="B2" t="inlineStr"><is><t>9.9.9</t></is></c></row>"#,
    );
    let values = read_annex(&hostile::xlsx(&sheet, None)).unwrap();
    let e = apply_annex(&mut allier(), &values).unwrap_err();
    assert_eq!(e[0].cell.as_deref(), Some("Annexe financière!B2"));
    assert!(e[0].message.contains("l’action « 9.9.9 » n’existe pas"), "{e:?}");
}

#[test]
fn corrupt_and_foreign_files_are_refused() {
    let unreadable = "n’est pas un classeur XLSX ou ODS lisible";
    assert!(refused(b"PK\x03\x04 pas un classeur").contains(unreadable));
    assert!(refused(b"Mesure;Action\n1;1.1\n").contains(unreadable));
    assert!(refused(b"").contains(unreadable));
    let valid = bilan_sheets::xlsx(&allier()).unwrap();
    assert!(refused(&hostile::truncated(&valid)).contains(unreadable));
    let valid = bilan_sheets::ods(&allier()).unwrap();
    assert!(refused(&hostile::truncated(&valid)).contains(unreadable));
    // A zip that is neither: a DOCX-like archive.
    let docx = hostile::zip_with(|z| hostile::entry(z, "word/document.xml", b"<w:document/>"));
    assert!(refused(&docx).contains(unreadable));
    // Broken XML inside a valid zip.
    let broken = hostile::xlsx("<worksheet><sheetData><row r=\"1\"><c r=\"A1\"></row>", None);
    assert!(refused(&broken).contains("illisible"), "{}", refused(&broken));
}

#[test]
fn far_cells_are_refused_before_any_allocation() {
    let expected = "la feuille dépasse la taille d’une annexe financière : 5\u{202F}000 lignes et 16 colonnes au plus (cellule XFD1048576)";
    for bytes in [hostile::far_cells_xlsx(), hostile::lying_dimension_xlsx()] {
        let e = refused(&bytes);
        assert!(e.contains(expected), "{e}");
        assert!(e.starts_with("Annexe financière!XFD1048576 : "), "{e}");
    }
    // The same file as written by a real library (rust_xlsxwriter).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Mesure").unwrap();
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(refused(&bytes).contains(expected));
    // Row 5 001, column Q: just past each limit.
    let row =
        hostile::xlsx(&hostile::sheet_xml("A1", r#"<row r="5001"><c r="A5001"><v>1</v></c></row>"#), None);
    assert!(refused(&row).contains("(cellule A5001)"));
    let column = hostile::xlsx(&hostile::sheet_xml("A1", r#"<row r="1"><c r="Q1"><v>1</v></c></row>"#), None);
    assert!(refused(&column).contains("(cellule Q1)"));
    // Cells without coordinates are placed one after the other.
    let implicit = "<c><v>1</v></c>".repeat(17);
    let implicit = hostile::xlsx(&hostile::sheet_xml("A1", &format!("<row>{implicit}</row>")), None);
    assert!(refused(&implicit).contains("(cellule Q1)"));
}

#[test]
fn zip_bombs_are_refused() {
    // Shared strings inflating to 400 MB (one string, then millions of small ones).
    let bomb = hostile::shared_strings_bomb(400 * 1024 * 1024);
    assert!(bomb.len() < LIMITS.max_file, "{} bytes", bomb.len());
    let e = refused(&bomb);
    assert!(e.contains("« xl/sharedStrings.xml » du classeur dépasse 16 Mo une fois décompressé"), "{e}");
    let e = refused(&hostile::many_strings_bomb(64 * 1024 * 1024));
    assert!(e.contains("dépasse 16 Mo") || e.contains("plus de 100\u{202F}000 textes"), "{e}");
    // A sheet declaring 1 KB that inflates to 64 MB.
    let e = refused(&hostile::lying_size_xlsx(64 * 1024 * 1024));
    assert!(e.contains("dépasse 16 Mo une fois décompressé") || e.contains("illisible"), "{e}");
    // A declared size over the cap is refused without inflating anything.
    let honest = hostile::xlsx_with(|z| {
        hostile::big_entry(
            z,
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>",
            b" ",
            20 << 20,
            b"</sheetData></worksheet>",
        )
    });
    assert!(refused(&honest).contains("dépasse 16 Mo"));
    // The total of the entries read is capped too.
    let small = Limits { max_entry: 1 << 20, max_total: (1 << 20) + (1 << 19), ..LIMITS };
    let two = hostile::xlsx_with(|z| {
        let padding = b"<!-- -->";
        hostile::big_entry(
            z,
            "xl/sharedStrings.xml",
            b"<sst>",
            padding,
            900 << 10,
            b"<si><t>x</t></si></sst>",
        );
        hostile::big_entry(
            z,
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>",
            padding,
            900 << 10,
            b"</sheetData></worksheet>",
        );
    });
    let e = read_annex_with(&two, &small).unwrap_err()[0].to_string();
    assert!(e.contains("le classeur décompressé dépasse 1 Mo"), "{e}");
}

#[test]
fn oversized_files_and_texts_are_refused() {
    let big = vec![0u8; LIMITS.max_file + 1];
    assert!(refused(&big).contains("dépasse la taille maximale d’une annexe (5 Mo)"));
    let long = "é".repeat(LIMITS.max_text + 1);
    let sheet = hostile::sheet_xml(
        "A1",
        &format!(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{long}</t></is></c></row>"#),
    );
    let e = refused(&hostile::xlsx(&sheet, None));
    assert!(
        e.contains("Annexe financière!A1 : le texte de la cellule dépasse 32\u{202F}767 caractères"),
        "{e}"
    );
    // Many cells at the same place: counted, not only placed.
    let few = Limits { max_cells: 10, ..LIMITS };
    let sheet =
        hostile::sheet_xml("A1", &format!(r#"<row r="1">{}</row>"#, r#"<c r="A1"><v>1</v></c>"#.repeat(11)));
    let e = read_annex_with(&hostile::xlsx(&sheet, None), &few).unwrap_err()[0].to_string();
    assert!(e.contains("plus de 10 cellules"), "{e}");
}

#[test]
fn ods_repeats_are_not_expanded() {
    let expected = "5\u{202F}000 lignes et 16 colonnes au plus";
    let e = refused(&hostile::ods_repeat_bomb());
    assert!(e.contains(expected) && e.contains("(cellule XFD2)"), "{e}");
    let rows = format!(
        r#"<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated="1048575">{}</table:table-row>"#,
        hostile::ods_text("Mesure"),
        hostile::ods_text("1.1")
    );
    let e = refused(&hostile::ods(&rows));
    assert!(e.contains(expected) && e.contains("(cellule A1048576)"), "{e}");
    let e = refused(&hostile::ods_column_bomb());
    assert!(e.contains(expected) && e.contains("(cellule XFE1)"), "{e}");
    // LibreOffice writes the rest of a sheet as empty repeated rows and cells: read fine.
    let rows = format!(
        r#"<table:table-row>{}{}<table:table-cell table:number-columns-repeated="16382"/></table:table-row><table:table-row table:number-rows-repeated="2">{}<table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="7"/></table:table-row><table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        hostile::ods_text("Mesure"),
        hostile::ods_text("Action"),
        hostile::ods_text("x &amp; <text:s text:c=\"2\"/>y"),
    );
    let sheet = read_sheet(&hostile::ods(&rows), &LIMITS).unwrap();
    assert_eq!(sheet.cells.len(), 2 + 2 * 3);
    assert_eq!(sheet.cells[&(2, 0)], Value::Text("x &   y".into()));
    assert_eq!(sheet.cells[&(2, 2)], Value::Number(7.0));
    // Spaces repeated a billion times are capped like any text.
    let spaces = hostile::ods(&format!(
        "<table:table-row>{}</table:table-row>",
        hostile::ods_text("<text:s text:c=\"1000000000\"/>")
    ));
    assert!(refused(&spaces).contains("dépasse 32\u{202F}767 caractères"));
    // … and so are a hundred thousand of them in one cell (no work once the cap is hit).
    let many = "<text:s text:c=\"1000000000\"/>".repeat(100_000);
    let spaces = hostile::ods(&format!("<table:table-row>{}</table:table-row>", hostile::ods_text(&many)));
    let started = std::time::Instant::now();
    assert!(refused(&spaces).contains("dépasse 32\u{202F}767 caractères"));
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn cell_references_and_amounts() {
    assert_eq!(read::cell_ref("Annexe financière", 11, 6), "Annexe financière!G12");
    assert_eq!(read::cell_ref("F", 1_048_575, 16_383), "F!XFD1048576");
    assert_eq!(
        read::cell_amount(Some(&Value::Number(1234.56))),
        Ok(Some(Amount::Value(Money::from_cents(123_456))))
    );
    assert!(read::cell_amount(Some(&Value::Number(f64::NAN))).is_err());
    assert!(read::cell_amount(Some(&Value::Number(1e300))).is_err());
    assert!(read::cell_amount(Some(&Value::Text("douze".into())))
        .unwrap_err()
        .contains("n'est pas un montant"));
    assert_eq!(read::unneutralize("'=SUM(A1)"), "=SUM(A1)");
    assert_eq!(read::unneutralize("'déjà"), "'déjà");
}
