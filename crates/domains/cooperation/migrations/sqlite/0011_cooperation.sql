-- International cooperation tracking, SQLite dialect. Keep in step with ../postgres/0011_cooperation.sql.
-- Agreements between administrations, the activities carried out under them (delegation visits,
-- seminars, training courses, expert missions), their follow-up actions, and the records that
-- hold an agreement's documents. Texts in several languages are JSON objects {"vi": …, "fr": …}.
CREATE TABLE coop_agreements (
    id          BLOB PRIMARY KEY NOT NULL,
    office_id   BLOB NOT NULL REFERENCES offices (id),
    code        TEXT NOT NULL UNIQUE,
    titles      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    parties     TEXT NOT NULL,
    fields      TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    signed_in   TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX coop_agreements_office ON coop_agreements (office_id);

CREATE TABLE coop_activities (
    id            BLOB PRIMARY KEY NOT NULL,
    agreement_id  BLOB NOT NULL REFERENCES coop_agreements (id),
    kind          TEXT NOT NULL CHECK (kind IN ('delegation_visit', 'seminar', 'training_course', 'expert_mission')),
    titles        TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    place         TEXT NOT NULL,
    country       TEXT NOT NULL,
    participants  TEXT NOT NULL,
    outcomes      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX coop_activities_agreement ON coop_activities (agreement_id, starts_on);

CREATE TABLE coop_actions (
    id           BLOB PRIMARY KEY NOT NULL,
    activity_id  BLOB NOT NULL REFERENCES coop_activities (id),
    description  TEXT NOT NULL,
    owner        TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    done_on      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX coop_actions_activity ON coop_actions (activity_id);

CREATE TABLE coop_documents (
    agreement_id  BLOB NOT NULL REFERENCES coop_agreements (id),
    record_id     BLOB NOT NULL,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (agreement_id, record_id)
);
