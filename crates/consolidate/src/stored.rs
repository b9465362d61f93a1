//! The stored figures of a report (`bilan_domain::stored`): computed from a parsed
//! report when it is written ([`figures_of`]), and turned back into what the
//! consolidation, the outliers and the review queue read ([`report_of`]) without the
//! report's text.
//!
//! # What is kept
//!
//! Exactly what [`crate::consolidation`], [`crate::catalogue`] and
//! [`crate::outliers::across_signatories`] read of a report: its signatory (Département
//! and collectivité), its deadline (the review queue), each measure's number, kind, code
//! and title, each action's number, whether its budget is carried by another action, its
//! figures as [`crate::figures`] reads them with the fields they come from, and each
//! indicator's title, code, unit and result N (a figure, or the printed reason it has
//! none).
//!
//! # Why the rebuilt report gives the same results
//!
//! [`report_of`] rebuilds a report holding those data and, for each action, exactly the
//! amounts its figures were read from (each at its own field path: `depenses[2].inscrit`
//! at the third expense line). [`crate::figures::ActionFigures::of`] takes, for each
//! figure, the first field that holds an amount in a fixed order of preference; every
//! field is a candidate for one figure only, except the two shares, which are always
//! kept when stated. So on the rebuilt report each figure finds the very field it was
//! read from, with the same amount and the same path: the consolidation of the rebuilt
//! reports is the consolidation of the parsed ones (tested on the national synthetic
//! dataset and on the Allier report).

use bilan_domain::stored::{ActionRow, IndicatorRow, MeasureRow, ReportFigures};
use bilan_domain::{
    Action, Amount, CollectiviteCode, Date, DepartmentCode, Executed, ExecutedLine, ExpenseLine, Forecast,
    Indicator, IndicatorUnit, IndicatorValue, Measure, MeasureKind, MissingReason, Money, PartKind, Quantity,
    Report, TerritoryValue,
};

use crate::figures::{ActionFigure, ActionFigures};

fn kind_code(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Core => "socle",
        MeasureKind::Local => "initiative",
    }
}

fn kind_of(code: &str) -> Option<MeasureKind> {
    match code {
        "socle" => Some(MeasureKind::Core),
        "initiative" => Some(MeasureKind::Local),
        _ => None,
    }
}

const REASONS: [(MissingReason, &str); 6] = [
    (MissingReason::NotAvailable, "nd"),
    (MissingReason::NotEvaluated, "non_evalue"),
    (MissingReason::NoAction, "pas_d_action"),
    (MissingReason::NotApplicable, "sans_objet"),
    (MissingReason::InProgress, "en_cours"),
    (MissingReason::Other, "autre"),
];

fn reason_code(r: MissingReason) -> &'static str {
    REASONS.iter().find(|(x, _)| *x == r).map_or("autre", |(_, c)| c)
}

fn reason_of(code: &str) -> MissingReason {
    REASONS.iter().find(|(_, c)| *c == code).map_or(MissingReason::Other, |(r, _)| *r)
}

const UNITS: [IndicatorUnit; 5] = [
    IndicatorUnit::Count,
    IndicatorUnit::Days,
    IndicatorUnit::Percent,
    IndicatorUnit::Euros,
    IndicatorUnit::Average,
];

fn unit_of(code: &str) -> Option<IndicatorUnit> {
    UNITS.into_iter().find(|u| u.label() == code)
}

fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// The figures of `report` as the store keeps them.
pub fn figures_of(report: &Report) -> ReportFigures {
    let mut f = ReportFigures {
        department: report.department.as_str().to_string(),
        collectivite: report.collectivite.map(|c| c.as_str().to_string()),
        deadline: report.deadline.map(Date::iso),
        ..ReportFigures::default()
    };
    for (mi, m) in report.measures.iter().enumerate() {
        f.measures.push(MeasureRow {
            index: index(mi),
            number: m.number.clone(),
            kind: kind_code(m.kind).to_string(),
            code: m.code.clone(),
            title: m.title.clone(),
        });
        for (ai, a) in m.actions.iter().enumerate() {
            let figs = ActionFigures::of(report, mi, ai, a);
            let prefix = format!("{}.", figs.at.path);
            let mut sources: Vec<(String, i64)> = Vec::new();
            let all = [
                &figs.planned,
                &figs.committed,
                &figs.spent,
                &figs.carry_over,
                &figs.state_share,
                &figs.department_share,
            ];
            for fig in all.into_iter().flatten() {
                for s in &fig.sources {
                    let field = s.at.path.strip_prefix(&prefix).unwrap_or(&s.at.path).to_string();
                    if !sources.iter().any(|(f, _)| *f == field) {
                        sources.push((field, s.amount.cents()));
                    }
                }
            }
            let value = |x: &Option<ActionFigure>| x.as_ref().map(|x| x.value.cents());
            f.actions.push(ActionRow {
                measure: index(mi),
                index: index(ai),
                number: a.number.clone(),
                budget_shared: a.budget_shared_with.is_some(),
                planned: value(&figs.planned),
                committed: value(&figs.committed),
                spent: value(&figs.spent),
                carry_over: value(&figs.carry_over),
                state_share: value(&figs.state_share),
                department_share: value(&figs.department_share),
                sources: sources.iter().map(|(f, c)| format!("{f} {c}")).collect::<Vec<_>>().join(";"),
            });
            for (ii, ind) in a.indicators.iter().enumerate() {
                let (value, missing_reason, missing_text) = match &ind.result {
                    Some(v) => match (v, v.figure()) {
                        (_, Some(q)) => (Some(q.hundredths()), None, None),
                        (IndicatorValue::Missing { reason, text }, None) => {
                            (None, Some(reason_code(*reason).to_string()), Some(text.clone()))
                        }
                        _ => (None, None, None),
                    },
                    None => (None, None, None),
                };
                let parts = match &ind.result {
                    Some(IndicatorValue::Breakdown { parts, total }) => {
                        Some(encode_parts(parts, total.is_some()))
                    }
                    _ => None,
                };
                f.indicators.push(IndicatorRow {
                    measure: index(mi),
                    action: index(ai),
                    index: index(ii),
                    name: ind.name.clone(),
                    code: ind.code.clone(),
                    unit: ind.unit.map(|u| u.label().to_string()),
                    value,
                    missing_reason,
                    missing_text,
                    parts,
                });
            }
        }
    }
    f
}

/// Why stored figures could not be read back (never expected: the application writes
/// them); French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chiffres enregistrés illisibles : {}", self.0)
    }
}

fn bad(what: impl Into<String>) -> Unreadable {
    Unreadable(what.into())
}

/// The expense line `i`, created blank with the lines before it.
fn expense(a: &mut Action, i: usize) -> &mut ExpenseLine {
    if a.expenses.len() <= i {
        a.expenses.resize_with(i + 1, ExpenseLine::default);
    }
    &mut a.expenses[i]
}

fn body_line(e: &mut Executed, i: usize) -> &mut ExecutedLine {
    if e.lines.len() <= i {
        e.lines.resize_with(i + 1, ExecutedLine::default);
    }
    &mut e.lines[i]
}

/// `depenses[12]` → ("depenses", 12).
fn indexed(part: &str) -> Option<(&str, usize)> {
    let (name, rest) = part.split_once('[')?;
    let n = rest.strip_suffix(']')?.parse().ok()?;
    Some((name, n))
}

