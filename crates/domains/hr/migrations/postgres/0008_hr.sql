-- Civil-service management: organisation units (effective-dated tree), the job-position
-- catalogue with planned posts, personnel records with their effective-dated career terms,
-- pay parameters entered by administrators, monthly payroll runs and payslips.
-- Dates of effect are YYYY-MM-DD text on both backends; valid_to is exclusive (NULL: open).
CREATE TABLE org_units (
    id               UUID PRIMARY KEY NOT NULL,
    office_id        UUID NOT NULL REFERENCES offices (id),
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    parent_code      TEXT,
    admin_unit_code  TEXT,
    valid_from       TEXT NOT NULL,
    valid_to         TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, code, valid_from)
);

CREATE TABLE job_positions (
    id             UUID PRIMARY KEY NOT NULL,
    office_id      UUID NOT NULL REFERENCES offices (id),
    code           TEXT NOT NULL,
    title          TEXT NOT NULL,
    category       TEXT NOT NULL,
    unit_code      TEXT NOT NULL,
    planned_posts  BIGINT NOT NULL,
    competencies   TEXT NOT NULL,
    training       TEXT NOT NULL,
    -- Monthly amount under pay by job position (simulation), minor units.
    position_pay   BIGINT,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, code)
);

CREATE TABLE staff (
    id           UUID PRIMARY KEY NOT NULL,
    office_id    UUID NOT NULL REFERENCES offices (id),
    user_id      UUID REFERENCES users (id),
    number       TEXT NOT NULL,
    family_name  TEXT NOT NULL,
    given_name   TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    gender       TEXT NOT NULL,
    id_kind      TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    education    TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, number)
);
CREATE INDEX staff_user ON staff (user_id);

CREATE TABLE staff_terms (
    id             UUID PRIMARY KEY NOT NULL,
    staff_id       UUID NOT NULL REFERENCES staff (id),
    office_id      UUID NOT NULL REFERENCES offices (id),
    kind           TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT,
    unit_code      TEXT NOT NULL,
    position_code  TEXT NOT NULL,
    data           TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    created_by     UUID REFERENCES users (id)
);
CREATE INDEX staff_terms_staff ON staff_terms (staff_id, kind, valid_from);
CREATE INDEX staff_terms_on ON staff_terms (office_id, kind, valid_from);

CREATE TABLE pay_parameters (
    id          UUID PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    value       BIGINT NOT NULL,
    source      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  UUID REFERENCES users (id),
    UNIQUE (name, valid_from)
);

CREATE TABLE payroll_runs (
    id           UUID PRIMARY KEY NOT NULL,
    office_id    UUID NOT NULL REFERENCES offices (id),
    month        TEXT NOT NULL,
    state        TEXT NOT NULL,
    currency     TEXT NOT NULL,
    staff_count  BIGINT NOT NULL,
    gross        BIGINT NOT NULL,
    net          BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   UUID REFERENCES users (id),
    locked_at    TIMESTAMPTZ,
    locked_by    UUID REFERENCES users (id),
    sources      TEXT NOT NULL,
    UNIQUE (office_id, month)
);

CREATE TABLE payslips (
    run_id     UUID NOT NULL REFERENCES payroll_runs (id),
    staff_id   UUID NOT NULL REFERENCES staff (id),
    gross      BIGINT NOT NULL,
    net        BIGINT NOT NULL,
    breakdown  TEXT NOT NULL,
    PRIMARY KEY (run_id, staff_id)
);
-- A person's own payslips.
CREATE INDEX payslips_staff ON payslips (staff_id);
