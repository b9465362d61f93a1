//! The annex as CSV for French spreadsheets: UTF-8 with a byte-order mark (so Excel
//! detects the encoding), ";" as separator, CRLF line ends, amounts as decimals with a
//! comma and no thousands separator ("145468,26"). Fields are quoted per RFC 4180 when
//! they hold a separator (`;`, or `,` for a reader set to commas), a quote or a line break.
//!
//! Only the table is written (header, lines, subtotals, total): no title lines, so the
//! file parses as one table. Subtotals and total are their computed values.

use bilan_domain::Report;

use crate::annex::AnnexTable;
use crate::layout::{decimal, Cell, Grid, COLUMNS};
use crate::{csv_field, neutralize};

/// The annex of `report` as CSV bytes.
pub fn csv(report: &Report) -> Vec<u8> {
    let table = AnnexTable::from_report(report);
    let grid = Grid::new(&table);
    let mut out = String::from("\u{FEFF}");
    for row in grid.rows.iter().skip(grid.header_row as usize) {
        let fields: Vec<String> = (0..usize::from(COLUMNS))
            .map(|c| match row.cells.get(c).unwrap_or(&Cell::Empty) {
                Cell::Empty => String::new(),
                Cell::Text(t) => csv_field(&neutralize(t)).into_owned(),
                Cell::Money(m) | Cell::Sum { value: m, .. } => decimal(*m, ',', true),
            })
            .collect();
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}
