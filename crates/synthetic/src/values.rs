//! The figures of one year: money of each action and results of each indicator. Pure
//! functions of (seed, Département, plan, year), so that year N can compute year N−1's
//! results for its baselines without generating year N−1's report.

use bilan_domain::{Money, Programme};

use crate::anomalies;
use crate::catalogue::Nature;
use crate::plan::{ActionPlan, IndicatorPlan, Plan, Profile};
use crate::rng::{tag, Rng};

#[derive(Debug, Clone)]
pub(crate) struct LineMoney {
    pub planned: Money,
    pub committed: Money,
    pub spent: Money,
    pub carry_over: Option<Money>,
    /// Staff-cost details, summing to `spent`.
    pub staff_details: Vec<(String, Money)>,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionMoney {
    pub total: Money,
    pub state: Money,
    pub department: Money,
    pub lines: Vec<LineMoney>,
}

impl ActionMoney {
    pub fn spent(&self) -> Money {
        Money::sum(self.lines.iter().map(|l| l.spent))
    }
    pub fn committed(&self) -> Money {
        Money::sum(self.lines.iter().map(|l| l.committed))
    }
    /// `None` when no line asks for a carry-over.
    pub fn carry_over(&self) -> Option<Money> {
        let asked: Vec<Money> = self.lines.iter().filter_map(|l| l.carry_over).collect();
        (!asked.is_empty()).then(|| Money::sum(asked))
    }
}

/// Amounts grow a little over a programme; CALPAE's first year was a partial one.
fn year_factor(programme: &Programme, year: i32) -> i64 {
    let k = i64::from(year - programme.first_year);
    if programme.id == "calpae" {
        if k == 0 {
            800
        } else {
            1000 + 50 * (k - 1)
        }
    } else {
        1000 + 30 * k
    }
}

pub(crate) fn action_money(
    seed: u64,
    profile: &Profile,
    plan: &Plan,
    a: &ActionPlan,
    year: i32,
) -> ActionMoney {
    let code = profile.info.code;
    let mut r = Rng::keyed(seed, &[tag(code), year as u64, tag(&a.number), tag("money")]);
    let euros = a.budget * year_factor(plan.programme, year) / 1000 * r.range(960, 1040) / 1000;
    let total_euros = ((euros + 50) / 100 * 100).max(1_000);
    let state_euros = total_euros * a.state_percent / 100;
    let low = anomalies::low_execution(code, &plan.programme.id);

    let weights: i64 = a.lines.iter().map(|l| l.weight).sum::<i64>().max(1);
    let mut left = total_euros;
    let year_rate = r.range(-15, 15);
    let mut lines = Vec::with_capacity(a.lines.len());
    for (i, l) in a.lines.iter().enumerate() {
        let planned_euros = if i + 1 == a.lines.len() { left } else { total_euros * l.weight / weights };
        left -= planned_euros;
        let planned = Money::from_euros(planned_euros);
        let rate = (plan.rate_base + a.rate_offset + year_rate + r.range(-15, 15)).clamp(80, 1000);
        let spent = Money::from_cents((planned.cents() * rate / 1000 - r.range(0, 99)).max(0));
        let unspent = planned.sub(spent);
        let committed_part = if r.chance(30) { 0 } else { r.range(100, 700) };
        let committed = spent.add(Money::from_cents(unspent.cents() * committed_part / 1000));
        let open = committed.sub(spent);
        let carry_over = if open.cents() >= 100 && r.chance(if low { 85 } else { 40 }) {
            Some(Money::from_cents(open.cents() / 100 * 100))
        } else {
            None
        };
        let staff_details = if l.category == "personnel" && spent.cents() > 0 && r.chance(50) {
            let first = Money::from_cents(spent.cents() * r.range(600, 850) / 1000);
            // About 46 000 € a year per full-time equivalent.
            let etp_tenths = (first.cents() * 10 / 4_600_000).max(1);
            let etp = format!("{},{}", etp_tenths / 10, etp_tenths % 10);
            vec![
                (format!("Rémunérations chargées des travailleurs sociaux ({etp} ETP)"), first),
                ("Quote-part d'encadrement et de coordination".to_string(), spent.sub(first)),
            ]
        } else {
            Vec::new()
        };
        lines.push(LineMoney { planned, committed, spent, carry_over, staff_details });
    }
    ActionMoney {
        total: Money::from_euros(total_euros),
        state: Money::from_euros(state_euros),
        department: Money::from_euros(total_euros - state_euros),
        lines,
    }
}

/// A result: a figure, or a reason printed instead of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Figure {
    Value(i64),
    Missing(&'static str),
}

fn round_div(n: i128, d: i128) -> i64 {
    if d <= 0 {
        return 0;
    }
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

/// Level of a count indicator in thousandths, `k` years after the programme's start.
fn level_milli(profile: &Profile, ind: &IndicatorPlan, per_size: i64, growth: i64, k: i64) -> i128 {
    let mut x = i128::from(per_size) * 1000 * i128::from(profile.size_tenths) / 10
        * i128::from(ind.level_permille)
        / 1000;
    for _ in 0..k.max(0) {
        x = x * i128::from(growth) / 1000;
    }
    for _ in 0..(-k).max(0) {
        x = x * 1000 / i128::from(growth.max(1));
    }
    x
}

pub(crate) struct IndicatorYear<'a> {
    pub seed: u64,
    pub profile: &'a Profile,
    pub plan: &'a Plan,
    pub action: &'a ActionPlan,
    pub indicator: &'a IndicatorPlan,
}

impl IndicatorYear<'_> {
    fn rng(&self, year: i32, what: &str) -> Rng {
        Rng::keyed(
            self.seed,
            &[
                tag(self.profile.info.code),
                year as u64,
                tag(&self.action.number),
                tag(self.indicator.spec.id),
                tag(what),
            ],
        )
    }

