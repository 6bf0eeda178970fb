-- Store ledger entries clustered by (stream, seq): verification reads each stream in order,
-- and a rowid table made every row an index probe plus a table seek. Same columns and
-- constraints as before.
CREATE TABLE ledger_entries_clustered (
    stream        TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    id            BLOB NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    payload       TEXT NOT NULL,
    payload_hash  BLOB NOT NULL,
    prev_hash     BLOB NOT NULL,
    entry_hash    BLOB NOT NULL,
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
INSERT INTO ledger_entries_clustered SELECT stream, seq, id, at, actor, action, object_type, object_id, payload,
    payload_hash, prev_hash, entry_hash FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_clustered RENAME TO ledger_entries;
