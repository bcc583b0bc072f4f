-- Facts about the database itself: its id (enrich journals name it, so a journal is never merged
-- into another database), which ccaudit created it and which last wrote it.
CREATE TABLE IF NOT EXISTS ccaudit_meta (
    key        VARCHAR NOT NULL PRIMARY KEY,
    value      VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE ccaudit_meta IS 'Facts about this database file: database_id, created_by, last_written_by (ccaudit versions), last_written_at, schema_fingerprint.';
COMMENT ON COLUMN ccaudit_meta.key IS 'Name of the fact: database_id, created_by, last_written_by, last_written_at or schema_fingerprint.';
COMMENT ON COLUMN ccaudit_meta.value IS 'Its value, as text.';
COMMENT ON COLUMN ccaudit_meta.updated_at IS 'When it was last set (UTC).';
