//! Assembles one report from its plan and its year's figures.

use bilan_domain::{
    figure, Action, Amount, Annex, AnnexGroup, AnnexTotals, Convention, Date, Deliberation, Executed,
    ExecutedLine, ExpenseLine, Forecast, Indicator, IndicatorUnit, IndicatorValue, Measure, MeasureKind,
    MissingReason, Money, PartKind, Programme, Quantity, Report, Rounding, StaffDetail, TerritoryValue,
};

use crate::anomalies;
use crate::catalogue::Nature;
use crate::plan::{self, ActionPlan, MeasurePlan, Plan, Profile, Who};
use crate::rng::{tag, Rng};
use crate::values::{self, ActionMoney, Figure, IndicatorYear};
use crate::{Stage, LABEL};

/// The outlook placeholder of the official template (left in some drafts).
const OUTLOOK_PLACEHOLDER: &str = "[Poursuite ou réorientation de l'action, donnez des précisions. \
     Réorientation des cibles des indicateurs le cas échéant.]";
const LOCAL_GROUP: &str = "Mesures à l'initiative du Département";

fn v(m: Money) -> Option<Amount> {
    Some(Amount::Value(m))
}

fn date(year: i32, month: i64, day: i64) -> Option<Date> {
    Date::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
}

fn add_days(d: Date, n: u32) -> Date {
    let mut d = d;
    for _ in 0..n {
        d = Date::new(d.year(), d.month(), d.day() + 1)
            .or_else(|| Date::new(d.year(), d.month() + 1, 1))
            .or_else(|| Date::new(d.year() + 1, 1, 1))
            .unwrap_or(d);
    }
    d
}

/// "87,3 %": spent / planned with one decimal.
fn rate_text(spent: Money, planned: Money) -> String {
    if planned.cents() <= 0 {
        return "sans objet".into();
    }
    let pm =
        (i128::from(spent.cents()) * 2000 + i128::from(planned.cents())) / (2 * i128::from(planned.cents()));
    format!("{},{}\u{a0}%", pm / 10, pm % 10)
}

fn rate_permille(spent: Money, planned: Money) -> i64 {
    if planned.cents() <= 0 {
        return 0;
    }
    i64::try_from(i128::from(spent.cents()) * 1000 / i128::from(planned.cents())).unwrap_or(0)
}

fn quantity(n: i64) -> Quantity {
    Quantity::from_int(n)
}

struct Ctx<'a> {
    seed: u64,
    year: i32,
    profile: &'a Profile,
    plan: &'a Plan,
}

pub(crate) fn build(seed: u64, info: Who, year: i32, programme: &'static Programme, stage: Stage) -> Report {
    let profile = plan::profile(seed, info);
    let plan = plan::plan(seed, &profile, programme);
    let ctx = Ctx { seed, year, profile: &profile, plan: &plan };

    let mut measures: Vec<Measure> = plan
        .measures
        .iter()
        .filter(|m| m.since <= year)
        .map(|m| Measure {
            number: m.number.clone(),
            kind: m.kind,
            code: Some(m.spec.code).filter(|c| !c.is_empty()).map(str::to_string),
            title: m.title.clone(),
            actions: m.actions.iter().map(|a| build_action(&ctx, m, a)).collect(),
        })
        .collect();
    anomalies::plant_indicators(info.code, &programme.id, &mut measures);
    let annex = build_annex(&ctx, &measures);

    let deadline = programme.deadline(year);
    let mut r = Rng::keyed(seed, &[tag(info.code), year as u64, tag("workflow")]);
    let (deliberation, transmitted_on) = match stage {
        Stage::Draft => (None, None),
        Stage::Adopted | Stage::Transmitted | Stage::Approved => {
            let last = i64::from(programme.default_deadline.month);
            let month = r.range((last - 3).max(1), last);
            let day = r.range(if month == 1 { 10 } else { 1 }, 28);
            let delib_date = date(year + 1, month, day);
            let (number, body) = if profile.permanent_commission {
                (format!("CP-{}-{:04}", year + 1, r.range(120, 1800)), "commission permanente")
            } else {
                (format!("AD-{}-{:02}", year + 1, r.range(3, 60)), "assemblée départementale")
            };
            let transmitted = match stage {
                Stage::Adopted => None,
                _ => delib_date.map(|d| add_days(d, r.range(2, 21) as u32)),
            };
            (Some(Deliberation { number, date: delib_date, body: body.to_string() }), transmitted)
        }
    };

    let mut report = Report {
        programme: programme.id.to_string(),
        department: info.principal,
        collectivite: (info.signatory.as_str() != info.principal.as_str()).then_some(info.signatory),
        year,
        title: format!("Rapport d'exécution {year} – {} – {} – {LABEL}", programme.short_name, info.name()),
        deadline,
        preamble: preamble(&ctx, deadline),
        convention: convention(&ctx, &mut r),
        deliberation,
        transmitted_on,
        measures,
        annex,
    };
    if stage == Stage::Draft {
        plant_draft_mistakes(&ctx, &mut report);
    }
    report
}

