-- Rejects of the batch's files by reason code (the text before ':'), for the summary line;
-- the most frequent first.
SELECT source_file, split_part(reason, ':', 1) AS code, count(*) AS rejects
FROM ingest_rejects
SEMI JOIN yfcc_batch_files USING (source_file)
GROUP BY ALL
ORDER BY source_file, count(*) DESC, code;
