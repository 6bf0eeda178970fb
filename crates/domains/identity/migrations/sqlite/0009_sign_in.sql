-- Sign-in beyond passwords, SQLite dialect. Keep in step with ../postgres/0009_sign_in.sql.
-- Identities vouched for by OpenID providers, pending OpenID logins (single use), TOTP second
-- factors with recovery codes, what a session was opened with, and the office policy that
-- forces a second factor on its staff.

ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'active';
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN provider TEXT;
ALTER TABLE sessions ADD COLUMN assurance TEXT;
ALTER TABLE sessions ADD COLUMN id_token TEXT;
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE office_policies (
    office_id               BLOB PRIMARY KEY NOT NULL REFERENCES offices (id),
    require_second_factor   BOOLEAN NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE identity_links (
    id          BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    -- JSON object: identity attribute (given_name, birthdate, siret…) → value the provider vouched for.
    attributes  TEXT NOT NULL,
    assurance   TEXT,
    linked_at   TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX identity_links_user ON identity_links (user_id);

CREATE TABLE oidc_logins (
    state_hash     BLOB PRIMARY KEY NOT NULL,
    provider       TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    assurance      TEXT,
    link_user_id   BLOB,
    return_to      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
);

CREATE TABLE second_factors (
    user_id       BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,
    confirmed_at  TEXT,
    -- The last TOTP time step accepted: a code is good once.
    last_step     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    used_at    TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
