//! Writes the annex of a fixture report in every format, reads it back (calamine for
//! XLSX and ODS, a small RFC 4180 reader for CSV) and compares with the model.

use std::io::{Cursor, Read};
use std::path::Path;

use bilan_domain::{figure, Money, Report};
use bilan_sheets::annex::AnnexTable;
use bilan_sheets::{csv, neutralize, ods, xlsx};
use calamine::{Data, Ods, Range, Reader, Xlsx};

const SHEET: &str = "Annexe financière";

fn fixture() -> Report {
    let text = include_str!("fixtures/annexe.toml");
    match bilan_source::parse_str(text) {
        Ok(parsed) => parsed.report,
        Err(e) => panic!("fixture unreadable: {e}"),
    }
}

/// One table row as the sheet should show it: texts, then amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    texts: [String; 6],        // A B C D E I
    amounts: [Option<i64>; 4], // F G H J
}

fn cents(m: Option<Money>) -> Option<i64> {
    m.map(Money::cents)
}

/// The rows the model says the table holds, from the header's next row to the total.
fn expected(table: &AnnexTable) -> Vec<Row> {
    let mut rows = Vec::new();
    for g in &table.groups {
        for r in &g.rows {
            rows.push(Row {
                texts: [
                    neutralize(&r.measure).into_owned(),
                    neutralize(&r.action).into_owned(),
                    neutralize(&r.directorate).into_owned(),
                    neutralize(&r.label).into_owned(),
                    if r.staff_time_valuation { "Oui" } else { "Non" }.to_string(),
                    neutralize(&r.comment).into_owned(),
                ],
                amounts: [cents(r.planned), cents(r.spent), cents(r.carry_over), None],
            });
        }
        let s = &g.subtotal;
        rows.push(Row {
            texts: [
                g.subtotal_label.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            amounts: [
                Some(s.planned.cents()),
                Some(s.spent.cents()),
                Some(s.carry_over.cents()),
                cents(s.state_revenue),
            ],
        });
    }
    let t = &table.total;
    rows.push(Row {
        texts: [
            "Montant total".to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        amounts: [
            Some(t.planned.cents()),
            Some(t.spent.cents()),
            Some(t.carry_over.cents()),
            cents(t.state_revenue),
        ],
    });
    rows
}

fn text_of(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(other) => panic!("expected text, found {other:?}"),
    }
}

fn cents_of(d: Option<&Data>) -> Option<i64> {
    match d {
        None | Some(Data::Empty) => None,
        Some(Data::Float(f)) => Some((f * 100.0).round() as i64),
        Some(Data::Int(i)) => Some(i * 100),
        Some(other) => panic!("expected an amount, found {other:?}"),
    }
}

/// A sheet read back: its cells, its formulas, and the 0-based header row.
struct ReadBack {
    data: Range<Data>,
    formulas: Range<String>,
    header: u32,
}

impl ReadBack {
    fn new(data: Range<Data>, formulas: Range<String>) -> ReadBack {
        let (h, _) = data.end().expect("empty sheet");
        let header = (0..=h).find(|&r| text_of(data.get_value((r, 0))) == "Mesure").expect("no header row");
        ReadBack { data, formulas, header }
    }

    fn cell(&self, r: u32, c: u32) -> Option<&Data> {
        self.data.get_value((r, c))
    }

    fn formula(&self, r: u32, c: u32) -> String {
        self.formulas.get_value((r, c)).cloned().unwrap_or_default()
    }

    /// Table rows under the header, with their 0-based sheet row.
    fn rows(&self) -> Vec<(u32, Row)> {
        let (last, _) = self.data.end().expect("empty sheet");
        (self.header + 1..=last)
            .map(|r| {
                let t = |c| text_of(self.cell(r, c));
                let a = |c| cents_of(self.cell(r, c));
                (r, Row { texts: [t(0), t(1), t(2), t(3), t(4), t(8)], amounts: [a(5), a(6), a(7), a(9)] })
            })
            .collect()
    }
}

fn read_xlsx(bytes: Vec<u8>) -> ReadBack {
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("xlsx unreadable");
    assert_eq!(book.sheet_names(), vec![SHEET.to_string()]);
    let data = book.worksheet_range(SHEET).expect("no sheet");
    let formulas = book.worksheet_formula(SHEET).expect("no formulas");
    ReadBack::new(data, formulas)
}

fn read_ods(bytes: Vec<u8>) -> ReadBack {
    let mut book = Ods::new(Cursor::new(bytes)).expect("ods unreadable");
    assert_eq!(book.sheet_names(), vec![SHEET.to_string()]);
    let data = book.worksheet_range(SHEET).expect("no sheet");
    let formulas = book.worksheet_formula(SHEET).expect("no formulas");
    ReadBack::new(data, formulas)
}

/// The checks both spreadsheet formats must pass. `formula(col, first, last)` and
/// `total_formula(col, rows)` give the expected formula text (1-based rows).
fn check_sheet(
    sheet: &ReadBack,
    table: &AnnexTable,
    range_formula: impl Fn(char, u32, u32) -> String,
    cells_formula: impl Fn(char, &[u32]) -> String,
) {
    let read = sheet.rows();
    let rows: Vec<Row> = read.iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(rows, expected(table));

    // Subtotals are the sums of the rows read back, total the sum of the subtotals.
    let mut first_line = sheet.header + 1;
    let mut subtotal_rows = Vec::new();
    let mut i = 0;
    for g in &table.groups {
        let lines = &rows[i..i + g.rows.len()];
        let sub = &rows[i + g.rows.len()];
        for k in 0..3 {
            let sum: i64 = lines.iter().filter_map(|r| r.amounts[k]).sum();
            assert_eq!(sub.amounts[k], Some(sum), "{} column {k}", g.label);
        }
        let sub_row = first_line + g.rows.len() as u32;
        if !g.rows.is_empty() {
            for (k, col) in ['F', 'G', 'H'].into_iter().enumerate() {
                assert_eq!(
                    sheet.formula(sub_row, 5 + k as u32),
                    range_formula(col, first_line + 1, sub_row),
                    "subtotal formula of {}",
                    g.label
                );
            }
        }
        subtotal_rows.push(sub_row + 1);
        i += g.rows.len() + 1;
        first_line = sub_row + 1;
    }
    let total = &rows[i];
    assert_eq!(i + 1, rows.len(), "the total is the last row");
    for k in 0..3 {
        let sum: i64 = subtotal_rows
            .iter()
            .map(|&r| rows[(r - 1 - sheet.header - 1) as usize].amounts[k].unwrap_or(0))
            .sum();
        assert_eq!(total.amounts[k], Some(sum));
    }
    let total_row = sheet.header + 1 + i as u32;
    for (k, col) in ['F', 'G', 'H', 'J'].into_iter().enumerate() {
        let c = if k == 3 { 9 } else { 5 + k as u32 };
        assert_eq!(sheet.formula(total_row, c), cells_formula(col, &subtotal_rows));
    }
}

/// The fixture's figures, computed by hand.
fn check_known_figures(table: &AnnexTable) {
    let g1 = &table.groups[0].subtotal;
    assert_eq!(g1.planned, Money::from_euros(66_000));
    assert_eq!(g1.spent, Money::from_cents(2_498_855));
    assert_eq!(g1.carry_over, Money::from_euros(19_800));
    // Recette État = Σ part État (15 000 € + 8 000,50 €), not the declared 63 200 €.
    assert_eq!(g1.state_revenue, Some(Money::from_cents(2_300_050)));
    let g2 = &table.groups[1].subtotal;
    assert_eq!(g2.planned, Money::from_cents(14_646_826));
    assert_eq!(g2.spent, Money::from_cents(14_692_159));
    assert_eq!(g2.carry_over, Money::from_cents(1));
    let t = &table.total;
    assert_eq!(t.planned, Money::from_cents(21_246_826));
    assert_eq!(t.spent, Money::from_cents(17_191_014));
    assert_eq!(t.carry_over, Money::from_cents(1_980_001));
    // 23 000,50 € + 72 734,13 € (2.1.1 states no part État: the declared figure stands).
    assert_eq!(t.state_revenue, Some(Money::from_cents(9_573_463)));
}

#[test]
fn annex_table_follows_the_groups_and_ignores_declared_subtotals() {
    let table = AnnexTable::from_report(&fixture());
    assert!(!table.groups_from_measures);
    assert_eq!(table.groups.len(), 2);
    assert_eq!(table.groups[0].rows.len(), 3);
    assert_eq!(table.groups[1].rows.len(), 3);
    assert_eq!(table.groups[0].subtotal_label, "Sous-total - Prévention Sortie sèche de l'ASE");
    assert_eq!(table.groups[1].subtotal_label, "Sous-total - Insertion et parcours des BRSA");
    let blank = &table.groups[1].rows[1];
    assert_eq!((blank.planned, blank.spent, blank.carry_over), (None, None, None));
    check_known_figures(&table);
}

#[test]
fn without_groups_there_is_one_group_per_measure() {
    let mut report = fixture();
    report.annex.groups.clear();
    let table = AnnexTable::from_report(&report);
    assert!(table.groups_from_measures);
    let labels: Vec<&str> = table.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, [report.measures[0].title.as_str(), "Insertion et parcours des BRSA"]);
    // Recette État of a measure = Σ part État of its actions.
    assert_eq!(table.groups[0].subtotal.state_revenue, Some(Money::from_cents(2_300_050)));
    assert_eq!(table.groups[1].subtotal.state_revenue, None);
    assert_eq!(table.groups[0].rows.len() + table.groups[1].rows.len(), 6);
    // The sheets still re-read to the model.
    let sheet = read_xlsx(xlsx(&report).unwrap());
    let rows: Vec<Row> = sheet.rows().into_iter().map(|(_, r)| r).collect();
    assert_eq!(rows, expected(&table));
}

