//! What changed: between two versions of the same report (what the Département corrected
//! after a send-back), and between last year's report and this one (figures per action and
//! indicators, matched by number, and by catalogue code or title).
//!
//! Actions are matched by their printed number, expense and body lines by their id (else
//! their label), indicators by their catalogue code (else their title): positions move
//! when a line is inserted, and a
//! reviewer wants "line X changed", not "every line after X changed".

use std::collections::BTreeMap;

use bilan_domain::{Action, Amount, Indicator, IndicatorValue, Money, Report};

use crate::figures::ActionFigures;
use crate::stats::Rate;
use crate::text::normalise;

/// One changed field between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field path in the newer version (or in the older one for a removal), as
    /// `bilan-check` writes it, so the page can link to the field.
    pub path: String,
    /// Where, in French: "Action 1.2.1 – Crédits consommés (5.2)".
    pub place: String,
    /// "—" when absent.
    pub before: String,
    pub after: String,
}

const ABSENT: &str = "—";

fn amount_text(a: &Option<Amount>) -> String {
    match a {
        None => ABSENT.to_string(),
        Some(Amount::Blank) => "« € » (sans montant)".to_string(),
        Some(Amount::Value(m)) => m.to_string(),
    }
}

fn indicator_text(v: &Option<IndicatorValue>) -> String {
    v.as_ref().map_or_else(|| ABSENT.to_string(), IndicatorValue::to_french)
}

fn opt_text<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| ABSENT.to_string(), ToString::to_string)
}

