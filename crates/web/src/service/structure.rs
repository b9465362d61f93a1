//! Building a report's structure in the browser: measures added, renamed, moved and
//! removed; actions added, moved and removed; removals of any element (measure, action,
//! expense line, body-table line, indicator) kept in the audit log and restorable until
//! the report is transmitted.
//!
//! Numbers are the printed numbers and never change on a move or a removal (links to an
//! action stay valid); a new measure or action takes the next free number (`2.3`,
//! `1.4.3`). Every structural edit is a whole-report edit checked against the report's
//! revision; an item removal stays an action edit (the action's revision).

use std::collections::BTreeSet;

use bilan_domain::{
    figure, Action, ExecutedLine, ExpenseLine, Indicator, Measure, MeasureKind, Money, Report,
};
use bilan_store::Status;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::editing::{self, ActionAt, Audit, EditError, ItemKind};
use crate::service::referentiel;
use crate::service::values;
use crate::AppState;

/// How many audit entries of a report (newest first) are read to find its removals.
const AUDIT_SCAN: i64 = 20_000;

/// The longest title of a measure or an action.
pub const MAX_TITLE: usize = 2_000;

/// What was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Element {
    #[serde(rename = "mesure")]
    Measure,
    #[serde(rename = "action")]
    Action,
    #[serde(rename = "depense")]
    Expense,
    #[serde(rename = "ligne")]
    Line,
    #[serde(rename = "indicateur")]
    Indicator,
}

impl Element {
    /// Its name in the audit log and in the pages' `data-element`.
    pub fn audit(self) -> &'static str {
        match self {
            Element::Measure => "mesure",
            Element::Action => "action",
            Element::Expense => "depense",
            Element::Line => "ligne",
            Element::Indicator => "indicateur",
        }
    }
    fn item(kind: ItemKind) -> Element {
        match kind {
            ItemKind::Expense => Element::Expense,
            ItemKind::Line => Element::Line,
            ItemKind::Indicator => Element::Indicator,
        }
    }
}

/// A removed element with its place, as the audit entry of its removal keeps it (TOML in
/// `before`), and as a restoration records it (in `after`, with `restaure`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub element: Element,
    /// The measure's number: the removed measure's own, or the removed action's measure.
    #[serde(rename = "mesure", default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// The action's number: the removed action's own, or the action of a removed item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// 0-based place in its list (measures of the report, actions of the measure, items of
    /// the action).
    pub position: usize,
    /// On a restoration: the id of the audit entry of the removal it undoes.
    #[serde(rename = "restaure", default, skip_serializing_if = "Option::is_none")]
    pub restores: Option<i64>,
    #[serde(rename = "contenu_mesure", default, skip_serializing_if = "Option::is_none")]
    pub measure_content: Option<Measure>,
    #[serde(rename = "contenu_action", default, skip_serializing_if = "Option::is_none")]
    pub action_content: Option<Action>,
    #[serde(rename = "depense", default, skip_serializing_if = "Option::is_none")]
    pub expense: Option<ExpenseLine>,
    #[serde(rename = "ligne", default, skip_serializing_if = "Option::is_none")]
    pub line: Option<ExecutedLine>,
    #[serde(rename = "indicateur", default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<Indicator>,
}

impl Removal {
    fn new(element: Element, position: usize) -> Removal {
        Removal {
            element,
            measure: None,
            action: None,
            position,
            restores: None,
            measure_content: None,
            action_content: None,
            expense: None,
            line: None,
            indicator: None,
        }
    }

    pub fn parse(text: &str) -> Option<Removal> {
        toml::from_str(text).ok()
    }

    fn text(&self) -> Option<String> {
        values::fragment(self)
    }

    /// Item `k` of an action, before its removal.
    fn of_item(kind: ItemKind, a: &Action, k: usize) -> Option<Removal> {
        let mut r = Removal::new(Element::item(kind), k);
        r.action = Some(a.number.clone());
        match kind {
            ItemKind::Expense => r.expense = Some(a.expenses.get(k)?.clone()),
            ItemKind::Line => r.line = Some(a.executed.as_ref()?.lines.get(k)?.clone()),
            ItemKind::Indicator => r.indicator = Some(a.indicators.get(k)?.clone()),
        }
        Some(r)
    }

