//! The financial annex form: its input names, their current values, and applying a
//! submitted form to a report. The groups and rows are those of
//! [`bilan_domain::annex_table::AnnexTable`], the one grouping every format uses, so the
//! page cannot disagree with the documents and spreadsheets.

use bilan_domain::annex_table::{AnnexRow, AnnexTable};
use bilan_domain::{Amount, ExpenseLine, Report};

use crate::service::forms::{self, Errors, Fields, Values};

/// The three amount columns of an expense line: input suffix and the line's amount.
pub const LINE_COLUMNS: [&str; 3] = ["inscrit", "realise", "report"];

/// The input name of an expense line's amount: `d-{mi}-{ai}-{k}-{col}`.
pub fn row_name(row: &AnnexRow, col: &str) -> String {
    let (mi, ai, k) = row.position;
    format!("d-{mi}-{ai}-{k}-{col}")
}

/// The name of a declared figure of group `g`.
pub fn group_name(g: usize, figure: &str) -> String {
    format!("annexe.groupes[{g}].{figure}")
}

/// The name of a declared figure of the total.
pub fn total_name(figure: &str) -> String {
    format!("annexe.total.{figure}")
}

/// The index of the declared group the table's group `gi` shows, if it is one (groups made
/// from the measures, and « Autres dépenses », are not).
pub fn declared_group(table: &AnnexTable, report: &Report, gi: usize) -> Option<usize> {
    (!table.groups_from_measures && gi < report.annex.groups.len()).then_some(gi)
}

fn line<'a>(r: &'a Report, row: &AnnexRow) -> &'a ExpenseLine {
    let (mi, ai, k) = row.position;
    &r.measures[mi].actions[ai].expenses[k]
}

fn line_mut<'a>(r: &'a mut Report, row: &AnnexRow) -> &'a mut ExpenseLine {
    let (mi, ai, k) = row.position;
    &mut r.measures[mi].actions[ai].expenses[k]
}

fn amount(e: &ExpenseLine, col: &str) -> Option<Amount> {
    match col {
        "inscrit" => e.planned,
        "realise" => e.spent,
        _ => e.carry_over,
    }
}

/// The current values of every annex input, by name.
pub fn values(r: &Report) -> Values {
    let mut v = Values::new();
    for row in AnnexTable::from_report(r).rows() {
        let e = line(r, row);
        for col in LINE_COLUMNS {
            v.insert(row_name(row, col), forms::amount_text(&amount(e, col)));
        }
    }
    for (g, grp) in r.annex.groups.iter().enumerate() {
        let st = grp.subtotal.clone().unwrap_or_default();
        v.insert(group_name(g, "sous_total.inscrit"), forms::amount_text(&st.planned));
        v.insert(group_name(g, "sous_total.realise"), forms::amount_text(&st.spent));
        v.insert(group_name(g, "sous_total.report"), forms::amount_text(&st.carry_over));
        v.insert(group_name(g, "recette_etat"), forms::amount_text(&grp.state_revenue));
    }
    let t = r.annex.total.clone().unwrap_or_default();
    v.insert(total_name("inscrit"), forms::amount_text(&t.planned));
    v.insert(total_name("realise"), forms::amount_text(&t.spent));
    v.insert(total_name("report"), forms::amount_text(&t.carry_over));
    v.insert(total_name("recette_etat"), forms::amount_text(&t.state_revenue));
    v
}

/// The submitted value of every annex input of `r` ("" when absent), for a form shown
/// again with its errors.
pub fn submitted(r: &Report, fields: &Fields) -> Values {
    values(r).into_keys().map(|k| (k.clone(), fields.get(&k).unwrap_or("").to_string())).collect()
}

/// An input whose submitted value differs from the current version's (a conflict).
pub struct Difference {
    pub name: String,
    pub mine: String,
    pub theirs: String,
}

