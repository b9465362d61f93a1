//! What stays the same for a Département across the years of one programme: its size,
//! how well it executes, its measures, actions, expense lines and indicators.

use bilan_domain::collectivite::Collectivite;
use bilan_domain::geo::Region;
use bilan_domain::{CollectiviteCode, Date, DepartmentCode, Fapi, IndicatorUnit, MeasureKind, Programme};

use crate::anomalies;
use crate::catalogue::{self, IndicatorSpec, MeasureSpec, Nature, LINES, LOCAL};
use crate::rng::{tag, Rng};

/// Who signs a report: a Département, or a collectivité (69M, 20R, 6AE…).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who {
    /// The signatory's code, which keys every random draw ("03", "69M").
    pub code: &'static str,
    pub signatory: CollectiviteCode,
    /// The report's `departement`: the signatory's first territory.
    pub principal: DepartmentCode,
    /// "de l'Allier", "de la Métropole de Lyon".
    pub of_name: &'static str,
    /// "Métropole de Lyon"; `None` for a Département.
    pub collectivite_name: Option<&'static str>,
}

impl Who {
    pub fn of(c: &Collectivite) -> Who {
        let signatory = c.id();
        let principal = signatory.principal();
        let collectivite_name = (principal.info().name != c.name).then_some(c.name);
        Who { code: c.code, signatory, principal, of_name: c.of_name, collectivite_name }
    }

    /// "Département de l'Allier", "Métropole de Lyon".
    pub fn name(&self) -> String {
        match self.collectivite_name {
            Some(n) => n.to_string(),
            None => format!("Département {}", self.of_name),
        }
    }

    /// "le Département de l'Allier", "la Métropole de Lyon" (every collectivité's name
    /// is feminine: Métropole, Collectivité).
    pub fn the(&self) -> String {
        match self.collectivite_name {
            Some(n) => format!("la {n}"),
            None => format!("le Département {}", self.of_name),
        }
    }

    /// "du Département de l'Allier", "de la Métropole de Lyon".
    pub fn of_the(&self) -> String {
        match self.collectivite_name {
            Some(n) => format!("de la {n}"),
            None => format!("du Département {}", self.of_name),
        }
    }

    pub fn region(&self) -> &'static Region {
        self.principal.info().region()
    }
}

/// A signatory's traits, the same for every year and programme.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub info: Who,
    /// Size factor in tenths: 10 (small) to 100 (large).
    pub size_tenths: i64,
    /// Reports some indicators per territory.
    pub territories: Vec<&'static str>,
    pub prefect_female: bool,
    pub president_female: bool,
    /// Adopts its report in commission permanente (else in assemblée départementale).
    pub permanent_commission: bool,
}