    /// What it was, in French: « action 1.4.2 – Titre ».
    pub fn label(&self) -> String {
        let of_action = |what: &str, name: &str| {
            format!("{what} « {name} » de l’action {}", self.action.as_deref().unwrap_or("?"))
        };
        match self.element {
            Element::Measure => match &self.measure_content {
                Some(m) => format!("mesure {} – {}", m.number, m.title),
                None => "mesure".into(),
            },
            Element::Action => match &self.action_content {
                Some(a) => format!("action {} – {}", a.number, a.title),
                None => "action".into(),
            },
            Element::Expense => of_action("ligne de dépense", self.expense.as_ref().map_or("", |e| &e.label)),
            Element::Line => {
                of_action("ligne du budget exécuté", self.line.as_ref().map_or("", |l| &l.label))
            }
            Element::Indicator => of_action("indicateur", self.indicator.as_ref().map_or("", |i| &i.name)),
        }
    }

    /// What it held (see [`action_loss`]).
    pub fn lost(&self) -> Vec<String> {
        match self.element {
            Element::Measure => self.measure_content.as_ref().map(measure_loss).unwrap_or_default(),
            Element::Action => self.action_content.as_ref().map(action_loss).unwrap_or_default(),
            Element::Expense => self.expense.as_ref().map(expense_loss).unwrap_or_default(),
            Element::Line => self.line.as_ref().map(line_loss).unwrap_or_default(),
            Element::Indicator => Vec::new(),
        }
    }

    /// Puts the element back in `r`: at its position, or at the end of its list when the
    /// position no longer exists; a measure or action whose number was taken meanwhile
    /// gets the next free number. Gives what was restored, in French.
    fn put_back(&self, r: &mut Report) -> Result<String, String> {
        let gone = || "cet élément supprimé est illisible".to_string();
        let action_of = |r: &mut Report| -> Result<(usize, usize), String> {
            let number = self.action.as_deref().ok_or_else(gone)?;
            r.action(number).map(|(mi, ai, _)| (mi, ai)).ok_or_else(|| {
                format!("l’action {number} n’existe plus : restaurez-la d’abord (ou recréez-la).")
            })
        };
        match self.element {
            Element::Measure => {
                let mut m = self.measure_content.clone().ok_or_else(gone)?;
                if find_measure(r, &m.number).is_some() {
                    m.number = next_measure_number(r, m.kind);
                }
                let mut taken: Vec<String> = Vec::new();
                for a in &mut m.actions {
                    if r.action(&a.number).is_some() || taken.contains(&a.number) {
                        a.number = free_action_number(r, &m.number, &taken);
                    }
                    taken.push(a.number.clone());
                }
                let label = format!("mesure {}", m.number);
                let at = self.position.min(r.measures.len());
                r.measures.insert(at, m);
                Ok(label)
            }
            Element::Action => {
                let number = self.measure.as_deref().ok_or_else(gone)?;
                let mi = find_measure(r, number).ok_or_else(|| {
                    format!("la mesure {number} n’existe plus : restaurez-la d’abord (ou recréez-la).")
                })?;
                let mut a = self.action_content.clone().ok_or_else(gone)?;
                if r.action(&a.number).is_some() {
                    a.number = free_action_number(r, &r.measures[mi].number, &[]);
                }
                let label = format!("action {}", a.number);
                let actions = &mut r.measures[mi].actions;
                actions.insert(self.position.min(actions.len()), a);
                Ok(label)
            }
            Element::Expense => {
                let (mi, ai) = action_of(r)?;
                let a = &mut r.measures[mi].actions[ai];
                let e = self.expense.clone().ok_or_else(gone)?;
                a.expenses.insert(self.position.min(a.expenses.len()), e);
                Ok(self.label())
            }
            Element::Line => {
                let (mi, ai) = action_of(r)?;
                let lines =
                    &mut r.measures[mi].actions[ai].executed.get_or_insert_with(Default::default).lines;
                let l = self.line.clone().ok_or_else(gone)?;
                lines.insert(self.position.min(lines.len()), l);
                Ok(self.label())
            }
            Element::Indicator => {
                let (mi, ai) = action_of(r)?;
                let a = &mut r.measures[mi].actions[ai];
                let i = self.indicator.clone().ok_or_else(gone)?;
                a.indicators.insert(self.position.min(a.indicators.len()), i);
                Ok(self.label())
            }
        }
    }
}

