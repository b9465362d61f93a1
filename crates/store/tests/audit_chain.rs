//! The tamper-evident audit trail (issue 9, item 6), on SQLite (a fresh file per test) and
//! PostgreSQL (a fresh database per test): a clean history verifies; after the append-only
//! triggers are dropped, a direct edit, insertion or deletion of an entry, or an edit of a
//! frozen version's text, is found and named; concurrent writers never fork the chain; the
//! rows of a database written before the chain existed are sealed once, at connection.
//!
//! PostgreSQL: `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); unreachable, the tests fail unless
//! `BILAN_SKIP_POSTGRES=1`.

use bilan_store::verify::{sha256_hex, Alteration, IntegrityReport, GENESIS};
use bilan_store::{CommentTarget, Edit, EditScope, Id, Role, Status, Store};
mod common;
use common::*;

// ---------------------------------------------------------------- harness

/// Runs each test on a fresh database of both kinds; the body gets the store and its URL.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().expect("dossier temporaire");
                    let url = format!("sqlite://{}", dir.path().join("bilan.db").display());
                    crate::$name(url).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    // Dropped (with the database) even if the body panics.
                    let Some(db) = crate::PgDatabase::create().await else { return };
                    crate::$name(db.url.clone()).await;
                }
            )*
        }
    };
}

both!(
    a_clean_history_verifies,
    an_edited_entry_is_named,
    an_edited_and_resealed_entry_is_named,
    an_inserted_entry_is_named,
    a_deleted_entry_is_named,
    an_edited_frozen_version_is_named,
    concurrent_appends_never_fork,
    account_changes_and_the_accounts_own_writes_do_not_deadlock,
    rows_of_schema_2_are_sealed_once_at_connection,
);

async fn scalar_i64(store: &Store, sql: &str) -> i64 {
    match store {
        Store::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap(),
        Store::Postgres(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap(),
    }
}

async fn strings(store: &Store, sql: &str) -> Vec<Option<String>> {
    match store {
        Store::Sqlite(s) => sqlx::query_scalar(sql).fetch_all(s.pool()).await.unwrap(),
        Store::Postgres(s) => sqlx::query_scalar(sql).fetch_all(s.pool()).await.unwrap(),
    }
}

/// What someone with direct access must do first: remove the append-only triggers.
async fn drop_triggers(store: &Store) {
    let sql = match store {
        Store::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
             DROP TRIGGER report_versions_no_update; DROP TRIGGER report_versions_no_delete;"
        }
        Store::Postgres(_) => {
            "DROP TRIGGER audit_log_append_only ON audit_log; \
             DROP TRIGGER report_versions_append_only ON report_versions;"
        }
    };
    raw(store, sql).await.expect("DROP TRIGGER");
}

// ---------------------------------------------------------------- fixtures

const TEXT: &str = "[rapport]\ndepartement = \"03\"\nannee = 2024\n";

