-- One ingest_runs row per input file and attempt (pipelines/ingest/runs.py fills the parameters).
INSERT INTO ingest_runs (run_id, source_file, kind, layout, file_size, fingerprint, started_at, finished_at,
                         lines_read, rows_loaded, rows_rejected, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