// ----- what a removal loses -----

fn sum(amounts: impl Iterator<Item = Option<Money>>) -> Money {
    Money::sum(amounts.flatten())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What removing an action loses: its lines, indicators and amounts, in French.
pub fn action_loss(a: &Action) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(total) = a.forecast.as_ref().and_then(|f| figure(&f.total)) {
        out.push(format!("le budget prévisionnel ({})", total.to_french()));
    }
    if !a.expenses.is_empty() {
        out.push(format!(
            "{} de l’annexe financière (inscrit {}, réalisé {})",
            plural(a.expenses.len(), "ligne de dépense", "lignes de dépense"),
            sum(a.expenses.iter().map(|e| figure(&e.planned))).to_french(),
            sum(a.expenses.iter().map(|e| figure(&e.spent))).to_french(),
        ));
    }
    let lines = a.executed.as_ref().map_or(0, |e| e.lines.len());
    if lines > 0 {
        out.push(plural(lines, "ligne du budget exécuté", "lignes du budget exécuté"));
    }
    if !a.indicators.is_empty() {
        out.push(plural(a.indicators.len(), "indicateur", "indicateurs"));
    }
    let filled = [&a.description, &a.partners, &a.duration, &a.execution_review, &a.outlook]
        .iter()
        .filter(|t| !t.trim().is_empty())
        .count();
    if filled > 0 {
        out.push(plural(filled, "section rédigée", "sections rédigées"));
    }
    out
}

/// What removing a measure loses: its actions and everything in them.
pub fn measure_loss(m: &Measure) -> Vec<String> {
    if m.actions.is_empty() {
        return Vec::new();
    }
    let expenses: Vec<&ExpenseLine> = m.actions.iter().flat_map(|a| &a.expenses).collect();
    let indicators: usize = m.actions.iter().map(|a| a.indicators.len()).sum();
    let numbers: Vec<&str> = m.actions.iter().map(|a| a.number.as_str()).collect();
    let mut out = vec![format!(
        "{} ({}) et tout leur contenu",
        plural(m.actions.len(), "action", "actions"),
        numbers.join(", ")
    )];
    if !expenses.is_empty() {
        out.push(format!(
            "{} (inscrit {}, réalisé {})",
            plural(expenses.len(), "ligne de dépense", "lignes de dépense"),
            sum(expenses.iter().map(|e| figure(&e.planned))).to_french(),
            sum(expenses.iter().map(|e| figure(&e.spent))).to_french(),
        ));
    }
    if indicators > 0 {
        out.push(plural(indicators, "indicateur", "indicateurs"));
    }
    out
}

fn amounts(parts: &[(&str, &Option<bilan_domain::Amount>)]) -> Vec<String> {
    parts.iter().filter_map(|(name, a)| figure(a).map(|m| format!("{name} : {}", m.to_french()))).collect()
}

fn expense_loss(e: &ExpenseLine) -> Vec<String> {
    amounts(&[("inscrit", &e.planned), ("réalisé", &e.spent), ("à reporter", &e.carry_over)])
}

fn line_loss(l: &ExecutedLine) -> Vec<String> {
    amounts(&[("engagé", &l.committed), ("consommé", &l.spent), ("report", &l.carry_over)])
}

/// The label and what is lost of item `k` of an action (the confirmation page).
pub fn item_loss(kind: ItemKind, a: &Action, k: usize) -> Option<(String, Vec<String>)> {
    let r = Removal::of_item(kind, a, k)?;
    Some((r.label(), r.lost()))
}

// ----- numbers -----

