//! Where every cell of the annex goes: one grid shared by the XLSX, ODS and CSV writers,
//! so that formulas point at the same cells in every format.

use bilan_domain::Money;

use crate::annex::{AnnexTable, TOTAL_LABEL};

/// Number of columns of the annex (A to J).
pub const COLUMNS: u16 = 10;

/// Column indexes (0 = A).
pub mod col {
    pub const MEASURE: u16 = 0;
    pub const ACTION: u16 = 1;
    pub const DIRECTORATE: u16 = 2;
    pub const LABEL: u16 = 3;
    pub const STAFF_TIME: u16 = 4;
    pub const PLANNED: u16 = 5;
    pub const SPENT: u16 = 6;
    pub const CARRY_OVER: u16 = 7;
    pub const COMMENT: u16 = 8;
    pub const STATE_REVENUE: u16 = 9;
}

/// Column widths in characters (Excel's unit; ODS converts).
pub const WIDTHS: [f64; COLUMNS as usize] = [30.0, 9.0, 16.0, 45.0, 11.0, 17.0, 17.0, 17.0, 38.0, 15.0];

/// Light green of staff-time (valorisation ETP) rows, as in the seed's annex.
pub const GREEN: u32 = 0xE2EFDA;
/// Light grey of subtotal rows.
pub const LIGHT_GREY: u32 = 0xF2F2F2;
/// Grey of the header and total rows.
pub const GREY: u32 = 0xD9D9D9;

/// Whether a column holds amounts (F, G, H, J).
pub fn is_money_column(c: u16) -> bool {
    matches!(c, col::PLANNED | col::SPENT | col::CARRY_OVER | col::STATE_REVENUE)
}

/// The name of the single sheet.
pub const SHEET_NAME: &str = "Annexe financière";

