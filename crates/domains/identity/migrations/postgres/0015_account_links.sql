-- One-time links of accounts administration, PostgreSQL dialect. Keep in step with
-- ../sqlite/0015_account_links.sql. A link sets a password (a new staff account, a reset) or
-- verifies a sign-up's e-mail address. Only the SHA-256 of its token is kept; it works once,
-- before it expires.
CREATE TABLE account_links (
    id UUID PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('set_password', 'verify_email')),
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX account_links_user ON account_links (user_id);
