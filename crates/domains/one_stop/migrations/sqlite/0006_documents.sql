-- Issued documents (receipts, requests, refusals, apologies, control sheets, handover logs,
-- results), office templates, satisfaction ratings and export jobs.
CREATE TABLE documents (
    id             BLOB PRIMARY KEY NOT NULL,
    office_id      BLOB NOT NULL REFERENCES offices (id),
    dossier_id     BLOB REFERENCES dossiers (id),
    kind           TEXT NOT NULL,
    lang           TEXT NOT NULL,
    file_id        BLOB NOT NULL REFERENCES files (id),
    -- Hex SHA-256 of the signed PDF bytes (before the seal line).
    sha256         TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    -- The signed statement (JSON) and its signature (base64url), as carried by the QR code.
    statement      TEXT NOT NULL,
    qr_signature   TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    issued_by      BLOB REFERENCES users (id),
    revoked_at     TEXT,
    revoked_by     BLOB REFERENCES users (id),
    revoke_reason  TEXT
);
CREATE INDEX documents_dossier ON documents (dossier_id, id);

CREATE TABLE document_templates (
    office_id   BLOB NOT NULL REFERENCES offices (id),
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  BLOB REFERENCES users (id),
    PRIMARY KEY (office_id, kind)
);

CREATE TABLE ratings (
    dossier_id    BLOB PRIMARY KEY NOT NULL REFERENCES dossiers (id),
    office_id     BLOB NOT NULL REFERENCES offices (id),
    procedure_id  BLOB NOT NULL REFERENCES procedures (id),
    score         INTEGER NOT NULL,
    comment       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX ratings_office ON ratings (office_id, at);

CREATE TABLE export_jobs (
    id            BLOB PRIMARY KEY NOT NULL,
    office_id     BLOB NOT NULL REFERENCES offices (id),
    requested_by  BLOB REFERENCES users (id),
    format        TEXT NOT NULL,
    params        TEXT NOT NULL,
    state         TEXT NOT NULL,
    rows_done     INTEGER NOT NULL,
    rows_total    INTEGER NOT NULL,
    storage_key   TEXT,
    size          INTEGER,
    error         TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX export_jobs_office ON export_jobs (office_id, id);
CREATE INDEX dossiers_office_received ON dossiers (office_id, received_at);
-- Exports walk one procedure's dossiers in id order (keyset pages).
CREATE INDEX dossiers_export ON dossiers (office_id, procedure_id, id);