/// Puts `amount` at `field` (relative to the action) of `a`.
fn place(a: &mut Action, field: &str, amount: Money) -> Result<(), Unreadable> {
    let v = Some(Amount::Value(amount));
    let unknown = || bad(format!("champ « {field} » inconnu"));
    let mut parts = field.split('.');
    let first = parts.next().unwrap_or_default();
    match (first, parts.next(), parts.next(), parts.next()) {
        ("prevision", Some(name), None, None) => {
            let fc = a.forecast.get_or_insert_with(Forecast::default);
            match name {
                "total" => fc.total = v,
                "part_etat" => fc.state_share = v,
                "part_cd" => fc.department_share = v,
                _ => return Err(unknown()),
            }
        }
        ("execution", Some(name), None, None) => {
            let ex = a.executed.get_or_insert_with(Executed::default);
            match name {
                "engage" => ex.committed = v,
                "consomme" => ex.spent = v,
                "report" => ex.carry_over = v,
                _ => return Err(unknown()),
            }
        }
        ("execution", Some(line), Some(name), None) => {
            let Some(("lignes", i)) = indexed(line) else { return Err(unknown()) };
            let ex = a.executed.get_or_insert_with(Executed::default);
            let l = body_line(ex, i);
            match name {
                "engage" => l.committed = v,
                "consomme" => l.spent = v,
                "report" => l.carry_over = v,
                _ => return Err(unknown()),
            }
        }
        (line, Some(name), None, None) => {
            let Some(("depenses", i)) = indexed(line) else { return Err(unknown()) };
            let e = expense(a, i);
            match name {
                "inscrit" => e.planned = v,
                "engage" => e.committed = v,
                "realise" => e.spent = v,
                "report" => e.carry_over = v,
                _ => return Err(unknown()),
            }
        }
        _ => return Err(unknown()),
    }
    Ok(())
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// A breakdown's parts as [`IndicatorRow::parts`] writes them.
fn encode_parts(parts: &[TerritoryValue], with_total: bool) -> String {
    let mut lines: Vec<String> = parts
        .iter()
        .map(|p| {
            let kind = match p.kind {
                PartKind::Territory => 't',
                PartKind::Other => 'o',
            };
            format!("{} {kind} {}", p.value.hundredths(), escape(&p.territory))
        })
        .collect();
    if with_total {
        lines.push("total".to_string());
    }
    lines.join("\n")
}

fn decode_parts(text: &str) -> Result<(Vec<TerritoryValue>, bool), Unreadable> {
    let mut parts = Vec::new();
    let mut with_total = false;
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        if line == "total" {
            with_total = true;
            continue;
        }
        let mut fields = line.splitn(3, ' ');
        let (Some(value), Some(kind), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(bad(format!("partie « {line} »")));
        };
        let value: i64 = value.parse().map_err(|_| bad(format!("partie « {line} »")))?;
        let kind = match kind {
            "t" => PartKind::Territory,
            "o" => PartKind::Other,
            _ => return Err(bad(format!("partie « {line} »"))),
        };
        parts.push(TerritoryValue {
            territory: unescape(name),
            value: Quantity::from_hundredths(value),
            kind,
        });
    }
    Ok((parts, with_total))
}

fn new_action(number: &str, budget_shared: bool) -> Action {
    Action { budget_shared_with: budget_shared.then(String::new), ..Action::blank(number, "") }
}

fn slot(what: &str, i: i32, len: usize) -> Result<usize, Unreadable> {
    usize::try_from(i)
        .ok()
        .filter(|i| *i == len)
        .ok_or_else(|| bad(format!("{what} n° {i} hors de son rang")))
}

