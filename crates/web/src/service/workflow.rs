//! The workflow, Département side: brouillon → adopté (deliberation number and date) →
//! transmis; adopté → brouillon to correct. Transmission is refused while errors remain or
//! warnings lack a justification; a transmitted report is frozen by the store. The State's
//! two decisions: send back with a reason (which becomes a comment), approve with an
//! optional observation.

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Deliberation;
use bilan_store::{Justification, NewAttachment, Status, StoreError, StoredReport, Transition};

use crate::error::AppError;
use crate::policy::access;
use crate::policy::notify::Event;
use crate::policy::Ctx;
use crate::service::report::{self, Loaded};
use crate::service::values;
use crate::AppState;

/// Why a workflow step was refused; nothing was written. The page says it in French.
#[derive(Debug)]
pub enum Refused {
    /// Adopting a report that is neither a draft nor sent back.
    NotAdoptable,
    /// The deliberation's problems (from [`Deliberation::validate`]).
    Deliberation(Vec<String>),
    /// Back to draft from another status than adopted.
    NotAdopted,
    /// Transmitting a report not adopted.
    NotAdoptedYet,
    /// Transmitting with errors or unjustified warnings.
    Blocking(Vec<Blocker>),
    /// Sending back or approving a report that is not transmitted.
    NotTransmitted,
    /// Sending back without a reason, or with one too long.
    ReasonRequired,
    /// Approving with an observation too long.
    ObservationTooLong,
}

/// A diagnostic that blocks transmission, with the link to its field.
#[derive(Debug)]
pub struct Blocker {
    pub diagnostic: Diagnostic,
    pub link: String,
}

impl Blocker {
    pub fn is_error(&self) -> bool {
        self.diagnostic.severity == Severity::Error
    }
}

/// A workflow step's failure: refused (a French page of this workflow), or any other
/// error of the application.
#[derive(Debug)]
pub enum Failure {
    Refused(Refused),
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        Failure::App(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::App(e.into())
    }
}

impl From<Refused> for Failure {
    fn from(r: Refused) -> Failure {
        Failure::Refused(r)
    }
}

