-- Drop a manifest load's temporary objects (manifest_staged.sql, manifest_duplicates.sql) before
-- the transaction commits.
DROP VIEW _manifest_kept;
DROP VIEW _manifest_items;
DROP VIEW _manifest_rejects;
DROP TABLE _manifest_dups;
DROP TABLE _manifest_files;