/// The report the consolidation reads, rebuilt from stored figures: programme and year
/// from the report's row, everything else from the figures (see the module's
/// documentation). Texts the consolidation does not read are empty.
pub fn report_of(programme: &str, year: i32, f: &ReportFigures) -> Result<Report, Unreadable> {
    let department = DepartmentCode::parse(&f.department).map_err(bad)?;
    let collectivite = f.collectivite.as_deref().map(CollectiviteCode::parse).transpose().map_err(bad)?;
    let deadline = f.deadline.as_deref().map(Date::parse).transpose().map_err(bad)?;
    let mut measures: Vec<Measure> = Vec::with_capacity(f.measures.len());
    for m in &f.measures {
        slot("mesure", m.index, measures.len())?;
        measures.push(Measure {
            number: m.number.clone(),
            kind: kind_of(&m.kind).ok_or_else(|| bad(format!("type de mesure « {} »", m.kind)))?,
            code: m.code.clone(),
            title: m.title.clone(),
            actions: Vec::new(),
        });
    }
    for a in &f.actions {
        let m = usize::try_from(a.measure).ok().and_then(|i| measures.get_mut(i));
        let m = m.ok_or_else(|| bad(format!("action {} sans sa mesure", a.number)))?;
        slot("action", a.index, m.actions.len())?;
        let mut action = new_action(&a.number, a.budget_shared);
        for source in a.sources.split(';').filter(|s| !s.is_empty()) {
            let (field, cents) = source.split_once(' ').ok_or_else(|| bad(format!("source « {source} »")))?;
            let cents: i64 = cents.parse().map_err(|_| bad(format!("montant « {cents} »")))?;
            place(&mut action, field, Money::from_cents(cents))?;
        }
        m.actions.push(action);
    }
    for i in &f.indicators {
        let action = usize::try_from(i.measure)
            .ok()
            .and_then(|mi| measures.get_mut(mi))
            .and_then(|m| usize::try_from(i.action).ok().and_then(|ai| m.actions.get_mut(ai)));
        let action = action.ok_or_else(|| bad(format!("indicateur « {} » sans son action", i.name)))?;
        slot("indicateur", i.index, action.indicators.len())?;
        let unit = match &i.unit {
            Some(u) => Some(unit_of(u).ok_or_else(|| bad(format!("unité « {u} »")))?),
            None => None,
        };
        let result = match (i.value, &i.missing_reason) {
            (Some(h), _) if i.parts.is_some() => {
                let (parts, with_total) = decode_parts(i.parts.as_deref().unwrap_or_default())?;
                let total = with_total.then(|| Quantity::from_hundredths(h));
                Some(IndicatorValue::Breakdown { parts, total })
            }
            (Some(h), _) => Some(IndicatorValue::Number(Quantity::from_hundredths(h))),
            (None, Some(reason)) => Some(IndicatorValue::Missing {
                reason: reason_of(reason),
                text: i.missing_text.clone().unwrap_or_default(),
            }),
            (None, None) => None,
        };
        action.indicators.push(Indicator {
            code: i.code.clone(),
            measure_label: String::new(),
            name: i.name.clone(),
            unit,
            baseline: None,
            target: None,
            result,
            justification: String::new(),
        });
    }
    Ok(Report {
        programme: programme.to_string(),
        department,
        collectivite,
        year,
        title: String::new(),
        deadline,
        preamble: String::new(),
        convention: Default::default(),
        deliberation: None,
        transmitted_on: None,
        measures,
        annex: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::{consolidate_with_catalogue, ReportState, Scope};
    use crate::outliers::across_signatories;

    fn allier() -> Report {
        let text = include_str!("../../../examples/allier-2019.toml");
        bilan_source::parse_str(text).unwrap().report
    }

    #[test]
    fn the_allier_report_consolidates_the_same_from_its_figures() {
        let r = allier();
        let f = figures_of(&r);
        assert!(f.actions.iter().any(|a| a.sources.contains("depenses[")), "{:?}", f.actions[0]);
        let back = report_of(&r.programme, r.year, &f).unwrap();
        assert_eq!(figures_of(&back), f, "the rebuilt report gives the same figures");
        let scope = Scope::national(&r.programme, r.year);
        let catalogue = bilan_source::referentiel::builtin().programme(&r.programme).unwrap();
        assert_eq!(
            consolidate_with_catalogue(&scope, catalogue, &[(ReportState::Approved, &r)]),
            consolidate_with_catalogue(&scope, catalogue, &[(ReportState::Approved, &back)])
        );
        assert!(
            r.actions().any(|(.., a)| a
                .indicators
                .iter()
                .any(|i| matches!(i.result, Some(IndicatorValue::Breakdown { .. })))),
            "the Allier report has breakdowns"
        );
        assert_eq!(
            across_signatories(&scope, &[(ReportState::Approved, &r)]),
            across_signatories(&scope, &[(ReportState::Approved, &back)])
        );
        assert_eq!(back.deadline, r.deadline);
    }

    #[test]
    fn unreadable_rows_are_refused_in_french() {
        let mut f = figures_of(&allier());
        f.actions[0].sources = "depenses[0].inconnu 12".to_string();
        let e = report_of("calpae", 2019, &f).unwrap_err();
        assert_eq!(e.to_string(), "chiffres enregistrés illisibles : champ « depenses[0].inconnu » inconnu");
        let mut f = figures_of(&allier());
        f.measures[0].kind = "autre".to_string();
        assert!(report_of("calpae", 2019, &f).is_err());
        let mut f = figures_of(&allier());
        f.indicators.swap(0, 1);
        assert!(report_of("calpae", 2019, &f).unwrap_err().0.contains("hors de son rang"));
    }

    #[test]
    fn breakdowns_keep_their_parts_and_printed_total() {
        let parts = vec![
            TerritoryValue {
                territory: "Montluçon".into(),
                value: Quantity::from_int(83),
                kind: PartKind::Territory,
            },
            TerritoryValue {
                territory: "a\\b\nc d".into(),
                value: Quantity::from_hundredths(-5),
                kind: PartKind::Other,
            },
        ];
        for total in [true, false] {
            assert_eq!(decode_parts(&encode_parts(&parts, total)).unwrap(), (parts.clone(), total));
        }
        assert!(decode_parts("12 x Nord").is_err());
        assert!(decode_parts("douze t Nord").is_err());
    }

    #[test]
    fn reasons_and_units_round_trip() {
        for (r, c) in REASONS {
            assert_eq!(reason_of(reason_code(r)), r);
            assert_eq!(reason_code(r), c);
        }
        for u in UNITS {
            assert_eq!(unit_of(u.label()), Some(u));
        }
    }
}
