//! The figures of each report that the State side reads, stored in rows beside its text
//! (issue 12, point 3): how the application computes them for the store, how it fills them
//! in for reports stored before (at start), and how a perimeter's reports are read from
//! them by the dashboards, the review queue, the outliers and the open data.

use bilan_consolidate::stored::{figures_of, report_of};
use bilan_domain::Report;
use bilan_store::{ReportFigures, ReportFilter, ReportSummary, Store, StoreError};

/// Reports read per batch when filling in missing figures.
const BATCH: i64 = 200;

/// The store's hook ([`Store::with_figures`]): the figures of a stored text, `None` when
/// it cannot be read (never expected: the application writes only texts it parsed).
pub fn of_text(text: &str) -> Option<ReportFigures> {
    super::report::parse_text(text).map(|r| figures_of(&r))
}

/// The store the application uses: every text it writes gets its figures.
pub fn attach(store: Store) -> Store {
    store.with_figures(of_text)
}

/// Computes the figures of every report that has none of the current format and
/// revision (stored before the figures existed, or by a server of an older version), in
/// batches, each report in its own short transaction; a report rewritten meanwhile keeps
/// the figures its writer recorded. Returns how many were computed. Logged.
pub async fn backfill(store: &Store) -> Result<usize, StoreError> {
    let (mut after, mut done, mut unreadable) = (0, 0usize, 0usize);
    loop {
        let batch = store.reports_without_figures(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (id, revision, text) in batch {
            match of_text(&text) {
                Some(f) => done += usize::from(store.set_figures(id, revision, &f).await?),
                None => {
                    unreadable += 1;
                    tracing::warn!(rapport = id, "chiffres non calculés : le texte enregistré ne se lit pas");
                }
            }
        }
        tracing::info!(
            rapports = done,
            "chiffres des rapports calculés (format {})",
            bilan_store::FIGURES_FORMAT
        );
    }
    if unreadable > 0 {
        tracing::warn!(rapports = unreadable, "rapports sans chiffres : leur texte ne se lit pas");
    }
    Ok(done)
}

/// The reports of `filter` rebuilt from their stored figures (what the consolidation
/// reads: `bilan_consolidate::stored`), in the store's order. A report without current
/// figures — written by a server that did not know them since this one started — gets
/// them now, from its text, and a warning in the log; one whose text does not read is
/// left out, as before the figures existed.
pub async fn reports(
    store: &Store,
    filter: &ReportFilter,
) -> Result<Vec<(ReportSummary, Report)>, StoreError> {
    let rows = store.figures(filter).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (summary, figures) in rows {
        let figures = match figures {
            Some(f) => f,
            None => {
                tracing::warn!(rapport = summary.id, "chiffres absents : calculés depuis le texte");
                let Some(stored) = store.report(summary.id).await? else { continue };
                let Some(f) = of_text(&stored.text) else { continue };
                store.set_figures(summary.id, stored.summary.revision, &f).await?;
                f
            }
        };
        match report_of(&summary.programme, summary.year, &figures) {
            Ok(r) => out.push((summary, r)),
            Err(e) => tracing::warn!(rapport = summary.id, "{e}"),
        }
    }
    Ok(out)
}
