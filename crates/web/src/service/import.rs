//! Imports: a report's TOML file (replaces the whole report after checks) or its financial
//! annex as XLSX/ODS (read by `bilan_sheets::read_annex`, the inverse of the annex writer,
//! then mapped back to expense lines by action number and label). Every file is read and
//! checked *before* the write transaction, with bounded work (the annex reader's limits
//! are the upload policy; a TOML file is at most [`TOML_LIMIT`]); the store's closure only
//! returns the prepared edit, and the store checks the revision.

use bilan_domain::Report;
use bilan_store::{Edit, EditScope, StoreError};

use crate::error::AppError;
use crate::service::report::Loaded;
use crate::service::values;
use crate::AppState;

/// The largest report file accepted: the largest real report is under 100 KB. Parsing
/// keeps the whole document and its spans in memory, so the bound matters.
pub const TOML_LIMIT: usize = 1024 * 1024;

const MB: usize = 1024 * 1024;

/// The largest TOML file and the largest annex accepted under an upload limit, in Mo.
pub fn limits_mb(upload_limit: usize) -> (usize, usize) {
    (upload_limit.min(TOML_LIMIT) / MB, upload_limit.min(bilan_sheets::read::LIMITS.max_file) / MB)
}

/// A checked import, ready to write: the edit, the report it writes, and what to tell the
/// user.
pub struct Prepared {
    pub edit: Edit,
    pub report: Report,
    pub summary: String,
}

/// A report's TOML file, checked against the report it replaces (same Département, year
/// and programme); the errors, in French, name the line and column.
pub fn prepare_toml(l: &Loaded, data: &[u8]) -> Result<Prepared, Vec<String>> {
    let mut parsed = match bilan_source::parse_bytes(data) {
        Ok((_, p)) => p.report,
        Err(e) => {
            let text = String::from_utf8_lossy(data);
            let place = e
                .span
                .map(|s| {
                    let (line, col) = bilan_source::LineIndex::new(&text).line_col(&text, s.start);
                    format!("ligne {line}, colonne {col} : ")
                })
                .unwrap_or_default();
            return Err(vec![format!("{place}{}", e.message)]);
        }
    };
    let s = &l.stored.summary;
    let mut problems = Vec::new();
    // Who signed: the file's `collectivite`, else its Département (the store keys the
    // report by that collectivité code).
    if parsed.signatory().as_str() != s.department {
        problems.push(format!(
            "le fichier est le rapport de {} : ce rapport est celui de {}",
            parsed.signatory().label(),
            bilan_domain::collectivite::label(&s.department)
        ));
    }
    if parsed.year != s.year {
        problems.push(format!(
            "le fichier concerne l’année {} : ce rapport est celui de l’année {}",
            parsed.year, s.year
        ));
    }
    if parsed.programme != s.programme {
        problems.push(format!(
            "le fichier concerne le programme « {} » : ce rapport relève du programme « {} »",
            parsed.programme, s.programme
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // The deliberation and the transmission date are acts of the signatory and of the
    // workflow, never of an import: the report keeps its own. (The store's revision check
    // guarantees `l.report` is still the current text.)
    let kept =
        parsed.deliberation != l.report.deliberation || parsed.transmitted_on != l.report.transmitted_on;
    parsed.deliberation = l.report.deliberation.clone();
    parsed.transmitted_on = l.report.transmitted_on;
    let mut summary = format!(
        "Le rapport a été remplacé par le fichier importé : {} mesure(s), {} action(s).",
        parsed.measures.len(),
        parsed.actions().count()
    );
    if kept {
        summary.push_str(
            " La délibération et la date de transmission du fichier ont été ignorées : \
             seul le signataire les enregistre, par l’adoption et la transmission.",
        );
    }
    let edit = Edit {
        text: bilan_source::to_toml(&parsed),
        audit_action: "import.toml".into(),
        audit_target: "rapport entier".into(),
        before: None,
        after: None,
        actions: values::action_numbers(&parsed),
    };
    Ok(Prepared { edit, report: parsed, summary })
}

/// An annex workbook applied to `report`: `Ok(Err(errors))` when the file is refused (each
/// error names the sheet and cell, « Annexe financière!G12 : … »).
pub async fn prepare_annex(
    report: &Report,
    data: impl AsRef<[u8]> + Send + 'static,
) -> Result<Result<Prepared, Vec<String>>, AppError> {
    let messages = |errors: Vec<bilan_sheets::ReadError>| errors.iter().map(ToString::to_string).collect();
    // CPU-bound and bounded (see bilan_sheets::read): off the async threads.
    let read = tokio::task::spawn_blocking(move || bilan_sheets::read_annex(data.as_ref()))
        .await
        .map_err(AppError::internal)?;
    let values = match read {
        Ok(v) => v,
        Err(errors) => return Ok(Err(messages(errors))),
    };
    let mut updated = report.clone();
    let (rows, changed) = match bilan_sheets::apply_annex(&mut updated, &values) {
        Ok(counts) => counts,
        Err(errors) => return Ok(Err(messages(errors))),
    };
    let edit = Edit {
        text: bilan_source::to_toml(&updated),
        audit_action: "import.annexe".into(),
        audit_target: "annexe financière".into(),
        before: None,
        after: Some(format!("{rows} lignes lues, {changed} montants modifiés")),
        actions: values::action_numbers(&updated),
    };
    let summary = format!("{rows} ligne(s) de dépense lue(s), {changed} montant(s) modifié(s).");
    Ok(Ok(Prepared { edit, report: updated, summary }))
}

/// Writes a prepared import over the whole report, if it is still at `revision` (else
/// `StoreError::Conflict`).
pub async fn write(app: &AppState, actor: i64, id: i64, revision: i64, edit: Edit) -> Result<(), StoreError> {
    app.store
        .update_report(actor, id, EditScope::Whole { expected_revision: revision }, move |_| Ok(edit))
        .await
        .map(|_| ())
}

/// (errors, warnings, infos) of a report's checks.
pub fn diagnostic_counts(reference: &bilan_domain::Referentiel, report: &Report) -> (usize, usize, usize) {
    bilan_check::counts(&bilan_check::check_with(
        report,
        super::referentiel::check_context(reference, report, None),
    ))
}
