//! Between forms and the domain: the current values of each form, applying validated
//! values to the report, and where a diagnostic's field path is edited.

use bilan_domain::indicator::{Indicator, IndicatorUnit};
use bilan_domain::{Action, Executed, ExecutedLine, ExpenseLine, Fapi, Forecast, Report};

use crate::service::forms::{action_fields, EXPENSE_FIELDS, GENERAL_FIELDS, INDICATOR_FIELDS};
use crate::service::forms::{amount_text, date_text, field_id, value_text, Patch, Values, EXEC_LINE_FIELDS};

/// Percent-encodes a URL path segment (an action number such as "1.3.2" stays readable).
pub fn seg(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn set(v: &mut Values, k: &str, s: impl Into<String>) {
    v.insert(k.to_string(), s.into());
}

pub fn fapi_text(f: Option<Fapi>) -> &'static str {
    match f {
        None => "",
        Some(Fapi::Yes) => "oui",
        Some(Fapi::No) => "non",
        Some(Fapi::Partly) => "oui en partie",
    }
}

pub fn unit_text(u: Option<IndicatorUnit>) -> &'static str {
    match u {
        None => "",
        Some(IndicatorUnit::Count) => "nombre",
        Some(IndicatorUnit::Days) => "jours",
        Some(IndicatorUnit::Percent) => "%",
        Some(IndicatorUnit::Euros) => "euros",
        Some(IndicatorUnit::Average) => "moyenne",
    }
}

fn unit_of(t: &str) -> Option<IndicatorUnit> {
    Some(match t {
        "nombre" => IndicatorUnit::Count,
        "jours" => IndicatorUnit::Days,
        "%" => IndicatorUnit::Percent,
        "euros" => IndicatorUnit::Euros,
        "moyenne" => IndicatorUnit::Average,
        _ => return None,
    })
}

fn fapi_of(t: &str) -> Option<Fapi> {
    Some(match t {
        "oui" => Fapi::Yes,
        "non" => Fapi::No,
        "oui en partie" => Fapi::Partly,
        _ => return None,
    })
}

pub fn action_values(a: &Action) -> Values {
    let mut v = Values::new();
    set(&mut v, "intitule", &a.title);
    set(&mut v, "description", &a.description);
    set(&mut v, "mise_en_place", &a.start_text);
    set(&mut v, "date_debut", date_text(&a.start));
    set(&mut v, "date_fin", date_text(&a.end));
    set(&mut v, "partenaires", &a.partners);
    set(&mut v, "duree", &a.duration);
    set(&mut v, "budget_commentaire", &a.budget_comment);
    set(&mut v, "budget_commun_avec", a.budget_shared_with.clone().unwrap_or_default());
    let fc = a.forecast.clone().unwrap_or_default();
    set(&mut v, "prevision.part_etat", amount_text(&fc.state_share));
    set(&mut v, "prevision.part_cd", amount_text(&fc.department_share));
    set(&mut v, "prevision.total", amount_text(&fc.total));
    set(&mut v, "prevision.commentaire", &fc.comment);
    let ex = a.executed.clone().unwrap_or_default();
    set(&mut v, "execution.engage", amount_text(&ex.committed));
    set(&mut v, "execution.consomme", amount_text(&ex.spent));
    set(&mut v, "execution.report", amount_text(&ex.carry_over));
    set(&mut v, "execution.commentaire", &ex.comment);
    set(&mut v, "fapi", fapi_text(a.fapi));
    set(&mut v, "indicateurs_commentaire", &a.indicators_comment);
    set(&mut v, "bilan", &a.execution_review);
    set(&mut v, "perspectives", &a.outlook);
    v
}

pub fn apply_action(a: &mut Action, p: &Patch) {
    a.title = p.text("intitule", &a.title);
    a.description = p.text("description", &a.description);
    a.start_text = p.text("mise_en_place", &a.start_text);
    a.start = p.date("date_debut", a.start);
    a.end = p.date("date_fin", a.end);
    a.partners = p.text("partenaires", &a.partners);
    a.duration = p.text("duree", &a.duration);
    a.budget_comment = p.text("budget_commentaire", &a.budget_comment);
    a.budget_shared_with = p.opt_text("budget_commun_avec", &a.budget_shared_with);
    let had_forecast = a.forecast.is_some();
    let old = a.forecast.clone().unwrap_or_default();
    let fc = Forecast {
        state_share: p.amount("prevision.part_etat", old.state_share),
        department_share: p.amount("prevision.part_cd", old.department_share),
        total: p.amount("prevision.total", old.total),
        comment: p.text("prevision.commentaire", &old.comment),
    };
    a.forecast = if fc == Forecast::default() && !had_forecast { None } else { Some(fc) };
    let had_executed = a.executed.is_some();
    let old = a.executed.clone().unwrap_or_default();
    let ex = Executed {
        committed: p.amount("execution.engage", old.committed),
        spent: p.amount("execution.consomme", old.spent),
        carry_over: p.amount("execution.report", old.carry_over),
        comment: p.text("execution.commentaire", &old.comment),
        lines: old.lines,
    };
    a.executed = if ex == Executed::default() && !had_executed { None } else { Some(ex) };
    a.fapi = fapi_of(&p.text("fapi", fapi_text(a.fapi)));
    a.indicators_comment = p.text("indicateurs_commentaire", &a.indicators_comment);
    a.execution_review = p.text("bilan", &a.execution_review);
    a.outlook = p.text("perspectives", &a.outlook);
}

