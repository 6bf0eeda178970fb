-- Records and archives: the file plan, archival files, records with their register numbers,
-- legal holds, disposition runs, fixity audits and the gap-free counters.
CREATE TABLE record_classes (
    id                 UUID PRIMARY KEY NOT NULL,
    office_id          UUID NOT NULL REFERENCES offices (id),
    code               TEXT NOT NULL,
    title              TEXT NOT NULL,
    -- NULL: permanent.
    retention_years    BIGINT,
    final_action       TEXT NOT NULL,
    trigger_event      TEXT NOT NULL,
    legal_reference    TEXT NOT NULL,
    captures_dossiers  BOOLEAN NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, code)
);

CREATE TABLE archive_files (
    id          UUID PRIMARY KEY NOT NULL,
    office_id   UUID NOT NULL REFERENCES offices (id),
    class_id    UUID NOT NULL REFERENCES record_classes (id),
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    dossier_id  UUID UNIQUE REFERENCES dossiers (id),
    opened_on   TEXT NOT NULL,
    closed_on   TEXT,
    due_on      TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  UUID REFERENCES users (id),
    UNIQUE (office_id, reference)
);
CREATE INDEX archive_files_office ON archive_files (office_id, id);

CREATE TABLE dispositions (
    id              UUID PRIMARY KEY NOT NULL,
    office_id       UUID NOT NULL REFERENCES offices (id),
    as_of           TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      UUID REFERENCES users (id),
    decided_at      TIMESTAMPTZ,
    decided_by      UUID REFERENCES users (id),
    executed_at     TIMESTAMPTZ,
    items           TEXT NOT NULL,
    note            TEXT NOT NULL,
    -- The destruction certificate (a record; no foreign key: records reference dispositions).
    certificate_id  UUID
);
CREATE INDEX dispositions_office ON dispositions (office_id, id);

CREATE TABLE records (
    id               UUID PRIMARY KEY NOT NULL,
    office_id        UUID NOT NULL REFERENCES offices (id),
    file_id          UUID REFERENCES archive_files (id),
    parent_id        UUID REFERENCES records (id),
    register         TEXT,
    year             BIGINT,
    number           BIGINT,
    symbol           TEXT NOT NULL,
    original_ref     TEXT NOT NULL,
    doc_type         TEXT NOT NULL,
    title            TEXT NOT NULL,
    doc_date         TEXT NOT NULL,
    issuer           TEXT NOT NULL,
    signer           TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    confidentiality  TEXT NOT NULL,
    lang             TEXT NOT NULL,
    source           TEXT NOT NULL,
    source_id        UUID,
    dossier_id       UUID REFERENCES dossiers (id),
    name             TEXT,
    content_type     TEXT,
    size             BIGINT NOT NULL,
    sha256           TEXT,
    storage_key      TEXT,
    text             TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       UUID REFERENCES users (id),
    due_on           TEXT,
    warned_at        TIMESTAMPTZ,
    state            TEXT NOT NULL,
    destroyed_at     TIMESTAMPTZ,
    disposition_id   UUID REFERENCES dispositions (id),
    -- One number per office, register and year; one record per captured source.
    UNIQUE (office_id, register, year, number),
    UNIQUE (source, source_id)
);
CREATE INDEX records_office ON records (office_id, id);
CREATE INDEX records_file ON records (file_id, id);
CREATE INDEX records_dossier ON records (dossier_id, id);
CREATE INDEX records_due ON records (office_id, state, due_on);

CREATE TABLE record_holds (
    id              UUID PRIMARY KEY NOT NULL,
    office_id       UUID NOT NULL REFERENCES offices (id),
    reason          TEXT NOT NULL,
    legal_reference TEXT NOT NULL,
    record_id       UUID REFERENCES records (id),
    file_id         UUID REFERENCES archive_files (id),
    placed_at       TIMESTAMPTZ NOT NULL,
    placed_by       UUID REFERENCES users (id),
    released_at     TIMESTAMPTZ,
    released_by     UUID REFERENCES users (id),
    release_reason  TEXT
);
CREATE INDEX record_holds_office ON record_holds (office_id, id);

CREATE TABLE fixity_runs (
    id              UUID PRIMARY KEY NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ NOT NULL,
    objects         BIGINT NOT NULL,
    copies_checked  BIGINT NOT NULL,
    ok              BIGINT NOT NULL,
    repaired        BIGINT NOT NULL,
    failed          BIGINT NOT NULL,
    report          TEXT NOT NULL
);

CREATE TABLE record_counters (
    office_id  UUID NOT NULL REFERENCES offices (id),
    counter    TEXT NOT NULL,
    year       BIGINT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (office_id, counter, year)
);