pub(crate) fn profile(seed: u64, info: Who) -> Profile {
    let mut r = Rng::keyed(seed, &[tag(info.code), tag("profile")]);
    let size_tenths = if catalogue::LARGE.contains(&info.code) {
        r.range(75, 100)
    } else if catalogue::SMALL.contains(&info.code) {
        r.range(10, 14)
    } else {
        r.range(18, 55)
    };
    let territories = if r.chance(20) {
        let n = r.range(2, 4) as usize;
        r.sample(catalogue::TERRITORIES.len(), n).into_iter().map(|i| catalogue::TERRITORIES[i]).collect()
    } else {
        Vec::new()
    };
    Profile {
        info,
        size_tenths,
        territories,
        prefect_female: r.chance(40),
        president_female: r.chance(25),
        permanent_commission: r.chance(60),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct IndicatorPlan {
    pub spec: &'static IndicatorSpec,
    pub unit: IndicatorUnit,
    pub nature: Nature,
    pub primary: bool,
    /// The result is printed per territory.
    pub breakdown: bool,
    /// This Département's own level (‰ around the spec's), stable over the years.
    pub level_permille: i64,
    /// For days and percentages: the Département's base value.
    pub base: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct LinePlan {
    pub id: String,
    pub category: &'static str,
    pub label: &'static str,
    pub directorate: &'static str,
    pub staff_time_valuation: bool,
    pub weight: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionPlan {
    pub number: String,
    pub template: &'static catalogue::ActionTemplate,
    /// Forecast total for a year factor of 1, in euros.
    pub budget: i64,
    /// State share, in percent (≤ the programme's maximum).
    pub state_percent: i64,
    /// Offset of this action's execution rate, in ‰.
    pub rate_offset: i64,
    pub fapi: Fapi,
    pub lines: Vec<LinePlan>,
    /// The body's table lists one row per expense line (else only totals).
    pub body_lines: bool,
    pub indicators: Vec<IndicatorPlan>,
    pub start: Option<Date>,
}

#[derive(Debug, Clone)]
pub(crate) struct MeasurePlan {
    pub spec: &'static MeasureSpec,
    pub kind: MeasureKind,
    pub number: String,
    pub title: String,
    /// First year the measure is carried.
    pub since: i32,
    pub actions: Vec<ActionPlan>,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub programme: &'static Programme,
    pub signed_on: Option<Date>,
    /// Base execution rate, in ‰.
    pub rate_base: i64,
    pub measures: Vec<MeasurePlan>,
    /// Local measures are shown as one group in the annex.
    pub merge_local_groups: bool,
}

fn date(year: i32, month: i64, day: i64) -> Option<Date> {
    Date::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
}

pub(crate) fn plan(seed: u64, profile: &Profile, programme: &'static Programme) -> Plan {
    let code = profile.info.code;
    let mut r = Rng::keyed(seed, &[tag(code), tag(&programme.id), tag("plan")]);
    let first = programme.first_year;
    let signed_on = date(first, r.range(3, 7), r.range(1, 28));
    let rate_base =
        if anomalies::low_execution(code, &programme.id) { r.range(230, 270) } else { r.range(790, 920) };

    let mut measures = Vec::new();
    let core = catalogue::core_specs(&programme.id);
    let socle = programme.measures.iter().filter(|m| m.socle);
    for (i, (m, spec)) in socle.zip(core.iter()).enumerate() {
        measures.push(measure_plan(
            seed,
            profile,
            programme,
            spec,
            MeasureKind::Core,
            format!("1.{}", i + 1),
            &m.title,
            m.since,
        ));
    }
    let n_local = match r.below(100) {
        0..=29 => 0,
        30..=74 => 1,
        _ => 2,
    };
    for (k, i) in r.sample(LOCAL.len(), n_local).into_iter().enumerate() {
        let spec = &LOCAL[i];
        measures.push(measure_plan(
            seed,
            profile,
            programme,
            spec,
            MeasureKind::Local,
            format!("2.{}", k + 1),
            spec.title,
            first,
        ));
    }
    Plan { programme, signed_on, rate_base, measures, merge_local_groups: r.chance(50) }
}

#[allow(clippy::too_many_arguments)]
fn measure_plan(
    seed: u64,
    profile: &Profile,
    programme: &'static Programme,
    spec: &'static MeasureSpec,
    kind: MeasureKind,
    number: String,
    title: &str,
    since: i32,
) -> MeasurePlan {
    let code = profile.info.code;
    let mut r = Rng::keyed(seed, &[tag(code), tag(&programme.id), tag(spec.id), tag("measure")]);
    let n_actions = match r.below(100) {
        0..=34 => 1,
        35..=79 => 2,
        _ => 3,
    }
    .min(spec.actions.len());
    // The measure's first action is always the first template (planted figures rely on it).
    let mut templates: Vec<usize> = vec![0];
    let rest = r.sample(spec.actions.len() - 1, n_actions - 1);
    templates.extend(rest.into_iter().map(|i| i + 1));

    // Secondary indicators: each goes to one action.
    let mut secondary: Vec<Vec<&'static IndicatorSpec>> = vec![Vec::new(); n_actions];
    for (j, s) in spec.secondary.iter().enumerate() {
        if s.always {
            secondary[0].push(s);
        } else if r.chance(75) {
            secondary[j % n_actions].push(s);
        }
    }

    let actions = templates
        .iter()
        .zip(secondary)
        .enumerate()
        .map(|(ai, (&t, sec))| {
            action_plan(seed, profile, programme, spec, format!("{number}.{}", ai + 1), ai, t, since, sec)
        })
        .collect();
    MeasurePlan { spec, kind, number, title: title.to_string(), since, actions }
}

#[allow(clippy::too_many_arguments)]
fn action_plan(
    seed: u64,
    profile: &Profile,
    programme: &'static Programme,
    spec: &'static MeasureSpec,
    number: String,
    index: usize,
    template: usize,
    since: i32,
    secondary: Vec<&'static IndicatorSpec>,
) -> ActionPlan {
    let code = profile.info.code;
    let mut r = Rng::keyed(seed, &[tag(code), tag(&programme.id), tag(&number), tag("action")]);
    let budget = spec.base_budget * profile.size_tenths / 10 * r.range(600, 1400) / 1000;
    let state_percent = if r.chance(60) {
        programme.max_state_share_percent
    } else {
        r.range(38, programme.max_state_share_percent)
    };
    let fapi = match r.below(100) {
        0..=69 => Fapi::No,
        70..=89 => Fapi::Partly,
        _ => Fapi::Yes,
    };
    let n_lines = r.range(1, 3) as usize;
    let lines = r
        .sample(LINES.len(), n_lines)
        .into_iter()
        .map(|i| {
            let (category, label, directorate, staff) = LINES[i];
            LinePlan {
                id: format!("{number}-{category}"),
                category,
                label,
                directorate: if directorate.is_empty() { spec.directorate } else { directorate },
                staff_time_valuation: staff,
                weight: r.range(2, 10),
            }
        })
        .collect();
    let mut indicators =
        vec![indicator_plan(seed, profile, programme, &number, &spec.primary, true, index == 0)];
    for s in secondary {
        indicators.push(indicator_plan(seed, profile, programme, &number, s, false, false));
    }
    let start = if since == programme.first_year {
        date(since, r.range(2, 10), r.range(1, 28))
    } else {
        date(since, r.range(1, 6), r.range(1, 28))
    };
    ActionPlan {
        number,
        template: &spec.actions[template],
        budget: budget.max(2_000),
        state_percent,
        rate_offset: r.range(-20, 20),
        fapi,
        lines,
        body_lines: r.chance(65),
        indicators,
        start,
    }
}

fn indicator_plan(
    seed: u64,
    profile: &Profile,
    programme: &'static Programme,
    action: &str,
    spec: &'static IndicatorSpec,
    primary: bool,
    first_action: bool,
) -> IndicatorPlan {
    let code = profile.info.code;
    let mut r =
        Rng::keyed(seed, &[tag(code), tag(&programme.id), tag(action), tag(spec.id), tag("indicator")]);
    let (unit, nature) = match catalogue::UNIT_OVERRIDES.iter().find(|(c, _)| *c == code) {
        Some((_, unit)) if spec.name == catalogue::ORIENTATION_DELAY => {
            (*unit, catalogue::override_nature(*unit))
        }
        _ => (spec.unit, spec.nature),
    };
    let base = match nature {
        Nature::Days { lo, hi } | Nature::Percent { lo, hi } => r.range(lo, hi),
        _ => 0,
    };
    IndicatorPlan {
        spec,
        unit,
        nature,
        primary,
        breakdown: primary && first_action && !profile.territories.is_empty(),
        level_permille: r.range(850, 1150),
        base,
    }
}
