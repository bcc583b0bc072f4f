-- Drop a load batch's temporary objects (yfcc_load_batch.sql, yfcc_load_views.sql,
-- yfcc_load_duplicates.sql) before the transaction commits.
DROP VIEW IF EXISTS yfcc_batch_candidates;
DROP VIEW IF EXISTS yfcc_batch_rows;
DROP TABLE IF EXISTS yfcc_batch_duplicates;
DROP TABLE IF EXISTS yfcc_batch_licenses;
DROP TABLE IF EXISTS yfcc_batch_files;
