-- The temporary tables that describe one load batch (yfcc_load_views.sql reads them).
-- yfcc_batch_files: one row per input file; the files of a JSON-lines group share a shard
-- (parquet_pos) and tell their rows apart by member (group_member in the shard, -1 for none).
CREATE OR REPLACE TEMP TABLE yfcc_batch_files (
    file_idx INTEGER, source_file VARCHAR, parquet_path VARCHAR, rejects_path VARCHAR,
    parquet_pos INTEGER, member INTEGER);
-- The batch's distinct (license name, URL) pairs, resolved in Python (licenses.resolve_license).
CREATE OR REPLACE TEMP TABLE yfcc_batch_licenses (
    license_name_raw VARCHAR, license_url_raw VARCHAR, license_id INTEGER, problem VARCHAR);
