//! Open data of a consolidation (the Allier 2019 report, a copy of it at three times the
//! amounts for the Cantal, and the Haute-Loire fixture of bilan-consolidate): the CSV
//! parses back, the Table Schema describes it, the XLSX holds the same cells, and the
//! totals are the consolidation's.

use std::collections::BTreeSet;
use std::io::Cursor;

use bilan_consolidate::{consolidate_with_catalogue, Consolidation, ReportState, Scope};
use bilan_domain::{Amount, DepartmentCode, Money, Report};
use bilan_sheets::opendata::{Cell, FieldKind, Table};
use bilan_sheets::{neutralize, opendata_csv, opendata_tables, opendata_xlsx, table_schema_json};
use calamine::{Data, Reader, Xlsx};

/// A local measure title a spreadsheet would read as a formula, with a comma and quotes.
const FORMULA_TITLE: &str = "=HYPERLINK(\"http://x\",\"clic\"), mesure « locale »";

fn parse(src: &str) -> Report {
    bilan_source::parse_str(src).unwrap_or_else(|e| panic!("{e}")).report
}

/// The Allier report, its « Nbre de personnes accompagnées » linked to the catalogue's
/// CALPAE-REFERENT-02 (the other indicators keep no code).
fn allier() -> Report {
    let mut r = parse(include_str!("../../../examples/allier-2019.toml"));
    for i in r.measures.iter_mut().flat_map(|m| &mut m.actions).flat_map(|a| &mut a.indicators) {
        if i.name == "Nbre de personnes accompagnées" {
            i.code = Some("CALPAE-REFERENT-02".to_string());
        }
    }
    r
}

fn calpae() -> &'static bilan_domain::referentiel::Programme {
    bilan_source::referentiel::builtin().programme("calpae").unwrap()
}

fn haute_loire() -> Report {
    parse(include_str!("../../consolidate/tests/fixtures/haute-loire-2019.toml"))
}

fn times(a: &mut Option<Amount>, k: i64) {
    if let Some(Amount::Value(m)) = a {
        *m = Money::from_cents(m.cents() * k);
    }
}

/// The Allier report for the Cantal, every amount multiplied by `k`, its first local
/// measure renamed to [`FORMULA_TITLE`].
fn scaled(k: i64) -> Report {
    let mut r = allier();
    r.department = DepartmentCode::parse("15").unwrap();
    for m in &mut r.measures {
        for a in &mut m.actions {
            if let Some(f) = &mut a.forecast {
                times(&mut f.state_share, k);
                times(&mut f.department_share, k);
                times(&mut f.total, k);
            }
            if let Some(x) = &mut a.executed {
                times(&mut x.committed, k);
                times(&mut x.spent, k);
                times(&mut x.carry_over, k);
                for l in &mut x.lines {
                    times(&mut l.committed, k);
                    times(&mut l.spent, k);
                    times(&mut l.carry_over, k);
                }
            }
            for e in &mut a.expenses {
                times(&mut e.planned, k);
                times(&mut e.committed, k);
                times(&mut e.spent, k);
                times(&mut e.carry_over, k);
            }
        }
    }
    let local = r.measures.iter_mut().find(|m| m.kind == bilan_domain::MeasureKind::Local).unwrap();
    local.title = FORMULA_TITLE.to_string();
    r
}

fn consolidation() -> Consolidation {
    let reports = [allier(), scaled(3), haute_loire()];
    let scope = Scope::region("calpae", 2019, "84");
    consolidate_with_catalogue(
        &scope,
        calpae(),
        &[
            (ReportState::Approved, &reports[0]),
            (ReportState::Transmitted, &reports[1]),
            (ReportState::Approved, &reports[2]),
        ],
    )
}

/// A strict reader for RFC 4180 with "," and CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
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
            '"' => {
                assert!(field.is_empty() && !was_quoted, "quote inside an unquoted field: {field:?}");
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "bare CR outside quotes");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                was_quoted = false;
            }
            '\n' => panic!("bare LF outside quotes"),
            c => {
                assert!(!was_quoted, "text after a closing quote");
                field.push(c);
            }
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(field.is_empty() && row.is_empty(), "last row not terminated by CRLF");
    rows
}

