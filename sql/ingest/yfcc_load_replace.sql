-- Re-ingesting a file replaces its rows: remove what the batch's files loaded before (inside the
-- load's transaction, so a failed load keeps them). load_staged refuses a file with no rows
-- before this runs: an empty input never replaces rows.
DELETE FROM yfcc_photos WHERE source_file IN (SELECT source_file FROM yfcc_batch_files);
DELETE FROM ingest_rejects WHERE source_file IN (SELECT source_file FROM yfcc_batch_files);