#[test]
fn unknown_actions_are_listed_not_invented() {
    let mut report = fixture();
    report.annex.groups[1].actions.push("9.9.9".to_string());
    let table = AnnexTable::from_report(&report);
    assert_eq!(table.groups[1].missing_actions, ["9.9.9"]);
    assert_eq!(table.groups[1].rows.len(), 3);
}

#[test]
fn xlsx_reads_back_as_the_model_with_formulas() {
    let report = fixture();
    let table = AnnexTable::from_report(&report);
    let sheet = read_xlsx(xlsx(&report).unwrap());
    assert_eq!(
        text_of(sheet.cell(0, 0)),
        "ANNEXE AU RAPPORT D'EXECUTION 2019 DE LA CONVENTION D'APPUI A LA LUTTE CONTRE LA PAUVRETE"
    );
    assert_eq!(text_of(sheet.cell(1, 0)), "FINANCEMENTS 2019");
    assert_eq!(text_of(sheet.cell(2, 0)), "En vert : valorisation ETP");
    assert_eq!(sheet.header, 3);
    let h = sheet.header;
    assert_eq!(text_of(sheet.cell(h, 5)), "Montant inscrit dans la convention pour 2019");
    assert_eq!(text_of(sheet.cell(h, 6)), "Montant réalisé au 31/12/2019");
    assert_eq!(text_of(sheet.cell(h, 7)), "Montant à reporter en 2020");
    assert_eq!(text_of(sheet.cell(h, 9)), "Recette État");
    check_sheet(
        &sheet,
        &table,
        |c, a, b| format!("SUM({c}{a}:{c}{b})"),
        |c, rows| {
            let refs: Vec<String> = rows.iter().map(|r| format!("{c}{r}")).collect();
            format!("SUM({})", refs.join(","))
        },
    );
    check_known_figures(&table);
}

