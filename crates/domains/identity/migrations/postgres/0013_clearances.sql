-- Clearances to read protected things (secrecy levels), PostgreSQL dialect. Keep in step with
-- ../sqlite/0013_clearances.sql. One row per person and office: the highest level the office
-- has cleared them for; no row means only unprotected things.
CREATE TABLE user_clearances (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    office_id UUID NOT NULL REFERENCES offices (id),
    level TEXT NOT NULL CHECK (level IN ('mat', 'toi_mat', 'tuyet_mat')),
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, office_id)
);
