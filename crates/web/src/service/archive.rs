//! Every report of a State user's perimeter and year as one zip: for each transmitted or
//! approved report, the report (PDF when the server is built with the `pdf` feature, ODT
//! otherwise), its financial annex (XLSX) and its signed deliberation when one was
//! attached, in a folder per report.
//!
//! The zip is written as a stream (`zip`'s stream mode: data descriptors, no seeking) by a
//! blocking task into a bounded channel of chunks, one report at a time: the report is
//! read from the database, its files generated and written, the chunk flushed, and only
//! then the next report is read. Memory is bounded by one report's files and the
//! channel's chunks, whatever the number of reports (BENCHMARKS.md, « Archive d’un
//! périmètre »). A report that cannot be generated leaves a French `ERREUR.txt` in its
//! folder (and an error in the log) instead of cutting the download short.

use std::io::Write;

use bilan_domain::CollectiviteCode;
use bilan_store::{AttachmentKind, ReportFilter, ReportSummary, Role, Status, StoreError, User};

use crate::policy::access;
use crate::service::files::{self, Rendered};
use crate::AppState;

/// The format of the reports in the archive.
pub const REPORT_FORMAT: &str = if cfg!(feature = "pdf") { "pdf" } else { "odt" };

/// Size of the chunks sent to the client.
const CHUNK: usize = 256 * 1024;
/// Chunks waiting for the client at most (back-pressure on the writer).
const CHANNEL: usize = 4;

/// The transmitted and approved reports of `year` the user sees, in signatory order.
pub async fn reports(app: &AppState, user: &User, year: i32) -> Result<Vec<ReportSummary>, StoreError> {
    let mut filter: ReportFilter = access::filter_for(user);
    filter.year = Some(year);
    filter.statuses = Some(vec![Status::Transmitted, Status::Approved]);
    let mut list: Vec<ReportSummary> =
        app.store.reports(&filter).await?.into_iter().filter(|s| access::can_see(user, s)).collect();
    list.sort_by_key(|s| {
        (
            CollectiviteCode::parse(&s.department).map_or(usize::MAX, CollectiviteCode::rank),
            s.programme.clone(),
        )
    });
    Ok(list)
}

/// The archive's file name: `rapports-2019-region-84.zip`, `rapports-2019-03.zip`,
/// `rapports-2019-national.zip`.
pub fn file_name(user: &User, year: i32) -> String {
    let territory = user.territory.as_deref().unwrap_or("");
    let scope: String = match user.role {
        Role::RegionalReviewer => format!("region-{territory}"),
        Role::PrefectureReviewer => territory.to_string(),
        _ => "national".to_string(),
    };
    let scope: String = scope.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!("rapports-{year}-{scope}.zip")
}

/// The folder of a report in the archive: `03-2019-calpae-v1`.
pub fn folder(s: &ReportSummary) -> String {
    format!("{}-{}-{}-v{}", s.department, s.year, s.programme, s.version)
}

/// A chunk of the archive, or the error that ended it.
pub type Chunk = Result<Vec<u8>, std::io::Error>;

/// Starts writing the archive of `reports`; its bytes come out of the receiver, in order.
/// Dropping the receiver (the client went away) stops the writer at its next chunk.
pub fn stream(app: AppState, reports: Vec<ReportSummary>) -> tokio::sync::mpsc::Receiver<Chunk> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(CHANNEL);
    let handle = tokio::runtime::Handle::current();
    let errors = tx.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = write_archive(&handle, &app, &reports, tx) {
            // The client may still be there: end the body with the error (the download
            // fails instead of looking complete).
            tracing::error!("archive des rapports interrompue : {e}");
            let _ = errors.blocking_send(Err(e));
        }
    });
    rx
}

/// A `Write` into the channel, in chunks of [`CHUNK`]; `flush` sends what is buffered.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client parti"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

fn write_archive(
    handle: &tokio::runtime::Handle,
    app: &AppState,
    reports: &[ReportSummary],
    tx: tokio::sync::mpsc::Sender<Chunk>,
) -> std::io::Result<()> {
    let sink = ChannelWriter { tx, buf: Vec::with_capacity(CHUNK) };
    let mut zip = zip::ZipWriter::new_stream(sink);
    // The reports and spreadsheets are compressed already.
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let text_options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for s in reports {
        let dir = folder(s);
        match handle.block_on(report_files(app, s)) {
            Ok(list) => {
                for (name, bytes) in list {
                    zip.start_file(format!("{dir}/{name}"), options).map_err(std::io::Error::other)?;
                    zip.write_all(&bytes)?;
                }
            }
            Err(message) => {
                tracing::error!("archive : rapport {} : {message}", s.id);
                zip.start_file(format!("{dir}/ERREUR.txt"), text_options).map_err(std::io::Error::other)?;
                writeln!(
                    zip,
                    "Le rapport {} n’a pas pu être ajouté à l’archive (erreur interne, consignée dans le journal du serveur).",
                    s.id
                )?;
            }
        }
        // Each report goes to the client before the next one is read.
        zip.flush()?;
    }
    let mut sink = zip.finish().map_err(std::io::Error::other)?.into_inner();
    sink.flush()
}

/// The files of one report in the archive: (name in its folder, content).
async fn report_files(app: &AppState, s: &ReportSummary) -> Result<Vec<(String, Vec<u8>)>, String> {
    let stored = app.store.report(s.id).await.map_err(|e| e.to_string())?.ok_or("rapport disparu")?;
    let report = crate::service::report::parse_text(&stored.text).ok_or("rapport illisible")?;
    let reference = crate::service::referentiel::current(app);
    let summary = &stored.summary;
    let mut out = Vec::new();
    for format in [REPORT_FORMAT, "xlsx"] {
        match files::render(&reference, format, &report, &stored.text) {
            Rendered::Ok(bytes) => out.push((files::file_name(summary, format), bytes)),
            Rendered::NotBuilt => return Err("format non compilé".into()),
            Rendered::Failed(e) => return Err(e),
        }
    }
    let attachments = app.store.attachments(s.id).await.map_err(|e| e.to_string())?;
    let deliberation = attachments
        .iter()
        .find(|a| a.kind == AttachmentKind::Deliberation && a.frozen_version == Some(summary.version));
    if let Some(a) = deliberation {
        let bytes = super::attachments::content(app, a).await.map_err(|e| format!("{e:?}"))?;
        out.push((
            format!("deliberation-{}-{}-v{}.pdf", summary.department, summary.year, summary.version),
            bytes,
        ));
    }
    Ok(out)
}
