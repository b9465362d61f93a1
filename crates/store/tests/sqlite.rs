//! SQLite specifics: the connection settings, and durability of acknowledged saves when
//! the writing process is killed (SIGKILL) in the middle of a burst of saves.
//!
//! The writer is this very test binary, started again with `BILAN_STORE_DURABILITY_WRITER`
//! set: it then saves as fast as it can and prints `ACK <n> <revision>` after each save
//! returned, until the parent kills it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use bilan_store::{Edit, EditScope, Id, NewUser, Role, Store, StoreError};
use sqlx::Row;

const WRITER_ENV: &str = "BILAN_STORE_DURABILITY_WRITER";
const TEST_NAME: &str = "acknowledged_saves_survive_sigkill";
/// Acknowledged saves the parent waits for before killing the writer, in each round.
const KILL_AFTER: [usize; 3] = [25, 40, 57];
/// Upper bound of the writer's burst (it is killed long before).
const BURST: u32 = 50_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime tokio")
}

fn sqlite(store: &Store) -> &sqlx::SqlitePool {
    match store {
        Store::Sqlite(s) => s.pool(),
        Store::Postgres(_) => panic!("SQLite attendu"),
    }
}

fn counter_edit(n: u32) -> Edit {
    Edit {
        text: format!("compteur = {n}\n"),
        audit_action: "report.save".to_owned(),
        audit_target: "compteur".to_owned(),
        before: None,
        after: Some(format!("compteur = {n}")),
        actions: vec!["1.1".to_owned()],
    }
}

#[test]
fn acknowledged_saves_survive_sigkill() {
    if let Ok(spec) = std::env::var(WRITER_ENV) {
        writer(&spec);
        return;
    }
    let dir = tempfile::tempdir().expect("dossier temporaire");
    let url = format!("sqlite://{}", dir.path().join("bilan.db").display());
    let rt = runtime();
    let (actor, id) = rt.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let actor = store
            .create_user(
                None,
                NewUser {
                    login: "ecrivain".into(),
                    display_name: "Écrivain".into(),
                    password_hash: "h".into(),
                    role: Role::DepartmentEditor,
                    territory: Some("03".into()),
                    email: None,
                },
            )
            .await
            .unwrap();
        let id = store
            .create_report(Some(actor), "03", 2019, "calpae", "compteur = 0\n", &["1.1".into()])
            .await
            .unwrap();
        store.close().await;
        (actor, id)
    });

    // Three crashes at different points of the burst; each time every acknowledged save
    // must be found after reopening.
    let mut next_n = 1;
    for kill_after in KILL_AFTER {
        let acked = run_writer_until_killed(&url, actor, id, next_n, kill_after);
        let &(last_n, last_revision) = acked.last().expect("au moins une sauvegarde");
        next_n = rt.block_on(async {
            let store = Store::connect(&url).await.unwrap();
            let integrity: String =
                sqlx::query_scalar("PRAGMA integrity_check").fetch_one(sqlite(&store)).await.unwrap();
            assert_eq!(integrity, "ok");
            let report = store.report(id).await.unwrap().unwrap();
            assert!(
                report.summary.revision >= last_revision,
                "{} < {last_revision}",
                report.summary.revision
            );
            let stored_n: u32 = report.text.trim().trim_start_matches("compteur = ").parse().unwrap();
            assert!(stored_n >= last_n, "last acknowledged save {last_n} lost: text says {stored_n}");
            // Every acknowledged save left its audit entry, written in the same transaction.
            let audit = store.audit(Some(id), 1_000_000).await.unwrap();
            for (n, _) in &acked {
                let after = format!("compteur = {n}");
                assert!(audit.iter().any(|e| e.after.as_deref() == Some(after.as_str())), "save {n} lost");
            }
            // The store is usable after the crash.
            let r = store
                .update_report(
                    actor,
                    id,
                    EditScope::Whole { expected_revision: report.summary.revision },
                    |_| Ok(counter_edit(stored_n + 1)),
                )
                .await
                .unwrap();
            assert_eq!(r.summary.revision, report.summary.revision + 1);
            store.close().await;
            stored_n + 2
        });
    }
}

