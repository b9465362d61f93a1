//! Next year's credits of a report: the reviewer enters the convention's State amount for
//! N+1 and accepts or refuses each carry-over line; `bilan-consolidate` computes and
//! explains the delegation; `bilan-render` writes the note (HTML fragment, ODT) and
//! `bilan-pdf` its PDF when built with the `pdf` feature.

use std::collections::{BTreeMap, BTreeSet};

use bilan_consolidate::{compute_credits, CreditRules, CreditsNote, Decision, Decisions, LineKey};
use bilan_domain::Money;
use bilan_store::{CreditChoice, Status, StoreError};

use crate::error::AppError;
use crate::policy::credits::may_see_credits;
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::service::report::Loaded;
use crate::AppState;

/// The reviewer's inputs as stored: the N+1 amount (if entered) and the decisions.
pub struct CreditInputs {
    pub amount: Option<Money>,
    pub decisions: Decisions,
    /// (action, line) → reason given with the decision.
    pub reasons: BTreeMap<LineKey, String>,
    /// The revision of the credits form, for the optimistic lock.
    pub revision: i64,
    /// Who last wrote the credits (the note's instructor), if anyone did.
    pub instructor: Option<String>,
}

pub async fn inputs(app: &AppState, report_id: i64) -> Result<CreditInputs, StoreError> {
    let amount = app.store.next_year_amount(report_id).await?.map(Money::from_cents);
    let mut decisions = Decisions::new();
    let mut reasons = BTreeMap::new();
    for d in app.store.credit_decisions(report_id).await? {
        let key = LineKey::new(&d.action, &d.line);
        decisions.insert(key.clone(), if d.accept { Decision::Accept } else { Decision::Refuse });
        reasons.insert(key, d.reason);
    }
    let revision = app.store.credits_revision(report_id).await?.ok_or(StoreError::NotFound)?;
    let instructor = app.store.credits_instructor(report_id).await?;
    Ok(CreditInputs { amount, decisions, reasons, revision, instructor })
}

/// The note of a report with the stored inputs; `None` until the N+1 amount is entered.
pub async fn note_for(app: &AppState, l: &Loaded) -> Result<Option<CreditsNote>, StoreError> {
    Ok(note_with(l, &inputs(app, l.id()).await?))
}

/// The note with these inputs; `None` until the N+1 amount is entered.
pub fn note_with(l: &Loaded, i: &CreditInputs) -> Option<CreditsNote> {
    i.amount.map(|amount| compute_credits(&l.report, amount, &i.decisions, &rules(l)))
}

/// The computation with the stored decisions and the amount so far (zero when none is
/// entered): the carry-over lines the form offers, and the note once the amount is known.
pub fn preview(l: &Loaded, i: &CreditInputs) -> CreditsNote {
    compute_credits(&l.report, i.amount.unwrap_or(Money::ZERO), &i.decisions, &rules(l))
}

/// The rules of the report's programme (State share, caps).
pub fn rules(l: &Loaded) -> CreditRules {
    CreditRules::for_report(&l.report)
}

/// The note's header facts. The instructor is the State agent who entered the credits,
/// never whoever happens to read the note.
pub fn meta(l: &Loaded, inputs: &CreditInputs) -> bilan_render::NoteMeta {
    let reviewer = inputs.instructor.as_deref().unwrap_or("—");
    let s = &l.stored.summary;
    bilan_render::NoteMeta {
        department_name: bilan_domain::collectivite::label(&s.department),
        year: s.year,
        programme_name: crate::service::consolidation::programme_name(&s.programme),
        version: s.version,
        approved_at: (s.status == Status::Approved).then(|| crate::time::french_datetime(&s.updated_at)),
        reviewer: reviewer.to_string(),
        generated_at: crate::time::french_datetime(&bilan_store::time::now()),
    }
}