fn table<'a>(tables: &'a [Table], name: &str) -> &'a Table {
    tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}"))
}

/// Cents of a CSV amount ("145468.26"): exactly two decimals.
fn cents(s: &str) -> i64 {
    let (whole, frac) = s.split_once('.').unwrap_or_else(|| panic!("{s:?} has no decimal point"));
    assert_eq!(frac.len(), 2, "{s:?}: two decimals");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap();
    sign * (whole * 100 + frac.parse::<i64>().unwrap())
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// Σ of a money column, in cents.
fn column_sum(rows: &[Vec<String>], k: usize) -> i64 {
    rows.iter().map(|r| &r[k]).filter(|v| !v.is_empty()).map(|v| cents(v)).sum()
}

#[test]
fn three_tables_with_their_rows() {
    let c = consolidation();
    assert_eq!(c.counted.len(), 3);
    let tables = opendata_tables(&c);
    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
    assert_eq!(names, ["execution-par-mesure", "execution-par-departement", "indicateurs"]);
    for t in &tables {
        assert!(!t.rows.is_empty(), "{} is empty", t.name);
        assert!(!t.title.is_empty() && !t.description.is_empty());
        for row in &t.rows {
            assert_eq!(row.len(), t.fields.len(), "{}: one cell per field", t.name);
        }
    }
    let cells: usize = c.measures.iter().map(|m| m.cells.len()).sum();
    assert_eq!(table(&tables, "execution-par-mesure").rows.len(), cells);
    assert_eq!(table(&tables, "execution-par-departement").rows.len(), c.expected.len());
    let points: usize =
        c.measures.iter().flat_map(|m| &m.indicators).map(|i| i.values.len() + i.missing.len()).sum();
    assert_eq!(table(&tables, "indicateurs").rows.len(), points);
}

#[test]
fn csv_parses_back_and_the_schema_describes_it() {
    let tables = opendata_tables(&consolidation());
    for t in &tables {
        let csv = opendata_csv(t);
        assert!(!csv.starts_with('\u{feff}'), "no byte-order mark");
        let rows = parse_csv(&csv);
        let (header, body) = rows.split_first().unwrap();
        assert_eq!(body.len(), t.rows.len());

        let schema: serde_json::Value = serde_json::from_str(&table_schema_json(t))
            .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", t.name));
        assert_eq!(schema["name"], t.name);
        assert_eq!(schema["missingValues"], serde_json::json!([""]));
        let fields = schema["fields"].as_array().unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names, header.iter().map(String::as_str).collect::<Vec<_>>(), "{}", t.name);
        for f in fields {
            assert!(["string", "integer", "number", "date"].contains(&f["type"].as_str().unwrap()), "{f}");
            assert!(!f["title"].as_str().unwrap().is_empty());
            assert!(!f["description"].as_str().unwrap().is_empty());
        }
        // The primary key names fields and identifies rows.
        let key: Vec<usize> = schema["primaryKey"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| column(header, k.as_str().unwrap()))
            .collect();
        let mut seen = BTreeSet::new();
        for row in body {
            let id: Vec<&String> = key.iter().map(|&k| &row[k]).collect();
            assert!(id.iter().all(|v| !v.is_empty()), "{}: empty key in {row:?}", t.name);
            assert!(seen.insert(id.clone()), "{}: duplicate key {id:?}", t.name);
        }
        // Every cell is of its field's type, or empty.
        for row in body {
            assert_eq!(row.len(), header.len());
            for ((value, f), field) in row.iter().zip(fields).zip(&t.fields) {
                if value.is_empty() {
                    continue;
                }
                match f["type"].as_str().unwrap() {
                    "integer" => assert!(value.parse::<i64>().is_ok(), "{value:?}"),
                    "number" => {
                        let plain = value.trim_start_matches('-');
                        assert!(
                            plain.split('.').count() <= 2
                                && plain
                                    .split('.')
                                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                            "{}: {value:?} is not a number",
                            field.name
                        );
                        if field.unit == Some("€") {
                            cents(value);
                        }
                    }
                    "date" => assert!(value.len() == 10 && value.as_bytes()[4] == b'-', "{value:?}"),
                    _ => assert!(!value.starts_with(['=', '+', '-', '@']), "{value:?} not neutralised"),
                }
                if let Some(allowed) = f["constraints"]["enum"].as_array() {
                    assert!(allowed.iter().any(|a| a == value.as_str()), "{}: {value:?}", field.name);
                }
            }
        }
    }
}