#[test]
fn ods_reads_back_as_the_model_with_formulas() {
    let report = fixture();
    let table = AnnexTable::from_report(&report);
    let sheet = read_ods(ods(&report).unwrap());
    assert_eq!(text_of(sheet.cell(1, 0)), "FINANCEMENTS 2019");
    assert_eq!(sheet.header, 3);
    check_sheet(
        &sheet,
        &table,
        |c, a, b| format!("of:=SUM([.{c}{a}:.{c}{b}])"),
        |c, rows| {
            let refs: Vec<String> = rows.iter().map(|r| format!("[.{c}{r}]")).collect();
            format!("of:=SUM({})", refs.join(";"))
        },
    );
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut part = archive.by_name(name).unwrap();
    let mut s = String::new();
    part.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_has_french_money_format_green_rows_and_frozen_header() {
    let bytes = xlsx(&fixture()).unwrap();
    let styles = zip_part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r##"formatCode="#,##0.00 &quot;€&quot;""##), "{styles}");
    assert!(styles.contains("FFE2EFDA"), "no green fill");
    let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"ySplit="4""#) && sheet.contains(r#"state="frozen""#), "{sheet}");
}

#[test]
fn ods_package_is_well_formed() {
    let bytes = ods(&fixture()).unwrap();
    // The mimetype comes first, stored, without extra field, so that its text sits at a
    // fixed offset of the file.
    assert_eq!(&bytes[0..4], b"PK\x03\x04");
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 0, "mimetype must be stored");
    assert_eq!(u16::from_le_bytes([bytes[28], bytes[29]]), 0, "no extra field");
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..84], b"application/vnd.oasis.opendocument.spreadsheet");

    let manifest = zip_part(&bytes, "META-INF/manifest.xml");
    assert!(manifest.contains(r#"manifest:full-path="content.xml""#));
    let content = zip_part(&bytes, "content.xml");
    assert!(content.contains(r#"office:value-type="currency" office:currency="EUR""#));
    assert!(content.contains(r#"office:value="145468.26""#));
    assert!(content.contains(r#"table:formula="of:=SUM([.F5:.F7])""#), "{content}");
    assert!(content.contains("ceTextEtp"), "green staff-time rows");
    assert!(content.contains(r#"number:language="fr" number:country="FR""#));
    assert!(content.contains("&amp;") || !content.contains(" & "));
    let settings = zip_part(&bytes, "settings.xml");
    assert!(settings.contains(
        r#"<config:config-item config:name="VerticalSplitPosition" config:type="int">4</config:config-item>"#
    ));
}

/// A strict reader for the CSV we write: ";" separator, CRLF rows, RFC 4180 quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ';' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "bare CR outside quotes");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("bare LF outside quotes"),
            c => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "last row not terminated by CRLF");
    rows
}

fn french_decimal(c: Option<i64>) -> String {
    c.map(|c| format!("{},{:02}", c / 100, c % 100)).unwrap_or_default()
}

#[test]
fn csv_has_bom_crlf_and_parses_back() {
    let report = fixture();
    let table = AnnexTable::from_report(&report);
    let bytes = csv(&report);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"));
    let rows = parse_csv(text);
    assert_eq!(rows[0][0], "Mesure");
    assert_eq!(rows[0][6], "Montant réalisé au 31/12/2019");
    let expected: Vec<Vec<String>> = expected(&table)
        .into_iter()
        .map(|r| {
            let [a, b, c, d, e, i] = r.texts;
            let [f, g, h, j] = r.amounts.map(french_decimal);
            vec![a, b, c, d, e, f, g, h, i, j]
        })
        .collect();
    assert_eq!(rows[1..], expected[..]);
    // French decimals, no thousands separator; quoted fields survive.
    assert!(text.contains(";145468,26;145648,99;"), "{text}");
    assert!(text.contains("\"Ligne 1 avec \"\"guillemets\"\"\nLigne 2\""));
    assert!(text.contains("\"Conventions Missions locales adoptées en CP en 2020 ; « à suivre »\""));
    assert!(text.contains("Montant total;;;;;212468,26;171910,14;19800,01;;95734,63\r\n"));
}

/// Text that spreadsheets would run as a formula comes back as text, with the apostrophe.
#[test]
fn formula_injection_is_neutralized_everywhere() {
    let report = fixture();
    let dangerous = ["'=HYPERLINK(\"http://exemple.invalid\";\"clic\")", "'+cmd", "'-2+3", "'@SUM(A1)"];
    let find = |sheet: &ReadBack| -> Vec<String> {
        let mut found = Vec::new();
        for (_, row) in sheet.rows() {
            for t in row.texts {
                if dangerous.contains(&t.as_str()) {
                    found.push(t);
                }
            }
        }
        found.sort();
        found
    };
    let mut all = dangerous.map(String::from).to_vec();
    all.sort();

    let x = read_xlsx(xlsx(&report).unwrap());
    assert_eq!(find(&x), all);
    let o = read_ods(ods(&report).unwrap());
    assert_eq!(find(&o), all);
    // No cell besides subtotals and total holds a formula.
    for sheet in [&x, &o] {
        for (r, row) in sheet.rows() {
            for c in 0..10 {
                let f = sheet.formula(r, c);
                assert!(
                    f.is_empty() || (c >= 5 && row.texts[1].is_empty()),
                    "unexpected formula {f} at row {r}"
                );
            }
        }
    }

    let bytes = csv(&report);
    let rows = parse_csv(std::str::from_utf8(&bytes[3..]).unwrap());
    let mut found: Vec<String> =
        rows.into_iter().flatten().filter(|f| dangerous.contains(&f.as_str())).collect();
    found.sort();
    assert_eq!(found, all);
}

/// The real report of the seed: every row read back equals the model's annex, and the
/// totals equal the sums of its expense lines.
#[test]
fn allier_2019_totals_equal_the_expense_lines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/allier-2019.toml");
    let text = std::fs::read_to_string(&path).expect("examples/allier-2019.toml is in the repository");
    let report = bilan_source::parse_str(&text).expect("examples/allier-2019.toml parses").report;
    let table = AnnexTable::from_report(&report);
    // Σ of the model's expense lines of the actions the annex shows.
    let mut lines = Vec::new();
    if report.annex.groups.is_empty() {
        lines.extend(report.actions().flat_map(|(_, _, _, a)| a.expenses.iter()));
    } else {
        for g in &report.annex.groups {
            for n in &g.actions {
                if let Some((_, _, a)) = report.action(n) {
                    lines.extend(a.expenses.iter());
                }
            }
        }
    }
    let sum = |f: fn(&bilan_domain::ExpenseLine) -> Option<Money>| {
        Money::sum(lines.iter().filter_map(|l| f(l))).cents()
    };
    let planned = sum(|l| figure(&l.planned));
    let spent = sum(|l| figure(&l.spent));
    let carry_over = sum(|l| figure(&l.carry_over));

    for sheet in [read_xlsx(xlsx(&report).unwrap()), read_ods(ods(&report).unwrap())] {
        let rows = sheet.rows();
        let (_, total) = rows.last().unwrap();
        assert_eq!(total.texts[0], "Montant total");
        assert_eq!(total.amounts[0], Some(planned));
        assert_eq!(total.amounts[1], Some(spent));
        assert_eq!(total.amounts[2], Some(carry_over));
        let read: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
        assert_eq!(read, expected(&table));
    }
    // The seed's annex prints 890 337 €, 484 198 € and 42 800 €.
    assert_eq!(report.annex.groups.len(), 6);
    assert_eq!(planned, 89_033_700, "inscrit");
    assert_eq!(spent, 48_419_800, "réalisé");
    assert_eq!(carry_over, 4_280_000, "à reporter");
}

/// `<`, `&`, quotes, `]]>` and a control character XML 1.0 forbids (U+0001) in a label
/// and a comment: every XML part of the ODS still parses (quick-xml's reader), the text
/// reads back without the control character, and calamine opens the file.
#[test]
fn ods_stays_well_formed_whatever_the_text() {
    use quick_xml::events::Event;

    const NASTY: &str = r#"a < b & \"c\" 'd' \u0001]]> fin"#;
    const SHOWN: &str = r#"a < b & "c" 'd' ]]> fin"#;
    let text = include_str!("fixtures/annexe.toml")
        .replacen("libelle = \"Subvention Missions locales\"", &format!("libelle = \"{NASTY}\""), 1)
        .replacen("commentaire = \"Conventions", &format!("commentaire = \"{NASTY}\\nConventions"), 1);
    let report = bilan_source::parse_str(&text).expect("the altered fixture parses").report;
    let bytes = ods(&report).unwrap();
    for part in ["META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml", "settings.xml"] {
        let xml = zip_part(&bytes, part);
        assert!(!xml.contains('\u{1}'), "{part} holds U+0001");
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut depth = 0i64;
        loop {
            match reader.read_event() {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::GeneralRef(r)) => {
                    let known = r.resolve_char_ref().unwrap().is_some()
                        || matches!(&*r.xml10_content(), "amp" | "lt" | "gt" | "quot" | "apos");
                    assert!(known, "{part}: unknown entity");
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{part} is malformed at {}: {e}", reader.buffer_position()),
            }
        }
        assert_eq!(depth, 0, "{part} is unbalanced");
    }
    let sheet = read_ods(bytes);
    let texts: Vec<String> = sheet.rows().into_iter().flat_map(|(_, row)| row.texts).collect();
    assert!(texts.iter().any(|t| t == SHOWN), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with(&format!("{SHOWN}\n"))), "{texts:?}");
}
