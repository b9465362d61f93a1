-- bilan-store, SQLite schema 1. Timestamps are RFC 3339 UTC text written by the store
-- (YYYY-MM-DDTHH:MM:SSZ: text order is time order). Money never appears in a column: the
-- report's TOML text holds it in exact cents.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT    NOT NULL CHECK (login <> ''),
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL
                  CHECK (role IN ('editeur', 'signataire', 'prefecture', 'region', 'national', 'admin')),
    territory     TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL
) STRICT;
-- Logins are unique without regard to case.
CREATE UNIQUE INDEX users_login ON users (lower(login));

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    department          TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    programme           TEXT    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'brouillon'
                        CHECK (status IN ('brouillon', 'adopte', 'transmis', 'a_corriger', 'approuve')),
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    revision            INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    text                TEXT    NOT NULL,
    deliberation_number TEXT,
    deliberation_date   TEXT,
    transmitted_at      TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    -- One report per département and year; its versions live in report_versions.
    UNIQUE (department, year)
) STRICT;
CREATE INDEX reports_status ON reports (status);
CREATE INDEX reports_year ON reports (year);

-- Optimistic lock of each action form.
CREATE TABLE action_revisions (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    number    TEXT    NOT NULL,
    revision  INTEGER NOT NULL CHECK (revision >= 1),
    PRIMARY KEY (report_id, number)
) STRICT, WITHOUT ROWID;

-- Immutable copies of the transmitted texts.
CREATE TABLE report_versions (
    report_id INTEGER NOT NULL REFERENCES reports (id),
    version   INTEGER NOT NULL CHECK (version >= 1),
    text      TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    PRIMARY KEY (report_id, version)
) STRICT;
CREATE TRIGGER report_versions_no_update BEFORE UPDATE ON report_versions
BEGIN
    SELECT RAISE(ABORT, 'une version transmise ne se modifie pas');
END;
CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions
BEGIN
    SELECT RAISE(ABORT, 'une version transmise ne se supprime pas');
END;

CREATE TABLE justifications (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code      TEXT    NOT NULL,
    path      TEXT    NOT NULL,
    text      TEXT    NOT NULL CHECK (text <> ''),
    author_id INTEGER NOT NULL REFERENCES users (id),
    at        TEXT    NOT NULL,
    PRIMARY KEY (report_id, code, path)
) STRICT;

-- Append-only.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT    NOT NULL,
    actor_id     INTEGER REFERENCES users (id),
    actor_login  TEXT,
    report_id    INTEGER REFERENCES reports (id),
    kind         TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    before_value TEXT,
    after_value  TEXT
) STRICT;
CREATE INDEX audit_log_report ON audit_log (report_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'le journal ne se modifie pas');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'le journal ne se supprime pas');
END;

CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    attempt_key TEXT    NOT NULL,
    at          TEXT    NOT NULL
) STRICT;
CREATE INDEX login_failures_key_at ON login_failures (attempt_key, at);
