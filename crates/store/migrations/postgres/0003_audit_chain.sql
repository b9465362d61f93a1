-- bilan-store, PostgreSQL schema 3: the tamper-evident audit trail (issue 9, item 6).
--
-- Each journal entry stores the hash of the entry before it and its own hash:
-- hash = SHA-256(prev_hash || canonical encoding of every column, id included), in
-- lowercase hex (the encoding is described in `src/verify.rs` and docs/store-api.md). Each
-- frozen version stores the SHA-256 of its text.
--
-- The hashes are computed by the store, in Rust, for both databases (one implementation of
-- the encoding): the rows that exist when this migration runs are sealed right after the
-- migrations, at connection (`seal_legacy` in backend.rs), in one transaction, only while
-- no row of the table is sealed yet. That transaction takes the journal's advisory lock,
-- then disables the append-only trigger (ALTER TABLE … DISABLE TRIGGER, which holds an
-- ACCESS EXCLUSIVE lock on the table until commit: no other transaction can read or write
-- it meanwhile), fills the NULL hashes and enables the trigger again before it commits; a
-- failure rolls everything back, trigger state included. Every entry written afterwards is
-- sealed by the store when it is inserted, under the same advisory lock, so that the chain
-- never forks.

ALTER TABLE audit_log ADD COLUMN prev_hash TEXT CHECK (prev_hash IS NULL OR length(prev_hash) = 64);
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (hash IS NULL OR length(hash) = 64);

ALTER TABLE report_versions ADD COLUMN sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64);
