//! SQLite: one file in WAL mode, `synchronous = NORMAL` (a committed transaction survives
//! a crash of the process; only a power loss may lose the last ones), `busy_timeout` 5 s,
//! foreign keys on. Every write transaction starts with `BEGIN IMMEDIATE`: it takes the
//! database's write lock before its first read, so read-modify-write cannot interleave.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Pool, Sqlite, Transaction};

use crate::StoreError;

type Db = Sqlite;
type Backend = SqliteStore;

/// SQLite has no row locks: `BEGIN IMMEDIATE` already serialises writers.
const FOR_UPDATE: &str = "";

/// SQLite has no row locks: one writer at a time already keeps two claimers apart.
const SKIP_LOCKED: &str = "";

/// The position of a substring (0: absent), for the lists of territories.
const STRPOS: &str = "instr";

/// SQLite: `BEGIN IMMEDIATE` already serialises the login-attempt counters.
const KEY_LOCK: Option<&str> = None;

/// Serialises the appends to the audit chain: nothing to do, `BEGIN IMMEDIATE` already
/// holds the database's write lock when the last hash is read.
const AUDIT_LOCK: Option<&str> = None;

/// The number of the next audit entry, computed before the insert because it is part of
/// the entry's hash: never a number handed out before (`sqlite_sequence` remembers the
/// highest one, as AUTOINCREMENT does), so a removed last entry stays visible.
const AUDIT_NEXT_ID: &str = "SELECT MAX(n) + 1 FROM (SELECT COALESCE(MAX(id), 0) AS n FROM audit_log \
     UNION ALL SELECT seq AS n FROM sqlite_sequence WHERE name = 'audit_log')";

/// Inserting an explicit id needs no clause in SQLite.
const OVERRIDING_ID: &str = "";

/// The highest audit number ever handed out: above the last entry's, entries were cut off
/// the end of the journal (inserts that roll back do not move it).
const AUDIT_HIGH_WATER: Option<&str> = Some("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");

/// The migrations of `migrations/sqlite`, compiled in: sqlx records each by version and
/// SHA-384 of its SQL in `_sqlx_migrations` and refuses a database whose applied
/// migrations were edited since (`build.rs` makes new files rebuild the crate).
static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// The store on a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    pub(crate) figures: Option<crate::FiguresOf>,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database of `url` (`sqlite://PATH`,
    /// `sqlite:PATH` or `sqlite::memory:`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // An in-memory database lives in one connection: keep exactly that one.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await?
        };
        MIGRATOR.run(&pool).await?;
        let store = SqliteStore { pool, figures: None };
        store.seal_legacy().await?;
        Ok(store)
    }

    /// The connection pool (for maintenance and tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// A deferred transaction reads one WAL snapshot.
async fn begin_read(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin().await
}

/// Lifts the append-only guard against UPDATE of `table` (its `<table>_no_update`
/// trigger) inside the caller's write transaction, for the one-time sealing of rows written
/// before schema 3; returns the trigger's SQL, for [`restore_update_guard`].
async fn lift_update_guard(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
) -> Result<Option<String>, sqlx::Error> {
    let name = format!("{table}_no_update");
    let sql: Option<String> =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1")
            .bind(&name)
            .fetch_optional(&mut *conn)
            .await?;
    if sql.is_some() {
        sqlx::raw_sql(&format!("DROP TRIGGER \"{name}\"")).execute(&mut *conn).await?;
    }
    Ok(sql)
}

/// Puts back the trigger that [`lift_update_guard`] removed, in the same transaction.
async fn restore_update_guard(
    conn: &mut sqlx::SqliteConnection,
    _table: &str,
    saved: Option<String>,
) -> Result<(), sqlx::Error> {
    if let Some(sql) = saved {
        sqlx::raw_sql(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}

// The same implementation file is compiled once per database, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "backend.rs"]
mod backend;

// The audit chain, compiled once per database like `backend.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "chain.rs"]
mod chain;
