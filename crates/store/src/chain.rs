//! The audit chain and the fingerprints of frozen versions, written once and compiled once
//! per database like `backend.rs` (see `verify.rs` for what is hashed and how).
//!
//! `sqlite.rs` and `postgres.rs` define, besides what `backend.rs` needs, `AUDIT_LOCK`
//! (what serialises appends: nothing in SQLite, whose `BEGIN IMMEDIATE` holds the write
//! lock; an advisory transaction lock in PostgreSQL), `AUDIT_NEXT_ID`, `OVERRIDING_ID`,
//! `AUDIT_HIGH_WATER` and `lift_update_guard` / `restore_update_guard` (the one-time
//! sealing of rows written before schema 3 has to update them).

use sqlx::{Database, Row};

use super::{
    begin_read, begin_write, lift_update_guard, restore_update_guard, Backend, Db, AUDIT_HIGH_WATER,
    AUDIT_LOCK, AUDIT_NEXT_ID, OVERRIDING_ID,
};
use crate::verify::{
    columns_hash, entry_hash, sha256_hex, Alteration, ChainWalker, ChainedRow, EntryColumns, IntegrityReport,
    GENESIS,
};
use crate::{constraint_error, AuditEntry, Id, StoreError};

type Conn = <Db as Database>::Connection;
type DbRow = <Db as Database>::Row;

/// Rows read per query when walking a table.
const PAGE: i64 = 500;

const AUDIT_COLUMNS: &str =
    "id, at, actor_id, actor_login, report_id, kind, target, before_value, after_value, prev_hash, hash";

/// PostgreSQL: the lock an entry's foreign keys take on the rows it refers to (actor,
/// report), taken *before* the chain's lock. Otherwise a writer holding the chain's lock
/// would wait, at its insert, for a row that another writer locked FOR UPDATE before
/// waiting for the chain's lock (an account deactivated while it saves a report): a
/// deadlock. SQLite's writers are serialised from their first statement: nothing to do.
const KEY_SHARE: &str = if AUDIT_LOCK.is_some() { " FOR KEY SHARE" } else { "" };

