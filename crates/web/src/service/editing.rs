//! Editing a report with revisions: an action, its items (expense lines, body-table lines,
//! indicators) and the whole report (the financial annex). Every edit goes through
//! [`edit_action`] or [`edit_report`], which check the form's revision: a stale form writes
//! nothing and gets [`EditError::Conflict`] with what the conflict page shows.

use std::collections::BTreeSet;

use bilan_check::Diagnostic;
use bilan_domain::{Action, ExecutedLine, ExpenseLine, Report};
use bilan_store::{Comment, CommentTarget, Edit, EditScope, StoreError};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::forms::{self, Patch, Spec, Values};
use crate::service::report::{self, Loaded};
use crate::service::values::{self, seg};
use crate::AppState;

// ----- where an action is -----

/// An action of a report: its place (`mesures[mi].actions[ai]`) and its number.
pub struct ActionRef {
    pub mi: usize,
    pub ai: usize,
    pub number: String,
}

impl ActionRef {
    /// Its field path, `mesures[1].actions[0]`.
    pub fn base(&self) -> String {
        format!("mesures[{}].actions[{}]", self.mi, self.ai)
    }
    /// The URL of its form.
    pub fn url(&self, id: i64) -> String {
        format!("/rapports/{id}/actions/{}", seg(&self.number))
    }
    pub fn of<'a>(&self, r: &'a Report) -> &'a Action {
        &r.measures[self.mi].actions[self.ai]
    }
}

pub fn find_action(r: &Report, number: &str) -> Option<ActionRef> {
    r.action(number).map(|(mi, ai, a)| ActionRef { mi, ai, number: a.number.clone() })
}

/// The report `id` (as written in the URL) and its action `number`; 404 when either is
/// absent or out of the user's reach.
pub async fn load_action(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    number: &str,
) -> Result<(Loaded, ActionRef), AppError> {
    let l = report::load(app, ctx, id).await?;
    let a = find_action(&l.report, number).ok_or(AppError::NotFound)?;
    Ok((l, a))
}

/// What the action page shows besides the form: the checks of the report, the justified
/// warnings and the State's comments.
pub struct Around {
    pub diagnostics: Vec<Diagnostic>,
    pub justified: BTreeSet<(String, String)>,
    pub comments: Vec<Comment>,
}

pub async fn around(app: &AppState, l: &Loaded, with_comments: bool) -> Result<Around, AppError> {
    let diagnostics = report::diagnostics(app, l).await;
    let justified = report::justified_keys(&report::justifications(app, l.id()).await?);
    let comments = if with_comments { app.store.comments(l.id()).await? } else { Vec::new() };
    Ok(Around { diagnostics, justified, comments })
}

/// The diagnostics about a field path and what is under it.
pub fn diagnostics_under<'a>(diags: &'a [Diagnostic], prefix: &str) -> Vec<&'a Diagnostic> {
    let under = format!("{prefix}.");
    diags.iter().filter(|d| d.path == prefix || d.path.starts_with(&under)).collect()
}

/// The comments about action `number` (whose path is `base`): on the action, one of its
/// lines or one of its diagnostics.
pub fn comments_on_action<'a>(comments: &'a [Comment], number: &str, base: &str) -> Vec<&'a Comment> {
    let prefix = format!("{base}.");
    comments
        .iter()
        .filter(|c| match &c.target {
            CommentTarget::Action { number: n } => n == number,
            CommentTarget::Line { path } | CommentTarget::Diagnostic { path, .. } => {
                path == base || path.starts_with(&prefix)
            }
            CommentTarget::Report => false,
        })
        .collect()
}

// ----- items of an action -----

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ItemKind {
    Expense,
    Line,
    Indicator,
}