/// The report for its signatory (404 outside the user's reports, 403 for another role).
pub async fn load_for_signatory(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, AppError> {
    let l = report::load_from_url(app, ctx, id).await?;
    access::can_sign(&ctx.user).map_err(AppError::forbidden)?;
    Ok(l)
}

/// The report for a State reviewer, who decides only on a transmitted report.
pub async fn load_for_reviewer(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, Failure> {
    let l = report::load_from_url(app, ctx, id).await?;
    access::can_review(&ctx.user).map_err(AppError::forbidden)?;
    if l.stored.summary.status != Status::Transmitted {
        return Err(Refused::NotTransmitted.into());
    }
    Ok(l)
}

/// Adopts the report with the deliberation entered by the signatory. The deliberation
/// goes into the report text (documents print it) and the columns, with the status, in
/// one transaction. An empty instance keeps the one the report already states. The signed
/// deliberation (a PDF already checked by `service::attachments`), when given, is attached
/// in the same transaction.
pub async fn adopt(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    number: &str,
    date: &str,
    body: &str,
    signed: Option<NewAttachment>,
) -> Result<(), Failure> {
    let status = l.stored.summary.status;
    if !matches!(status, Status::Draft | Status::SentBack) {
        return Err(Refused::NotAdoptable.into());
    }
    let d =
        Deliberation::validate(number, date, body, crate::time::today()).map_err(Refused::Deliberation)?;
    let date = d.date.ok_or_else(|| AppError::internal("délibération sans date"))?;
    let mut t = Transition::new(status, Status::Adopted, "adoption");
    t.deliberation = Some((d.number.clone(), date.iso()));
    t.attachment = signed;
    let gate = move |current: &StoredReport, _: &[Justification]| {
        let mut r = report::parse_current(app, current).ok_or("rapport illisible")?;
        let mut d = d;
        if d.body.is_empty() {
            d.body = r.deliberation.as_ref().map(|old| old.body.clone()).unwrap_or_default();
        }
        r.deliberation = Some(d);
        Ok(Some(bilan_source::to_toml(&r)))
    };
    app.store.transition(ctx.user.id, l.id(), t, gate).await?;
    Ok(())
}

/// Back to draft: the deliberation no longer holds, it leaves the columns and the text
/// together.
pub async fn back_to_draft(app: &AppState, ctx: &Ctx, l: &Loaded) -> Result<(), Failure> {
    if l.stored.summary.status != Status::Adopted {
        return Err(Refused::NotAdopted.into());
    }
    let t = Transition::new(Status::Adopted, Status::Draft, "remise en brouillon");
    let gate = |current: &StoredReport, _: &[Justification]| {
        let mut r = report::parse_current(app, current).ok_or("rapport illisible")?;
        Ok(r.deliberation.take().map(|_| bilan_source::to_toml(&r)))
    };
    app.store.transition(ctx.user.id, l.id(), t, gate).await?;
    Ok(())
}

/// Transmits an adopted report to the prefect, unless something blocks it.
pub async fn transmit(app: &AppState, ctx: &Ctx, l: &Loaded) -> Result<(), Failure> {
    if l.stored.summary.status != Status::Adopted {
        return Err(Refused::NotAdoptedYet.into());
    }
    // Last year's report is another row: read before. The text, the justifications and
    // the status are read and changed in one transaction, so nothing slips in between the
    // check and the freeze.
    let previous = report::previous_year(app, &l.stored.summary).await;
    let mut blocking: Vec<Diagnostic> = Vec::new();
    let found = &mut blocking;
    let reference = super::referentiel::current(app);
    let gate = move |current: &StoredReport, js: &[Justification]| {
        let r = report::parse_current(app, current).ok_or("rapport illisible")?;
        let context = super::referentiel::check_context(&reference, &r, previous.as_deref());
        let diags = bilan_check::check_with(&r, context);
        let justified = report::justified_keys(js);
        *found = report::blocking(&diags, &justified).into_iter().cloned().collect();
        if found.is_empty() {
            Ok(None)
        } else {
            Err("transmission bloquée".to_string())
        }
    };
    let mut t = Transition::new(Status::Adopted, Status::Transmitted, "transmission");
    t.notifications = super::notifications::for_event(
        app,
        Event::Transmitted,
        &l.stored.summary,
        Status::Transmitted,
        ctx.user.id,
        None,
    )
    .await?;
    match app.store.transition(ctx.user.id, l.id(), t, gate).await {
        Ok(_) => Ok(()),
        Err(StoreError::Rejected(_)) if !blocking.is_empty() => Err(Refused::Blocking(
            blocking
                .into_iter()
                .map(|d| Blocker { link: values::link_for(l.id(), &l.report, &d.path), diagnostic: d })
                .collect(),
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// At most this many characters in the reason of a send-back: it becomes a comment
/// « Motif du renvoi : … » of at most 4 000.
pub const MAX_REASON: usize = 3900;
/// At most this many characters in the observation of an approval.
pub const MAX_OBSERVATION: usize = 4000;

/// Sends the report back to the Département. The reason is also a comment on the version
/// sent back, written with the status change: the Département reads it with the other
/// remarks on its overview.
pub async fn send_back(app: &AppState, ctx: &Ctx, l: &Loaded, reason: &str) -> Result<(), Failure> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(Refused::ReasonRequired.into());
    }
    let mut t = Transition::new(Status::Transmitted, Status::SentBack, format!("renvoi : {reason}"));
    t.comment = Some(format!("Motif du renvoi : {reason}"));
    t.notifications = super::notifications::for_event(
        app,
        Event::SentBack,
        &l.stored.summary,
        Status::SentBack,
        ctx.user.id,
        Some(reason),
    )
    .await?;
    app.store.transition(ctx.user.id, l.id(), t, |_, _| Ok(None)).await?;
    Ok(())
}

/// Approves the report, with an optional observation recorded in the audit log.
pub async fn approve(app: &AppState, ctx: &Ctx, l: &Loaded, observation: &str) -> Result<(), Failure> {
    let note = observation.trim();
    if note.chars().count() > MAX_OBSERVATION {
        return Err(Refused::ObservationTooLong.into());
    }
    let reason = if note.is_empty() { "approbation".to_string() } else { format!("approbation : {note}") };
    let mut t = Transition::new(Status::Transmitted, Status::Approved, reason);
    t.notifications = super::notifications::for_event(
        app,
        Event::Approved,
        &l.stored.summary,
        Status::Approved,
        ctx.user.id,
        Some(note),
    )
    .await?;
    app.store.transition(ctx.user.id, l.id(), t, |_, _| Ok(None)).await?;
    Ok(())
}

/// Why one report of a bulk approval was not approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotApproved {
    /// Unknown, or outside the reviewer's perimeter.
    NotFound,
    /// The user may not decide (the national reader).
    Forbidden,
    /// No longer transmitted (approved, sent back… meanwhile): its status now.
    Stale(Status),
    /// Errors, or warnings without a justification, as the re-check finds them now.
    Blocking { errors: usize, warnings: usize },
}

impl NotApproved {
    /// The `data-motif` of the summary page.
    pub fn code(&self) -> &'static str {
        match self {
            NotApproved::NotFound => "introuvable",
            NotApproved::Forbidden => "interdit",
            NotApproved::Stale(_) => "statut",
            NotApproved::Blocking { .. } => "bloquant",
        }
    }
}

/// The outcome of one report of a bulk approval.
#[derive(Debug)]
pub struct BulkOutcome {
    pub id: i64,
    /// « Allier (03) – 2019 » when the report was found in the user's perimeter.
    pub label: Option<String>,
    pub result: Result<(), NotApproved>,
}

/// Approves each report of `ids` in its own transaction, with its own audit entry
/// (« approbation groupée »), after checking it again inside that transaction: still
/// transmitted, and no error nor unjustified warning (a reviewer approving from the queue
/// has not looked at each report: one with blocking points is approved from its review
/// page). A refusal of one report does not stop the others. Ids given twice count once.
pub async fn approve_many(app: &AppState, ctx: &Ctx, ids: &[i64]) -> Result<Vec<BulkOutcome>, AppError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        let l = match report::load(app, ctx, id).await {
            Ok(l) => l,
            Err(AppError::NotFound) => {
                out.push(BulkOutcome { id, label: None, result: Err(NotApproved::NotFound) });
                continue;
            }
            Err(e) => return Err(e),
        };
        let label = Some(l.label());
        if access::can_review(&ctx.user).is_err() {
            out.push(BulkOutcome { id, label, result: Err(NotApproved::Forbidden) });
            continue;
        }
        let result = approve_checked(app, ctx, &l).await?;
        out.push(BulkOutcome { id, label, result });
    }
    Ok(out)
}

