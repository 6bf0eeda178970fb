-- One-stop services: the procedure catalogue (versioned), dossiers with their gap-free daily
-- numbering, history, messages and files, and the webhooks of offices
-- (their calls go through the outbox of 0001).
-- Keep in step with ../sqlite/0005_one_stop.sql. JSON is stored as TEXT on both backends.
CREATE TABLE procedures (
    id                 UUID PRIMARY KEY NOT NULL,
    office_id          UUID NOT NULL REFERENCES offices (id),
    code               TEXT NOT NULL,
    topic              TEXT NOT NULL,
    -- 0 while no version is published.
    published_version  BIGINT NOT NULL,
    latest_version     BIGINT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, code)
);

-- A published version never changes; editing writes a new draft version.
CREATE TABLE procedure_versions (
    id            UUID PRIMARY KEY NOT NULL,
    procedure_id  UUID NOT NULL REFERENCES procedures (id),
    version       BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    UNIQUE (procedure_id, version)
);

CREATE TABLE dossiers (
    id                 UUID PRIMARY KEY NOT NULL,
    code               TEXT UNIQUE,
    office_id          UUID NOT NULL REFERENCES offices (id),
    procedure_id       UUID NOT NULL REFERENCES procedures (id),
    procedure_version  BIGINT NOT NULL,
    applicant_id       UUID REFERENCES users (id),
    applicant_name     TEXT NOT NULL,
    applicant_email    TEXT,
    state              TEXT NOT NULL,
    answers            TEXT NOT NULL,
    secret_hash        TEXT,
    rev                BIGINT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    submitted_at       TIMESTAMPTZ,
    received_at        TIMESTAMPTZ,
    -- Office-local days as YYYY-MM-DD (they sort as dates on both backends).
    due_date           TEXT,
    paused_on          TEXT,
    decided_on         TEXT,
    assigned_to        UUID REFERENCES users (id),
    idempotency_key    TEXT UNIQUE
);
-- The agents' queue: by state, by due date (undated first: they wait for receipt), newest.
CREATE INDEX dossiers_queue ON dossiers (office_id, state, due_date NULLS FIRST, id);
CREATE INDEX dossiers_office_due ON dossiers (office_id, due_date NULLS FIRST, id);
CREATE INDEX dossiers_office_id ON dossiers (office_id, id);
CREATE INDEX dossiers_applicant ON dossiers (applicant_id, id);
CREATE INDEX dossiers_assigned ON dossiers (assigned_to, state);

-- The last number given per office and office-local day; bumped in the submitting transaction.
CREATE TABLE dossier_counters (
    office_id  UUID NOT NULL REFERENCES offices (id),
    day        TEXT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (office_id, day)
);

CREATE TABLE dossier_events (
    id          UUID PRIMARY KEY NOT NULL,
    dossier_id  UUID NOT NULL REFERENCES dossiers (id),
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID REFERENCES users (id),
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, id);

CREATE TABLE files (
    id            UUID PRIMARY KEY NOT NULL,
    dossier_id    UUID REFERENCES dossiers (id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL,
    uploaded_by   UUID REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_dossier ON files (dossier_id, id);

CREATE TABLE dossier_messages (
    id              UUID PRIMARY KEY NOT NULL,
    dossier_id      UUID NOT NULL REFERENCES dossiers (id),
    at              TIMESTAMPTZ NOT NULL,
    author_id       UUID REFERENCES users (id),
    author_name     TEXT NOT NULL,
    from_applicant  BOOLEAN NOT NULL,
    -- Agents' notes: never shown to the applicant.
    internal        BOOLEAN NOT NULL,
    body            TEXT NOT NULL,
    file_id         UUID REFERENCES files (id)
);
CREATE INDEX dossier_messages_dossier ON dossier_messages (dossier_id, id);

CREATE TABLE webhooks (
    id          UUID PRIMARY KEY NOT NULL,
    office_id   UUID NOT NULL REFERENCES offices (id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
