-- bilan-store, PostgreSQL schema 1 (same tables as the SQLite one). Timestamps are
-- RFC 3339 UTC text written by the store (YYYY-MM-DDTHH:MM:SSZ: text order is time order).
-- Money never appears in a column: the report's TOML text holds it in exact cents.

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         TEXT    NOT NULL CHECK (login <> ''),
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL
                  CHECK (role IN ('editeur', 'signataire', 'prefecture', 'region', 'national', 'admin')),
    territory     TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT    NOT NULL
);
-- Logins are unique without regard to case.
CREATE UNIQUE INDEX users_login ON users (lower(login));

CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at TEXT   NOT NULL,
    expires_at TEXT   NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE reports (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department          TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    programme           TEXT    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'brouillon'
                        CHECK (status IN ('brouillon', 'adopte', 'transmis', 'a_corriger', 'approuve')),
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    revision            BIGINT  NOT NULL DEFAULT 1 CHECK (revision >= 1),
    text                TEXT    NOT NULL,
    deliberation_number TEXT,
    deliberation_date   TEXT,
    transmitted_at      TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    -- One report per département and year; its versions live in report_versions.
    UNIQUE (department, year)
);
CREATE INDEX reports_status ON reports (status);
CREATE INDEX reports_year ON reports (year);

-- Optimistic lock of each action form.
CREATE TABLE action_revisions (
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    number    TEXT   NOT NULL,
    revision  BIGINT NOT NULL CHECK (revision >= 1),
    PRIMARY KEY (report_id, number)
);

-- Immutable copies of the transmitted texts.
CREATE TABLE report_versions (
    report_id BIGINT  NOT NULL REFERENCES reports (id),
    version   INTEGER NOT NULL CHECK (version >= 1),
    text      TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    PRIMARY KEY (report_id, version)
);

CREATE TABLE justifications (
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code      TEXT   NOT NULL,
    path      TEXT   NOT NULL,
    text      TEXT   NOT NULL CHECK (text <> ''),
    author_id BIGINT NOT NULL REFERENCES users (id),
    at        TEXT   NOT NULL,
    PRIMARY KEY (report_id, code, path)
);

-- Append-only.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TEXT   NOT NULL,
    actor_id     BIGINT REFERENCES users (id),
    actor_login  TEXT,
    report_id    BIGINT REFERENCES reports (id),
    kind         TEXT   NOT NULL,
    target       TEXT   NOT NULL,
    before_value TEXT,
    after_value  TEXT
);
CREATE INDEX audit_log_report ON audit_log (report_id, id);

CREATE TABLE login_failures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_key TEXT   NOT NULL,
    at          TEXT   NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (attempt_key, at);

-- report_versions and audit_log are append-only.
CREATE FUNCTION bilan_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table en ajout seul : %', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER report_versions_append_only BEFORE UPDATE OR DELETE ON report_versions
    FOR EACH ROW EXECUTE FUNCTION bilan_refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION bilan_refuse_change();
