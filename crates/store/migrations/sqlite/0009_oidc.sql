-- bilan-store, SQLite schema 9: ProConnect (OpenID Connect) sign-in.

-- The provider identities bound to accounts: at an identity's first sign-in, the account
-- whose e-mail the provider asserted; from then on, (issuer, subject) alone finds it, so an
-- e-mail changed at the provider never leads to another account. One identity per account
-- and provider.
CREATE TABLE oidc_identities (
    issuer     TEXT    NOT NULL CHECK (issuer <> ''),
    subject    TEXT    NOT NULL CHECK (subject <> ''),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The e-mail asserted when the identity was bound (for the administrator's record).
    email      TEXT    NOT NULL,
    bound_at   TEXT    NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX oidc_identities_user ON oidc_identities (user_id, issuer);

-- Sign-ins sent to the provider and not yet back: keyed by the SHA-256 of their `state`,
-- bound to the browser by the SHA-256 of a cookie, used once (deleted when the provider's
-- answer comes back), short-lived. Not audited: like login attempts, they change nothing.
CREATE TABLE oidc_pending (
    state_hash   TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    next         TEXT NOT NULL,
    client       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX oidc_pending_client ON oidc_pending (client, expires_at);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_at);

-- A session opened through the provider keeps its ID token: the provider's logout asks
-- for it (`id_token_hint`).
ALTER TABLE sessions ADD COLUMN id_token TEXT;
