-- Issued documents (receipts, requests, refusals, apologies, control sheets, handover logs,
-- results), office templates, satisfaction ratings and export jobs.
CREATE TABLE documents (
    id             UUID PRIMARY KEY NOT NULL,
    office_id      UUID NOT NULL REFERENCES offices (id),
    dossier_id     UUID REFERENCES dossiers (id),
    kind           TEXT NOT NULL,
    lang           TEXT NOT NULL,
    file_id        UUID NOT NULL REFERENCES files (id),
    -- Hex SHA-256 of the signed PDF bytes (before the seal line).
    sha256         TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    -- The signed statement (JSON) and its signature (base64url), as carried by the QR code.
    statement      TEXT NOT NULL,
    qr_signature   TEXT NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    issued_by      UUID REFERENCES users (id),
    revoked_at     TIMESTAMPTZ,
    revoked_by     UUID REFERENCES users (id),
    revoke_reason  TEXT
);
CREATE INDEX documents_dossier ON documents (dossier_id, id);

CREATE TABLE document_templates (
    office_id   UUID NOT NULL REFERENCES offices (id),
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  UUID REFERENCES users (id),
    PRIMARY KEY (office_id, kind)
);

CREATE TABLE ratings (
    dossier_id    UUID PRIMARY KEY NOT NULL REFERENCES dossiers (id),
    office_id     UUID NOT NULL REFERENCES offices (id),
    procedure_id  UUID NOT NULL REFERENCES procedures (id),
    score         BIGINT NOT NULL,
    comment       TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX ratings_office ON ratings (office_id, at);

CREATE TABLE export_jobs (
    id            UUID PRIMARY KEY NOT NULL,
    office_id     UUID NOT NULL REFERENCES offices (id),
    requested_by  UUID REFERENCES users (id),
    format        TEXT NOT NULL,
    params        TEXT NOT NULL,
    state         TEXT NOT NULL,
    rows_done     BIGINT NOT NULL,
    rows_total    BIGINT NOT NULL,
    storage_key   TEXT,
    size          BIGINT,
    error         TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ
);
CREATE INDEX export_jobs_office ON export_jobs (office_id, id);
CREATE INDEX dossiers_office_received ON dossiers (office_id, received_at);
-- Exports walk one procedure's dossiers in id order (keyset pages).
CREATE INDEX dossiers_export ON dossiers (office_id, procedure_id, id);
