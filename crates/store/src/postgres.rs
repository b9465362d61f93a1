//! PostgreSQL. Write transactions run at READ COMMITTED and lock the report row with
//! `SELECT … FOR UPDATE` before reading it, so concurrent edits of one report queue up
//! and each sees the previous one's result; reads of a whole report use one
//! REPEATABLE READ snapshot.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Pool, Postgres, Transaction};

use crate::StoreError;

type Db = Postgres;
type Backend = PgStore;

const FOR_UPDATE: &str = " FOR UPDATE";

/// Claiming outbox rows: a row another sender is claiming is skipped, not waited for.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// The position of a substring (0: absent), for the lists of territories.
const STRPOS: &str = "strpos";

/// Serialises the read-count-insert of one login-attempt counter across connections.
const KEY_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(hashtext($1))");

/// Serialises the appends to the audit chain: taken before the last hash is read and held
/// until the transaction ends, so two writers cannot both chain to the same entry. The
/// two-key form (`'bila'`, 1) lives in another key space than `KEY_LOCK`'s single key.
/// Write transactions run at READ COMMITTED: the read that follows the lock sees the
/// entry of the writer that held it before.
const AUDIT_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(1651076193, 1)");

/// The number of the next audit entry, taken (under `AUDIT_LOCK`, so in chain order)
/// before the insert because it is part of the entry's hash.
const AUDIT_NEXT_ID: &str = "SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))";

/// `audit_log.id` is GENERATED ALWAYS: an explicit id needs this clause.
const OVERRIDING_ID: &str = " OVERRIDING SYSTEM VALUE";

/// PostgreSQL's sequence also moves on inserts that roll back: no high-water check.
const AUDIT_HIGH_WATER: Option<&str> = None;

/// The migrations of `migrations/postgres`, compiled in: sqlx records each by version and
/// SHA-384 of its SQL in `_sqlx_migrations` and refuses a database whose applied
/// migrations were edited since (`build.rs` makes new files rebuild the crate).
static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// The store on a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    pub(crate) figures: Option<crate::FiguresOf>,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new().max_connections(10).connect(url).await?;
        MIGRATOR.run(&pool).await?;
        let store = PgStore { pool, figures: None };
        store.seal_legacy().await?;
        Ok(store)
    }

    /// The connection pool (for maintenance and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin().await
}

async fn begin_read(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await
}

/// Lifts the append-only guard against UPDATE of `table` (its `<table>_append_only`
/// trigger) inside the caller's transaction, for the one-time sealing of rows written
/// before schema 3. `DISABLE TRIGGER` holds an ACCESS EXCLUSIVE lock on the table until
/// the transaction ends: nobody else sees the table unguarded.
async fn lift_update_guard(
    conn: &mut sqlx::PgConnection,
    table: &str,
) -> Result<Option<String>, sqlx::Error> {
    let name = format!("{table}_append_only");
    sqlx::raw_sql(&format!("ALTER TABLE \"{table}\" DISABLE TRIGGER \"{name}\"")).execute(&mut *conn).await?;
    Ok(Some(name))
}

/// Enables again the trigger that [`lift_update_guard`] disabled, in the same transaction.
async fn restore_update_guard(
    conn: &mut sqlx::PgConnection,
    table: &str,
    saved: Option<String>,
) -> Result<(), sqlx::Error> {
    if let Some(name) = saved {
        sqlx::raw_sql(&format!("ALTER TABLE \"{table}\" ENABLE TRIGGER \"{name}\""))
            .execute(&mut *conn)
            .await?;
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