/// The inputs of the form (those of `loaded`, the version the form showed) whose submitted
/// value differs from the value in `current`.
pub fn differences(loaded: &Report, fields: &Fields, current: Option<&Report>) -> Vec<Difference> {
    let current = current.map(values);
    values(loaded)
        .into_keys()
        .filter_map(|name| {
            let mine = fields.get(&name).unwrap_or("").to_string();
            let theirs = current.as_ref().and_then(|c| c.get(&name).cloned()).unwrap_or_default();
            (mine.trim() != theirs.trim()).then_some(Difference { name, mine, theirs })
        })
        .collect()
}

/// An amount input of the annex form; an input absent from the form keeps its value.
fn parse_amount(
    fields: &Fields,
    name: &str,
    original: Option<Amount>,
    errors: &mut Errors,
) -> Option<Amount> {
    let Some(t) = fields.get(name) else { return original };
    let t = t.trim();
    if t.is_empty() {
        return if original == Some(Amount::Blank) { Some(Amount::Blank) } else { None };
    }
    match Amount::parse(t) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.push((name.to_string(), e.to_string()));
            original
        }
    }
}

/// Applies the annex form to a report; errors name the inputs.
pub fn apply(r: &mut Report, fields: &Fields) -> Errors {
    let mut errors = Errors::new();
    let table = AnnexTable::from_report(r);
    for row in table.rows() {
        let e = line_mut(r, row);
        e.planned = parse_amount(fields, &row_name(row, "inscrit"), e.planned, &mut errors);
        e.spent = parse_amount(fields, &row_name(row, "realise"), e.spent, &mut errors);
        e.carry_over = parse_amount(fields, &row_name(row, "report"), e.carry_over, &mut errors);
    }
    for (g, grp) in r.annex.groups.iter_mut().enumerate() {
        let had = grp.subtotal.is_some();
        let mut st = grp.subtotal.clone().unwrap_or_default();
        st.planned = parse_amount(fields, &group_name(g, "sous_total.inscrit"), st.planned, &mut errors);
        st.spent = parse_amount(fields, &group_name(g, "sous_total.realise"), st.spent, &mut errors);
        st.carry_over = parse_amount(fields, &group_name(g, "sous_total.report"), st.carry_over, &mut errors);
        grp.subtotal = if st == Default::default() && !had { None } else { Some(st) };
        grp.state_revenue =
            parse_amount(fields, &group_name(g, "recette_etat"), grp.state_revenue, &mut errors);
    }
    let had = r.annex.total.is_some();
    let mut t = r.annex.total.clone().unwrap_or_default();
    t.planned = parse_amount(fields, &total_name("inscrit"), t.planned, &mut errors);
    t.spent = parse_amount(fields, &total_name("realise"), t.spent, &mut errors);
    t.carry_over = parse_amount(fields, &total_name("report"), t.carry_over, &mut errors);
    t.state_revenue = parse_amount(fields, &total_name("recette_etat"), t.state_revenue, &mut errors);
    r.annex.total = if t == Default::default() && !had { None } else { Some(t) };
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allier() -> Report {
        bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report
    }

    #[test]
    fn every_expense_line_has_its_inputs_and_the_form_round_trips() {
        let r = allier();
        let v = values(&r);
        let lines: usize = r.actions().map(|(_, _, _, a)| a.expenses.len()).sum();
        let inputs = v.keys().filter(|k| k.starts_with("d-")).count();
        assert_eq!(inputs, 3 * lines);
        let mut r2 = r.clone();
        let errors = apply(&mut r2, &Fields(v.clone().into_iter().collect()));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(values(&r2), v);
    }

    #[test]
    fn unreadable_amounts_are_named() {
        let r = allier();
        let name = row_name(AnnexTable::from_report(&r).rows().next().unwrap(), "realise");
        let mut r2 = r.clone();
        let errors = apply(&mut r2, &Fields(vec![(name.clone(), "douze".into())]));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, name);
    }
}
