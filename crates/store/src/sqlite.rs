//! SQLite: one file in WAL mode, `synchronous = NORMAL` (a committed transaction survives
//! a crash of the process; only a power loss may lose the last ones), `busy_timeout` 5 s,
//! foreign keys on. Every write transaction starts with `BEGIN IMMEDIATE`: it takes the
//! database's write lock before its first read, so read-modify-write cannot interleave.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Pool, Sqlite, Transaction};

use crate::{migrator, StoreError};

type Db = Sqlite;
type Backend = SqliteStore;

/// SQLite has no row locks: `BEGIN IMMEDIATE` already serialises writers.
const FOR_UPDATE: &str = "";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, "state review", include_str!("../migrations/sqlite/0002_state_review.sql")),
];

/// The store on a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
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
        migrator(MIGRATIONS).await?.run(&pool).await?;
        Ok(SqliteStore { pool })
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

// The same implementation file is compiled once per database, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "backend.rs"]
mod backend;