fn preamble(ctx: &Ctx<'_>, deadline: Option<Date>) -> String {
    let info = ctx.profile.info;
    let p = ctx.plan.programme;
    let signed = ctx.plan.signed_on.map(|d| format!(" signée le {d}")).unwrap_or_default();
    let deadline =
        deadline.map(|d| format!("au plus tard le {d}")).unwrap_or_else(|| "dans les délais".into());
    format!(
        "{LABEL} : ce rapport a été généré automatiquement et ne décrit pas la situation réelle {of}.\n\n\
         Le présent rapport rend compte de l'exécution en {year} de la convention « {name} »{signed} entre \
         l'État et {the}. Il rappelle, action par action, les engagements et le cadre \
         financier, puis rend compte des crédits consommés et des résultats obtenus.\n\n\
         L'assemblée délibère {deadline} sur ce rapport, que la collectivité transmet au préfet de département \
         et au préfet de la région {region} pour analyse en vue de la délégation des crédits de l'année {next}.",
        of = info.of_the(),
        the = info.the(),
        year = ctx.year,
        name = p.name,
        region = info.region().name,
        next = ctx.year + 1,
    )
}

fn convention(ctx: &Ctx<'_>, r: &mut Rng) -> Convention {
    let info = ctx.profile.info;
    let p = ctx.plan.programme;
    let k = ctx.year - p.first_year;
    let amendment = if k == 0 {
        match ctx.plan.signed_on {
            Some(d) => format!("Avenant financier {} signé le {d}", ctx.year),
            None => format!("Avenant financier {}", ctx.year),
        }
    } else {
        match date(ctx.year, r.range(3, 6), r.range(1, 28)) {
            Some(d) => format!("Avenant n° {k} signé le {d}"),
            None => format!("Avenant n° {k}"),
        }
    };
    Convention {
        title: p.name.to_string(),
        signed_on: ctx.plan.signed_on,
        signatories: vec![
            format!(
                "{} du département {}",
                if ctx.profile.prefect_female { "La préfète" } else { "Le préfet" },
                info.principal.info().of_name
            ),
            format!(
                "{} {}",
                if ctx.profile.president_female { "La présidente" } else { "Le président" },
                match info.collectivite_name {
                    Some(_) => info.of_the(),
                    None => format!("du conseil départemental {}", info.of_name),
                }
            ),
        ],
        amendment,
    }
}

fn to_value(iy: &IndicatorYear<'_>, year: i32, f: Figure) -> IndicatorValue {
    match f {
        Figure::Missing(text) => {
            IndicatorValue::Missing { reason: MissingReason::classify(text), text: text.to_string() }
        }
        Figure::Value(n) if iy.indicator.breakdown => IndicatorValue::Breakdown {
            parts: iy
                .territory_parts(year, n)
                .into_iter()
                .map(|(t, p)| TerritoryValue {
                    territory: t.to_string(),
                    value: quantity(p),
                    kind: PartKind::Territory,
                })
                .collect(),
            total: Some(quantity(n)),
        },
        Figure::Value(n) => IndicatorValue::Number(quantity(n)),
    }
}

