-- Days an authority decided for an office's calendar (swapped Tết days, worked Saturdays),
-- each with its legal reference. Keep in step with ../postgres/0002_calendar_overrides.sql.
CREATE TABLE calendar_overrides (
    id               BLOB PRIMARY KEY NOT NULL,
    office_id        BLOB NOT NULL REFERENCES offices (id),
    day              TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('day_off', 'working_day')),
    name             TEXT NOT NULL,
    legal_reference  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    UNIQUE (office_id, day)
);
