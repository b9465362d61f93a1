-- bilan-store, SQLite schema 3: the tamper-evident audit trail (issue 9, item 6).
--
-- Each journal entry stores the hash of the entry before it and its own hash:
-- hash = SHA-256(prev_hash || canonical encoding of every column, id included), in
-- lowercase hex (the encoding is described in `src/verify.rs` and docs/store-api.md). Each
-- frozen version stores the SHA-256 of its text.
--
-- SQLite cannot hash: the rows that exist when this migration runs get their hashes from
-- the store right after the migrations, at connection (`seal_legacy` in backend.rs), in one
-- write transaction, only while no row of the table is sealed yet. That transaction lifts
-- the append-only trigger on UPDATE for the time of the backfill and puts back the same
-- trigger (read from sqlite_master) before it commits: DDL is transactional in SQLite and
-- BEGIN IMMEDIATE holds the database's write lock, so no other connection ever sees the
-- table without its trigger, and a failure rolls everything back, trigger included.
-- Every entry written afterwards is sealed by the store when it is inserted.

ALTER TABLE audit_log ADD COLUMN prev_hash TEXT CHECK (prev_hash IS NULL OR length(prev_hash) = 64);
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (hash IS NULL OR length(hash) = 64);

ALTER TABLE report_versions ADD COLUMN sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64);