/// One report of [`approve_many`].
async fn approve_checked(app: &AppState, ctx: &Ctx, l: &Loaded) -> Result<Result<(), NotApproved>, AppError> {
    let status = l.stored.summary.status;
    if status != Status::Transmitted {
        return Ok(Err(NotApproved::Stale(status)));
    }
    let previous = report::previous_year(app, &l.stored.summary).await;
    let reference = super::referentiel::current(app);
    let mut found: Option<(usize, usize)> = None;
    let slot = &mut found;
    let gate = move |current: &StoredReport, js: &[Justification]| {
        let r = report::parse_current(app, current).ok_or("rapport illisible")?;
        let context = super::referentiel::check_context(&reference, &r, previous.as_deref());
        let diags = bilan_check::check_with(&r, context);
        let blocking = report::blocking(&diags, &report::justified_keys(js));
        if blocking.is_empty() {
            return Ok(None);
        }
        let errors = blocking.iter().filter(|d| d.severity == Severity::Error).count();
        *slot = Some((errors, blocking.len() - errors));
        Err("approbation bloquée".to_string())
    };
    let mut t = Transition::new(Status::Transmitted, Status::Approved, "approbation groupée");
    // The Département is told of each approval, as of a single one.
    t.notifications = super::notifications::for_event(
        app,
        Event::Approved,
        &l.stored.summary,
        Status::Approved,
        ctx.user.id,
        None,
    )
    .await?;
    match app.store.transition(ctx.user.id, l.id(), t, gate).await {
        Ok(_) => Ok(Ok(())),
        Err(StoreError::BadTransition { from }) => Ok(Err(NotApproved::Stale(from))),
        Err(StoreError::Rejected(_)) if found.is_some() => {
            let (errors, warnings) = found.unwrap_or_default();
            Ok(Err(NotApproved::Blocking { errors, warnings }))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the workflow block of the overview offers the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The signatory may adopt (draft or sent back).
    Adopt,
    /// The signatory may transmit or go back to draft; `blocking` points stop transmission.
    Transmit { blocking: usize },
}

/// The signatory's next step on this report, if any.
pub fn step(ctx: &Ctx, l: &Loaded, blocking: usize) -> Option<Step> {
    let s = &l.stored.summary;
    if access::can_sign(&ctx.user).is_err() || access::can_justify(&ctx.user, s).is_err() {
        return None;
    }
    match s.status {
        Status::Draft | Status::SentBack => Some(Step::Adopt),
        Status::Adopted => Some(Step::Transmit { blocking }),
        _ => None,
    }
}

/// For a State user, the review link of the overview: `Some(true)` when they may decide
/// on the report now.
pub fn review(ctx: &Ctx, l: &Loaded) -> Option<bool> {
    ctx.user
        .role
        .is_state()
        .then(|| access::can_review(&ctx.user).is_ok() && l.stored.summary.status == Status::Transmitted)
}