pub fn find_measure(r: &Report, number: &str) -> Option<usize> {
    r.measures.iter().position(|m| m.number == number)
}

/// The next free measure number of its part: `1.k` for a socle measure, `2.k` for one of
/// the Département's initiative.
pub fn next_measure_number(r: &Report, kind: MeasureKind) -> String {
    let part = match kind {
        MeasureKind::Core => 1,
        MeasureKind::Local => 2,
    };
    let prefix = format!("{part}.");
    let mut k = r
        .measures
        .iter()
        .filter_map(|m| m.number.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    loop {
        let n = format!("{part}.{k}");
        if find_measure(r, &n).is_none() {
            return n;
        }
        k += 1;
    }
}

/// The next free action number of a measure (`{measure}.{k}`), not used anywhere in the
/// report nor in `taken`.
fn free_action_number(r: &Report, measure: &str, taken: &[String]) -> String {
    let prefix = format!("{measure}.");
    let numbers = r.measures.iter().flat_map(|m| &m.actions).map(|a| &a.number).chain(taken);
    let mut k = numbers.filter_map(|n| n.strip_prefix(&prefix)?.parse::<u32>().ok()).max().unwrap_or(0) + 1;
    loop {
        let n = format!("{measure}.{k}");
        if r.action(&n).is_none() && !taken.contains(&n) {
            return n;
        }
        k += 1;
    }
}

pub fn next_action_number(r: &Report, measure: &str) -> String {
    free_action_number(r, measure, &[])
}

// ----- input -----

/// A measure's or action's title as typed: trimmed, on one line, required.
pub fn title(typed: &str) -> Result<String, String> {
    let t = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        Err("L’intitulé est obligatoire.".into())
    } else if t.chars().count() > MAX_TITLE {
        Err(format!("L’intitulé dépasse {MAX_TITLE} caractères."))
    } else {
        Ok(t)
    }
}

/// The French refusal of a socle measure's removal.
pub const CORE_REFUSED: &str =
    "Une mesure socle ne peut pas être supprimée : la convention l’impose à chaque Département.";

/// A measure to add.
pub enum NewMeasure {
    /// Of the Département's initiative, with its title.
    Local { title: String },
    /// A socle measure of the programme, by its reference code.
    Core { code: String },
}

// ----- edits (whole report, at the form's revision) -----

type Edited<T> = Result<T, EditError<Report>>;

fn measure_of<'a>(r: &'a mut Report, number: &str) -> Result<(usize, &'a mut Measure), String> {
    let mi = find_measure(r, number).ok_or_else(|| format!("la mesure {number} n’existe plus."))?;
    Ok((mi, &mut r.measures[mi]))
}

fn audit(action: &str, target: String, before: Option<String>, after: Option<String>) -> Audit {
    Audit { action: action.into(), target, before, after }
}

/// Adds a measure; gives its number.
pub async fn add_measure(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    new: NewMeasure,
) -> Edited<String> {
    let refs = referentiel::current(app);
    editing::edit_report(app, ctx, id, revision, move |r| {
        let (kind, code, title) = match new {
            NewMeasure::Local { title } => (MeasureKind::Local, None, title),
            NewMeasure::Core { code } => {
                let m = referentiel::missing_core_measures(&refs, r).into_iter().find(|m| m.code == code).ok_or(
                    "Cette mesure socle n’est pas une mesure du programme pour cette année, ou le rapport la contient déjà.",
                )?;
                (MeasureKind::Core, Some(code), m.title.clone())
            }
        };
        let number = next_measure_number(r, kind);
        let m = Measure { number: number.clone(), kind, code, title, actions: Vec::new() };
        let after = values::fragment(&m);
        // A socle measure goes after the last socle measure; another at the end.
        let at = match kind {
            MeasureKind::Core => {
                r.measures.iter().rposition(|m| m.kind == MeasureKind::Core).map_or(0, |i| i + 1)
            }
            MeasureKind::Local => r.measures.len(),
        };
        r.measures.insert(at, m);
        Ok((audit("mesure.add", format!("mesure {number}"), None, after), number))
    })
    .await
}

