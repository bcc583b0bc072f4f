-- datasets gains run_id, catalog_entry, collected_on, catalog_content, items_with_coordinates,
-- items_with_place_name and collected_on_source (NULL for versions ingested before; re-ingest a
-- manifest to fill them). Written for every shape a database from before schema versions holds.
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS catalog_entry VARCHAR;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS collected_on DATE;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS catalog_content VARCHAR;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS items_with_coordinates BIGINT;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS items_with_place_name BIGINT;
ALTER TABLE IF EXISTS datasets ADD COLUMN IF NOT EXISTS collected_on_source VARCHAR;