/// The report `id` if the user may see its credits (404 outside their reports, 403 for a
/// Département before approval).
pub async fn load(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, AppError> {
    let id = crate::service::report::parse_id(id)?;
    let l = crate::service::report::load(app, ctx, id).await?;
    may_see_credits(&ctx.user, l.stored.summary.status).map_err(AppError::forbidden)?;
    Ok(l)
}

/// Whether the user decides on the credits of this report.
pub fn may_decide(ctx: &Ctx, l: &Loaded) -> bool {
    crate::policy::credits::may_decide(&ctx.user, l.stored.summary.status)
}

/// A form that was not saved: the inputs to show again (the stored amount, the decisions
/// as typed or as stored) and why.
pub struct NotSaved {
    pub inputs: CreditInputs,
    pub errors: Vec<String>,
    /// Another reviewer saved first (409); otherwise the form was malformed (422).
    pub conflict: bool,
}

/// One carry-over line of the form: its key, the decision (`None`: no decision) and the
/// reason.
type Choice = (LineKey, Option<bool>, String);

/// Reads the credits form: the amount, and per line the decision and its reason; every
/// problem in French.
fn parse_form(l: &Loaded, fields: &Fields) -> (Option<Money>, Vec<Choice>, Vec<String>) {
    let mut errors = Vec::new();
    let amount = match Money::parse(fields.text("montant_etat").trim()) {
        Ok(m) if m.cents() >= 0 => Some(m),
        Ok(_) => {
            errors.push("Le montant État ne peut pas être négatif.".to_string());
            None
        }
        Err(e) => {
            errors.push(format!("Montant État : {e}."));
            None
        }
    };
    // The lines offered by the form must still be carry-over lines of the report.
    let preview = compute_credits(&l.report, Money::ZERO, &Decisions::new(), &rules(l));
    let known: BTreeSet<LineKey> =
        preview.lines.iter().flat_map(|x| x.carry_overs.iter().map(|c| c.key.clone())).collect();
    let n: usize = fields.text("lignes").parse().unwrap_or(0).min(10_000);
    let mut decisions = Vec::new();
    for k in 0..n {
        let key = LineKey::new(&fields.text(&format!("action-{k}")), &fields.text(&format!("ligne-{k}")));
        if !known.contains(&key) {
            errors.push(format!(
                "La ligne {key} n’est plus une ligne de report du rapport : rechargez la page."
            ));
            continue;
        }
        let accept = match fields.text(&format!("decision-{k}")).as_str() {
            "accepte" => Some(true),
            "refuse" => Some(false),
            "" => None,
            other => {
                errors.push(format!("Décision inconnue « {other} » pour la ligne {key}."));
                continue;
            }
        };
        let reason = fields.text(&format!("motif-{k}")).trim().to_string();
        if reason.chars().count() > 1000 {
            errors.push(format!("Le motif de la ligne {key} dépasse 1 000 caractères."));
            continue;
        }
        decisions.push((key, accept, reason));
    }
    (amount, decisions, errors)
}

const CONFLICT: &str = "Un autre agent a enregistré les crédits de ce rapport depuis que vous avez ouvert la page : \
                        votre saisie n’a pas été enregistrée. Les valeurs ci-dessous sont les valeurs actuelles ; \
                        reprenez votre saisie si elle reste nécessaire.";

/// Saves the amount and the decisions of the form (the caller checked [`may_decide`]),
/// or says why nothing was saved.
pub async fn save(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    fields: &Fields,
) -> Result<Result<(), NotSaved>, AppError> {
    // A form without its revision (an old page) is treated as stale.
    let expected: i64 = fields.text("revision").trim().parse().unwrap_or(0);
    let (amount, decisions, errors) = parse_form(l, fields);
    let Some(amount) = amount.filter(|_| errors.is_empty()) else {
        let mut inputs = inputs(app, l.id()).await?;
        // Show what was typed for the decisions; the amount stays the stored one.
        for (key, accept, reason) in &decisions {
            match accept {
                Some(true) => inputs.decisions.insert(key.clone(), Decision::Accept),
                Some(false) => inputs.decisions.insert(key.clone(), Decision::Refuse),
                None => inputs.decisions.remove(key),
            };
            inputs.reasons.insert(key.clone(), reason.clone());
        }
        return Ok(Err(NotSaved { inputs, errors, conflict: false }));
    };
    let choices: Vec<CreditChoice> = decisions
        .into_iter()
        .map(|(key, accept, reason)| CreditChoice { action: key.action, line: key.line, accept, reason })
        .collect();
    match app.store.save_credits(ctx.user.id, l.id(), expected, amount.cents(), &choices).await {
        Ok(_) => Ok(Ok(())),
        // Another reviewer saved first: show what is stored now, write nothing.
        Err(StoreError::Conflict { .. }) => Ok(Err(NotSaved {
            inputs: inputs(app, l.id()).await?,
            errors: vec![CONFLICT.to_string()],
            conflict: true,
        })),
        Err(e) => Err(e.into()),
    }
}

/// The note as an ODT file.
pub fn note_odt(note: &CreditsNote, meta: &bilan_render::NoteMeta) -> Vec<u8> {
    bilan_render::credits_note_odt(note, meta)
}

/// The note as a PDF file (Typst, off the async threads).
#[cfg(feature = "pdf")]
pub async fn note_pdf(note: &CreditsNote, meta: &bilan_render::NoteMeta) -> Result<Vec<u8>, AppError> {
    let (note, meta) = (note.clone(), meta.clone());
    match tokio::task::spawn_blocking(move || bilan_pdf::credits_note_pdf(&note, &meta)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(AppError::internal(e)),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// The file name of the note: `note-credits-{dep}-{N+1}-v{version}.{ext}`.
pub fn note_file_name(l: &Loaded, ext: &str) -> String {
    let s = &l.stored.summary;
    format!("note-credits-{}-{}-v{}.{ext}", s.department, s.year + 1, s.version)
}
