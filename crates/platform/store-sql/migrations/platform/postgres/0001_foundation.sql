-- guichet foundation schema, PostgreSQL dialect. Keep in step with ../sqlite/0001_foundation.sql:
-- same tables, same columns, same constraints; only the types differ.
CREATE TABLE offices (
    id          UUID PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL CHECK (country IN ('vn', 'fr')),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_roles (
    id         UUID PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('citizen', 'agent', 'office_admin', 'sysadmin', 'auditor')),
    office_id  UUID REFERENCES offices (id)
);
CREATE INDEX user_roles_user ON user_roles (user_id);
CREATE INDEX user_roles_office ON user_roles (office_id);

CREATE TABLE sessions (
    id          UUID PRIMARY KEY NOT NULL,
    token_hash  BYTEA NOT NULL UNIQUE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE ledger_heads (
    stream     TEXT PRIMARY KEY NOT NULL,
    seq        BIGINT NOT NULL,
    head_hash  BYTEA NOT NULL
);

CREATE TABLE ledger_entries (
    stream        TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    id            UUID NOT NULL UNIQUE,
    at            TIMESTAMPTZ NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    payload       TEXT NOT NULL,
    payload_hash  BYTEA NOT NULL,
    prev_hash     BYTEA NOT NULL,
    entry_hash    BYTEA NOT NULL,
    PRIMARY KEY (stream, seq)
);

CREATE TABLE ledger_checkpoints (
    stream      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    entry_hash  BYTEA NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    key_id      TEXT NOT NULL,
    signature   BYTEA NOT NULL,
    PRIMARY KEY (stream, seq, key_id)
);

-- Side effects (mail, webhooks) are queued here in the same transaction as the change.
CREATE TABLE outbox (
    id               UUID PRIMARY KEY NOT NULL,
    topic            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    done_at          TIMESTAMPTZ,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE done_at IS NULL;
