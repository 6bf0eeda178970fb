-- Access for machines, sqlite dialect. Keep in step with ../postgres/0016_api_tokens.sql.
-- An OAuth client (client credentials) acts as the account that registered it; a token — a
-- personal one, or one a client obtained — carries the scopes it may be used for. Secrets and
-- tokens are stored as SHA-256 only.
CREATE TABLE api_clients (
    id BLOB PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_clients_user ON api_clients (user_id);
CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id BLOB REFERENCES api_clients (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