/// Long texts are shown shortened; the page links to the field for the whole text.
fn text_value(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        return ABSENT.to_string();
    }
    const MAX: usize = 240;
    if t.chars().count() > MAX {
        let cut: String = t.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

struct Diff {
    changes: Vec<Change>,
}

impl Diff {
    fn field(&mut self, path: String, place: String, before: String, after: String) {
        if before != after {
            self.changes.push(Change { path, place, before, after });
        }
    }
}

/// Every field that differs between `old` and `new`, in report order.
pub fn version_changes(old: &Report, new: &Report) -> Vec<Change> {
    let mut d = Diff { changes: Vec::new() };
    d.field("titre".into(), "Titre du rapport".into(), text_value(&old.title), text_value(&new.title));
    d.field("echeance".into(), "Échéance".into(), opt_text(&old.deadline), opt_text(&new.deadline));
    d.field("preambule".into(), "Préambule".into(), text_value(&old.preamble), text_value(&new.preamble));
    let delib = |r: &Report| {
        r.deliberation
            .as_ref()
            .map_or_else(|| ABSENT.to_string(), |dl| format!("n° {} du {}", dl.number, opt_text(&dl.date)))
    };
    d.field("deliberation".into(), "Délibération".into(), delib(old), delib(new));

    let old_actions: BTreeMap<&str, (usize, usize, &Action)> =
        old.actions().map(|(mi, _, ai, a)| (a.number.as_str(), (mi, ai, a))).collect();
    let new_numbers: std::collections::BTreeSet<&str> =
        new.actions().map(|(_, _, _, a)| a.number.as_str()).collect();
    for (mi, _, ai, a) in new.actions() {
        let path = format!("mesures[{mi}].actions[{ai}]");
        match old_actions.get(a.number.as_str()) {
            None => d.changes.push(Change {
                path,
                place: format!("Action {}", a.number),
                before: ABSENT.into(),
                after: format!("action ajoutée : {}", text_value(&a.title)),
            }),
            Some((_, _, o)) => action_changes(&mut d, &path, o, a),
        }
    }
    for (number, (mi, ai, a)) in &old_actions {
        if !new_numbers.contains(number) {
            d.changes.push(Change {
                path: format!("mesures[{mi}].actions[{ai}]"),
                place: format!("Action {number}"),
                before: format!("action : {}", text_value(&a.title)),
                after: "action supprimée".into(),
            });
        }
    }
    annex_changes(&mut d, old, new);
    d.changes
}

fn action_changes(d: &mut Diff, path: &str, o: &Action, n: &Action) {
    let place = |what: &str| format!("Action {} – {what}", n.number);
    let texts: [(&str, &str, &str, &str); 10] = [
        ("intitule", "Intitulé", &o.title, &n.title),
        ("description", "1. Description", &o.description, &n.description),
        ("mise_en_place", "2. Mise en place", &o.start_text, &n.start_text),
        ("partenaires", "3. Partenaires", &o.partners, &n.partners),
        ("duree", "4. Durée", &o.duration, &n.duration),
        ("budget_commentaire", "5. Budget (commentaire)", &o.budget_comment, &n.budget_comment),
        (
            "indicateurs_commentaire",
            "7. Indicateurs (commentaire)",
            &o.indicators_comment,
            &n.indicators_comment,
        ),
        ("bilan", "8. Bilan de l’exécution", &o.execution_review, &n.execution_review),
        ("perspectives", "9. Perspectives", &o.outlook, &n.outlook),
        (
            "budget_commun_avec",
            "Budget porté par l’action",
            o.budget_shared_with.as_deref().unwrap_or(""),
            n.budget_shared_with.as_deref().unwrap_or(""),
        ),
    ];
    for (key, label, before, after) in texts {
        d.field(format!("{path}.{key}"), place(label), text_value(before), text_value(after));
    }
    let (of, nf) = (o.forecast.clone().unwrap_or_default(), n.forecast.clone().unwrap_or_default());
    for (key, label, before, after) in [
        ("part_etat", "Part État prévue (5.1)", &of.state_share, &nf.state_share),
        ("part_cd", "Part Département prévue (5.1)", &of.department_share, &nf.department_share),
        ("total", "Total prévu (5.1)", &of.total, &nf.total),
    ] {
        d.field(format!("{path}.prevision.{key}"), place(label), amount_text(before), amount_text(after));
    }
    let (oe, ne) = (o.executed.clone().unwrap_or_default(), n.executed.clone().unwrap_or_default());
    for (key, label, before, after) in [
        ("engage", "Crédits engagés (5.2)", &oe.committed, &ne.committed),
        ("consomme", "Crédits consommés (5.2)", &oe.spent, &ne.spent),
        ("report", "Report demandé (5.2)", &oe.carry_over, &ne.carry_over),
    ] {
        d.field(format!("{path}.execution.{key}"), place(label), amount_text(before), amount_text(after));
    }
    // Body table lines, matched by linked expense id or label.
    let key_of = |l: &bilan_domain::ExecutedLine| l.expense.clone().unwrap_or_else(|| normalise(&l.label));
    let old_lines: BTreeMap<String, &bilan_domain::ExecutedLine> =
        oe.lines.iter().map(|l| (key_of(l), l)).collect();
    for (k, l) in ne.lines.iter().enumerate() {
        let lp = format!("{path}.execution.lignes[{k}]");
        let what = |col: &str| place(&format!("ligne « {} » – {col}", l.label));
        match old_lines.get(&key_of(l)) {
            None => d.field(
                lp,
                place("ligne du tableau 5.2"),
                ABSENT.into(),
                format!("ligne ajoutée : {}", l.label),
            ),
            Some(ol) => {
                d.field(
                    format!("{lp}.engage"),
                    what("engagé"),
                    amount_text(&ol.committed),
                    amount_text(&l.committed),
                );
                d.field(
                    format!("{lp}.consomme"),
                    what("consommé"),
                    amount_text(&ol.spent),
                    amount_text(&l.spent),
                );
                d.field(
                    format!("{lp}.report"),
                    what("report"),
                    amount_text(&ol.carry_over),
                    amount_text(&l.carry_over),
                );
            }
        }
    }
    let new_line_keys: std::collections::BTreeSet<String> = ne.lines.iter().map(key_of).collect();
    for l in oe.lines.iter().filter(|l| !new_line_keys.contains(&key_of(l))) {
        d.field(
            format!("{path}.execution"),
            place("ligne du tableau 5.2"),
            format!("ligne : {}", l.label),
            "ligne supprimée".into(),
        );
    }
    // Annex (expense) lines, matched by id or label.
    let exp_key = |e: &bilan_domain::ExpenseLine| {
        if e.id.trim().is_empty() {
            normalise(&e.label)
        } else {
            e.id.clone()
        }
    };
    let old_exp: BTreeMap<String, &bilan_domain::ExpenseLine> =
        o.expenses.iter().map(|e| (exp_key(e), e)).collect();
    for (k, e) in n.expenses.iter().enumerate() {
        let ep = format!("{path}.depenses[{k}]");
        let what = |col: &str| place(&format!("dépense « {} » – {col}", e.label));
        match old_exp.get(&exp_key(e)) {
            None => {
                d.field(ep, place("ligne de l’annexe"), ABSENT.into(), format!("ligne ajoutée : {}", e.label))
            }
            Some(oe) => {
                d.field(
                    format!("{ep}.libelle"),
                    what("libellé"),
                    text_value(&oe.label),
                    text_value(&e.label),
                );
                d.field(
                    format!("{ep}.inscrit"),
                    what("inscrit"),
                    amount_text(&oe.planned),
                    amount_text(&e.planned),
                );
                d.field(
                    format!("{ep}.engage"),
                    what("engagé"),
                    amount_text(&oe.committed),
                    amount_text(&e.committed),
                );
                d.field(
                    format!("{ep}.realise"),
                    what("réalisé"),
                    amount_text(&oe.spent),
                    amount_text(&e.spent),
                );
                d.field(
                    format!("{ep}.report"),
                    what("report"),
                    amount_text(&oe.carry_over),
                    amount_text(&e.carry_over),
                );
                d.field(
                    format!("{ep}.commentaire"),
                    what("commentaire"),
                    text_value(&oe.comment),
                    text_value(&e.comment),
                );
            }
        }
    }
    let new_exp_keys: std::collections::BTreeSet<String> = n.expenses.iter().map(exp_key).collect();
    for e in o.expenses.iter().filter(|e| !new_exp_keys.contains(&exp_key(e))) {
        d.field(
            format!("{path}.depenses"),
            place("ligne de l’annexe"),
            format!("ligne : {}", e.label),
            "ligne supprimée".into(),
        );
    }
    // Indicators, matched by catalogue code, else by title.
    let old_ind = IndicatorIndex::new(&o.indicators);
    let new_keys = indicator_key_list(&n.indicators);
    for ((k, i), key) in n.indicators.iter().enumerate().zip(&new_keys) {
        let ip = format!("{path}.indicateurs[{k}]");
        let what = |col: &str| place(&format!("indicateur « {} » – {col}", i.name));
        match old_ind.find(key, i.code.as_deref()) {
            None => {
                d.field(ip, place("indicateur"), ABSENT.into(), format!("indicateur ajouté : {}", i.name))
            }
            Some(oi) => {
                d.field(
                    format!("{ip}.cible"),
                    what("cible"),
                    indicator_text(&oi.target),
                    indicator_text(&i.target),
                );
                d.field(
                    format!("{ip}.resultat"),
                    what("résultat"),
                    indicator_text(&oi.result),
                    indicator_text(&i.result),
                );
                d.field(
                    format!("{ip}.situation_precedente"),
                    what("situation précédente"),
                    indicator_text(&oi.baseline),
                    indicator_text(&i.baseline),
                );
                d.field(
                    format!("{ip}.unite"),
                    what("unité"),
                    oi.unit.map_or(ABSENT, |u| u.label()).to_string(),
                    i.unit.map_or(ABSENT, |u| u.label()).to_string(),
                );
            }
        }
    }
}

/// How an indicator is found in the other version or year: by its catalogue code when it
/// carries one (a Département rewording « Nb de jeunes accompagnés » into « Nombre de jeunes
/// suivis » keeps the code), else by title. A code or title printed twice in one action (two
/// rows for two publics) is told apart by its rank among the rows that share it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IndicatorKey {
    code: Option<String>,
    title: String,
}