pub async fn rename_measure(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    number: &str,
    title: String,
) -> Edited<()> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let (_, m) = measure_of(r, number)?;
        let before = std::mem::replace(&mut m.title, title.clone());
        Ok((audit("mesure.rename", format!("mesure {number}"), Some(before), Some(title)), ()))
    })
    .await
}

/// Moves a measure one place up (`up`) or down.
pub async fn move_measure(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    number: &str,
    up: bool,
) -> Edited<()> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let (mi, _) = measure_of(r, number)?;
        let to = neighbour(mi, r.measures.len(), up).ok_or("la mesure est déjà à cette extrémité.")?;
        r.measures.swap(mi, to);
        let a = audit("mesure.move", format!("mesure {number}"), Some(mi.to_string()), Some(to.to_string()));
        Ok((a, ()))
    })
    .await
}

fn neighbour(i: usize, len: usize, up: bool) -> Option<usize> {
    if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|j| *j < len)
    }
}

/// Removes a measure and its actions (never a socle measure).
pub async fn remove_measure(app: &AppState, ctx: &Ctx, id: i64, revision: i64, number: &str) -> Edited<()> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let (mi, m) = measure_of(r, number)?;
        if m.kind == MeasureKind::Core {
            return Err(CORE_REFUSED.into());
        }
        let mut removal = Removal::new(Element::Measure, mi);
        removal.measure = Some(m.number.clone());
        removal.measure_content = Some(r.measures.remove(mi));
        Ok((audit("mesure.remove", format!("mesure {number}"), removal.text(), None), ()))
    })
    .await
}

/// Adds an action at the end of a measure; gives its number.
pub async fn add_action(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    measure: &str,
    title: String,
) -> Edited<String> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let mi = find_measure(r, measure).ok_or_else(|| format!("la mesure {measure} n’existe plus."))?;
        let number = next_action_number(r, measure);
        let a = new_action(&number, title);
        let after = values::fragment(&a);
        r.measures[mi].actions.push(a);
        Ok((audit("action.add", format!("action {number}"), None, after), number))
    })
    .await
}

fn new_action(number: &str, title: String) -> Action {
    Action::blank(number, title)
}

/// Moves an action one place up or down within its measure.
pub async fn move_action(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    number: &str,
    up: bool,
) -> Edited<()> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let (mi, ai, _) = r.action(number).ok_or_else(|| format!("l’action {number} n’existe plus."))?;
        let actions = &mut r.measures[mi].actions;
        let to =
            neighbour(ai, actions.len(), up).ok_or("l’action est déjà à cette extrémité de sa mesure.")?;
        actions.swap(ai, to);
        let a = audit("action.move", format!("action {number}"), Some(ai.to_string()), Some(to.to_string()));
        Ok((a, ()))
    })
    .await
}

/// Removes an action.
pub async fn remove_action(app: &AppState, ctx: &Ctx, id: i64, revision: i64, number: &str) -> Edited<()> {
    editing::edit_report(app, ctx, id, revision, |r| {
        let (mi, ai, _) = r.action(number).ok_or_else(|| format!("l’action {number} n’existe plus."))?;
        let mut removal = Removal::new(Element::Action, ai);
        removal.measure = Some(r.measures[mi].number.clone());
        removal.action = Some(number.to_string());
        removal.action_content = Some(r.measures[mi].actions.remove(ai));
        Ok((audit("action.remove", format!("action {number}"), removal.text(), None), ()))
    })
    .await
}

/// Removes item `k` of an action (at the action's revision).
pub async fn remove_item(
    app: &AppState,
    ctx: &Ctx,
    at: ActionAt<'_>,
    kind: ItemKind,
    k: usize,
) -> Result<(), EditError<Action>> {
    let number = at.number;
    editing::edit_action(app, ctx, at, |action| {
        let removal = Removal::of_item(kind, action, k)
            .ok_or_else(|| format!("cette {} n’existe plus", kind.name()))?;
        kind.remove(action, k)?;
        let target = format!("action {number}, {} {}", kind.name(), k + 1);
        Ok((audit(&format!("{}.remove", kind.audit()), target, removal.text(), None), ()))
    })
    .await
}

