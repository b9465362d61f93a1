-- An account's e-mail address: where notifications are sent, and the identity a
-- ProConnect (OpenID Connect) sign-in is bound to. Optional (demo and CLI accounts may
-- have none); unique without regard to case when present.
ALTER TABLE users ADD COLUMN email TEXT CHECK (email IS NULL OR (email <> '' AND instr(email, '@') > 1));
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
