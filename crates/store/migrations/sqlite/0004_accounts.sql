-- bilan-store, SQLite schema 4: API tokens expire; the credits form of a report carries
-- its own revision (two reviewers cannot overwrite each other silently).

-- RFC 3339 UTC, like every timestamp of the store. Tokens created before this schema
-- expire one year after their creation (the default chosen for new tokens).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+1 year');

-- Bumped by every write of the credits form (amount N+1 and decisions on carry-overs).
ALTER TABLE reports ADD COLUMN credits_revision INTEGER NOT NULL DEFAULT 1 CHECK (credits_revision >= 1);
