//! What the store's integration tests share: a fresh SQLite file or PostgreSQL database per
//! test, raw SQL as someone with direct access to the database would run it, and accounts.
//!
//! PostgreSQL: `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); unreachable, the tests fail unless
//! `BILAN_SKIP_POSTGRES=1`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use bilan_store::{NewUser, Role, Store};
use sqlx::Connection;

pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dossier temporaire");
    let url = format!("sqlite://{}", dir.path().join("bilan.db").display());
    let store = Store::connect(&url).await.expect("ouverture SQLite");
    (store, dir)
}

fn maintenance_url() -> String {
    std::env::var("BILAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database created for one test, dropped with this value (even when the test panics).
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

static PG_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl PgDatabase {
    /// Creates `bilan_test_<pid>_<n>`; `None` only when `BILAN_SKIP_POSTGRES=1`.
    pub async fn create() -> Option<PgDatabase> {
        if std::env::var("BILAN_SKIP_POSTGRES").as_deref() == Ok("1") {
            eprintln!("PostgreSQL sauté (BILAN_SKIP_POSTGRES=1)");
            return None;
        }
        let admin_url = maintenance_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => panic!(
                "PostgreSQL injoignable à {admin_url} ({e}); démarrez le serveur \
                 ou posez BILAN_SKIP_POSTGRES=1 pour sauter ces tests"
            ),
        };
        drop_stale_databases(&mut admin).await;
        let name = format!("bilan_test_{}_{}", std::process::id(), PG_COUNTER.fetch_add(1, Ordering::SeqCst));
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
        admin.close().await.ok();
        let (server, _) = admin_url.rsplit_once('/').expect("URL postgres://…/base");
        Some(PgDatabase { url: format!("{server}/{name}"), name })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // On a thread of its own: the test's runtime may be unwinding.
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&maintenance_url()).await?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("base de test {} non supprimée", self.name);
        }
    }
}

/// Drops the test databases left by runs whose process is gone.
async fn drop_stale_databases(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'bilan\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut *admin)
                    .await;
            }
        }
    }
}

/// Raw SQL on either database, as someone with direct access to it would run it (to prove
/// constraints and triggers the API cannot get past).
pub async fn raw(store: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    match store {
        Store::Sqlite(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(|r| r.rows_affected()),
        Store::Postgres(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(|r| r.rows_affected()),
    }
}

pub fn new_user(login: &str, role: Role, territory: Option<&str>) -> NewUser {
    NewUser {
        login: login.to_owned(),
        display_name: format!("Agent {login}"),
        password_hash: format!("$argon2id$hash-de-{login}"),
        role,
        territory: territory.map(str::to_owned),
        email: None,
    }
}
