-- title: Inputs
-- section: quality
-- order: 10
-- description: Every input file as last ingested: its size, fingerprint (SHA-256 of its size, first and last MiB) and what became of its lines. Lines read = rows loaded + lines rejected; rejected lines are kept with the reason in ingest_rejects.
-- requires: ingest_runs
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY source_file ORDER BY started_at DESC) AS nth
    FROM ingest_runs
)
SELECT regexp_extract(source_file, '[^/\\]+$') AS file,
       kind, layout, file_size, fingerprint,
       lines_read, rows_loaded, rows_rejected,
       rows_rejected / nullif(lines_read, 0) AS rejected_share,
       status, finished_at
FROM latest
WHERE nth = 1
ORDER BY kind, file;