pub fn expense_values(e: &ExpenseLine) -> Values {
    let mut v = Values::new();
    set(&mut v, "libelle", &e.label);
    set(&mut v, "direction", &e.directorate);
    set(&mut v, "categorie", &e.category);
    set(&mut v, "valorisation_etp", if e.staff_time_valuation { "oui" } else { "" });
    set(&mut v, "inscrit", amount_text(&e.planned));
    set(&mut v, "engage", amount_text(&e.committed));
    set(&mut v, "realise", amount_text(&e.spent));
    set(&mut v, "report", amount_text(&e.carry_over));
    set(&mut v, "commentaire", &e.comment);
    set(&mut v, "id", &e.id);
    v
}

pub fn apply_expense(e: &mut ExpenseLine, p: &Patch) {
    e.label = p.text("libelle", &e.label);
    e.directorate = p.text("direction", &e.directorate);
    e.category = p.text("categorie", &e.category);
    e.staff_time_valuation = p.check("valorisation_etp");
    e.planned = p.amount("inscrit", e.planned);
    e.committed = p.amount("engage", e.committed);
    e.spent = p.amount("realise", e.spent);
    e.carry_over = p.amount("report", e.carry_over);
    e.comment = p.text("commentaire", &e.comment);
    e.id = p.text("id", &e.id).trim().to_string();
}

pub fn exec_line_values(l: &ExecutedLine) -> Values {
    let mut v = Values::new();
    set(&mut v, "libelle", &l.label);
    set(&mut v, "engage", amount_text(&l.committed));
    set(&mut v, "consomme", amount_text(&l.spent));
    set(&mut v, "report", amount_text(&l.carry_over));
    set(&mut v, "depense", l.expense.clone().unwrap_or_default());
    v
}

pub fn apply_exec_line(l: &mut ExecutedLine, p: &Patch) {
    l.label = p.text("libelle", &l.label);
    l.committed = p.amount("engage", l.committed);
    l.spent = p.amount("consomme", l.spent);
    l.carry_over = p.amount("report", l.carry_over);
    l.expense = p.opt_text("depense", &l.expense);
}

pub fn indicator_values(i: &Indicator) -> Values {
    let mut v = Values::new();
    set(&mut v, "intitule", &i.name);
    set(&mut v, "mesure", &i.measure_label);
    set(&mut v, "unite", unit_text(i.unit));
    set(&mut v, "situation_precedente", value_text(&i.baseline));
    set(&mut v, "cible", value_text(&i.target));
    set(&mut v, "resultat", value_text(&i.result));
    set(&mut v, "justification", &i.justification);
    v
}

pub fn apply_indicator(i: &mut Indicator, p: &Patch) {
    i.name = p.text("intitule", &i.name);
    i.measure_label = p.text("mesure", &i.measure_label);
    i.unit = unit_of(&p.text("unite", unit_text(i.unit)));
    i.baseline = p.value("situation_precedente", &i.baseline);
    i.target = p.value("cible", &i.target);
    i.result = p.value("resultat", &i.result);
    i.justification = p.text("justification", &i.justification);
}

pub fn new_indicator() -> Indicator {
    Indicator {
        code: None,
        measure_label: String::new(),
        name: String::new(),
        unit: None,
        baseline: None,
        target: None,
        result: None,
        justification: String::new(),
    }
}

pub fn general_values(r: &Report) -> Values {
    let mut v = Values::new();
    set(&mut v, "titre", &r.title);
    set(&mut v, "echeance", date_text(&r.deadline));
    set(&mut v, "preambule", &r.preamble);
    set(&mut v, "convention.intitule", &r.convention.title);
    set(&mut v, "convention.date_signature", date_text(&r.convention.signed_on));
    set(&mut v, "convention.avenant", &r.convention.amendment);
    v
}

