-- Rows loaded and rejected per file of the batch, counted in the tables themselves (one grouped
-- scan each, not one query per file: a folder of shards is thousands of files).
WITH loaded AS (
    SELECT source_file, count(*) AS n FROM yfcc_photos SEMI JOIN yfcc_batch_files USING (source_file)
    GROUP BY source_file
),
rejected AS (
    SELECT source_file, count(*) AS n FROM ingest_rejects SEMI JOIN yfcc_batch_files USING (source_file)
    GROUP BY source_file
)
SELECT f.file_idx, coalesce(l.n, 0) AS rows_loaded, coalesce(r.n, 0) AS rows_rejected
FROM yfcc_batch_files AS f
LEFT JOIN loaded AS l USING (source_file)
LEFT JOIN rejected AS r USING (source_file)
ORDER BY f.file_idx;
