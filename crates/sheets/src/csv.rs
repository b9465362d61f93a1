//! The annex as CSV for French spreadsheets: UTF-8 with a byte-order mark (so Excel
//! detects the encoding), ";" as separator, CRLF line ends, amounts as decimals with a
//! comma and no thousands separator ("145468,26"). Fields are quoted per RFC 4180 when
//! they hold a separator, a quote or a line break.
//!
//! Only the table is written (header, lines, subtotals, total): no title lines, so the
//! file parses as one table. Subtotals and total are their computed values.

use bilan_domain::Report;

use crate::annex::AnnexTable;
use crate::layout::{decimal, Cell, Grid, COLUMNS};
use crate::neutralize;

/// The annex of `report` as CSV bytes.
pub fn csv(report: &Report) -> Vec<u8> {
    let table = AnnexTable::from_report(report);
    let grid = Grid::new(&table);
    let mut out = String::from("\u{FEFF}");
    for row in grid.rows.iter().skip(grid.header_row as usize) {
        let fields: Vec<String> = (0..usize::from(COLUMNS))
            .map(|c| match row.cells.get(c).unwrap_or(&Cell::Empty) {
                Cell::Empty => String::new(),
                Cell::Text(t) => quote(&neutralize(t)),
                Cell::Money(m) | Cell::Sum { value: m, .. } => decimal(*m, ',', true),
            })
            .collect();
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn quote(field: &str) -> String {
    if field.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_when_needed() {
        assert_eq!(quote("DRH"), "DRH");
        assert_eq!(quote("a;b"), "\"a;b\"");
        assert_eq!(quote("dit \"oui\""), "\"dit \"\"oui\"\"\"");
        assert_eq!(quote("ligne\r\nsuite"), "\"ligne\r\nsuite\"");
    }
}