fn indicator_key_list(list: &[Indicator]) -> Vec<IndicatorKey> {
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut titles: BTreeMap<String, usize> = BTreeMap::new();
    let rank = |seen: &mut BTreeMap<String, usize>, key: String| {
        let n = seen.entry(key.clone()).or_default();
        *n += 1;
        format!("{key}#{n}")
    };
    list.iter()
        .map(|i| IndicatorKey {
            code: i
                .code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| rank(&mut codes, c.to_string())),
            title: rank(&mut titles, normalise(&i.name)),
        })
        .collect()
}

/// The indicators of one action, findable by code and by title.
#[derive(Default)]
struct IndicatorIndex<'a> {
    by_code: BTreeMap<String, &'a Indicator>,
    by_title: BTreeMap<String, &'a Indicator>,
}

impl<'a> IndicatorIndex<'a> {
    fn new(list: &'a [Indicator]) -> IndicatorIndex<'a> {
        let mut index = IndicatorIndex::default();
        for (key, i) in indicator_key_list(list).into_iter().zip(list) {
            if let Some(code) = key.code {
                index.by_code.insert(code, i);
            }
            index.by_title.insert(key.title, i);
        }
        index
    }

    /// The same code first; else the same title, unless that indicator carries another code
    /// (two catalogue indicators are never one another).
    fn find(&self, key: &IndicatorKey, code: Option<&str>) -> Option<&'a Indicator> {
        if let Some(found) = key.code.as_ref().and_then(|c| self.by_code.get(c)) {
            return Some(found);
        }
        self.by_title.get(&key.title).copied().filter(|o| match (code, o.code.as_deref()) {
            (Some(new), Some(old)) => new.trim() == old.trim(),
            _ => true,
        })
    }
}