impl ItemKind {
    /// From the URL segment (`depenses`, `lignes`, `indicateurs`).
    pub fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "depenses" => Some(ItemKind::Expense),
            "lignes" => Some(ItemKind::Line),
            "indicateurs" => Some(ItemKind::Indicator),
            _ => None,
        }
    }
    /// Its URL segment.
    pub fn segment(self) -> &'static str {
        match self {
            ItemKind::Expense => "depenses",
            ItemKind::Line => "lignes",
            ItemKind::Indicator => "indicateurs",
        }
    }
    /// Its field path under the action.
    pub fn path(self) -> &'static str {
        match self {
            ItemKind::Expense => "depenses",
            ItemKind::Line => "execution.lignes",
            ItemKind::Indicator => "indicateurs",
        }
    }
    pub fn specs(self) -> &'static [Spec] {
        match self {
            ItemKind::Expense => forms::EXPENSE_FIELDS,
            ItemKind::Line => forms::EXEC_LINE_FIELDS,
            ItemKind::Indicator => forms::INDICATOR_FIELDS,
        }
    }
    /// Its French name, lower case.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Expense => "ligne de dépense",
            ItemKind::Line => "ligne du budget exécuté",
            ItemKind::Indicator => "indicateur",
        }
    }
    /// Its name in the audit log (`depense.remove`…).
    pub fn audit(self) -> &'static str {
        match self {
            ItemKind::Expense => "depense",
            ItemKind::Line => "ligne",
            ItemKind::Indicator => "indicateur",
        }
    }
    pub fn count(self, a: &Action) -> usize {
        match self {
            ItemKind::Expense => a.expenses.len(),
            ItemKind::Line => a.executed.as_ref().map_or(0, |e| e.lines.len()),
            ItemKind::Indicator => a.indicators.len(),
        }
    }
    /// The form values of item `k`.
    pub fn values(self, a: &Action, k: usize) -> Option<Values> {
        match self {
            ItemKind::Expense => a.expenses.get(k).map(values::expense_values),
            ItemKind::Line => a.executed.as_ref().and_then(|e| e.lines.get(k)).map(values::exec_line_values),
            ItemKind::Indicator => a.indicators.get(k).map(values::indicator_values),
        }
    }
    /// Item `k` from the URL, when it exists.
    pub fn index(self, a: &Action, k: &str) -> Option<usize> {
        k.parse::<usize>().ok().filter(|k| *k < self.count(a))
    }
    fn fragment(self, a: &Action, k: usize) -> Option<String> {
        match self {
            ItemKind::Expense => a.expenses.get(k).and_then(values::fragment),
            ItemKind::Line => a.executed.as_ref().and_then(|e| e.lines.get(k)).and_then(values::fragment),
            ItemKind::Indicator => a.indicators.get(k).and_then(values::fragment),
        }
    }
    /// Applies the patch to item `k`, or appends a new item when `k` is `None`.
    fn apply(self, a: &mut Action, k: Option<usize>, p: &Patch) -> Result<usize, String> {
        let gone = || format!("cette {} n’existe plus", self.name());
        match self {
            ItemKind::Expense => {
                let k = match k {
                    Some(k) => k,
                    None => {
                        a.expenses.push(ExpenseLine::default());
                        a.expenses.len() - 1
                    }
                };
                values::apply_expense(a.expenses.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
            ItemKind::Line => {
                let ex = a.executed.get_or_insert_with(Default::default);
                let k = match k {
                    Some(k) => k,
                    None => {
                        ex.lines.push(ExecutedLine::default());
                        ex.lines.len() - 1
                    }
                };
                values::apply_exec_line(ex.lines.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
            ItemKind::Indicator => {
                let k = match k {
                    Some(k) => k,
                    None => {
                        a.indicators.push(values::new_indicator());
                        a.indicators.len() - 1
                    }
                };
                values::apply_indicator(a.indicators.get_mut(k).ok_or_else(gone)?, p);
                Ok(k)
            }
        }
    }
    pub fn remove(self, a: &mut Action, k: usize) -> Result<(), String> {
        let gone = || format!("cette {} n’existe plus", self.name());
        match self {
            ItemKind::Expense if k < a.expenses.len() => {
                a.expenses.remove(k);
            }
            ItemKind::Line if a.executed.as_ref().is_some_and(|e| k < e.lines.len()) => {
                if let Some(e) = a.executed.as_mut() {
                    e.lines.remove(k);
                }
            }
            ItemKind::Indicator if k < a.indicators.len() => {
                a.indicators.remove(k);
            }
            _ => return Err(gone()),
        }
        Ok(())
    }
}

// ----- edits with a revision check -----

/// What an edit records in the audit log.
pub struct Audit {
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Why an edit wrote nothing.
#[derive(Debug)]
pub enum EditError<C> {
    /// The form's revision is stale: someone saved since the form was opened. `current` is
    /// the edited part as it stands now (`None` when it no longer exists).
    Conflict { current: Option<C>, current_revision: i64 },
    /// Any other refusal (the status changed, the store failed…).
    Failed(AppError),
}

impl<C> EditError<C> {
    /// What a handler answers: `conflict(current, current_revision)` for a conflict (the
    /// conflict page), the error page otherwise.
    pub fn or_conflict<R>(self, conflict: impl FnOnce(Option<C>, i64) -> R) -> Result<R, AppError> {
        match self {
            EditError::Conflict { current, current_revision } => Ok(conflict(current, current_revision)),
            EditError::Failed(e) => Err(e),
        }
    }
}

impl<C> From<AppError> for EditError<C> {
    fn from(e: AppError) -> Self {
        EditError::Failed(e)
    }
}

/// Runs `change` on the current text of report `id` under `scope`, records the audit entry,
/// and gives back what `change` returned. The conflict case gives the current report.
async fn edit_text<T: Send>(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    scope: EditScope,
    change: impl FnOnce(&mut Report) -> Result<(Audit, T), String> + Send,
) -> Result<T, EditError<Report>> {
    let mut out = None;
    let slot = &mut out;
    let result = app
        .store
        .update_report(ctx.user.id, id, scope, move |current| {
            let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
            let (audit, value) = change(&mut r)?;
            *slot = Some(value);
            Ok(Edit {
                text: bilan_source::to_toml(&r),
                audit_action: audit.action,
                audit_target: audit.target,
                before: audit.before,
                after: audit.after,
                actions: values::action_numbers(&r),
            })
        })
        .await;
    match result {
        Ok(_stored) => out.ok_or_else(|| EditError::Failed(AppError::internal("modification sans résultat"))),
        Err(StoreError::Conflict { current_text, current_revision }) => {
            Err(EditError::Conflict { current: report::parse_text(&current_text), current_revision })
        }
        Err(e) => Err(EditError::Failed(e.into())),
    }
}

/// Edits the whole report (the annex, the general information) if it is still at
/// `revision`.
pub async fn edit_report<T: Send>(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    revision: i64,
    change: impl FnOnce(&mut Report) -> Result<(Audit, T), String> + Send,
) -> Result<T, EditError<Report>> {
    edit_text(app, ctx, id, EditScope::Whole { expected_revision: revision }, change).await
}

/// The action an edit is about, and the revision of the action its form was drawn at.
#[derive(Clone, Copy)]
pub struct ActionAt<'a> {
    /// The report.
    pub id: i64,
    pub number: &'a str,
    pub revision: i64,
}

/// Edits an action if it is still at the form's revision (other actions may have changed
/// meanwhile). The conflict case gives the current action.
pub async fn edit_action<T: Send>(
    app: &AppState,
    ctx: &Ctx,
    at: ActionAt<'_>,
    change: impl FnOnce(&mut Action) -> Result<(Audit, T), String> + Send,
) -> Result<T, EditError<Action>> {
    let number = at.number;
    let scope = EditScope::Action { number: number.to_string(), expected_revision: at.revision };
    let result = edit_text(app, ctx, at.id, scope, |r| {
        let (mi, ai, _) = r.action(number).ok_or("cette action n’existe plus")?;
        change(&mut r.measures[mi].actions[ai])
    })
    .await;
    result.map_err(|e| match e {
        EditError::Conflict { current, current_revision } => EditError::Conflict {
            current: current.and_then(|r| r.action(number).map(|(_, _, a)| a.clone())),
            current_revision,
        },
        EditError::Failed(e) => EditError::Failed(e),
    })
}

/// Saves the action form's fields.
pub async fn save_action(
    app: &AppState,
    ctx: &Ctx,
    at: ActionAt<'_>,
    patch: Patch,
) -> Result<(), EditError<Action>> {
    let number = at.number;
    edit_action(app, ctx, at, |action| {
        let before = values::fragment(action);
        values::apply_action(action, &patch);
        let after = values::fragment(action);
        Ok((Audit { action: "action.save".into(), target: format!("action {number}"), before, after }, ()))
    })
    .await
}

/// Saves item `k` of an action, or adds one when `k` is `None`; gives the item's index.
/// `code`: the catalogue code a new indicator reports (its title and unit are in `patch`).
pub async fn save_item(
    app: &AppState,
    ctx: &Ctx,
    at: ActionAt<'_>,
    kind: ItemKind,
    k: Option<usize>,
    patch: Patch,
    code: Option<String>,
) -> Result<usize, EditError<Action>> {
    let number = at.number;
    edit_action(app, ctx, at, |action| {
        let before = k.and_then(|k| kind.fragment(action, k));
        let index = kind.apply(action, k, &patch)?;
        if let (ItemKind::Indicator, Some(code), Some(i)) = (kind, code, action.indicators.get_mut(index)) {
            i.code = Some(code);
        }
        let after = kind.fragment(action, index);
        let verb = if k.is_some() { "save" } else { "add" };
        let audit = Audit {
            action: format!("{}.{verb}", kind.audit()),
            target: format!("action {number}, {} {}", kind.name(), index + 1),
            before,
            after,
        };
        Ok((audit, index))
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
    fn items_are_added_and_removed() {
        let r = allier();
        let a = find_action(&r, "1.1.1").unwrap();
        let mut action = a.of(&r).clone();
        for kind in [ItemKind::Expense, ItemKind::Line, ItemKind::Indicator] {
            assert_eq!(ItemKind::parse(kind.segment()), Some(kind));
            let n = kind.count(&action);
            let fields = forms::Fields(vec![("libelle".into(), "x".into()), ("intitule".into(), "x".into())]);
            let patch = forms::parse(kind.specs(), &fields).unwrap();
            assert_eq!(kind.apply(&mut action, None, &patch), Ok(n));
            assert_eq!(kind.count(&action), n + 1);
            assert!(kind.values(&action, n).is_some());
            assert_eq!(kind.index(&action, &n.to_string()), Some(n));
            kind.remove(&mut action, n).unwrap();
            assert_eq!(kind.count(&action), n);
            assert!(kind.remove(&mut action, n).is_err());
            assert_eq!(kind.index(&action, &n.to_string()), None);
        }
    }
}
