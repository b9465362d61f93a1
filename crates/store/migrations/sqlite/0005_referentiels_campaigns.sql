-- bilan-store, SQLite schema 5 (issue 11): reference data as versioned documents,
-- campaigns, and collectivités as the keys of reports. Timestamps are RFC 3339 UTC text
-- written by the store; dates (deadlines) are YYYY-MM-DD.
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
ALTER TABLE reports ADD COLUMN territories TEXT NOT NULL DEFAULT '';
UPDATE reports SET territories = department;
-- SQLite cannot add a CHECK to an existing table without rebuilding it (and every
-- table that refers to reports): triggers guard the new column instead.
CREATE TRIGGER reports_territories_insert BEFORE INSERT ON reports
WHEN NEW.territories = '' OR NEW.territories GLOB '*[^0-9A-Za-z,]*' OR NEW.territories GLOB ',*'
     OR NEW.territories GLOB '*,' OR NEW.territories GLOB '*,,*'
BEGIN
    SELECT RAISE(ABORT, 'liste de territoires invalide');
END;
CREATE TRIGGER reports_territories_update BEFORE UPDATE OF territories ON reports
WHEN NEW.territories = '' OR NEW.territories GLOB '*[^0-9A-Za-z,]*' OR NEW.territories GLOB ',*'
     OR NEW.territories GLOB '*,' OR NEW.territories GLOB '*,,*'
BEGIN
    SELECT RAISE(ABORT, 'liste de territoires invalide');
END;

-- The current referentiel (programme, measures, national indicator catalogue) of each
-- programme: its TOML text, parsed and checked by the application, never by the store.
CREATE TABLE referentiels (
    programme  TEXT    PRIMARY KEY CHECK (programme <> ''),
    text       TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at TEXT    NOT NULL,
    updated_by INTEGER REFERENCES users (id)
) STRICT;

-- Every version of every referentiel, the current one included. Append-only.
CREATE TABLE referentiel_versions (
    programme TEXT    NOT NULL REFERENCES referentiels (programme),
    version   INTEGER NOT NULL CHECK (version >= 1),
    text      TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    actor_id  INTEGER REFERENCES users (id),
    PRIMARY KEY (programme, version)
) STRICT;
CREATE TRIGGER referentiel_versions_no_update BEFORE UPDATE ON referentiel_versions
BEGIN
    SELECT RAISE(ABORT, 'une version du référentiel ne se modifie pas');
END;
CREATE TRIGGER referentiel_versions_no_delete BEFORE DELETE ON referentiel_versions
BEGIN
    SELECT RAISE(ABORT, 'une version du référentiel ne se supprime pas');
END;

-- A campaign: the national level asks for the reports of one programme and year, by a
-- deadline, against one version of the programme's referentiel.
CREATE TABLE campaigns (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    programme           TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    deadline            TEXT    NOT NULL CHECK (deadline GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    referentiel_version INTEGER NOT NULL,
    opened_at           TEXT    NOT NULL,
    opened_by           INTEGER REFERENCES users (id),
    UNIQUE (programme, year),
    FOREIGN KEY (programme, referentiel_version) REFERENCES referentiel_versions (programme, version)
) STRICT;

-- The conventions of a campaign: one per signatory collectivité, with the Départements
-- it covers, an optional deadline of its own, and its report (NULL: none created yet).
-- A report belongs to at most one convention.
CREATE TABLE campaign_conventions (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    collectivite TEXT    NOT NULL CHECK (collectivite <> '' AND collectivite NOT GLOB '*[^0-9A-Za-z]*'),
    name         TEXT    NOT NULL CHECK (name <> ''),
    territories  TEXT    NOT NULL
                 CHECK (territories <> '' AND territories NOT GLOB '*[^0-9A-Za-z,]*'
                        AND territories NOT GLOB ',*' AND territories NOT GLOB '*,'
                        AND territories NOT GLOB '*,,*'),
    deadline     TEXT    CHECK (deadline IS NULL OR deadline GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    report_id    INTEGER UNIQUE REFERENCES reports (id),
    PRIMARY KEY (campaign_id, collectivite)
) STRICT;
