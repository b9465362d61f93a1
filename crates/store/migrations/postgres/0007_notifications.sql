-- Notifications (issue 13). Each is written in the transaction of the event that causes
-- it (a status change, a State comment, a deadline reminder), before the audit entry.

-- In the application: one row per recipient, read or not.
CREATE TABLE notifications (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id),
    report_id  BIGINT  REFERENCES reports (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('transmis', 'renvoye', 'approuve', 'rouvert', 'commentaire', 'rappel')),
    subject    TEXT    NOT NULL CHECK (subject <> ''),
    body       TEXT    NOT NULL,
    link       TEXT    NOT NULL CHECK (left(link, 1) = '/'),
    created_at TEXT    NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- The outbox: one row per e-mail to send, written with its notification. The sender
-- claims a row (a lease: owner and expiry) before talking to the SMTP server and marks it
-- sent once the server accepted it; a failure puts the next attempt later (backoff).
CREATE TABLE outbox (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id BIGINT  NOT NULL REFERENCES notifications (id),
    recipient       TEXT    NOT NULL CHECK (strpos(recipient, '@') > 1),
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'attente' CHECK (status IN ('attente', 'envoye', 'echec')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    sent_at         TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Deadline reminders already written: one per (report, kind, deadline), so that computing
-- them again, on any server, after any restart, inserts nothing twice.
CREATE TABLE reminders (
    report_id  BIGINT  NOT NULL REFERENCES reports (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('j30', 'j7', 'j1', 'retard')),
    deadline   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (report_id, kind, deadline)
);

-- The kinds of notification an account does NOT want by e-mail (default: every kind).
CREATE TABLE notification_opt_outs (
    user_id BIGINT  NOT NULL REFERENCES users (id),
    kind    TEXT    NOT NULL CHECK (kind IN ('transmis', 'renvoye', 'approuve', 'rouvert', 'commentaire', 'rappel')),
    PRIMARY KEY (user_id, kind)
);
