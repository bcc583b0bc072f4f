-- Rows loaded and rejected per file of the batch, counted in the tables themselves.
SELECT f.file_idx,
       (SELECT count(*) FROM yfcc_photos AS p WHERE p.source_file = f.source_file) AS rows_loaded,
       (SELECT count(*) FROM ingest_rejects AS r WHERE r.source_file = f.source_file) AS rows_rejected
FROM yfcc_batch_files AS f
ORDER BY f.file_idx;