/// Takes the lock that serialises appends to the chain (held until the transaction ends).
async fn lock_chain(conn: &mut Conn) -> Result<(), sqlx::Error> {
    if let Some(sql) = AUDIT_LOCK {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The hash the next entry links to: the last sealed entry's (an unsealed row, written
/// outside the store, is left out of the chain, so `verify` names it as inserted).
async fn chain_head(conn: &mut Conn) -> Result<String, sqlx::Error> {
    let head: Option<String> =
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(head.unwrap_or_else(|| GENESIS.to_owned()))
}

/// The columns of an entry to append (everything but its number and login, which the
/// store reads).
pub(super) struct NewEntry<'a> {
    pub actor: Option<Id>,
    pub report: Option<Id>,
    pub kind: &'a str,
    pub target: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// Appends a sealed entry to the audit log, in the caller's *write* transaction (on
/// PostgreSQL at READ COMMITTED, as `begin_write` opens it): locks the rows the entry
/// refers to, takes the chain's lock, reads the last hash, numbers the entry, hashes it and
/// inserts it. The chain's lock is held until the caller's transaction ends, so no other
/// writer can chain to the same entry; a caller should therefore append last, and must not
/// lock new rows after appending (a cycle with a writer waiting for the chain's lock).
pub(super) async fn append_entry(conn: &mut Conn, at: &str, e: NewEntry<'_>) -> Result<(), StoreError> {
    let actor_login: Option<String> = match e.actor {
        Some(actor) => {
            let sql = format!("SELECT login FROM users WHERE id = $1{KEY_SHARE}");
            sqlx::query_scalar(&sql).bind(actor).fetch_optional(&mut *conn).await?
        }
        None => None,
    };
    if let Some(report) = e.report {
        let sql = format!("SELECT id FROM reports WHERE id = $1{KEY_SHARE}");
        let _: Option<Id> = sqlx::query_scalar(&sql).bind(report).fetch_optional(&mut *conn).await?;
    }
    lock_chain(conn).await?;
    let prev = chain_head(conn).await?;
    let id: Id = sqlx::query_scalar(AUDIT_NEXT_ID).fetch_one(&mut *conn).await?;
    let columns = EntryColumns {
        id,
        at,
        actor: e.actor,
        actor_login: actor_login.as_deref(),
        report: e.report,
        kind: e.kind,
        target: e.target,
        before: e.before,
        after: e.after,
    };
    let hash = columns_hash(&prev, &columns);
    let sql = format!(
        "INSERT INTO audit_log (id, at, actor_id, actor_login, report_id, kind, target, before_value, \
                                after_value, prev_hash, hash){OVERRIDING_ID} \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(at)
        .bind(e.actor)
        .bind(&actor_login)
        .bind(e.report)
        .bind(e.kind)
        .bind(e.target)
        .bind(e.before)
        .bind(e.after)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(constraint_error)?;
    Ok(())
}

/// Freezes `text` as `version` of `report` with its SHA-256, unless that version is frozen
/// already (a reopened report is transmitted again with the same version).
pub(super) async fn freeze_version(
    conn: &mut Conn,
    report: Id,
    version: i32,
    text: &str,
    at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_versions (report_id, version, text, at, sha256) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (report_id, version) DO NOTHING",
    )
    .bind(report)
    .bind(version)
    .bind(text)
    .bind(at)
    .bind(sha256_hex(text.as_bytes()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn chained_row(r: &DbRow) -> Result<ChainedRow, sqlx::Error> {
    Ok(ChainedRow {
        entry: AuditEntry {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor_id")?,
            actor_login: r.try_get("actor_login")?,
            report_id: r.try_get("report_id")?,
            action: r.try_get("kind")?,
            target: r.try_get("target")?,
            before: r.try_get("before_value")?,
            after: r.try_get("after_value")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

async fn audit_page(conn: &mut Conn, after: Id) -> Result<Vec<ChainedRow>, sqlx::Error> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(&sql).bind(after).bind(PAGE).fetch_all(&mut *conn).await?;
    rows.iter().map(chained_row).collect()
}

/// A frozen version as stored.
struct FrozenRow {
    report: Id,
    version: i32,
    at: String,
    text: String,
    sha256: Option<String>,
}

async fn versions_page(conn: &mut Conn, after: (Id, i32)) -> Result<Vec<FrozenRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT report_id, version, at, text, sha256 FROM report_versions \
         WHERE report_id > $1 OR (report_id = $1 AND version > $2) \
         ORDER BY report_id, version LIMIT $3",
    )
    .bind(after.0)
    .bind(after.1)
    .bind(PAGE)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FrozenRow {
                report: r.try_get("report_id")?,
                version: r.try_get("version")?,
                at: r.try_get("at")?,
                text: r.try_get("text")?,
                sha256: r.try_get("sha256")?,
            })
        })
        .collect()
}

impl Backend {
    /// Seals the rows written before schema 3, once: the audit entries (in id order, from
    /// [`GENESIS`]) if no entry is sealed yet, the frozen versions if none has a
    /// fingerprint yet. Run at connection, after the migrations, in one write transaction
    /// that lifts the tables' append-only guard against UPDATE and puts it back before it
    /// commits (see the migration `0003_audit_chain.sql` for why this is sound). Once a
    /// table holds one sealed row, an unsealed one can only have been written outside the
    /// store: it is left for `verify` to report, never sealed.
    pub(crate) async fn seal_legacy(&self) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        lock_chain(&mut tx).await?;
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        let entries_sealed =
            count("SELECT COUNT(*) FROM audit_log WHERE hash IS NOT NULL OR prev_hash IS NOT NULL")
                .fetch_one(&mut *tx)
                .await?;
        let entries_unsealed =
            count("SELECT COUNT(*) FROM audit_log WHERE hash IS NULL").fetch_one(&mut *tx).await?;
        let versions_sealed = count("SELECT COUNT(*) FROM report_versions WHERE sha256 IS NOT NULL")
            .fetch_one(&mut *tx)
            .await?;
        let versions_unsealed =
            count("SELECT COUNT(*) FROM report_versions WHERE sha256 IS NULL").fetch_one(&mut *tx).await?;
        let seal_entries = entries_sealed == 0 && entries_unsealed > 0;
        let seal_versions = versions_sealed == 0 && versions_unsealed > 0;
        if !seal_entries && !seal_versions {
            tx.rollback().await?;
            return Ok(());
        }
        if seal_entries {
            let guard = lift_update_guard(&mut tx, "audit_log").await?;
            let (mut prev, mut after) = (GENESIS.to_owned(), Id::MIN);
            loop {
                let rows = audit_page(&mut tx, after).await?;
                let Some(last) = rows.last() else { break };
                after = last.entry.id;
                for r in rows {
                    let hash = entry_hash(&prev, &r.entry);
                    sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                        .bind(&prev)
                        .bind(&hash)
                        .bind(r.entry.id)
                        .execute(&mut *tx)
                        .await?;
                    prev = hash;
                }
            }
            restore_update_guard(&mut tx, "audit_log", guard).await?;
        }
        if seal_versions {
            let guard = lift_update_guard(&mut tx, "report_versions").await?;
            let mut after = (Id::MIN, i32::MIN);
            loop {
                let rows = versions_page(&mut tx, after).await?;
                let Some(last) = rows.last() else { break };
                after = (last.report, last.version);
                for v in rows {
                    sqlx::query(
                        "UPDATE report_versions SET sha256 = $1 WHERE report_id = $2 AND version = $3",
                    )
                    .bind(sha256_hex(v.text.as_bytes()))
                    .bind(v.report)
                    .bind(v.version)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            restore_update_guard(&mut tx, "report_versions", guard).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Walks the audit chain and the frozen versions in one read snapshot.
    pub async fn verify_integrity(&self) -> Result<IntegrityReport, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let mut walker = ChainWalker::new();
        let mut after = Id::MIN;
        loop {
            let rows = audit_page(&mut tx, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.entry.id;
            for r in rows {
                walker.push(r);
            }
        }
        let (entries, last_id, last_hash, chain_alteration) = walker.finish();
        let mut alterations: Vec<Alteration> = chain_alteration.into_iter().collect();
        if alterations.is_empty() {
            if let Some(sql) = AUDIT_HIGH_WATER {
                let high: Option<Option<i64>> = sqlx::query_scalar(sql).fetch_optional(&mut *tx).await?;
                if let Some(high_water) = high.flatten() {
                    if high_water > last_id.unwrap_or(0) {
                        alterations.push(Alteration::TailRemoved { last: last_id, high_water });
                    }
                }
            }
        }
        let mut versions = 0u64;
        let mut after = (Id::MIN, i32::MIN);
        loop {
            let rows = versions_page(&mut tx, after).await?;
            let Some(last) = rows.last() else { break };
            after = (last.report, last.version);
            for v in rows {
                versions += 1;
                let (report, version, at) = (v.report, v.version, v.at);
                match v.sha256 {
                    None => alterations.push(Alteration::VersionUnsealed { report, version, at }),
                    Some(sha) if sha != sha256_hex(v.text.as_bytes()) => {
                        alterations.push(Alteration::VersionModified { report, version, at })
                    }
                    Some(_) => {}
                }
            }
        }
        tx.commit().await?;
        Ok(IntegrityReport { entries, versions, last_hash, alterations })
    }

    /// The stored SHA-256 of each frozen version of a report, oldest first (`None` for a
    /// version written outside the store).
    pub async fn version_fingerprints(&self, id: Id) -> Result<Vec<(i32, Option<String>)>, StoreError> {
        let rows =
            sqlx::query("SELECT version, sha256 FROM report_versions WHERE report_id = $1 ORDER BY version")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("version")?, r.try_get("sha256")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }
}
