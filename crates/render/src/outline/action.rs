//! The nine numbered sections of one fiche-action.

use bilan_domain::{
    Action, Amount, Executed, Fapi, Forecast, Indicator, IndicatorUnit, IndicatorValue, Report,
};

use super::figures::forecast_total;
use super::{Block, Column, Field, Heading, Order, Row, RowKind, Table, SECTION_TITLES};
use crate::text::{self, amount_cell, amount_text, sum, sum_cell, NBSP};

const NOT_FILLED: &str = "Non renseigné.";

/// Appends the heading and the nine sections of the action at position `(i, j)`.
pub(super) fn blocks(
    report: &Report,
    order: &Order,
    action: &Action,
    (i, j): (usize, usize),
    out: &mut Vec<Block>,
) {
    let number = order.action_number(i, j);
    out.push(Block::Heading(Heading {
        level: 3,
        number: number.clone(),
        title: action.title.clone(),
        anchor: format!("action-{i}-{j}"),
    }));
    let section = |k: usize| {
        Block::Heading(Heading {
            level: 4,
            number: format!("{number}.{k}"),
            title: SECTION_TITLES[k - 1].to_string(),
            anchor: format!("action-{i}-{j}-{k}"),
        })
    };

    out.push(section(1));
    narrative(&action.description, out);

    out.push(section(2));
    let before = out.len();
    paragraphs(&action.start_text, out);
    if let Some(d) = action.start {
        out.push(Block::Field(Field::new("Date de début", text::date(d))));
    }
    if let Some(d) = action.end {
        out.push(Block::Field(Field::new("Date de fin", text::date(d))));
    }
    if out.len() == before {
        out.push(Block::Paragraph(NOT_FILLED.into()));
    }

    out.push(section(3));
    narrative(&action.partners, out);

    out.push(section(4));
    narrative(&action.duration, out);

    out.push(section(5));
    budget(report, order, action, (i, j), out);

    out.push(section(6));
    out.push(Block::Paragraph(fapi(action.fapi).into()));

    out.push(section(7));
    paragraphs(&action.indicators_comment, out);
    if !action.indicators.is_empty() {
        out.push(Block::Table(indicators(report.year, &number, &action.indicators)));
    } else if action.indicators_comment.trim().is_empty() {
        out.push(Block::Paragraph("Aucun indicateur renseigné.".into()));
    }

    out.push(section(8));
    narrative(&action.execution_review, out);

    out.push(section(9));
    narrative(&action.outlook, out);
}

fn paragraphs(text: &str, out: &mut Vec<Block>) {
    out.extend(text::paragraphs(text).into_iter().map(Block::Paragraph));
}

/// A narrative section: its paragraphs, or "Non renseigné.".
fn narrative(text: &str, out: &mut Vec<Block>) {
    let before = out.len();
    paragraphs(text, out);
    if out.len() == before {
        out.push(Block::Paragraph(NOT_FILLED.into()));
    }
}

fn fapi(f: Option<Fapi>) -> &'static str {
    match f {
        Some(Fapi::Yes) => "Oui",
        Some(Fapi::No) => "Non",
        Some(Fapi::Partly) => "Oui en partie",
        None => NOT_FILLED,
    }
}

fn budget(report: &Report, order: &Order, action: &Action, (i, j): (usize, usize), out: &mut Vec<Block>) {
    let number = order.action_number(i, j);
    paragraphs(&action.budget_comment, out);
    if let Some(other) = &action.budget_shared_with {
        let other = order.action_by_printed(report, other).unwrap_or_else(|| other.clone());
        out.push(Block::Paragraph(format!(
            "Le budget de cette action est présenté avec celui de l’action {other}."
        )));
    }
    let sub = |k: usize, title: String| {
        Block::Heading(Heading {
            level: 5,
            number: format!("{number}.5.{k}"),
            title,
            anchor: format!("action-{i}-{j}-5-{k}"),
        })
    };

    out.push(sub(1, "Budget prévisionnel figurant dans la convention".into()));
    match &action.forecast {
        Some(f) => forecast(f, &number, report.year, out),
        None => out.push(Block::Paragraph(NOT_FILLED.into())),
    }

    out.push(sub(2, format!("Budget exécuté au 31/12/{}", report.year)));
    executed(action, &number, report.year, out);
}

fn forecast(f: &Forecast, number: &str, year: i32, out: &mut Vec<Block>) {
    let total = forecast_total(f).map(Amount::Value).or(f.total);
    let rows = [("Part État", f.state_share), ("Part CD", f.department_share), ("Total", total)]
        .into_iter()
        .map(|(label, a)| Row {
            kind: if label == "Total" { RowKind::Total } else { RowKind::Normal },
            cells: vec![label.to_string(), amount_text(a.as_ref())],
        })
        .collect();
    out.push(Block::Table(Table {
        caption: format!("Budget prévisionnel {year} de l’action {number}"),
        columns: vec![Column::text("Financeur", 3), Column::number("Montant", 2)],
        rows,
        row_headers: true,
    }));
    paragraphs(&f.comment, out);
}