const MISSING_WHY: [&str; 3] = [
    "Donnée non disponible à la date de rédaction du rapport : l'extraction du système d'information est en cours.",
    "Indicateur non suivi cette année faute d'outil de recueil adapté ; un tableau de bord est en construction.",
    "Le bilan annuel des partenaires n'avait pas encore été remis à la date du rapport.",
];
const SHORT_COUNT: [&str; 3] = [
    "Montée en charge plus progressive que prévu : les recrutements n'ont été finalisés qu'en cours d'année.",
    "Les orientations par les partenaires ont été moins nombreuses qu'anticipé.",
    "Une partie des actions a été décalée sur le dernier trimestre, ce qui a limité le nombre de bénéficiaires.",
];
const SHORT_2020: [&str; 2] = [
    "Crise sanitaire : les accueils collectifs ont été suspendus pendant les périodes de confinement.",
    "Crise sanitaire : les entretiens ont été assurés à distance et plusieurs ateliers ont été annulés.",
];
const SHORT_LOW: &str =
    "Démarrage tardif : les recrutements et les conventions avec les partenaires n'ont pas \
     abouti dans l'année, ce qui explique aussi la faible consommation des crédits.";
const SHORT_DAYS: [&str; 2] = [
    "Hausse des entrées dans le dispositif et postes vacants dans les équipes d'orientation.",
    "Délai allongé par la réorganisation des équipes en cours d'année ; il se résorbe depuis l'automne.",
];
const SHORT_PERCENT: [&str; 3] = [
    "Contexte local de l'emploi moins favorable qu'attendu.",
    "Le public accompagné cette année était plus éloigné de l'emploi que prévu.",
    "L'écart tient à la petite taille de l'effectif suivi : quelques situations suffisent à faire varier le taux.",
];
const JUMP_WHY: &str = "Hausse liée à l'ouverture des formations aux professionnels des CCAS et des \
     associations partenaires, désormais comptés dans l'indicateur.";

fn build_indicator(
    ctx: &Ctx<'_>,
    m: &MeasurePlan,
    a: &ActionPlan,
    ip: &crate::plan::IndicatorPlan,
    money: &ActionMoney,
    prev_money: Option<&ActionMoney>,
) -> Indicator {
    let year = ctx.year;
    let iy = IndicatorYear { seed: ctx.seed, profile: ctx.profile, plan: ctx.plan, action: a, indicator: ip };
    let result = iy.result(year, money);
    let target = iy.target(year, money);
    let baseline = match prev_money {
        Some(pm) => Some(to_value(&iy, year - 1, iy.result(year - 1, pm))),
        None => match ip.nature {
            // The action did not exist the year before.
            Nature::People { .. } => Some(IndicatorValue::Missing {
                reason: MissingReason::NotApplicable,
                text: "Sans objet".to_string(),
            }),
            _ => Some(to_value(&iy, year - 1, iy.result(year - 1, money))),
        },
    };
    let code = ctx.profile.info.code;
    let justification = match result {
        Figure::Missing(_) => iy.choose(year, "why-missing", &MISSING_WHY).to_string(),
        Figure::Value(n) => {
            let short = if ip.unit == IndicatorUnit::Days { n > target } else { n < target };
            if anomalies::jump_factor(code, year, &a.number, ip.spec.name) > 1
                && anomalies::jump_factor(code, year - 1, &a.number, ip.spec.name) == 1
            {
                JUMP_WHY.to_string()
            } else if !short {
                String::new()
            } else if anomalies::low_execution(code, &ctx.plan.programme.id) {
                SHORT_LOW.to_string()
            } else {
                match ip.unit {
                    IndicatorUnit::Days => iy.choose(year, "why", &SHORT_DAYS),
                    IndicatorUnit::Percent => iy.choose(year, "why", &SHORT_PERCENT),
                    _ if year == 2020 => iy.choose(year, "why", &SHORT_2020),
                    _ => iy.choose(year, "why", &SHORT_COUNT),
                }
                .to_string()
            }
        }
    };
    Indicator {
        code: ip.spec.code.map(str::to_string),
        measure_label: m.spec.short.to_string(),
        name: ip.spec.name.to_string(),
        unit: Some(ip.unit),
        baseline,
        target: Some(IndicatorValue::Number(quantity(target))),
        result: Some(to_value(&iy, year, result)),
        justification,
    }
}

