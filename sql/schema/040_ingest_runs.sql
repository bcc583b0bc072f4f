-- One row per input file per ingest run: the audit trail of what was loaded when.
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    kind          VARCHAR,
    layout        VARCHAR,
    file_size     BIGINT,
    fingerprint   VARCHAR,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    lines_read    BIGINT,
    rows_loaded   BIGINT,
    rows_rejected BIGINT,
    status        VARCHAR
);
COMMENT ON TABLE ingest_runs IS 'Audit trail: one row per input file per ingest run, with counts that add up (lines_read = rows_loaded + rows_rejected).';
COMMENT ON COLUMN ingest_runs.run_id IS 'Identifier of the ingest run (one CLI call or DAG run).';
COMMENT ON COLUMN ingest_runs.source_file IS 'Input file (absolute path).';
COMMENT ON COLUMN ingest_runs.kind IS 'yfcc or manifest:<format>.';
COMMENT ON COLUMN ingest_runs.layout IS 'For YFCC100M: 25 (with line number and hash) or 23 (2014 shards).';
COMMENT ON COLUMN ingest_runs.file_size IS 'Size of the input file in bytes, as stored (compressed).';
COMMENT ON COLUMN ingest_runs.fingerprint IS 'Fingerprint of the input file (sha256 of size, first and last MiB) to recognise it in later reports.';
COMMENT ON COLUMN ingest_runs.started_at IS 'When reading the file started (UTC).';
COMMENT ON COLUMN ingest_runs.finished_at IS 'When its rows were committed (UTC).';
COMMENT ON COLUMN ingest_runs.lines_read IS 'Lines (or items) read from the input.';
COMMENT ON COLUMN ingest_runs.rows_loaded IS 'Rows that reached the target table.';
COMMENT ON COLUMN ingest_runs.rows_rejected IS 'Lines that went to ingest_rejects.';
COMMENT ON COLUMN ingest_runs.status IS 'loaded, or failed with the error.';
