-- bilan-store, SQLite schema 2: the State side of the review (issue 5). API tokens of the
-- read-only REST API, review comments, credit decisions and the State amount of the
-- convention for the next year. Timestamps are RFC 3339 UTC text written by the store.

-- Tokens of the read-only API, stored hashed (SHA-256 hex of the token, computed by the
-- caller). A revoked token is kept (revoked_at set) so the list shows it.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (name <> ''),
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- Review comments, attached to a version of a report and a target:
--   'rapport'    the whole report          (no key, no path)
--   'action'     an action                 (key: action number)
--   'ligne'      a line of the report      (path)
--   'diagnostic' a diagnostic of the check (key: code, path)
-- Append-only.
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    kind        TEXT    NOT NULL CHECK (kind IN ('rapport', 'action', 'ligne', 'diagnostic')),
    target_key  TEXT    CHECK (target_key <> ''),
    target_path TEXT    CHECK (target_path <> ''),
    text        TEXT    NOT NULL CHECK (text <> '' AND length(text) <= 4000),
    author_id   INTEGER NOT NULL REFERENCES users (id),
    at          TEXT    NOT NULL,
    CHECK ((target_key IS NOT NULL) = (kind IN ('action', 'diagnostic'))),
    CHECK ((target_path IS NOT NULL) = (kind IN ('ligne', 'diagnostic')))
) STRICT;
CREATE INDEX comments_report ON comments (report_id, at, id);
CREATE TRIGGER comments_no_update BEFORE UPDATE ON comments
BEGIN
    SELECT RAISE(ABORT, 'un commentaire ne se modifie pas');
END;
CREATE TRIGGER comments_no_delete BEFORE DELETE ON comments
BEGIN
    SELECT RAISE(ABORT, 'un commentaire ne se supprime pas');
END;

-- The reviewer's decision on each credit line requested for the next year.
CREATE TABLE credit_decisions (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    action    TEXT    NOT NULL,
    line      TEXT    NOT NULL,
    accept    INTEGER NOT NULL CHECK (accept IN (0, 1)),
    reason    TEXT    NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users (id),
    at        TEXT    NOT NULL,
    PRIMARY KEY (report_id, action, line)
) STRICT;

-- The State amount of the convention for the next year, entered by the reviewer, in
-- exact cents (never a float).
CREATE TABLE next_year_amounts (
    report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    cents     INTEGER NOT NULL CHECK (cents >= 0),
    author_id INTEGER NOT NULL REFERENCES users (id),
    at        TEXT    NOT NULL
) STRICT;
