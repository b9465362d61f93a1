-- Files attached to reports (issue 13): the signed deliberation (PDF) the signatory
-- uploads when adopting, and the supporting documents editors attach to an action.
--
-- A file's content is stored once per SHA-256 in attachment_blobs: its bytes, or NULL
-- when the server keeps files in a directory (`--fichiers DIR`, one file per SHA-256).
-- An attachment row names a blob. Rows with frozen_version NULL are the report's working
-- set (editable while the report is); a transmission copies the working set into rows
-- frozen with the transmitted version, which never change again (triggers), so what the
-- reviewer sees cannot move after the fact.
CREATE TABLE attachment_blobs (
    sha256 TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    size   INTEGER NOT NULL CHECK (size >= 0),
    bytes  BLOB    CHECK (bytes IS NULL OR length(bytes) = size)
) STRICT, WITHOUT ROWID;

CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,
    report_id      INTEGER NOT NULL REFERENCES reports (id),
    kind           TEXT    NOT NULL CHECK (kind IN ('deliberation', 'piece')),
    -- The action number of a supporting document; NULL for the deliberation.
    action         TEXT    CHECK ((kind = 'piece') = (action IS NOT NULL)),
    title          TEXT    NOT NULL CHECK (title <> ''),
    file_name      TEXT    NOT NULL CHECK (file_name <> ''),
    media_type     TEXT    NOT NULL,
    sha256         TEXT    NOT NULL REFERENCES attachment_blobs (sha256),
    size           INTEGER NOT NULL CHECK (size >= 0),
    uploaded_by    INTEGER NOT NULL REFERENCES users (id),
    at             TEXT    NOT NULL,
    frozen_version INTEGER CHECK (frozen_version IS NULL OR frozen_version >= 1)
) STRICT;
CREATE INDEX attachments_report ON attachments (report_id, frozen_version);

CREATE TRIGGER attachments_frozen_no_update BEFORE UPDATE ON attachments
WHEN OLD.frozen_version IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'une pièce jointe transmise ne se modifie pas');
END;
CREATE TRIGGER attachments_frozen_no_delete BEFORE DELETE ON attachments
WHEN OLD.frozen_version IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'une pièce jointe transmise ne se supprime pas');
END;