/// Starts the writer at save `first`, kills it (SIGKILL) once `kill_after` saves are
/// acknowledged, and returns every acknowledged (n, revision).
fn run_writer_until_killed(url: &str, actor: Id, id: Id, first: u32, kill_after: usize) -> Vec<(u32, i64)> {
    let mut child = Command::new(std::env::current_exe().expect("chemin du binaire de test"))
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(WRITER_ENV, format!("{actor}|{id}|{first}|{url}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("lancement de l'écrivain");
    let stdout = child.stdout.take().expect("sortie de l'écrivain");
    let mut acked: Vec<(u32, i64)> = Vec::new();
    let mut killed = false;
    // Read to the end: acknowledgements printed before the kill are still in the pipe.
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("lecture de la sortie");
        let Some(rest) = line.strip_prefix("ACK ") else { continue };
        let (n, revision) = rest.split_once(' ').expect("ACK <n> <révision>");
        acked.push((n.parse().unwrap(), revision.parse().unwrap()));
        if acked.len() == kill_after && !killed {
            child.kill().expect("SIGKILL");
            killed = true;
        }
    }
    let status = child.wait().expect("fin de l'écrivain");
    assert!(killed, "the writer stopped after {} saves without being killed: {status}", acked.len());
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "the writer was killed, not finished: {status}");
    assert!(acked.len() >= kill_after);
    acked
}

/// The child: saves in a loop, acknowledging each save on stdout once it has returned.
fn writer(spec: &str) {
    let mut parts = spec.splitn(4, '|');
    let actor: Id = parts.next().and_then(|s| s.parse().ok()).expect("acteur");
    let id: Id = parts.next().and_then(|s| s.parse().ok()).expect("rapport");
    let first: u32 = parts.next().and_then(|s| s.parse().ok()).expect("premier numéro");
    let url = parts.next().expect("url").to_owned();
    runtime().block_on(async move {
        let store = Store::connect(&url).await.unwrap();
        let mut revision = store.report(id).await.unwrap().unwrap().summary.revision;
        let mut out = std::io::stdout();
        for n in first..first + BURST {
            let r = store
                .update_report(actor, id, EditScope::Whole { expected_revision: revision }, |_| {
                    Ok(counter_edit(n))
                })
                .await
                .unwrap();
            revision = r.summary.revision;
            writeln!(out, "ACK {n} {revision}").unwrap();
            out.flush().unwrap();
        }
    });
}

#[test]
fn connection_settings() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("neuf.db").display());
        let store = Store::connect(&url).await.expect("file created if missing");
        let pool = sqlite(&store);
        let mut conn = pool.acquire().await.unwrap();
        let text = |sql: &'static str| sqlx::query(sql);
        let journal: String = text("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap().get(0);
        assert_eq!(journal, "wal");
        let synchronous: i64 = text("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap().get(0);
        assert_eq!(synchronous, 1, "NORMAL");
        let foreign_keys: i64 = text("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap().get(0);
        assert_eq!(foreign_keys, 1);
        let busy: i64 = text("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap().get(0);
        assert_eq!(busy, 5000);
        drop(conn);
        store.close().await;
        // Reopening runs no migration twice.
        let store = Store::connect(&url).await.unwrap();
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(sqlite(&store))
            .await
            .unwrap();
        let files =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
        assert_eq!(applied, files as i64, "one row per migration file");
        store.close().await;
    });
}

#[test]
fn in_memory_database_works() {
    runtime().block_on(async {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let id = store.create_report(None, "03", 2019, "calpae", "t", &[]).await.unwrap();
        assert_eq!(store.report(id).await.unwrap().unwrap().text, "t");
        let e = store.create_report(None, "03", 2019, "calpae", "t", &[]).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate));
        store.close().await;
    });
}
