-- Temporary objects over one staged manifest (Parquet files written by stage_manifest; each row
-- carries its file index and source file). Variables: manifest_items, manifest_rejects (lists of
-- the staged files' paths, named by the run, never by manifest content).
CREATE OR REPLACE TEMP TABLE _manifest_files (file_index INTEGER, source_file VARCHAR);
CREATE OR REPLACE TEMP VIEW _manifest_items AS
SELECT * FROM read_parquet(getvariable('manifest_items'));
CREATE OR REPLACE TEMP VIEW _manifest_rejects AS
SELECT * FROM read_parquet(getvariable('manifest_rejects'));
