-- SQLite's 0003 clusters ledger entries by (stream, seq). PostgreSQL keeps its heap; this
-- migration exists so both backends share schema version numbers (backups restore across them).
SELECT 1;