#[test]
fn csv_totals_are_the_consolidation_totals() {
    let c = consolidation();
    let tables = opendata_tables(&c);
    let expect = [
        ("prevu_part_etat", c.total.state_share.value),
        ("prevu_part_cd", c.total.department_share.value),
        ("prevu_total", c.total.planned.value),
        ("engage", c.total.committed.value),
        ("consomme", c.total.spent.value),
        ("report", c.total.carry_over.value),
    ];
    assert!(c.total.spent.value > Money::ZERO);
    assert!(c.total.department_share.value > Money::ZERO);
    for name in ["execution-par-mesure", "execution-par-departement"] {
        let rows = parse_csv(&opendata_csv(table(&tables, name)));
        let (header, body) = rows.split_first().unwrap();
        for (field, total) in expect {
            assert_eq!(column_sum(body, column(header, field)), total.cents(), "{name}: Σ {field}");
        }
    }
    // The Cantal is the Allier at three times the amounts.
    let rows = parse_csv(&opendata_csv(table(&tables, "execution-par-departement")));
    let (header, body) = rows.split_first().unwrap();
    let dep = column(header, "departement_code");
    let row = |code: &str| body.iter().find(|r| r[dep] == code).unwrap();
    for field in ["prevu_total", "consomme", "report"] {
        let k = column(header, field);
        assert_eq!(cents(&row("15")[k]), 3 * cents(&row("03")[k]), "{field}");
    }
    assert_eq!(row("03")[column(header, "statut_rapport")], "approuve");
    assert_eq!(row("15")[column(header, "statut_rapport")], "transmis");
    assert_eq!(row("03")[column(header, "region_code")], "84");
    assert_eq!(row("03")[column(header, "departement")], "Allier");
    assert_eq!(row("03")[column(header, "annee")], "2019");
    let rate = &row("03")[column(header, "taux_execution")];
    let allier = c.signatories.iter().find(|d| d.signatory.as_str() == "03").unwrap();
    assert_eq!(rate.replace('.', ","), allier.figures.execution_rate_french().replace("\u{a0}%", ""));
    // Territory 69 has two signatories, the Rhône and the Métropole de Lyon: two rows, told
    // apart by the collectivité code, the table's key.
    let (code, name) = (column(header, "collectivite_code"), column(header, "collectivite"));
    let of_69: Vec<(&str, &str)> =
        body.iter().filter(|r| r[dep] == "69").map(|r| (r[code].as_str(), r[name].as_str())).collect();
    assert_eq!(of_69, [("69", "Rhône"), ("69M", "Métropole de Lyon")]);
    assert_eq!(row("03")[code], "03");
    assert_eq!(
        table(&tables, "execution-par-departement").primary_key,
        ["programme", "annee", "collectivite_code"]
    );
}

