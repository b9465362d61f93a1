//! The diagnostics of a report as its pages show them: the checks, the Département's
//! justifications and what blocks transmission; recording a justification.

use std::collections::BTreeSet;

use bilan_check::{Diagnostic, Severity};
use bilan_store::Justification;

use crate::error::AppError;
use crate::policy::Ctx;
use crate::service::report::{self, Loaded};
use crate::AppState;

/// A justification holds one sentence: at most this many characters.
pub const MAX_JUSTIFICATION: usize = 2000;

/// The checks of a report with the justifications of its warnings.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub justifications: Vec<Justification>,
    /// (code, path) of every justified warning.
    pub justified: BTreeSet<(String, String)>,
}

impl Checked {
    /// What blocks transmission (errors, unjustified warnings), in order.
    pub fn blocking(&self) -> Vec<&Diagnostic> {
        bilan_check::blocking(&self.diagnostics, &self.justified)
    }

    /// (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        bilan_check::counts(&self.diagnostics)
    }

    /// The stored justification of warning `code` at `path`.
    pub fn justification(&self, code: &str, path: &str) -> Option<&Justification> {
        self.justifications.iter().find(|j| j.code == code && j.path == path)
    }
}

/// Runs the checks of a loaded report and reads its justifications.
pub async fn check(app: &AppState, l: &Loaded) -> Result<Checked, AppError> {
    let diagnostics = report::diagnostics(app, l).await;
    let justifications = report::justifications(app, l.id()).await?;
    let justified = report::justified_keys(&justifications);
    Ok(Checked { diagnostics, justifications, justified })
}

/// Why a justification was not recorded.
pub enum Refusal {
    /// Longer than [`MAX_JUSTIFICATION`] characters.
    TooLong,
    /// No current warning has that (code, path): it was corrected, or never existed.
    NoSuchWarning,
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::Error(e)
    }
}

/// Records (or, with a blank text, removes) the justification of the warning `code` at
/// `path` of the report. The caller has checked that the user may justify.
pub async fn justify(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    code: &str,
    path: &str,
    text: &str,
) -> Result<(), Refusal> {
    let text = text.trim();
    if text.chars().count() > MAX_JUSTIFICATION {
        return Err(Refusal::TooLong);
    }
    let diags = report::diagnostics(app, l).await;
    if !diags.iter().any(|d| d.severity == Severity::Warning && d.code == code && d.path == path) {
        return Err(Refusal::NoSuchWarning);
    }
    app.store.set_justification(ctx.user.id, l.id(), code, path, text).await.map_err(AppError::from)?;
    Ok(())
}
