//! The financial annex: one row per expense line, a subtotal per group, a grand total.
//! Every sum is computed from the lines; the totals declared in the file are not used.

use bilan_domain::{Action, ExpenseLine, Money, Report};

use super::{unnumbered, Block, Column, Row, RowKind, Table, VALUATION_MARK};
use crate::text::{amount_cell, sum, sum_cell, NBSP};

/// A group of the annex with the actions whose lines it shows.
struct Group<'a> {
    label: String,
    subtotal_label: String,
    actions: Vec<&'a Action>,
}

pub(super) fn blocks(report: &Report) -> Vec<Block> {
    let annex = &report.annex;
    let title = if annex.title.trim().is_empty() { "Annexe financière" } else { annex.title.trim() };
    let mut out = vec![Block::Heading(unnumbered(title, "annexe"))];
    if !annex.subtitle.trim().is_empty() {
        out.push(Block::Paragraph(annex.subtitle.trim().to_string()));
    }
    let groups = groups(report);
    let has_valuation =
        groups.iter().flat_map(|g| &g.actions).flat_map(|a| &a.expenses).any(|l| l.staff_time_valuation);
    if !annex.legend.trim().is_empty() {
        out.push(Block::Paragraph(annex.legend.trim().to_string()));
    }
    if has_valuation {
        out.push(Block::Paragraph(format!(
            "Les lignes de valorisation du temps de travail des agents sont sur fond vert et portent la mention «{NBSP}{VALUATION_MARK}{NBSP}»."
        )));
    }
    if groups.iter().all(|g| g.actions.iter().all(|a| a.expenses.is_empty())) {
        out.push(Block::Paragraph("Aucune ligne de dépense renseignée.".into()));
        return out;
    }
    out.push(Block::Table(table(report.year, &groups)));
    out
}

/// The groups declared in the annex, or one per measure when none is; actions with lines
/// that no group lists are gathered at the end, so that no expense is left out.
fn groups(report: &Report) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = if report.annex.groups.is_empty() {
        report
            .measures
            .iter()
            .map(|m| Group {
                label: m.title.trim().to_string(),
                subtotal_label: String::new(),
                actions: m.actions.iter().collect(),
            })
            .collect()
    } else {
        report
            .annex
            .groups
            .iter()
            .map(|g| Group {
                label: g.label.trim().to_string(),
                subtotal_label: g.subtotal_label.trim().to_string(),
                actions: g.actions.iter().filter_map(|n| report.action(n)).map(|(_, _, a)| a).collect(),
            })
            .collect()
    };
    let listed = |a: &Action| groups.iter().any(|g| g.actions.iter().any(|b| std::ptr::eq(*b, a)));
    let left: Vec<&Action> =
        report.actions().map(|(_, _, _, a)| a).filter(|a| !a.expenses.is_empty() && !listed(a)).collect();
    if !left.is_empty() {
        groups.push(Group { label: "Autres dépenses".into(), subtotal_label: String::new(), actions: left });
    }
    groups
}

/// "Frais de personnel (valorisation ETP)".
pub(super) fn expense_label(l: &ExpenseLine) -> String {
    let label = l.label.trim();
    if l.staff_time_valuation {
        format!("{label} {VALUATION_MARK}")
    } else {
        label.to_string()
    }
}

fn table(year: i32, groups: &[Group]) -> Table {
    let mut rows = Vec::new();
    let mut all: Vec<&ExpenseLine> = Vec::new();
    let mut all_revenue: Option<Money> = None;
    for g in groups {
        let lines: Vec<&ExpenseLine> = g.actions.iter().flat_map(|a| &a.expenses).collect();
        rows.push(Row { kind: RowKind::Group, cells: vec![g.label.clone()] });
        rows.extend(lines.iter().map(|l| Row {
            kind: if l.staff_time_valuation { RowKind::Valuation } else { RowKind::Normal },
            cells: vec![
                l.directorate.trim().to_string(),
                expense_label(l),
                amount_cell(l.planned.as_ref()),
                amount_cell(l.spent.as_ref()),
                amount_cell(l.carry_over.as_ref()),
                l.comment.trim().to_string(),
                String::new(),
            ],
        }));
        // Recette État of a group: the State's share of its actions.
        let revenue = sum(g.actions.iter().map(|a| a.forecast.as_ref().and_then(|f| f.state_share.as_ref())));
        if let Some(r) = revenue {
            all_revenue = Some(all_revenue.unwrap_or(Money::ZERO).add(r));
        }
        let label = if g.subtotal_label.is_empty() {
            format!("Sous-total - {}", g.label)
        } else {
            g.subtotal_label.clone()
        };
        rows.push(sums(RowKind::Subtotal, label, &lines, revenue));
        all.extend(lines);
    }
    rows.push(sums(RowKind::Total, "Montant total".into(), &all, all_revenue));
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

fn sums(kind: RowKind, label: String, lines: &[&ExpenseLine], revenue: Option<Money>) -> Row {
    Row {
        kind,
        cells: vec![
            String::new(),
            label,
            sum_cell(sum(lines.iter().map(|l| l.planned.as_ref()))),
            sum_cell(sum(lines.iter().map(|l| l.spent.as_ref()))),
            sum_cell(sum(lines.iter().map(|l| l.carry_over.as_ref()))),
            String::new(),
            sum_cell(revenue),
        ],
    }
}
