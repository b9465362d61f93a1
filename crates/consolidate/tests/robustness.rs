//! No panic on any input: absurd amounts, negative figures built in code, empty titles,
//! empty reports.

use bilan_consolidate::{
    across_signatories, compute_credits, consolidate, year_over_year, CreditRules, Decision, Decisions,
    LineKey, ReportState, Scope,
};
use bilan_domain::{Amount, IndicatorValue, Money, Quantity, Report};

fn allier() -> Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

/// Every amount of the report replaced by `m`, every indicator result by `q`.
fn absurd(m: Money, q: Quantity) -> Report {
    let mut r = allier();
    let v = Some(Amount::Value(m));
    for measure in &mut r.measures {
        measure.title.clear();
        for a in &mut measure.actions {
            if let Some(f) = &mut a.forecast {
                f.state_share = v;
                f.department_share = v;
                f.total = v;
            }
            if let Some(e) = &mut a.executed {
                e.committed = v;
                e.spent = v;
                e.carry_over = v;
                for l in &mut e.lines {
                    l.spent = v;
                    l.carry_over = v;
                }
            }
            for e in &mut a.expenses {
                e.planned = v;
                e.spent = v;
                e.carry_over = v;
            }
            for i in &mut a.indicators {
                i.result = Some(IndicatorValue::Number(q));
            }
        }
    }
    r
}

#[test]
fn absurd_amounts_do_not_panic() {
    let cases = [
        (Money::from_cents(i64::MAX), Quantity::from_int(i64::MAX / 100)),
        (Money::from_cents(i64::MIN), Quantity::default()),
        (Money::from_cents(-5), Quantity::from_int(1)),
        (Money::ZERO, Quantity::default()),
    ];
    for (m, q) in cases {
        let r = absurd(m, q);
        let mut decisions = Decisions::new();
        for (_, _, _, a) in r.actions() {
            for e in &a.expenses {
                decisions.insert(LineKey::of(a, e), Decision::Accept);
            }
        }
        for pct in [i64::MIN, -1, 0, 50, 100, i64::MAX] {
            let rules = CreditRules { max_state_share_percent: pct, ..CreditRules::for_report(&r) };
            let n = compute_credits(&r, m, &decisions, &rules);
            assert!(n.delegated >= Money::ZERO);
            assert!(n.reduction >= Money::ZERO);
            for l in &n.lines {
                assert!(l.unspent_state_credit >= Money::ZERO);
                assert!(l.accepted_carry_over <= l.unspent_state_credit);
            }
        }
        let copies: Vec<Report> = ["01", "07", "26", "38", "42", "69"]
            .iter()
            .map(|d| {
                let mut c = r.clone();
                c.department = bilan_domain::DepartmentCode::parse(d).unwrap();
                c
            })
            .collect();
        let mut input: Vec<(ReportState, &Report)> = vec![(ReportState::Approved, &r)];
        input.extend(copies.iter().map(|c| (ReportState::Transmitted, c)));
        let scope = Scope::region("calpae", 2019, "84");
        let c = consolidate(&scope, &input);
        for m in &c.measures {
            let _ = m.total.execution_rate_french();
            for i in &m.indicators {
                let _ = i.describe();
            }
        }
        let _ = c.total.execution_rate_french();
        let _ = across_signatories(&scope, &input);
        let mut next = r.clone();
        next.year = 2020;
        let _ = year_over_year(&next, &r).unwrap();
    }
}

#[test]
fn empty_reports_and_titles() {
    let mut r = allier();
    r.measures.clear();
    let n = compute_credits(&r, Money::from_euros(10), &Decisions::new(), &CreditRules::for_report(&r));
    assert!(n.lines.is_empty());
    assert_eq!(n.delegated, Money::from_euros(10));
    let c = consolidate(&Scope::region("calpae", 2019, "84"), &[(ReportState::Approved, &r)]);
    assert!(c.measures.is_empty());
    assert_eq!(c.counted.len(), 1);

    // Measures with no title group by their number, not all together.
    let mut r = allier();
    for m in &mut r.measures {
        m.title = " « » ".into();
    }
    let c = consolidate(&Scope::region("calpae", 2019, "84"), &[(ReportState::Approved, &r)]);
    assert_eq!(c.measures.len(), 6);
    assert!(c.measures.iter().any(|m| m.title == "(mesure sans intitulé n° 1.4)"));
}
