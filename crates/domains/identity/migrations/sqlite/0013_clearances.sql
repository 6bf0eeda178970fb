-- Clearances to read protected things (secrecy levels), SQLite dialect. Keep in step with
-- ../postgres/0013_clearances.sql. One row per person and office: the highest level the office
-- has cleared them for; no row means only unprotected things.
CREATE TABLE user_clearances (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    office_id BLOB NOT NULL REFERENCES offices (id),
    level TEXT NOT NULL CHECK (level IN ('mat', 'toi_mat', 'tuyet_mat')),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    UNIQUE (user_id, office_id)
);
