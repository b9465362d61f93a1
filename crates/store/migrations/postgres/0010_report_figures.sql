-- The figures of each report that the State side reads (issue 12, point 3): the
-- dashboards, the review queue, the outliers and the open data read these rows instead of
-- parsing every report's text. The application computes them from the text it writes
-- (the store never parses TOML) and the store writes them in the same transaction as the
-- text. SQL cannot compute them for the reports already stored: the application does at
-- start, for every report without rows of the current format (`format`) and revision.
CREATE TABLE report_figures (
    report_id    BIGINT NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    format       INTEGER NOT NULL CHECK (format >= 1),
    -- The report's revision they were computed at: figures of another revision (written
    -- by a server that did not know this table) are ignored and recomputed.
    revision     BIGINT NOT NULL,
    -- The file's Département, and the collectivité it names as signatory.
    department   TEXT    NOT NULL,
    collectivite TEXT,
    -- The adoption deadline the report states, YYYY-MM-DD.
    deadline     TEXT
);

CREATE TABLE report_figure_measures (
    report_id BIGINT NOT NULL REFERENCES report_figures (report_id) ON DELETE CASCADE,
    measure   INTEGER NOT NULL CHECK (measure >= 0),
    number    TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('socle', 'initiative')),
    code      TEXT,
    title     TEXT    NOT NULL,
    PRIMARY KEY (report_id, measure)
);

-- Amounts in cents; NULL: the report states no such figure. `sources`: the fields they
-- were read from, relative to the action, with their amounts ("depenses[0].inscrit 1200").
CREATE TABLE report_figure_actions (
    report_id        BIGINT NOT NULL REFERENCES report_figures (report_id) ON DELETE CASCADE,
    measure          INTEGER NOT NULL CHECK (measure >= 0),
    action           INTEGER NOT NULL CHECK (action >= 0),
    number           TEXT    NOT NULL,
    budget_shared    BOOLEAN NOT NULL ,
    planned          BIGINT,
    committed        BIGINT,
    spent            BIGINT,
    carry_over       BIGINT,
    state_share      BIGINT,
    department_share BIGINT,
    sources          TEXT    NOT NULL,
    PRIMARY KEY (report_id, measure, action)
);

-- Result N: `value` in hundredths, or the reason and text printed instead of a figure;
-- a breakdown's parts (`parts`, one per line: "hundredths kind name", then "total" when a
-- total was printed) beside its figure.
CREATE TABLE report_figure_indicators (
    report_id      BIGINT NOT NULL REFERENCES report_figures (report_id) ON DELETE CASCADE,
    measure        INTEGER NOT NULL CHECK (measure >= 0),
    action         INTEGER NOT NULL CHECK (action >= 0),
    indicator      INTEGER NOT NULL CHECK (indicator >= 0),
    name           TEXT    NOT NULL,
    code           TEXT,
    unit           TEXT,
    value          BIGINT,
    missing_reason TEXT,
    missing_text   TEXT,
    parts          TEXT,
    PRIMARY KEY (report_id, measure, action, indicator)
);