pub fn apply_general(r: &mut Report, p: &Patch) {
    r.title = p.text("titre", &r.title);
    r.deadline = p.date("echeance", r.deadline);
    r.preamble = p.text("preambule", &r.preamble);
    r.convention.title = p.text("convention.intitule", &r.convention.title);
    r.convention.signed_on = p.date("convention.date_signature", r.convention.signed_on);
    r.convention.amendment = p.text("convention.avenant", &r.convention.amendment);
}

/// Action numbers of a report, in order, without duplicates (the store keeps one
/// revision per number).
pub fn action_numbers(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, _, _, a) in r.actions() {
        if !out.contains(&a.number) {
            out.push(a.number.clone());
        }
    }
    out
}

/// The part of a report an edit touched, as TOML, for the audit log.
pub fn fragment<T: serde::Serialize>(item: &T) -> Option<String> {
    toml::to_string(item).ok()
}

/// One step of a field path: `mesures[3]` → ("mesures", Some(3)).
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|s| match s.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
            None => (s, None),
        })
        .collect()
}

/// Where a field path is edited: the page URL with the anchor of its input (or of the
/// closest element that exists on that page).
pub fn link_for(report_id: i64, report: &Report, path: &str) -> String {
    let base = format!("/rapports/{report_id}");
    let segs = segments(path);
    match segs.as_slice() {
        [("mesures", Some(mi)), ("actions", Some(ai)), rest @ ..] => {
            let Some(action) = report.measures.get(*mi).and_then(|m| m.actions.get(*ai)) else {
                return base;
            };
            let item = format!("mesures[{mi}].actions[{ai}]");
            let page = format!("{base}/actions/{}", seg(&action.number));
            let rest_path: Vec<String> = rest.iter().map(|(n, _)| n.to_string()).collect();
            let rest_path = rest_path.join(".");
            match rest {
                [] => format!("{page}#{}", field_id(&item)),
                [("depenses", Some(k)), tail @ ..] => sub_link(
                    &format!("{page}/depenses/{k}"),
                    &format!("{item}.depenses[{k}]"),
                    tail,
                    EXPENSE_FIELDS,
                ),
                [("indicateurs", Some(k)), tail @ ..] => sub_link(
                    &format!("{page}/indicateurs/{k}"),
                    &format!("{item}.indicateurs[{k}]"),
                    tail,
                    INDICATOR_FIELDS,
                ),
                [("execution", None), ("lignes", Some(k)), tail @ ..] => sub_link(
                    &format!("{page}/lignes/{k}"),
                    &format!("{item}.execution.lignes[{k}]"),
                    tail,
                    EXEC_LINE_FIELDS,
                ),
                [("depenses", None)] | [("indicateurs", None)] | [("execution", None), ("lignes", None)] => {
                    format!("{page}#{}", field_id(&format!("{item}.{rest_path}")))
                }
                _ => {
                    if action_fields().any(|s| s.name == rest_path) {
                        format!("{page}#{}", field_id(&format!("{item}.{rest_path}")))
                    } else {
                        // A section of the form (prevision, execution…) or the whole action.
                        let first = rest[0].0;
                        let section = crate::service::forms::ACTION_SECTIONS.iter().find(|s| s.path == first);
                        match section {
                            Some(_) => format!("{page}#{}", field_id(&format!("{item}.{first}"))),
                            None => format!("{page}#{}", field_id(&item)),
                        }
                    }
                }
            }
        }
        [("mesures", Some(mi)), ..] => format!("{base}#{}", field_id(&format!("mesures[{mi}]"))),
        [("annexe", None), ..] => {
            let known = annex_input_paths(report);
            if known.iter().any(|p| p == path) {
                format!("{base}/annexe#{}", field_id(path))
            } else if let [_, ("groupes", Some(g)), ..] = segs.as_slice() {
                format!("{base}/annexe#{}", field_id(&format!("annexe.groupes[{g}]")))
            } else {
                format!("{base}/annexe#{}", field_id("annexe.total"))
            }
        }
        [(name, None), ..] => {
            let top = segs.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(".");
            if GENERAL_FIELDS.iter().any(|s| s.name == top) {
                format!("{base}/general#{}", field_id(&top))
            } else if *name == "deliberation" || *name == "transmission" {
                format!("{base}/general#{}", field_id("deliberation"))
            } else if *name == "convention" {
                format!("{base}/general#{}", field_id("convention.intitule"))
            } else {
                base
            }
        }
        _ => base,
    }
}