#[test]
fn figures_not_stated_stay_empty() {
    let c = consolidation();
    let tables = opendata_tables(&c);
    // Départements without a report: every figure empty, never 0.
    let t = table(&tables, "execution-par-departement");
    let rows = parse_csv(&opendata_csv(t));
    let (header, body) = rows.split_first().unwrap();
    let ain = body.iter().find(|r| r[column(header, "departement_code")] == "01").unwrap();
    for field in
        ["prevu_part_etat", "prevu_part_cd", "prevu_total", "engage", "consomme", "report", "taux_execution"]
    {
        assert_eq!(ain[column(header, field)], "", "{field}");
    }
    assert_eq!(ain[column(header, "statut_rapport")], "non_transmis");
    // Per measure: a cell is empty exactly when the consolidation has no figure.
    let t = table(&tables, "execution-par-mesure");
    let mut k = 0;
    let mut empty = 0;
    for counted in &c.counted {
        for m in &c.measures {
            let Some(cell) = m.cells.iter().find(|x| x.signatory == counted.signatory) else { continue };
            let row = &t.rows[k];
            k += 1;
            let f = &cell.figures;
            for (name, amount) in [
                ("prevu_part_etat", &f.state_share),
                ("prevu_part_cd", &f.department_share),
                ("prevu_total", &f.planned),
                ("engage", &f.committed),
                ("consomme", &f.spent),
                ("report", &f.carry_over),
            ] {
                let i = t.fields.iter().position(|x| x.name == name).unwrap();
                if amount.is_stated() {
                    assert_eq!(row[i], Cell::Decimal { value: amount.value.cents(), scale: 2 });
                } else {
                    assert_eq!(row[i], Cell::Empty, "{name}");
                    empty += 1;
                }
            }
        }
    }
    assert!(empty > 0, "the fixture has figures that are not stated");
}

#[test]
fn text_is_neutralised_and_quoted() {
    let tables = opendata_tables(&consolidation());
    let t = table(&tables, "execution-par-mesure");
    let csv = opendata_csv(t);
    let expected = format!("\"'{}\"", FORMULA_TITLE.replace('"', "\"\""));
    assert!(csv.contains(&expected), "{csv}");
    let rows = parse_csv(&csv);
    let k = column(&rows[0], "mesure");
    assert!(rows.iter().any(|r| r[k] == neutralize(FORMULA_TITLE)));
}

#[test]
fn indicators_say_how_they_were_consolidated() {
    let c = consolidation();
    let tables = opendata_tables(&c);
    let rows = parse_csv(&opendata_csv(table(&tables, "indicateurs")));
    let (header, body) = rows.split_first().unwrap();
    let (mode, total, value, absent, unit) = (
        column(header, "consolidation"),
        column(header, "total_consolide"),
        column(header, "valeur"),
        column(header, "valeur_absente"),
        column(header, "unite"),
    );
    for r in body {
        assert_eq!(r[mode] == "somme", !r[total].is_empty(), "{r:?}");
        assert!(r[value].is_empty() != r[absent].is_empty(), "a value or why there is none: {r:?}");
    }
    assert!(body.iter().any(|r| r[mode] == "somme" && r[unit] == "nombre"));
    assert!(body.iter().any(|r| !r[absent].is_empty()));
    // A summed indicator's total is the sum of its values in every Département.
    for m in &c.measures {
        for i in &m.indicators {
            if let bilan_consolidate::consolidation::IndicatorOutcome::Summed { total: t, .. } = i.outcome {
                let sum = i.values.iter().fold(0, |s, p| s + p.value.hundredths());
                assert_eq!(t.hundredths(), sum);
            }
        }
    }
}

fn data_of(cell: &Cell) -> Data {
    match cell {
        Cell::Empty => Data::Empty,
        Cell::Text(t) => Data::String(neutralize(t).into_owned()),
        Cell::Integer(i) => Data::Float(*i as f64),
        Cell::Decimal { value, scale } => Data::Float(*value as f64 / 10f64.powi(i32::from(*scale))),
        Cell::Date(_) => unreachable!("no date in these tables"),
    }
}

