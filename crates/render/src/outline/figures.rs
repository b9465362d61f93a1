//! Planned and spent amounts per measure: the figures of the chart.

use bilan_domain::{Forecast, Measure, Money, Report};

use super::{unnumbered, Block, Chart, Column, Order, Row, RowKind, Table};
use crate::text::{sum, sum_cell};

pub const CHART_TITLE: &str = "Prévu et réalisé par mesure";

/// The two bars of one measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFigures {
    /// Positional number, "1.2".
    pub number: String,
    pub title: String,
    /// Σ of the expense lines' planned amounts, or of the forecast totals when no line has one.
    pub planned: Option<Money>,
    /// Σ of the expense lines' spent amounts, or of the stated execution when no line has one.
    pub spent: Option<Money>,
}

/// The forecast total of an action: the two shares when both are stated, else the stated total.
pub(crate) fn forecast_total(f: &Forecast) -> Option<Money> {
    f.shares_total().or_else(|| f.total.and_then(|a| a.value()))
}

fn measure_figures(number: String, m: &Measure) -> MeasureFigures {
    let lines = || m.actions.iter().flat_map(|a| &a.expenses);
    let planned = sum(lines().map(|l| l.planned.as_ref())).or_else(|| {
        let totals: Vec<Money> =
            m.actions.iter().filter_map(|a| a.forecast.as_ref().and_then(forecast_total)).collect();
        (!totals.is_empty()).then(|| Money::sum(totals))
    });
    let spent = sum(lines().map(|l| l.spent.as_ref()))
        .or_else(|| sum(m.actions.iter().map(|a| a.executed.as_ref().and_then(|e| e.spent.as_ref()))));
    MeasureFigures { number, title: m.title.trim().to_string(), planned, spent }
}

/// The figures of every measure, in printed order.
pub fn figures(report: &Report) -> Vec<MeasureFigures> {
    let order = Order::of(report);
    figures_in(report, &order)
}

fn figures_in(report: &Report, order: &Order) -> Vec<MeasureFigures> {
    order
        .measures()
        .iter()
        .enumerate()
        .map(|(pos, &mi)| measure_figures(order.measure_number(pos + 1), &report.measures[mi]))
        .collect()
}

/// The "Synthèse financière" section: the chart and its table.
pub(super) fn synthesis(report: &Report, order: &Order) -> Vec<Block> {
    let figures = figures_in(report, order);
    if figures.is_empty() {
        return Vec::new();
    }
    let mut rows: Vec<Row> = figures
        .iter()
        .map(|f| Row {
            kind: RowKind::Normal,
            cells: vec![format!("{} {}", f.number, f.title), sum_cell(f.planned), sum_cell(f.spent)],
        })
        .collect();
    let total = |get: fn(&MeasureFigures) -> Option<Money>| {
        let v: Vec<Money> = figures.iter().filter_map(get).collect();
        sum_cell((!v.is_empty()).then(|| Money::sum(v)))
    };
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec!["Total".into(), total(|f| f.planned), total(|f| f.spent)],
    });
    let description = description(&figures);
    vec![
        Block::Heading(unnumbered("Synthèse financière", "synthese")),
        Block::Chart(Chart {
            description,
            table: Table {
                caption: format!("{CHART_TITLE} en {}", report.year),
                columns: vec![
                    Column::text("Mesure", 5),
                    Column::number("Prévu", 2),
                    Column::number("Réalisé", 2),
                ],
                rows,
                row_headers: true,
            },
        }),
    ]
}

/// "Pour chaque mesure, … 1. Titre : prévu 126 400,00 €, réalisé 26 988,00 €. …"
pub(crate) fn description(figures: &[MeasureFigures]) -> String {
    let mut s = String::from("Pour chaque mesure, montant prévu (lignes de l’annexe financière) et montant réalisé au 31 décembre.");
    for f in figures {
        s.push_str(&format!(
            " {} {}{}: prévu {}, réalisé {}.",
            f.number,
            f.title,
            crate::text::NBSP,
            sum_cell(f.planned),
            sum_cell(f.spent)
        ));
    }
    s
}