fn executed(action: &Action, number: &str, year: i32, out: &mut Vec<Block>) {
    let Some(e) = &action.executed else {
        if action.expenses.is_empty() {
            out.push(Block::Paragraph(NOT_FILLED.into()));
        } else {
            out.push(Block::Table(expense_lines(action, number, year)));
        }
        return;
    };
    for (label, a) in [
        ("Crédits engagés", &e.committed),
        ("Crédits consommés", &e.spent),
        (&*format!("Report demandé sur {}", year + 1), &e.carry_over),
    ] {
        if a.is_some() {
            out.push(Block::Field(Field::new(label, amount_text(a.as_ref()))));
        }
    }
    paragraphs(&e.comment, out);
    if !e.lines.is_empty() {
        out.push(Block::Table(executed_lines(e, number, year)));
        let details: Vec<String> = e
            .lines
            .iter()
            .flat_map(|l| &l.staff_details)
            .map(|d| text::label_value(d.label.trim(), &amount_text(Some(&d.amount))))
            .collect();
        if !details.is_empty() {
            out.push(Block::Paragraph("Détail des frais de personnel".into()));
            out.push(Block::List(details));
        }
    } else if e.committed.is_none()
        && e.spent.is_none()
        && e.carry_over.is_none()
        && e.comment.trim().is_empty()
    {
        out.push(Block::Paragraph(NOT_FILLED.into()));
    }
}

fn executed_columns(first: &str, year: i32) -> Vec<Column> {
    vec![
        Column::text(first, 4),
        Column::number("Crédits engagés", 2),
        Column::number("Crédits consommés", 2),
        Column::number(format!("Report demandé sur {}", year + 1), 2),
    ]
}

fn executed_lines(e: &Executed, number: &str, year: i32) -> Table {
    let mut rows: Vec<Row> = e
        .lines
        .iter()
        .map(|l| Row {
            kind: RowKind::Normal,
            cells: vec![
                l.label.trim().to_string(),
                amount_cell(l.committed.as_ref()),
                amount_cell(l.spent.as_ref()),
                amount_cell(l.carry_over.as_ref()),
            ],
        })
        .collect();
    if e.lines.len() > 1 {
        rows.push(Row {
            kind: RowKind::Total,
            cells: vec![
                "Total des lignes".into(),
                sum_cell(sum(e.lines.iter().map(|l| l.committed.as_ref()))),
                sum_cell(sum(e.lines.iter().map(|l| l.spent.as_ref()))),
                sum_cell(sum(e.lines.iter().map(|l| l.carry_over.as_ref()))),
            ],
        });
    }
    Table {
        caption: format!("Budget exécuté au 31/12/{year} de l’action {number}"),
        columns: executed_columns("Dépense", year),
        rows,
        row_headers: true,
    }
}

/// Without a stated execution, the action's lines of the financial annex.
fn expense_lines(action: &Action, number: &str, year: i32) -> Table {
    let rows = action
        .expenses
        .iter()
        .map(|l| Row {
            kind: if l.staff_time_valuation { RowKind::Valuation } else { RowKind::Normal },
            cells: vec![
                super::annex::expense_label(l),
                amount_cell(l.committed.as_ref()),
                amount_cell(l.spent.as_ref()),
                amount_cell(l.carry_over.as_ref()),
            ],
        })
        .collect();
    Table {
        caption: format!("Dépenses de l’action {number} au 31/12/{year} (annexe financière)"),
        columns: executed_columns("Dépense", year),
        rows,
        row_headers: true,
    }
}

fn indicators(year: i32, number: &str, list: &[Indicator]) -> Table {
    let rows = list
        .iter()
        .map(|ind| Row {
            kind: RowKind::Normal,
            cells: vec![
                ind.measure_label.trim().to_string(),
                ind.name.trim().to_string(),
                value(ind.baseline.as_ref(), ind.unit),
                value(ind.target.as_ref(), ind.unit),
                value(ind.result.as_ref(), ind.unit),
                ind.justification.trim().to_string(),
            ],
        })
        .collect();
    Table {
        caption: format!("Indicateurs de l’action {number} en {year}"),
        columns: vec![
            Column::text("Nom de la mesure", 3),
            Column::text("Indicateur", 4),
            Column::text(format!("Situation N-1 ({})", year - 1), 2),
            Column::text("Résultat attendu", 2),
            Column::text(format!("Résultat obtenu ({year})"), 2),
            Column::text("Justification", 4),
        ],
        rows,
        row_headers: false,
    }
}

/// An indicator value as read: "1 221", "30 %", "ND", "83 Montluçon, 47 Moulins (total 130)".
fn value(v: Option<&IndicatorValue>, unit: Option<IndicatorUnit>) -> String {
    match (v, unit) {
        (None, _) => String::new(),
        (Some(IndicatorValue::Number(q)), Some(IndicatorUnit::Percent)) => {
            format!("{}{NBSP}%", q.to_french())
        }
        (Some(IndicatorValue::Number(q)), Some(IndicatorUnit::Euros)) => {
            format!("{}{NBSP}€", q.to_french())
        }
        (Some(v), _) => v.to_french(),
    }
}