/// The header labels for a report of year `year`.
pub fn headers(year: i32) -> [String; COLUMNS as usize] {
    [
        "Mesure".to_string(),
        "Action".to_string(),
        "Direction".to_string(),
        "Dépense".to_string(),
        "Valorisation ETP".to_string(),
        format!("Montant inscrit dans la convention pour {year}"),
        format!("Montant réalisé au 31/12/{year}"),
        format!("Montant à reporter en {}", year + 1),
        "Commentaires".to_string(),
        "Recette État".to_string(),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Title,
    /// Subtitle or legend: a line of text above the table.
    Note,
    Header,
    Line {
        staff_time: bool,
    },
    Subtotal,
    Total,
}

/// What a formula sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumTerms {
    /// A contiguous range of one column, rows `first..=last` (0-based).
    Range { col: u16, first: u32, last: u32 },
    /// Separate cells of one column (0-based rows).
    Cells { col: u16, rows: Vec<u32> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    /// Text as written by the user; writers neutralise formula-like text.
    Text(String),
    Money(Money),
    /// A SUM formula and its result, computed from exact cents.
    Sum {
        terms: SumTerms,
        value: Money,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub kind: RowKind,
    /// At most [`COLUMNS`] cells; missing ones are empty.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub rows: Vec<SheetRow>,
    /// 0-based index of the header row: panes are frozen under it.
    pub header_row: u32,
}

fn money(m: Option<Money>) -> Cell {
    m.map_or(Cell::Empty, Cell::Money)
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

impl Grid {
    pub fn new(table: &AnnexTable) -> Grid {
        let mut rows = vec![SheetRow { kind: RowKind::Title, cells: vec![text(&table.title)] }];
        if !table.subtitle.is_empty() {
            rows.push(SheetRow { kind: RowKind::Note, cells: vec![text(&table.subtitle)] });
        }
        rows.push(SheetRow { kind: RowKind::Note, cells: vec![text(&table.legend)] });
        let header_row = rows.len() as u32;
        rows.push(SheetRow {
            kind: RowKind::Header,
            cells: headers(table.year).iter().map(|h| text(h)).collect(),
        });

        let mut subtotal_rows = Vec::with_capacity(table.groups.len());
        for group in &table.groups {
            let first = rows.len() as u32;
            for r in &group.rows {
                rows.push(SheetRow {
                    kind: RowKind::Line { staff_time: r.staff_time_valuation },
                    cells: vec![
                        text(&r.measure),
                        text(&r.action),
                        text(&r.directorate),
                        text(&r.label),
                        text(if r.staff_time_valuation { "Oui" } else { "Non" }),
                        money(r.planned),
                        money(r.spent),
                        money(r.carry_over),
                        text(&r.comment),
                        Cell::Empty,
                    ],
                });
            }
            let last = rows.len() as u32; // one past the last line
            let sum = |col: u16, value: Money| {
                if last > first {
                    Cell::Sum { terms: SumTerms::Range { col, first, last: last - 1 }, value }
                } else {
                    // An empty group: nothing to sum over.
                    Cell::Money(value)
                }
            };
            subtotal_rows.push(rows.len() as u32);
            let s = &group.subtotal;
            rows.push(SheetRow {
                kind: RowKind::Subtotal,
                cells: vec![
                    text(&group.subtotal_label),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    sum(col::PLANNED, s.planned),
                    sum(col::SPENT, s.spent),
                    sum(col::CARRY_OVER, s.carry_over),
                    Cell::Empty,
                    money(s.state_revenue),
                ],
            });
        }

        let t = &table.total;
        let total = |col: u16, value: Money| {
            if subtotal_rows.is_empty() {
                Cell::Money(value)
            } else {
                Cell::Sum { terms: SumTerms::Cells { col, rows: subtotal_rows.clone() }, value }
            }
        };
        rows.push(SheetRow {
            kind: RowKind::Total,
            cells: vec![
                text(TOTAL_LABEL),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                total(col::PLANNED, t.planned),
                total(col::SPENT, t.spent),
                total(col::CARRY_OVER, t.carry_over),
                Cell::Empty,
                t.state_revenue.map_or(Cell::Empty, |v| total(col::STATE_REVENUE, v)),
            ],
        });
        Grid { rows, header_row }
    }
}

/// "A", "B", …, "Z", "AA", … for a 0-based column.
pub fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Spreadsheet functions take at most 255 arguments: longer lists are split into nested
/// SUMs. `cell` renders one reference, `sep` separates arguments.
pub fn sum_of_cells(refs: &[String], sep: &str) -> String {
    const MAX_ARGS: usize = 255;
    if refs.len() <= MAX_ARGS {
        return format!("SUM({})", refs.join(sep));
    }
    let parts: Vec<String> = refs.chunks(MAX_ARGS).map(|c| sum_of_cells(c, sep)).collect();
    sum_of_cells(&parts, sep)
}

/// An amount as a plain decimal with a dot, exact from the cents: "145468.26", "30000".
pub fn decimal(m: Money, separator: char, always_cents: bool) -> String {
    let cents = m.cents();
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    if frac == 0 && !always_cents {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}{separator}{frac:02}")
    }
}

/// Money as the float spreadsheets store: `cents as f64 / 100.0`.
///
/// Amounts are at most 10^14 cents (`MAX_CENTS`), below 2^53, so `cents as f64` is exact
/// and the division gives the double nearest to the exact decimal: it prints back as the
/// same decimal ("145468.26") and is exact enough for display and for the spreadsheet's
/// own sums. The exact figures stay the cents of the model.
pub fn to_f64(m: Money) -> f64 {
    m.cents() as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(9), "J");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(Money::from_cents(14_546_826), '.', false), "145468.26");
        assert_eq!(decimal(Money::from_euros(30_000), '.', false), "30000");
        assert_eq!(decimal(Money::from_euros(30_000), ',', true), "30000,00");
        assert_eq!(decimal(Money::from_cents(5), ',', true), "0,05");
        assert_eq!(decimal(Money::from_cents(-5), ',', true), "-0,05");
        assert_eq!(to_f64(Money::from_cents(14_546_826)).to_string(), "145468.26");
    }

    #[test]
    fn long_sums_are_nested() {
        let refs: Vec<String> = (0..300).map(|i| format!("F{i}")).collect();
        let f = sum_of_cells(&refs, ",");
        assert!(f.starts_with("SUM(SUM(F0,"), "{f}");
        assert_eq!(f.matches("SUM(").count(), 3);
        assert_eq!(sum_of_cells(&refs[..2], ";"), "SUM(F0;F1)");
    }
}
