//! `bilan audit verify`, `bilan backup` and `bilan restore`: the tamper-evident audit
//! trail and the backups of a SQLite database (PostgreSQL: `pg_dump` / `pg_restore`).
//!
//! Exit codes: 0 intact (or written and intact), 1 altered, 2 refused or unreadable.

use std::path::PathBuf;

use bilan_store::verify::IntegrityReport;
use bilan_store::{Store, StoreError};

/// What the command line asked for.
pub enum Command {
    Verify { database: String },
    Backup { database: String, output: PathBuf },
    Restore { file: PathBuf, database: String, force: bool },
}

fn fail(cmd: &str, m: &str) -> i32 {
    eprintln!("bilan {cmd} : {m}");
    2
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("démarrage impossible ({e})"))
}

/// Opens `url` and verifies it: the report, or the French reason it could not be read.
async fn verify(url: &str) -> Result<IntegrityReport, String> {
    // Opening a SQLite URL would create a missing file: a typo must not look intact.
    if let Some(path) = bilan_store::backup::sqlite_path(url) {
        if !path.is_file() {
            return Err(format!("la base {} n'existe pas", path.display()));
        }
    }
    let unreadable = |e: StoreError| match e {
        StoreError::Database(inner) => {
            format!("base {} illisible : erreur de base de données ({inner})", crate::serve_cmd::redact(url))
        }
        e => format!("base {} illisible : {e}", crate::serve_cmd::redact(url)),
    };
    let store = Store::connect(url).await.map_err(unreadable)?;
    let report = store.verify_integrity().await.map_err(unreadable);
    store.close().await;
    report
}

/// Prints the verdict; the exit code (0 intact, 1 altered).
fn print_verdict(report: &IntegrityReport) -> i32 {
    if report.is_intact() {
        crate::write_stdout(&format!("{}\n", report.summary()));
        return 0;
    }
    let mut out = String::new();
    for a in &report.alterations {
        out.push_str(&format!("{a}\n"));
    }
    out.push_str(&format!(
        "{} entrées et {} versions figées lues : la base n'est pas intègre.\n",
        report.entries, report.versions
    ));
    crate::write_stdout(&out);
    1
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub fn run(command: Command) -> i32 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("audit", &m),
    };
    match command {
        Command::Verify { database } => rt.block_on(async {
            match verify(&database).await {
                Ok(report) => print_verdict(&report),
                Err(m) => fail("audit", &m),
            }
        }),
        Command::Backup { database, output } => {
            if is_postgres(&database) {
                return fail(
                    "backup",
                    "pour PostgreSQL, sauvegardez avec « pg_dump -Fc -f bilan.dump URL » (voir le README)",
                );
            }
            rt.block_on(async {
                if let Err(e) = bilan_store::backup::backup_sqlite(&database, &output).await {
                    return fail("backup", &e.to_string());
                }
                let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
                crate::write_stdout(&format!(
                    "Sauvegarde écrite dans {} ({size} octets).\n",
                    output.display()
                ));
                match verify(&format!("sqlite://{}", output.display())).await {
                    Ok(report) => print_verdict(&report),
                    Err(m) => fail("backup", &m),
                }
            })
        }
        Command::Restore { file, database, force } => {
            if is_postgres(&database) {
                return fail(
                    "restore",
                    "pour PostgreSQL, restaurez avec « pg_restore --no-owner -d URL bilan.dump » (voir le README)",
                );
            }
            let target = match bilan_store::backup::restore_sqlite(&file, &database, force) {
                Ok(t) => t,
                Err(e) => return fail("restore", &e.to_string()),
            };
            crate::write_stdout(&format!(
                "Sauvegarde {} restaurée dans {}.\n",
                file.display(),
                target.display()
            ));
            rt.block_on(async {
                match verify(&database).await {
                    Ok(report) => print_verdict(&report),
                    Err(m) => fail("restore", &m),
                }
            })
        }
    }
}