// ----- removals and their restoration -----

/// A removal that can still be restored.
pub struct Removed {
    /// The id of its audit entry.
    pub entry: i64,
    /// RFC 3339.
    pub at: String,
    pub by: Option<String>,
    pub removal: Removal,
}

/// The removals made since the report's last transmission (or creation) and not restored
/// yet, newest first.
pub async fn removals(app: &AppState, id: i64) -> Result<Vec<Removed>, AppError> {
    let entries = app.store.audit(Some(id), AUDIT_SCAN).await?;
    let mut restored = BTreeSet::new();
    let mut out = Vec::new();
    for e in entries {
        let transmitted = Status::Transmitted.as_str();
        if e.action == "report.status" && e.after.as_deref().is_some_and(|a| a.starts_with(transmitted)) {
            break;
        }
        if e.action.ends_with(".restore") {
            if let Some(n) = e.after.as_deref().and_then(Removal::parse).and_then(|r| r.restores) {
                restored.insert(n);
            }
        } else if e.action.ends_with(".remove") && !restored.contains(&e.id) {
            // Removals recorded before their element was kept are not restorable.
            if let Some(removal) = e.before.as_deref().and_then(Removal::parse) {
                out.push(Removed { entry: e.id, at: e.at, by: e.actor_login, removal });
            }
        }
    }
    Ok(out)
}

/// Puts back the element removed by audit entry `entry` (409 when it was restored already,
/// or belongs to a transmitted version). Gives what was restored, in French.
pub async fn restore(app: &AppState, ctx: &Ctx, id: i64, revision: i64, entry: i64) -> Edited<String> {
    let removed = removals(app, id).await?.into_iter().find(|r| r.entry == entry).ok_or_else(|| {
        AppError::page(
            axum::http::StatusCode::CONFLICT,
            "Restauration impossible",
            maud::html! {
                p id="restauration-impossible" {
                    "Cette suppression a déjà été restaurée, ou elle appartient à une version transmise : "
                    "rien n’a été modifié."
                }
            },
        )
    })?;
    let mut record = removed.removal;
    editing::edit_report(app, ctx, id, revision, move |r| {
        let label = record.put_back(r)?;
        record.restores = Some(entry);
        let target = format!("{label} (suppression n° {entry})");
        Ok((audit(&format!("{}.restore", record.element.audit()), target, None, record.text()), label))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allier() -> Report {
        bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report
    }

    #[test]
    fn numbers_are_the_next_free_ones() {
        let r = allier();
        assert_eq!(next_measure_number(&r, MeasureKind::Local), "2.3");
        assert_eq!(next_measure_number(&r, MeasureKind::Core), "1.5");
        assert_eq!(next_action_number(&r, "1.1"), "1.1.4");
        assert_eq!(next_action_number(&r, "2.1"), "2.1.1");
    }

    #[test]
    fn a_removal_reads_back_and_puts_back_the_same_report() {
        let original = allier();
        let mut r = original.clone();
        let mut removal = Removal::new(Element::Action, 1);
        removal.measure = Some("1.1".into());
        removal.action = Some("1.1.2".into());
        removal.action_content = Some(r.measures[0].actions.remove(1));
        let read = Removal::parse(&removal.text().unwrap()).unwrap();
        assert_eq!(read, removal);
        assert!(read.lost().iter().any(|l| l.contains("indicateur")), "{:?}", read.lost());
        read.put_back(&mut r).unwrap();
        assert_eq!(bilan_source::to_toml(&r), bilan_source::to_toml(&original));
        // Its number taken meanwhile: the next free one.
        let mut taken = original.clone();
        let label = read.put_back(&mut taken).unwrap();
        assert_eq!(label, "action 1.1.4");
    }

    #[test]
    fn titles_are_required_and_bounded() {
        assert!(title("  \n ").is_err());
        assert_eq!(title(" Nouvelle\n action ").unwrap(), "Nouvelle action");
        assert!(title(&"x".repeat(MAX_TITLE + 1)).is_err());
    }
}
