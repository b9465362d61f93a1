-- bilan-store, PostgreSQL schema 5 (issue 11, same tables as the SQLite one): reference
-- data as versioned documents, campaigns, and collectivités as the keys of reports.
-- Timestamps are RFC 3339 UTC text written by the store; dates (deadlines) are YYYY-MM-DD.
--
-- A list of codes (the Départements a report or a convention covers) is one TEXT column
-- of codes joined by commas, without spaces, e.g. '67,68': ASCII letters and digits
-- only, no empty code. The store writes the principal territory first.

-- Reports: `department` now holds the code of the signatory collectivité. For an
-- ordinary Département it stays its INSEE code (existing rows need no change); the
-- others have their own code ('69M' Métropole de Lyon, 'CEA' Collectivité européenne
-- d'Alsace…). `territories` lists the Départements the report covers: for every
-- existing row, its department alone. UNIQUE (department, year) now reads "one report
-- per collectivité and year".
ALTER TABLE reports ADD COLUMN territories TEXT;
UPDATE reports SET territories = department;
ALTER TABLE reports ALTER COLUMN territories SET NOT NULL;
-- NOT VALID: checked on every new or changed row, as SQLite's triggers do; existing rows
-- were copied from `department` as they were.
ALTER TABLE reports ADD CONSTRAINT reports_territories_list
    CHECK (territories ~ '^[0-9A-Za-z]+(,[0-9A-Za-z]+)*$') NOT VALID;

-- The current referentiel (programme, measures, national indicator catalogue) of each
-- programme: its TOML text, parsed and checked by the application, never by the store.
CREATE TABLE referentiels (
    programme  TEXT    PRIMARY KEY CHECK (programme <> ''),
    text       TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at TEXT    NOT NULL,
    updated_by BIGINT  REFERENCES users (id)
);

-- Every version of every referentiel, the current one included. Append-only.
CREATE TABLE referentiel_versions (
    programme TEXT    NOT NULL REFERENCES referentiels (programme),
    version   INTEGER NOT NULL CHECK (version >= 1),
    text      TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    actor_id  BIGINT  REFERENCES users (id),
    PRIMARY KEY (programme, version)
);
CREATE TRIGGER referentiel_versions_append_only BEFORE UPDATE OR DELETE ON referentiel_versions
    FOR EACH ROW EXECUTE FUNCTION bilan_refuse_change();

-- A campaign: the national level asks for the reports of one programme and year, by a
-- deadline, against one version of the programme's referentiel.
CREATE TABLE campaigns (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme           TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    deadline            TEXT    NOT NULL CHECK (deadline ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    referentiel_version INTEGER NOT NULL,
    opened_at           TEXT    NOT NULL,
    opened_by           BIGINT  REFERENCES users (id),
    UNIQUE (programme, year),
    FOREIGN KEY (programme, referentiel_version) REFERENCES referentiel_versions (programme, version)
);

-- The conventions of a campaign: one per signatory collectivité, with the Départements
-- it covers, an optional deadline of its own, and its report (NULL: none created yet).
-- A report belongs to at most one convention.
CREATE TABLE campaign_conventions (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    collectivite TEXT   NOT NULL CHECK (collectivite ~ '^[0-9A-Za-z]+$'),
    name         TEXT   NOT NULL CHECK (name <> ''),
    territories  TEXT   NOT NULL CHECK (territories ~ '^[0-9A-Za-z]+(,[0-9A-Za-z]+)*$'),
    deadline     TEXT   CHECK (deadline IS NULL OR deadline ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    report_id    BIGINT UNIQUE REFERENCES reports (id),
    PRIMARY KEY (campaign_id, collectivite)
);