#[test]
fn xlsx_reads_back_as_the_tables() {
    let tables = opendata_tables(&consolidation());
    let bytes = opendata_xlsx(&tables).unwrap();
    // The header row is bold: one bold font, used by the first row of every sheet.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("<b/>"), "{styles}");
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("xlsx unreadable");
    assert_eq!(book.sheet_names(), tables.iter().map(|t| t.name.to_string()).collect::<Vec<_>>());
    for t in &tables {
        let range = book.worksheet_range(t.name).unwrap();
        let header: Vec<Data> = (0..t.fields.len() as u32)
            .map(|c| range.get_value((0, c)).cloned().unwrap_or(Data::Empty))
            .collect();
        assert_eq!(header, t.fields.iter().map(|f| Data::String(f.name.to_string())).collect::<Vec<_>>());
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let got = range.get_value((r as u32 + 1, c as u32)).cloned().unwrap_or(Data::Empty);
                let want = data_of(cell);
                match (&got, &want) {
                    (Data::Float(a), Data::Float(b)) => assert_eq!(a, b, "{} ({r}, {c})", t.name),
                    (Data::Int(a), Data::Float(b)) => assert_eq!(*a as f64, *b, "{} ({r}, {c})", t.name),
                    _ => assert_eq!(got, want, "{} ({r}, {c})", t.name),
                }
            }
        }
        let (rows, _) = range.end().unwrap();
        assert_eq!(rows as usize, t.rows.len(), "{}: no extra row", t.name);
    }
}

#[test]
fn schema_marks_codes_and_keys() {
    let tables = opendata_tables(&consolidation());
    let t = table(&tables, "execution-par-departement");
    let schema: serde_json::Value = serde_json::from_str(&table_schema_json(t)).unwrap();
    assert_eq!(schema["primaryKey"], serde_json::json!(["programme", "annee", "collectivite_code"]));
    let field =
        |name: &str| schema["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap().clone();
    assert_eq!(field("annee")["type"], "integer");
    assert_eq!(field("annee")["constraints"]["required"], true);
    assert_eq!(field("consomme")["type"], "number");
    assert!(field("consomme")["description"].as_str().unwrap().contains("En euros"));
    assert_eq!(
        field("statut_rapport")["constraints"]["enum"],
        serde_json::json!(["transmis", "approuve", "non_transmis"])
    );
    assert!(t.fields.iter().all(|f| f.kind != FieldKind::Date));
}

#[test]
fn indicators_carry_their_catalogue_link() {
    let c = consolidation();
    let tables = opendata_tables(&c);
    let rows = parse_csv(&opendata_csv(table(&tables, "indicateurs")));
    let (header, body) = rows.split_first().unwrap();
    let col = |name| column(header, name);
    let (code, link, suggested, rule, aggregate, name, dep) = (
        col("code_referentiel"),
        col("rattachement"),
        col("code_suggere"),
        col("agregation"),
        col("agregat_referentiel"),
        col("indicateur"),
        col("departement_code"),
    );
    // The coded indicator: its code, the catalogue's rule and the sum over the region
    // (Allier and its copy for the Cantal, whose figures are the same: indicators are
    // not scaled).
    let coded: Vec<&Vec<String>> = body.iter().filter(|r| r[link] == "referentiel").collect();
    assert!(!coded.is_empty());
    let sum =
        c.catalogue.as_ref().unwrap().indicator("CALPAE-REFERENT-02").unwrap().aggregate.headline().unwrap();
    for r in &coded {
        assert_eq!(r[code], "CALPAE-REFERENT-02", "{r:?}");
        assert_eq!(r[rule], "somme");
        assert_eq!(r[aggregate], Cell::quantity(sum).to_csv_text());
        assert!(r[suggested].is_empty());
    }
    let allier_value: i64 = coded.iter().find(|r| r[dep] == "03").unwrap()[col("valeur")].parse().unwrap();
    assert_eq!(sum, bilan_domain::Quantity::from_int(2 * allier_value));
    // Allier's other catalogue titles, written its own way and without a code, are not
    // linked: the suggested code is given, nothing is aggregated.
    let unlinked = body
        .iter()
        .find(|r| r[dep] == "03" && r[name] == "Nombre de nouveaux entrants orientés en 1 mois et moins")
        .unwrap();
    assert_eq!(unlinked[link], "non_rattache");
    assert_eq!(unlinked[suggested], "CALPAE-RSA-01");
    assert!(unlinked[code].is_empty() && unlinked[rule].is_empty() && unlinked[aggregate].is_empty());
    assert!(body.iter().any(|r| r[link] == "local" && r[code].is_empty() && r[suggested].is_empty()));
    // Every row says how it stands.
    assert!(body.iter().all(|r| !r[link].is_empty()), "every counted indicator is classified");
}
