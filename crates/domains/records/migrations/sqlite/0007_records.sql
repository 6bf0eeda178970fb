-- Records and archives: the file plan, archival files, records with their register numbers,
-- legal holds, disposition runs, fixity audits and the gap-free counters.
CREATE TABLE record_classes (
    id                 BLOB PRIMARY KEY NOT NULL,
    office_id          BLOB NOT NULL REFERENCES offices (id),
    code               TEXT NOT NULL,
    title              TEXT NOT NULL,
    -- NULL: permanent.
    retention_years    INTEGER,
    final_action       TEXT NOT NULL,
    trigger_event      TEXT NOT NULL,
    legal_reference    TEXT NOT NULL,
    captures_dossiers  BOOLEAN NOT NULL,
    created_at         TEXT NOT NULL,
    UNIQUE (office_id, code)
);

CREATE TABLE archive_files (
    id          BLOB PRIMARY KEY NOT NULL,
    office_id   BLOB NOT NULL REFERENCES offices (id),
    class_id    BLOB NOT NULL REFERENCES record_classes (id),
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    dossier_id  BLOB UNIQUE REFERENCES dossiers (id),
    opened_on   TEXT NOT NULL,
    closed_on   TEXT,
    due_on      TEXT,
    created_at  TEXT NOT NULL,
    created_by  BLOB REFERENCES users (id),
    UNIQUE (office_id, reference)
);
CREATE INDEX archive_files_office ON archive_files (office_id, id);

CREATE TABLE dispositions (
    id              BLOB PRIMARY KEY NOT NULL,
    office_id       BLOB NOT NULL REFERENCES offices (id),
    as_of           TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      BLOB REFERENCES users (id),
    decided_at      TEXT,
    decided_by      BLOB REFERENCES users (id),
    executed_at     TEXT,
    items           TEXT NOT NULL,
    note            TEXT NOT NULL,
    -- The destruction certificate (a record; no foreign key: records reference dispositions).
    certificate_id  BLOB
);
CREATE INDEX dispositions_office ON dispositions (office_id, id);

CREATE TABLE records (
    id               BLOB PRIMARY KEY NOT NULL,
    office_id        BLOB NOT NULL REFERENCES offices (id),
    file_id          BLOB REFERENCES archive_files (id),
    parent_id        BLOB REFERENCES records (id),
    register         TEXT,
    year             INTEGER,
    number           INTEGER,
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
    source_id        BLOB,
    dossier_id       BLOB REFERENCES dossiers (id),
    name             TEXT,
    content_type     TEXT,
    size             INTEGER NOT NULL,
    sha256           TEXT,
    storage_key      TEXT,
    text             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       BLOB REFERENCES users (id),
    due_on           TEXT,
    warned_at        TEXT,
    state            TEXT NOT NULL,
    destroyed_at     TEXT,
    disposition_id   BLOB REFERENCES dispositions (id),
    -- One number per office, register and year; one record per captured source.
    UNIQUE (office_id, register, year, number),
    UNIQUE (source, source_id)
);
CREATE INDEX records_office ON records (office_id, id);
CREATE INDEX records_file ON records (file_id, id);
CREATE INDEX records_dossier ON records (dossier_id, id);
CREATE INDEX records_due ON records (office_id, state, due_on);

CREATE TABLE record_holds (
    id              BLOB PRIMARY KEY NOT NULL,
    office_id       BLOB NOT NULL REFERENCES offices (id),
    reason          TEXT NOT NULL,
    legal_reference TEXT NOT NULL,
    record_id       BLOB REFERENCES records (id),
    file_id         BLOB REFERENCES archive_files (id),
    placed_at       TEXT NOT NULL,
    placed_by       BLOB REFERENCES users (id),
    released_at     TEXT,
    released_by     BLOB REFERENCES users (id),
    release_reason  TEXT
);
CREATE INDEX record_holds_office ON record_holds (office_id, id);

CREATE TABLE fixity_runs (
    id              BLOB PRIMARY KEY NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    objects         INTEGER NOT NULL,
    copies_checked  INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    repaired        INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    report          TEXT NOT NULL
);

CREATE TABLE record_counters (
    office_id  BLOB NOT NULL REFERENCES offices (id),
    counter    TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (office_id, counter, year)
);
