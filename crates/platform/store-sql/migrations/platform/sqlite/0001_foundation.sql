-- guichet foundation schema, SQLite dialect. Keep in step with ../postgres/0001_foundation.sql:
-- same tables, same columns, same constraints; only the types differ.
CREATE TABLE offices (
    id          BLOB PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL CHECK (country IN ('vn', 'fr')),
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);

CREATE TABLE user_roles (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('citizen', 'agent', 'office_admin', 'sysadmin', 'auditor')),
    office_id  BLOB REFERENCES offices (id)
);
CREATE INDEX user_roles_user ON user_roles (user_id);
CREATE INDEX user_roles_office ON user_roles (office_id);

CREATE TABLE sessions (
    id          BLOB PRIMARY KEY NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE ledger_heads (
    stream     TEXT PRIMARY KEY NOT NULL,
    seq        INTEGER NOT NULL,
    head_hash  BLOB NOT NULL
);

CREATE TABLE ledger_entries (
    stream        TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    id            BLOB NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    payload       TEXT NOT NULL,
    payload_hash  BLOB NOT NULL,
    prev_hash     BLOB NOT NULL,
    entry_hash    BLOB NOT NULL,
    PRIMARY KEY (stream, seq)
);

CREATE TABLE ledger_checkpoints (
    stream      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    entry_hash  BLOB NOT NULL,
    at          TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    signature   BLOB NOT NULL,
    PRIMARY KEY (stream, seq, key_id)
);

-- Side effects (mail, webhooks) are queued here in the same transaction as the change.
CREATE TABLE outbox (
    id               BLOB PRIMARY KEY NOT NULL,
    topic            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    done_at          TEXT,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE done_at IS NULL;