fn sub_link(
    page: &str,
    item: &str,
    tail: &[(&str, Option<usize>)],
    specs: &[crate::service::forms::Spec],
) -> String {
    let name: Vec<&str> = tail.iter().map(|(n, _)| *n).collect();
    let name = name.join(".");
    if !name.is_empty() && specs.iter().any(|s| s.name == name) {
        format!("{page}#{}", field_id(&format!("{item}.{name}")))
    } else {
        format!("{page}#{}", field_id(item))
    }
}

/// Field paths of the inputs the annex page shows for declared figures.
pub fn annex_input_paths(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for (g, _) in report.annex.groups.iter().enumerate() {
        for k in ["inscrit", "realise", "report"] {
            out.push(format!("annexe.groupes[{g}].sous_total.{k}"));
        }
        out.push(format!("annexe.groupes[{g}].recette_etat"));
    }
    for k in ["inscrit", "realise", "report", "recette_etat"] {
        out.push(format!("annexe.total.{k}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allier() -> Report {
        bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report
    }

    #[test]
    fn links_point_at_inputs() {
        let r = allier();
        assert_eq!(
            link_for(7, &r, "mesures[3].actions[1].prevision.total"),
            "/rapports/7/actions/1.4.2#champ-mesures-3-actions-1-prevision-total"
        );
        assert_eq!(
            link_for(7, &r, "mesures[1].actions[0].execution.lignes[2].report"),
            "/rapports/7/actions/1.2.1/lignes/2#champ-mesures-1-actions-0-execution-lignes-2-report"
        );
        assert_eq!(
            link_for(7, &r, "mesures[0].actions[0].indicateurs[2]"),
            "/rapports/7/actions/1.1.1/indicateurs/2#champ-mesures-0-actions-0-indicateurs-2"
        );
        assert_eq!(
            link_for(7, &r, "mesures[1].actions[0].execution.lignes"),
            "/rapports/7/actions/1.2.1#champ-mesures-1-actions-0-execution-lignes"
        );
        assert_eq!(
            link_for(7, &r, "mesures[5].actions[0].prevision"),
            format!(
                "/rapports/7/actions/{}#champ-mesures-5-actions-0-prevision",
                r.measures[5].actions[0].number
            )
        );
        assert_eq!(link_for(7, &r, "deliberation"), "/rapports/7/general#champ-deliberation");
        assert_eq!(
            link_for(7, &r, "annexe.groupes[3].recette_etat"),
            "/rapports/7/annexe#champ-annexe-groupes-3-recette_etat"
        );
        assert_eq!(
            link_for(7, &r, "annexe.groupes[5].intitule_sous_total"),
            "/rapports/7/annexe#champ-annexe-groupes-5"
        );
    }

    #[test]
    fn action_values_round_trip() {
        let r = allier();
        for (_, _, _, a) in r.actions() {
            let v = action_values(a);
            let fields = crate::service::forms::Fields(v.into_iter().collect());
            let p = crate::service::forms::parse(action_fields(), &fields).unwrap();
            let mut b = a.clone();
            apply_action(&mut b, &p);
            // Text fields are trimmed at the end by the form: compare what matters.
            assert_eq!(b.forecast, a.forecast, "{}", a.number);
            assert_eq!(
                b.executed.as_ref().map(|e| (e.committed, e.spent, e.carry_over)),
                a.executed.as_ref().map(|e| (e.committed, e.spent, e.carry_over)),
                "{}",
                a.number
            );
            assert_eq!(b.fapi, a.fapi);
            for (k, e) in a.expenses.iter().enumerate() {
                let fields = crate::service::forms::Fields(expense_values(e).into_iter().collect());
                let p = crate::service::forms::parse(EXPENSE_FIELDS, &fields).unwrap();
                let mut e2 = e.clone();
                apply_expense(&mut e2, &p);
                assert_eq!(
                    (e2.planned, e2.spent, e2.carry_over),
                    (e.planned, e.spent, e.carry_over),
                    "{} {k}",
                    a.number
                );
            }
            for i in &a.indicators {
                let fields = crate::service::forms::Fields(indicator_values(i).into_iter().collect());
                let p = crate::service::forms::parse(INDICATOR_FIELDS, &fields).unwrap();
                let mut i2 = i.clone();
                apply_indicator(&mut i2, &p);
                assert_eq!(
                    i2.result.as_ref().map(|v| v.to_french()),
                    i.result.as_ref().map(|v| v.to_french())
                );
                assert_eq!(
                    i2.target.as_ref().map(|v| v.to_french()),
                    i.target.as_ref().map(|v| v.to_french())
                );
            }
        }
    }
}
