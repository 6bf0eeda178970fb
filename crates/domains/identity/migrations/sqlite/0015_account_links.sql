-- One-time links of accounts administration, SQLite dialect. Keep in step with
-- ../postgres/0015_account_links.sql. A link sets a password (a new staff account, a reset) or
-- verifies a sign-up's e-mail address. Only the SHA-256 of its token is kept; it works once,
-- before it expires.
CREATE TABLE account_links (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('set_password', 'verify_email')),
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX account_links_user ON account_links (user_id);
