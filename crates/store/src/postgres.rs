//! PostgreSQL. Write transactions run at READ COMMITTED and lock the report row with
//! `SELECT … FOR UPDATE` before reading it, so concurrent edits of one report queue up
//! and each sees the previous one's result; reads of a whole report use one
//! REPEATABLE READ snapshot.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Pool, Postgres, Transaction};

use crate::{migrator, StoreError};

type Db = Postgres;
type Backend = PgStore;

const FOR_UPDATE: &str = " FOR UPDATE";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/postgres/0001_initial.sql")),
    (2, "state review", include_str!("../migrations/postgres/0002_state_review.sql")),
];

/// The store on a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new().max_connections(10).connect(url).await?;
        migrator(MIGRATIONS).await?.run(&pool).await?;
        Ok(PgStore { pool })
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

// The same implementation file is compiled once per database, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "backend.rs"]
mod backend;
