-- bilan-store, PostgreSQL schema 4: API tokens expire; the credits form of a report
-- carries its own revision (two reviewers cannot overwrite each other silently).

-- RFC 3339 UTC text, like every timestamp of the store. Tokens created before this
-- schema expire one year after their creation (the default chosen for new tokens).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens
   SET expires_at = to_char((created_at::timestamptz + interval '1 year') AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS"Z"');

-- Bumped by every write of the credits form (amount N+1 and decisions on carry-overs).
ALTER TABLE reports ADD COLUMN credits_revision BIGINT NOT NULL DEFAULT 1 CHECK (credits_revision >= 1);