/// A small history: accounts, a report adopted, transmitted, sent back, transmitted
/// again (two frozen versions) and commented. Returns (report, id of the first
/// transmission's entry).
async fn history(store: &Store) -> (Id, Id) {
    let editor =
        store.create_user(None, new_user("editeur03", Role::DepartmentEditor, Some("03"))).await.unwrap();
    let reviewer = store
        .create_user(None, new_user("prefecture03", Role::PrefectureReviewer, Some("03")))
        .await
        .unwrap();
    let id = store.create_report(Some(editor), "03", 2024, "pacte", TEXT, &["1.1".to_owned()]).await.unwrap();
    store.set_status(editor, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    store.set_status(editor, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    let transmission = store.audit(Some(id), 1).await.unwrap()[0].id;
    store.add_comment(reviewer, id, 1, &CommentTarget::Report, "Compléter l’action 1.1.").await.unwrap();
    store.set_status(reviewer, id, Status::Transmitted, Status::SentBack, "à compléter", None).await.unwrap();
    store.set_status(editor, id, Status::SentBack, Status::Adopted, "adoption", None).await.unwrap();
    store.set_status(editor, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    (id, transmission)
}

async fn verify(store: &Store) -> IntegrityReport {
    store.verify_integrity().await.expect("vérification lisible")
}

fn first(report: &IntegrityReport) -> &Alteration {
    report.alterations.first().unwrap_or_else(|| panic!("altération attendue : {report:?}"))
}

// ---------------------------------------------------------------- tests

async fn a_clean_history_verifies(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let empty = verify(&store).await;
    assert!(empty.is_intact() && empty.entries == 0 && empty.last_hash.is_none(), "{empty:?}");
    let (id, _) = history(&store).await;
    let report = verify(&store).await;
    assert!(report.is_intact(), "{:?}", report.alterations);
    let entries = store.audit(None, 1000).await.unwrap();
    assert_eq!(report.entries, entries.len() as u64);
    assert_eq!(report.versions, 2);
    // The first entry chains to GENESIS; each one to the one before; hashes are distinct.
    let hashes = strings(&store, "SELECT hash FROM audit_log ORDER BY id").await;
    let prevs = strings(&store, "SELECT prev_hash FROM audit_log ORDER BY id").await;
    assert_eq!(prevs[0].as_deref(), Some(GENESIS));
    for i in 1..hashes.len() {
        assert_eq!(prevs[i], hashes[i - 1]);
    }
    assert_eq!(report.last_hash, hashes.last().cloned().flatten());
    assert!(report
        .summary()
        .starts_with(&format!("Journal d’audit intègre : {} entrées chaînées, 2 versions", entries.len())));
    // Each frozen version's fingerprint is the SHA-256 of its text.
    let fingerprints = store.version_fingerprints(id).await.unwrap();
    let frozen = store.frozen_versions(id).await.unwrap();
    assert_eq!(fingerprints.len(), 2);
    for ((v, sha), (fv, _, text)) in fingerprints.iter().zip(&frozen) {
        assert_eq!(v, fv);
        assert_eq!(sha.as_deref(), Some(sha256_hex(text.as_bytes()).as_str()));
    }
    // The triggers still refuse changes.
    assert!(raw(&store, "UPDATE audit_log SET target = 'x'").await.is_err());
    assert!(raw(&store, "UPDATE report_versions SET sha256 = NULL").await.is_err());
    store.close().await;
}

async fn an_edited_entry_is_named(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let (_, transmission) = history(&store).await;
    drop_triggers(&store).await;
    let n = raw(&store, &format!("UPDATE audit_log SET target = 'rien' WHERE id = {transmission}"))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let report = verify(&store).await;
    match first(&report) {
        Alteration::EntryModified(e) => assert_eq!(e.id, transmission),
        other => panic!("{other:?}"),
    }
    let message = first(&report).to_string();
    assert!(
        message.starts_with(&format!("Journal d’audit altéré : l’entrée n° {transmission} (")),
        "{message}"
    );
    assert!(message.ends_with(", transmission du rapport 1) a été modifiée."), "{message}");
    store.close().await;
}

async fn an_edited_and_resealed_entry_is_named(url: String) {
    // Whoever recomputes the edited entry's own hash is caught by the next entry.
    let store = Store::connect(&url).await.unwrap();
    let (_, transmission) = history(&store).await;
    let entry = store.audit(None, 1000).await.unwrap().into_iter().find(|e| e.id == transmission).unwrap();
    let prev = strings(&store, &format!("SELECT prev_hash FROM audit_log WHERE id = {transmission}")).await;
    let forged = bilan_store::AuditEntry { target: "rien".into(), ..entry };
    let hash = bilan_store::verify::entry_hash(prev[0].as_deref().unwrap(), &forged);
    drop_triggers(&store).await;
    raw(&store, &format!("UPDATE audit_log SET target = 'rien', hash = '{hash}' WHERE id = {transmission}"))
        .await
        .unwrap();
    let report = verify(&store).await;
    assert!(matches!(first(&report), Alteration::EntryModified(e) if e.id == transmission), "{report:?}");
    store.close().await;
}

async fn an_inserted_entry_is_named(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let (id, _) = history(&store).await;
    drop_triggers(&store).await;
    raw(
        &store,
        &format!(
            "INSERT INTO audit_log (at, actor_id, actor_login, report_id, kind, target, before_value, after_value) \
             VALUES ('2026-03-01T10:00:00Z', NULL, NULL, {id}, 'report.status', 'transmission', 'adopte', 'transmis')"
        ),
    )
    .await
    .unwrap();
    let inserted = scalar_i64(&store, "SELECT MAX(id) FROM audit_log").await;
    // At the end of the journal...
    let report = verify(&store).await;
    assert!(matches!(first(&report), Alteration::EntryInserted(e) if e.id == inserted), "{report:?}");
    // ...and once the application has written after it.
    store.create_user(None, new_user("national", Role::NationalReader, None)).await.unwrap();
    let report = verify(&store).await;
    assert_eq!(report.alterations.len(), 1, "{report:?}");
    assert!(matches!(first(&report), Alteration::EntryInserted(e) if e.id == inserted), "{report:?}");
    assert_eq!(
        first(&report).to_string(),
        format!(
            "Journal d’audit altéré : l’entrée n° {inserted} (2026-03-01T10:00:00Z, transmission du rapport {id}) \
             a été insérée : elle n’est pas chaînée aux entrées qui l’entourent."
        )
    );
    store.close().await;
}

async fn a_deleted_entry_is_named(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let (_, transmission) = history(&store).await;
    let before =
        scalar_i64(&store, &format!("SELECT MAX(id) FROM audit_log WHERE id < {transmission}")).await;
    let after = scalar_i64(&store, &format!("SELECT MIN(id) FROM audit_log WHERE id > {transmission}")).await;
    drop_triggers(&store).await;
    assert_eq!(raw(&store, &format!("DELETE FROM audit_log WHERE id = {transmission}")).await.unwrap(), 1);
    let report = verify(&store).await;
    assert_eq!(first(&report), &Alteration::EntryRemoved { after: Some(before), before: after });
    assert_eq!(
        first(&report).to_string(),
        format!("Journal d’audit altéré : une entrée a été supprimée entre les n° {before} et {after}.")
    );
    // The first entry, too.
    raw(&store, "DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log)").await.unwrap();
    let report = verify(&store).await;
    assert!(matches!(first(&report), Alteration::EntryRemoved { after: None, .. }), "{report:?}");
    // The last one: SQLite remembers the highest number handed out; PostgreSQL's sequence
    // also moves on rollbacks, so only the anchor (the last hash, kept outside) shows it.
    if let Store::Sqlite(_) = store {
        let fresh_url = format!("{url}-fin");
        let fresh = Store::connect(&fresh_url).await.unwrap();
        history(&fresh).await;
        let last = scalar_i64(&fresh, "SELECT MAX(id) FROM audit_log").await;
        drop_triggers(&fresh).await;
        raw(&fresh, &format!("DELETE FROM audit_log WHERE id = {last}")).await.unwrap();
        let report = verify(&fresh).await;
        assert_eq!(first(&report), &Alteration::TailRemoved { last: Some(last - 1), high_water: last });
        fresh.close().await;
    }
    store.close().await;
}

async fn an_edited_frozen_version_is_named(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let (id, _) = history(&store).await;
    drop_triggers(&store).await;
    raw(
        &store,
        &format!(
            "UPDATE report_versions SET text = text || '# falsifié' WHERE report_id = {id} AND version = 1"
        ),
    )
    .await
    .unwrap();
    let report = verify(&store).await;
    assert_eq!(report.alterations.len(), 1, "{report:?}");
    match first(&report) {
        Alteration::VersionModified { report: r, version, .. } => assert_eq!((*r, *version), (id, 1)),
        other => panic!("{other:?}"),
    }
    assert!(first(&report)
        .to_string()
        .starts_with(&format!("Version figée altérée : la version 1 du rapport {id} (transmise le ")));
    // A version added by hand has no fingerprint.
    raw(
        &store,
        &format!("INSERT INTO report_versions (report_id, version, text, at) VALUES ({id}, 3, 'x', '2026-03-01T10:00:00Z')"),
    )
    .await
    .unwrap();
    let report = verify(&store).await;
    assert!(report.alterations.contains(&Alteration::VersionUnsealed {
        report: id,
        version: 3,
        at: "2026-03-01T10:00:00Z".into()
    }));
    store.close().await;
}

async fn concurrent_appends_never_fork(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let (id, _) = history(&store).await;
    let reviewer = store.user_by_login("prefecture03").await.unwrap().unwrap().id;
    // 20 writers at once, on separate connections: accounts and comments.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                s.create_user(None, new_user(&format!("agent{i}"), Role::NationalReader, None))
                    .await
                    .map(|_| ())
            } else {
                s.add_comment(reviewer, id, 2, &CommentTarget::Report, &format!("Remarque {i}"))
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let report = verify(&store).await;
    assert!(report.is_intact(), "{:?}", report.alterations);
    // No two entries chain to the same one.
    let prevs = strings(&store, "SELECT prev_hash FROM audit_log").await;
    let distinct: std::collections::BTreeSet<_> = prevs.iter().collect();
    assert_eq!(distinct.len(), prevs.len());
    assert_eq!(report.entries, prevs.len() as u64);
    store.close().await;
}

/// A database at schema 2 (before the chain) with a history written by the old store, then
/// opened by this one.
async fn rows_of_schema_2_are_sealed_once_at_connection(url: String) {
    let kind = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
    let dir = tempfile::tempdir().unwrap();
    for file in ["0001_initial.sql", "0002_state_review.sql"] {
        let from = format!("{}/migrations/{kind}/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(from, dir.path().join(file)).unwrap();
    }
    let old = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
    let legacy = [
        "INSERT INTO users (login, display_name, password_hash, role, territory, created_at) \
         VALUES ('editeur03', 'Agent', 'h', 'editeur', '03', '2025-01-01T00:00:00Z')",
        "INSERT INTO reports (department, year, programme, status, text, created_at, updated_at) \
         VALUES ('03', 2024, 'pacte', 'transmis', 'texte ancien', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
        "INSERT INTO audit_log (at, actor_id, actor_login, report_id, kind, target, before_value, after_value) \
         VALUES ('2025-01-01T00:00:00Z', NULL, NULL, NULL, 'user.create', 'editeur03', NULL, 'identifiant : editeur03')",
        "INSERT INTO audit_log (at, actor_id, actor_login, report_id, kind, target, before_value, after_value) \
         VALUES ('2025-01-02T00:00:00Z', 1, 'editeur03', 1, 'report.create', '03 2024', NULL, 'texte ancien')",
        "INSERT INTO audit_log (at, actor_id, actor_login, report_id, kind, target, before_value, after_value) \
         VALUES ('2025-01-03T00:00:00Z', 1, 'editeur03', 1, 'report.status', 'transmission', 'adopte', 'transmis')",
        "INSERT INTO report_versions (report_id, version, text, at) VALUES (1, 1, 'texte ancien', '2025-01-03T00:00:00Z')",
    ];
    if kind == "sqlite" {
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        old.run(&pool).await.unwrap();
        for sql in legacy {
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        old.run(&pool).await.unwrap();
        for sql in legacy {
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }

    let store = Store::connect(&url).await.unwrap();
    let report = verify(&store).await;
    assert!(report.is_intact(), "{:?}", report.alterations);
    assert_eq!((report.entries, report.versions), (3, 1));
    let sealed = report.last_hash.clone().expect("scellé");
    let fingerprints = store.version_fingerprints(1).await.unwrap();
    assert_eq!(fingerprints, vec![(1, Some(sha256_hex(b"texte ancien")))]);
    // The guards are back.
    assert!(raw(&store, "UPDATE audit_log SET target = 'x'").await.is_err());
    assert!(raw(&store, "DELETE FROM audit_log").await.is_err());
    assert!(raw(&store, "UPDATE report_versions SET text = 'x'").await.is_err());
    // New entries continue the chain.
    store.create_user(None, new_user("national", Role::NationalReader, None)).await.unwrap();
    let report = verify(&store).await;
    assert!(report.is_intact() && report.entries == 4, "{report:?}");
    assert_ne!(report.last_hash.as_deref(), Some(sealed.as_str()));
    store.close().await;

    // Sealing happens once: a row added by hand later stays unsealed, even across a restart.
    let store = Store::connect(&url).await.unwrap();
    raw(
        &store,
        "INSERT INTO audit_log (at, kind, target) VALUES ('2026-03-01T10:00:00Z', 'user.create', 'intrus')",
    )
    .await
    .unwrap();
    store.close().await;
    let store = Store::connect(&url).await.unwrap();
    let report = verify(&store).await;
    assert!(matches!(first(&report), Alteration::EntryInserted(e) if e.id == 5), "{report:?}");
    store.close().await;
}

/// An administrator deactivates and reactivates an account (its row locked FOR UPDATE, then
/// an audit entry) while that account saves a report (its audit entry refers to the
/// account): the chain's lock must not close a cycle with the row lock (PostgreSQL would
/// abort one of them as a deadlock).
async fn account_changes_and_the_accounts_own_writes_do_not_deadlock(url: String) {
    let store = Store::connect(&url).await.unwrap();
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    let editor =
        store.create_user(None, new_user("editeur03", Role::DepartmentEditor, Some("03"))).await.unwrap();
    let id = store.create_report(Some(editor), "03", 2024, "pacte", TEXT, &[]).await.unwrap();
    let rounds = 15;
    let s = store.clone();
    let toggles = tokio::spawn(async move {
        for i in 0..rounds {
            s.set_user_active(admin, editor, i % 2 == 1).await.unwrap();
        }
    });
    let s = store.clone();
    let saves = tokio::spawn(async move {
        for i in 0..rounds {
            let revision = s.report(id).await.unwrap().unwrap().summary.revision;
            let save =
                s.update_report(editor, id, EditScope::Whole { expected_revision: revision }, move |r| {
                    Ok(Edit {
                        text: format!("{}# {i}\n", r.text),
                        audit_action: "action.save".into(),
                        audit_target: "mesures[0]".into(),
                        before: None,
                        after: Some(format!("{i}")),
                        actions: Vec::new(),
                    })
                });
            save.await.unwrap();
        }
    });
    let (a, b) = tokio::join!(toggles, saves);
    a.unwrap();
    b.unwrap();
    let report = verify(&store).await;
    assert!(report.is_intact(), "{:?}", report.alterations);
    store.close().await;
}
