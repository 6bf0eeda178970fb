-- The administrative-unit registry (crates/units): dated versions of every unit, the lineage
-- links between versions, and which shipped dataset each country was loaded from. Reference
-- data with natural keys: a version id is 'REF@YYYY-MM-DD'. Dates are YYYY-MM-DD text.
-- Keep in step with ../postgres/0004_admin_units.sql.
CREATE TABLE admin_units (
    id          TEXT PRIMARY KEY NOT NULL,
    unit_ref    TEXT NOT NULL,
    country     TEXT NOT NULL CHECK (country IN ('vn', 'fr')),
    level       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_ref  TEXT,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    start_ref   TEXT NOT NULL,
    end_ref     TEXT NOT NULL
);
CREATE INDEX admin_units_ref ON admin_units (unit_ref, valid_from);
CREATE INDEX admin_units_country ON admin_units (country);

CREATE TABLE admin_unit_links (
    from_id    TEXT NOT NULL REFERENCES admin_units (id),
    to_id      TEXT NOT NULL REFERENCES admin_units (id),
    kind       TEXT NOT NULL,
    effective  TEXT NOT NULL,
    partial    BOOLEAN NOT NULL,
    legal_ref  TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id)
);
CREATE INDEX admin_unit_links_to ON admin_unit_links (to_id);

CREATE TABLE admin_unit_datasets (
    country    TEXT PRIMARY KEY NOT NULL,
    version    TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  TEXT NOT NULL,
    units      BIGINT NOT NULL,
    links      BIGINT NOT NULL
);