fn build_action(ctx: &Ctx<'_>, m: &MeasurePlan, a: &ActionPlan) -> Action {
    let year = ctx.year;
    let p = ctx.plan.programme;
    let money = values::action_money(ctx.seed, ctx.profile, ctx.plan, a, year);
    let prev_money = (year > p.first_year && m.since < year)
        .then(|| values::action_money(ctx.seed, ctx.profile, ctx.plan, a, year - 1));
    let mut r = Rng::keyed(ctx.seed, &[tag(ctx.profile.info.code), year as u64, tag(&a.number), tag("text")]);

    let expenses: Vec<ExpenseLine> = a
        .lines
        .iter()
        .zip(&money.lines)
        .map(|(l, x)| ExpenseLine {
            id: l.id.clone(),
            directorate: l.directorate.to_string(),
            label: l.label.to_string(),
            category: l.category.to_string(),
            staff_time_valuation: l.staff_time_valuation,
            planned: v(x.planned),
            committed: v(x.committed),
            spent: v(x.spent),
            carry_over: x.carry_over.map(Amount::Value),
            comment: if x.carry_over.is_some() {
                format!("Engagements {year} restant à mandater")
            } else {
                String::new()
            },
        })
        .collect();
    let lines: Vec<ExecutedLine> = if a.body_lines {
        a.lines
            .iter()
            .zip(&money.lines)
            .map(|(l, x)| ExecutedLine {
                label: l.label.to_string(),
                committed: v(x.committed),
                spent: v(x.spent),
                carry_over: x.carry_over.map(Amount::Value),
                expense: Some(l.id.clone()),
                staff_details: x
                    .staff_details
                    .iter()
                    .map(|(label, amount)| StaffDetail {
                        label: label.clone(),
                        amount: Amount::Value(*amount),
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let spent = money.spent();
    let carry = money.carry_over();
    let executed = Executed {
        committed: v(money.committed()),
        spent: v(spent),
        carry_over: carry.map(Amount::Value),
        comment: {
            let mut text = match carry {
                Some(c) => format!(
                    "Crédits consommés au 31/12/{year} ; un report de {c} est demandé sur {} pour les engagements restant à mandater.",
                    year + 1
                ),
                None => format!("Crédits consommés au 31/12/{year}."),
            };
            // What became of the rest: a transmitted report says it (BUD013).
            let rest = money.committed().sub(spent).sub(carry.unwrap_or(Money::ZERO));
            if rest > Money::ZERO {
                text.push_str(&format!(" Le solde non consommé des engagements ({rest}) est annulé."));
            }
            text
        },
        lines,
    };

    let indicators: Vec<Indicator> =
        a.indicators.iter().map(|ip| build_indicator(ctx, m, a, ip, &money, prev_money.as_ref())).collect();

    // Section 8: the primary indicator and the money, in words.
    let mut review = String::new();
    if let (Some(first), Some(plan)) = (indicators.first(), a.indicators.first()) {
        if let (Some(res), Some(t)) = (&first.result, &first.target) {
            let res = res.figure().map(|q| q.to_french()).unwrap_or_else(|| res.to_french());
            let t = t.to_french();
            review.push_str(&match plan.nature {
                Nature::People { .. } => {
                    format!(
                        "En {year}, {res} {} ont bénéficié de l'action, pour une cible de {t}. ",
                        m.spec.public
                    )
                }
                _ => format!("En {year}, « {} » : {res} pour une cible de {t}. ", first.name),
            });
        }
    }
    review.push_str(&format!(
        "Les crédits consommés s'élèvent à {} pour un budget prévisionnel de {}, soit un taux d'exécution de {}.",
        spent,
        money.total,
        rate_text(spent, money.total)
    ));
    let rate = rate_permille(spent, money.total);
    review.push(' ');
    review.push_str(if rate >= 900 {
        "L'action s'est déroulée conformément au calendrier prévu."
    } else if rate >= 650 {
        "La consommation des crédits traduit une montée en charge progressive au cours de l'année."
    } else {
        "La consommation des crédits est restée limitée : plusieurs recrutements et conventionnements n'ont abouti qu'en fin d'année."
    });
    if let Some(c) = carry {
        review.push_str(&format!(
            " Un report de {c} est demandé sur {} pour solder les engagements en cours.",
            year + 1
        ));
    }

    let outlook = if year == p.last_year {
        "L'action se poursuivra dans le cadre du Pacte des solidarités, sous réserve du nouveau contrat local.".to_string()
    } else {
        let next = year + 1;
        match r.below(4) {
            0 => format!("L'action est reconduite en {next} avec les mêmes objectifs."),
            1 => format!("En {next}, l'action sera étendue à l'ensemble des territoires du Département."),
            2 => format!("Les cibles des indicateurs seront réajustées en {next} au vu des résultats obtenus."),
            _ => format!("Un comité de suivi réunira les partenaires au premier semestre {next} pour faire le point sur l'action."),
        }
    };
    let start_text = match a.start {
        Some(d) if d.year() == year => format!("Action engagée le {d}."),
        Some(d) => format!("Action engagée le {d} et poursuivie en {year}."),
        None => format!("Action poursuivie en {year}."),
    };

    Action {
        number: a.number.clone(),
        title: a.template.title.to_string(),
        description: a.template.description.to_string(),
        start_text,
        start: a.start,
        end: Date::new(p.last_year, 12, 31),
        partners: format!("{} Cofinanceurs : État et Département.", a.template.partners),
        duration: format!("Durée de la convention ({}–{}).", p.first_year, p.last_year),
        budget_comment: "Le détail des dépenses figure dans l'annexe financière.".to_string(),
        budget_shared_with: None,
        forecast: Some(Forecast {
            state_share: v(money.state),
            department_share: v(money.department),
            total: v(money.total),
            comment: format!("Montants inscrits à la convention pour l'année {year}."),
        }),
        executed: Some(executed),
        expenses,
        fapi: Some(a.fapi),
        indicators_comment: if ctx.profile.territories.is_empty() {
            "Indicateurs suivis à l'échelle du Département.".to_string()
        } else {
            "Indicateurs suivis par territoire d'action sociale lorsque la donnée le permet.".to_string()
        },
        indicators,
        baseline_scope: None,
        execution_review: review,
        review_includes_outlook: false,
        outlook,
    }
}

fn totals_of(actions: &[&Action]) -> (AnnexTotals, Money) {
    let lines = || actions.iter().flat_map(|a| a.expenses.iter());
    let sum = |f: fn(&ExpenseLine) -> Option<Money>| Money::sum(lines().filter_map(f));
    let state =
        Money::sum(actions.iter().filter_map(|a| a.forecast.as_ref().and_then(|f| figure(&f.state_share))));
    (
        AnnexTotals {
            planned: v(sum(|e| figure(&e.planned))),
            spent: v(sum(|e| figure(&e.spent))),
            carry_over: v(sum(|e| figure(&e.carry_over))),
            state_revenue: None,
        },
        state,
    )
}

fn build_annex(ctx: &Ctx<'_>, measures: &[Measure]) -> Annex {
    let info = ctx.profile.info;
    let mut groups: Vec<AnnexGroup> = Vec::new();
    let mut group = |label: String, actions: Vec<&Action>| {
        let (subtotal, state) = totals_of(&actions);
        groups.push(AnnexGroup {
            subtotal_label: format!("Sous-total - {label}"),
            label,
            actions: actions.iter().map(|a| a.number.clone()).collect(),
            state_revenue: v(state),
            subtotal: Some(subtotal),
        });
    };
    let locals: Vec<&Measure> = measures.iter().filter(|m| m.kind == MeasureKind::Local).collect();
    for m in measures.iter().filter(|m| m.kind == MeasureKind::Core) {
        group(m.title.clone(), m.actions.iter().collect());
    }
    if ctx.plan.merge_local_groups && locals.len() > 1 {
        group(LOCAL_GROUP.to_string(), locals.iter().flat_map(|m| m.actions.iter()).collect());
    } else {
        for m in &locals {
            group(m.title.clone(), m.actions.iter().collect());
        }
    }
    let all: Vec<&Action> = measures.iter().flat_map(|m| m.actions.iter()).collect();
    let (mut total, state) = totals_of(&all);
    total.state_revenue = v(state);
    Annex {
        title: format!(
            "Annexe financière au rapport d'exécution {} – {} – données synthétiques",
            ctx.year,
            info.name()
        ),
        subtitle: format!("Montants en euros ; exécution au 31/12/{}", ctx.year),
        legend: "En vert : valorisation ETP".to_string(),
        rounding: Rounding::Cent,
        groups,
        total: Some(total),
    }
}

/// A draft is a report being written: one or two of the slips the checks exist for.
fn plant_draft_mistakes(ctx: &Ctx<'_>, report: &mut Report) {
    let mut r = Rng::keyed(ctx.seed, &[tag(ctx.profile.info.code), ctx.year as u64, tag("mistakes")]);
    let n = r.range(1, 2) as usize;
    let kinds = r.sample(5, n);
    let n_actions = report.measures.iter().map(|m| m.actions.len()).sum::<usize>() as u64;
    for kind in kinds {
        let target = r.below(n_actions) as usize;
        let Some(action) = report.measures.iter_mut().flat_map(|m| m.actions.iter_mut()).nth(target) else {
            continue;
        };
        match kind {
            // A total typed with two digits swapped.
            0 => {
                if let Some(f) = action.forecast.as_mut() {
                    if let Some(t) = figure(&f.total) {
                        f.total = v(swapped(t));
                    }
                }
            }
            1 => action.outlook = OUTLOOK_PLACEHOLDER.to_string(),
            // "Crédits engagés : €".
            2 => {
                if let Some(x) = action.executed.as_mut() {
                    x.committed = Some(Amount::Blank);
                }
            }
            // A result not filled in yet.
            3 => {
                if let Some(i) = action.indicators.first_mut() {
                    i.result = None;
                    i.justification.clear();
                }
            }
            // A subtotal not updated after the last changes.
            _ => {
                if let Some(sub) = report.annex.groups.first_mut().and_then(|g| g.subtotal.as_mut()) {
                    if let Some(s) = figure(&sub.spent) {
                        sub.spent = v(s.add(Money::from_euros(1_250)));
                    }
                }
            }
        }
    }
}

/// The amount with two adjacent digits of its euros swapped (not the first one), so that
/// it grows: the slip then shows as a total that is not the sum of the shares, never as
/// an overspend.
fn swapped(m: Money) -> Money {
    let euros = m.cents() / 100;
    let mut digits: Vec<u8> = euros.to_string().into_bytes();
    if let Some(i) = (1..digits.len().saturating_sub(1)).find(|&i| digits[i] < digits[i + 1]) {
        digits.swap(i, i + 1);
        let text = String::from_utf8(digits).unwrap_or_default();
        if let Ok(e) = text.parse::<i64>() {
            return Money::from_cents(e * 100 + m.cents() % 100);
        }
    }
    m.add(Money::from_euros(1_000))
}