fn annex_changes(d: &mut Diff, old: &Report, new: &Report) {
    for (g, group) in new.annex.groups.iter().enumerate() {
        let Some(og) = old.annex.groups.get(g) else { continue };
        let gp = format!("annexe.groupes[{g}]");
        let place = |what: &str| format!("Annexe, groupe « {} » – {what}", group.label);
        d.field(
            format!("{gp}.recette_etat"),
            place("recette État déclarée"),
            amount_text(&og.state_revenue),
            amount_text(&group.state_revenue),
        );
        let (os, ns) = (og.subtotal.clone().unwrap_or_default(), group.subtotal.clone().unwrap_or_default());
        for (key, label, b, a) in [
            ("inscrit", "sous-total inscrit déclaré", &os.planned, &ns.planned),
            ("realise", "sous-total réalisé déclaré", &os.spent, &ns.spent),
            ("report", "sous-total report déclaré", &os.carry_over, &ns.carry_over),
        ] {
            d.field(format!("{gp}.sous_total.{key}"), place(label), amount_text(b), amount_text(a));
        }
    }
    let (ot, nt) = (old.annex.total.clone().unwrap_or_default(), new.annex.total.clone().unwrap_or_default());
    for (key, label, b, a) in [
        ("inscrit", "total inscrit déclaré", &ot.planned, &nt.planned),
        ("realise", "total réalisé déclaré", &ot.spent, &nt.spent),
        ("report", "total report déclaré", &ot.carry_over, &nt.carry_over),
        ("recette_etat", "recette État totale déclarée", &ot.state_revenue, &nt.state_revenue),
    ] {
        d.field(format!("annexe.total.{key}"), format!("Annexe – {label}"), amount_text(b), amount_text(a));
    }
}

/// One action compared with last year's action of the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionYearRow {
    pub number: String,
    pub title: String,
    /// `mesures[i].actions[j]` in the current report (`None`: only last year).
    pub path: Option<String>,
    pub planned: (Option<Money>, Option<Money>),
    pub spent: (Option<Money>, Option<Money>),
    pub carry_over: (Option<Money>, Option<Money>),
    pub rate: (Option<Rate>, Option<Rate>),
}

