-- Which numbered migrations (sql/migrations/) this database holds: its schema version is the
-- highest. Written in the same transaction as the migration itself (pipelines/migrations.py).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version         INTEGER NOT NULL PRIMARY KEY,
    name            VARCHAR NOT NULL,
    applied_at      TIMESTAMP NOT NULL,
    program_version VARCHAR
);
COMMENT ON TABLE schema_migrations IS 'Schema migrations applied to this database, one row each; the highest version is the schema version. A new database records every version at creation.';
COMMENT ON COLUMN schema_migrations.version IS 'Migration number (sql/migrations/NNNN_name).';
COMMENT ON COLUMN schema_migrations.name IS 'Migration name, e.g. yfcc_photos_derived_urls.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied (UTC).';
COMMENT ON COLUMN schema_migrations.program_version IS 'ccaudit version that applied it.';
