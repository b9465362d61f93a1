//! The annex as an Office Open XML workbook, with `rust_xlsxwriter`.

use bilan_domain::Report;
use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

use crate::annex::AnnexTable;
use crate::layout::{
    self, column_letters, is_money_column, to_f64, Cell, Grid, RowKind, SumTerms, COLUMNS, GREEN, GREY,
    LIGHT_GREY,
};
use crate::{neutralize, SheetError};

/// The number format of amounts. Format codes are stored with US separators; Excel shows
/// "145 468,26 €" on a French system.
pub const MONEY_FORMAT: &str = "#,##0.00 \"€\"";

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    text: [Format; 4],
    money: [Format; 4],
}

/// Index into [`Formats::text`] / [`Formats::money`].
fn row_style(kind: RowKind) -> usize {
    match kind {
        RowKind::Line { staff_time: false } => 0,
        RowKind::Line { staff_time: true } => 1,
        RowKind::Subtotal => 2,
        RowKind::Total => 3,
        _ => 0,
    }
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
        let text = cell.clone().set_text_wrap();
        let money = cell.set_num_format(MONEY_FORMAT);
        let variants = |base: &Format| {
            [
                base.clone(),
                base.clone().set_background_color(Color::RGB(GREEN)),
                base.clone().set_bold().set_background_color(Color::RGB(LIGHT_GREY)),
                base.clone().set_bold().set_background_color(Color::RGB(GREY)),
            ]
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            note: Format::new().set_italic(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(GREY)),
            text: variants(&text),
            money: variants(&money),
        }
    }
}

/// The annex of `report` as an XLSX workbook.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, SheetError> {
    let table = AnnexTable::from_report(report);
    let grid = Grid::new(&table);
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&table.title)
            .set_subject(format!("Annexe financière du rapport d'exécution {}", table.year))
            .set_comment("Produit par bilan"),
    );
    let sheet = workbook.add_worksheet();
    sheet.set_name(layout::SHEET_NAME)?;
    write_sheet(sheet, &grid)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(sheet: &mut Worksheet, grid: &Grid) -> Result<(), SheetError> {
    let f = Formats::new();
    for (col, width) in layout::WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    for (r, row) in grid.rows.iter().enumerate() {
        let r = r as u32;
        let style = row_style(row.kind);
        for c in 0..COLUMNS {
            let cell = row.cells.get(usize::from(c)).unwrap_or(&Cell::Empty);
            let (text_format, money_format) = match row.kind {
                RowKind::Title => (&f.title, &f.title),
                RowKind::Note => (&f.note, &f.note),
                RowKind::Header => (&f.header, &f.header),
                _ => (&f.text[style], &f.money[style]),
            };
            let is_table = !matches!(row.kind, RowKind::Title | RowKind::Note);
            match cell {
                Cell::Empty if is_table => {
                    let format = if is_money_column(c) { money_format } else { text_format };
                    sheet.write_blank(r, c, format)?;
                }
                Cell::Empty => {}
                Cell::Text(t) => {
                    sheet.write_string_with_format(r, c, neutralize(t), text_format)?;
                }
                Cell::Money(m) => {
                    sheet.write_number_with_format(r, c, to_f64(*m), money_format)?;
                }
                Cell::Sum { terms, value } => {
                    let formula = Formula::new(formula(terms)).set_result(to_f64(*value).to_string());
                    sheet.write_formula_with_format(r, c, formula, money_format)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(grid.header_row + 1, 0)?;
    sheet.set_repeat_rows(grid.header_row, grid.header_row)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// "=SUM(F5:F10)" or "=SUM(F11,F15)" (A1 references, 1-based rows).
fn formula(terms: &SumTerms) -> String {
    match terms {
        SumTerms::Range { col, first, last } => {
            let c = column_letters(*col);
            format!("=SUM({c}{}:{c}{})", first + 1, last + 1)
        }
        SumTerms::Cells { col, rows } => {
            let c = column_letters(*col);
            let refs: Vec<String> = rows.iter().map(|r| format!("{c}{}", r + 1)).collect();
            format!("={}", layout::sum_of_cells(&refs, ","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_use_a1_references() {
        let range = SumTerms::Range { col: 6, first: 4, last: 9 };
        assert_eq!(formula(&range), "=SUM(G5:G10)");
        let cells = SumTerms::Cells { col: 5, rows: vec![10, 14] };
        assert_eq!(formula(&cells), "=SUM(F11,F15)");
    }
}