/// One indicator compared with last year's indicator of the same action and catalogue code
/// (else the same title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorYearRow {
    pub action: String,
    pub name: String,
    pub unit: String,
    pub path: String,
    pub previous: String,
    pub current: String,
    /// Current ÷ previous in percent when both are figures and previous ≠ 0.
    pub change_percent: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YearComparison {
    pub previous_year: i32,
    pub actions: Vec<ActionYearRow>,
    pub indicators: Vec<IndicatorYearRow>,
}

fn rate_of(f: &ActionFigures) -> Option<Rate> {
    let planned = f.planned.as_ref()?.value;
    let spent = f.spent.as_ref()?.value;
    Rate::new(spent.cents(), planned.cents())
}

/// The figures of each action and indicator this year against last year's.
pub fn year_comparison(previous: &Report, current: &Report) -> YearComparison {
    let prev: BTreeMap<&str, ActionFigures> = previous
        .actions()
        .map(|(mi, _, ai, a)| (a.number.as_str(), ActionFigures::of(previous, mi, ai, a)))
        .collect();
    let prev_actions: BTreeMap<&str, &Action> =
        previous.actions().map(|(_, _, _, a)| (a.number.as_str(), a)).collect();
    let value = |f: &Option<crate::figures::ActionFigure>| f.as_ref().map(|x| x.value);
    let mut out = YearComparison { previous_year: previous.year, ..YearComparison::default() };
    let mut seen = std::collections::BTreeSet::new();
    for (mi, _, ai, a) in current.actions() {
        seen.insert(a.number.as_str());
        let cur = ActionFigures::of(current, mi, ai, a);
        let old = prev.get(a.number.as_str());
        out.actions.push(ActionYearRow {
            number: a.number.clone(),
            title: a.title.clone(),
            path: Some(format!("mesures[{mi}].actions[{ai}]")),
            planned: (old.and_then(|o| value(&o.planned)), value(&cur.planned)),
            spent: (old.and_then(|o| value(&o.spent)), value(&cur.spent)),
            carry_over: (old.and_then(|o| value(&o.carry_over)), value(&cur.carry_over)),
            rate: (old.and_then(rate_of), rate_of(&cur)),
        });
        let old_ind = prev_actions
            .get(a.number.as_str())
            .map(|pa| IndicatorIndex::new(&pa.indicators))
            .unwrap_or_default();
        for ((k, i), key) in a.indicators.iter().enumerate().zip(indicator_key_list(&a.indicators)) {
            let o = old_ind.find(&key, i.code.as_deref());
            let cur_fig = i.result.as_ref().and_then(IndicatorValue::figure);
            let old_fig = o.and_then(|o| o.result.as_ref()).and_then(IndicatorValue::figure);
            let change_percent = match (old_fig, cur_fig) {
                (Some(p), Some(c)) if p.hundredths() != 0 => {
                    let pct = i128::from(c.hundredths()) * 100 / i128::from(p.hundredths());
                    i64::try_from(pct).ok()
                }
                _ => None,
            };
            out.indicators.push(IndicatorYearRow {
                action: a.number.clone(),
                name: i.name.clone(),
                unit: i.unit.map_or("", |u| u.label()).to_string(),
                path: format!("mesures[{mi}].actions[{ai}].indicateurs[{k}]"),
                previous: o.map_or_else(|| ABSENT.to_string(), |o| indicator_text(&o.result)),
                current: indicator_text(&i.result),
                change_percent,
            });
        }
    }
    for (mi, _, ai, a) in previous.actions() {
        if seen.contains(a.number.as_str()) {
            continue;
        }
        let f = ActionFigures::of(previous, mi, ai, a);
        out.actions.push(ActionYearRow {
            number: a.number.clone(),
            title: a.title.clone(),
            path: None,
            planned: (value(&f.planned), None),
            spent: (value(&f.spent), None),
            carry_over: (value(&f.carry_over), None),
            rate: (rate_of(&f), None),
        });
    }
    out
}