    fn k(&self, year: i32) -> i64 {
        i64::from(year - self.plan.programme.first_year)
    }

    fn jump(&self, year: i32) -> i64 {
        anomalies::jump_factor(self.profile.info.code, year, &self.action.number, self.indicator.spec.name)
    }

    fn cost_cents(&self, cost: i64) -> i128 {
        let factor =
            anomalies::cost_factor(self.profile.info.code, &self.plan.programme.id, &self.action.number);
        i128::from(cost) * 100 * i128::from(factor) * i128::from(self.indicator.level_permille)
    }

    /// The result of `year`; `money` is the action's money of that year.
    pub fn result(&self, year: i32, money: &ActionMoney) -> Figure {
        let ind = self.indicator;
        if !ind.primary {
            let mut r = self.rng(year, "missing");
            if r.chance(4) {
                return Figure::Missing(r.pick(&["ND", "Non évalué", "Bilan en cours"]));
            }
        }
        let mut r = self.rng(year, "result");
        let noise = r.range(950, 1050);
        let k = self.k(year);
        let v = match ind.nature {
            Nature::People { cost } => {
                let n = i128::from(money.spent().cents()) * 1_000_000;
                round_div(n, self.cost_cents(cost) * i128::from(noise)).max(3)
            }
            Nature::Level { per_size, growth } => {
                let x = level_milli(self.profile, ind, per_size, growth, k) * i128::from(noise);
                round_div(x, 1_000_000).max(1) * self.jump(year)
            }
            Nature::Days { .. } => {
                let x = i128::from(ind.base) * i128::from(1000 - 40 * k) * i128::from(noise);
                round_div(x, 1_000_000).max(1)
            }
            Nature::Percent { .. } => (ind.base + 2 * k + r.range(-4, 4)).clamp(1, 99),
        };
        Figure::Value(v)
    }

    /// The target (résultat attendu) of `year`.
    pub fn target(&self, year: i32, money: &ActionMoney) -> i64 {
        let ind = self.indicator;
        let mut r = self.rng(year, "target");
        let k = self.k(year);
        match ind.nature {
            Nature::People { cost } => {
                let n = i128::from(money.total.cents()) * 870 * i128::from(r.range(900, 1100));
                round_div(n, self.cost_cents(cost) * 1000).max(3)
            }
            Nature::Level { per_size, growth } => {
                let x = level_milli(self.profile, ind, per_size, growth, k) * i128::from(r.range(950, 1100));
                let jump = if year > anomalies::JUMP_YEAR { self.jump(year) } else { 1 };
                round_div(x, 1_000_000).max(1) * jump
            }
            Nature::Days { .. } => {
                let x = i128::from(ind.base) * i128::from(1000 - 40 * k) * i128::from(r.range(950, 1060));
                round_div(x, 1_000_000).max(1)
            }
            Nature::Percent { .. } => (ind.base + 2 * k + r.range(-1, 3)).clamp(1, 99),
        }
    }

    /// Splits a result among the Département's territories (parts sum to it).
    pub fn territory_parts(&self, year: i32, total: i64) -> Vec<(&'static str, i64)> {
        let names = &self.profile.territories;
        let mut r = self.rng(year, "territories");
        let weights: Vec<i64> = names.iter().map(|_| r.range(3, 10)).collect();
        let sum: i64 = weights.iter().sum::<i64>().max(1);
        let mut left = total;
        names
            .iter()
            .zip(&weights)
            .enumerate()
            .map(|(i, (name, w))| {
                let part = if i + 1 == names.len() { left } else { total * w / sum };
                left -= part;
                (*name, part)
            })
            .collect()
    }

    /// Picks among texts, stably for the year.
    pub fn choose<'t>(&self, year: i32, what: &str, texts: &[&'t str]) -> &'t str {
        self.rng(year, what).pick(texts)
    }
}
