//! The financial annex: one row per expense line, a subtotal per group, a grand total.
//! The table is [`AnnexTable`], shared with the spreadsheets, so the documents and the
//! XLSX/ODS/CSV annex show the same rows and sums; this module only lays it out.

use bilan_domain::annex_table::{AnnexRow, AnnexTable, Totals, TOTAL_LABEL};
use bilan_domain::{ExpenseLine, Report};

use super::{unnumbered, Block, Column, Row, RowKind, Table, VALUATION_MARK};
use crate::text::{sum_cell, NBSP};

pub(super) fn blocks(report: &Report) -> Vec<Block> {
    let annex = &report.annex;
    let title = if annex.title.trim().is_empty() { "Annexe financière" } else { annex.title.trim() };
    let mut out = vec![Block::Heading(unnumbered(title, "annexe"))];
    if !annex.subtitle.trim().is_empty() {
        out.push(Block::Paragraph(annex.subtitle.trim().to_string()));
    }
    let table = AnnexTable::from_report(report);
    if !annex.legend.trim().is_empty() {
        out.push(Block::Paragraph(annex.legend.trim().to_string()));
    }
    if table.rows().any(|r| r.staff_time_valuation) {
        out.push(Block::Paragraph(format!(
            "Les lignes de valorisation du temps de travail des agents sont sur fond vert et portent la mention «{NBSP}{VALUATION_MARK}{NBSP}»."
        )));
    }
    if table.rows().next().is_none() {
        out.push(Block::Paragraph("Aucune ligne de dépense renseignée.".into()));
        return out;
    }
    out.push(Block::Table(layout(report.year, &table)));
    out
}

/// "Frais de personnel (valorisation ETP)".
pub(super) fn expense_label(l: &ExpenseLine) -> String {
    marked_label(&l.label, l.staff_time_valuation)
}

fn marked_label(label: &str, staff_time_valuation: bool) -> String {
    let label = label.trim();
    if staff_time_valuation {
        format!("{label} {VALUATION_MARK}")
    } else {
        label.to_string()
    }
}

fn money_cell(m: Option<bilan_domain::Money>) -> String {
    m.map(|m| m.to_french()).unwrap_or_default()
}

fn row(r: &AnnexRow) -> Row {
    Row {
        kind: if r.staff_time_valuation { RowKind::Valuation } else { RowKind::Normal },
        cells: vec![
            r.directorate.trim().to_string(),
            marked_label(&r.label, r.staff_time_valuation),
            money_cell(r.planned),
            money_cell(r.spent),
            money_cell(r.carry_over),
            r.comment.trim().to_string(),
            String::new(),
        ],
    }
}

fn sums(kind: RowKind, label: String, t: &Totals) -> Row {
    Row {
        kind,
        cells: vec![
            String::new(),
            label,
            t.planned.to_french(),
            t.spent.to_french(),
            t.carry_over.to_french(),
            String::new(),
            sum_cell(t.state_revenue),
        ],
    }
}

fn layout(year: i32, table: &AnnexTable) -> Table {
    let mut rows = Vec::new();
    for g in &table.groups {
        rows.push(Row { kind: RowKind::Group, cells: vec![g.label.trim().to_string()] });
        rows.extend(g.rows.iter().map(row));
        rows.push(sums(RowKind::Subtotal, g.subtotal_label.clone(), &g.subtotal));
    }
    rows.push(sums(RowKind::Total, TOTAL_LABEL.into(), &table.total));
    Table {
        caption: format!("Dépenses {year} par action{NBSP}: montants inscrits, réalisés et à reporter"),
        columns: vec![
            Column::text("Direction", 2),
            Column::text("Dépense", 5),
            Column::number(format!("Montant inscrit dans la convention pour {year}"), 2),
            Column::number(format!("Montant réalisé au 31/12/{year}"), 2),
            Column::number(format!("Montant à reporter en {}", year + 1), 2),
            Column::text("Commentaires", 4),
            Column::number("Recette État", 2),
        ],
        rows,
        row_headers: false,
    }
}
