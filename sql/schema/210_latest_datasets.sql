-- The version of each dataset that reports speak of: the one ingested last.
CREATE OR REPLACE VIEW latest_datasets AS
SELECT * FROM datasets
QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY ingested_at DESC, version DESC) = 1;
COMMENT ON VIEW latest_datasets IS 'One row per derived dataset: its most recently ingested version, the one the report speaks of (columns as in datasets).';
COMMENT ON COLUMN latest_datasets.dataset IS 'Dataset name as given to ccaudit ingest manifest --dataset; one row per name here.';
COMMENT ON COLUMN latest_datasets.version IS 'The latest ingested version of the dataset (the one reports count).';
COMMENT ON COLUMN latest_datasets.format IS 'Manifest format the version was read as (clip-subset, ffhq, coco, open-images, megaface-paths, pipa, flickr30k, csv, yfcc-columns).';
COMMENT ON COLUMN latest_datasets.items IS 'Items in the manifest (several items may point to one photo, e.g. several faces); not distinct photos.';
COMMENT ON COLUMN latest_datasets.auditable IS 'FALSE when the manifest carries no pointer back to Flickr at all (e.g. FairFace labels): items are counted but cannot be traced.';
COMMENT ON COLUMN latest_datasets.source_files IS 'Manifest files this version was read from (a list of paths).';
COMMENT ON COLUMN latest_datasets.ingested_at IS 'When this version was ingested (UTC); the latest one per dataset is the row shown.';
COMMENT ON COLUMN latest_datasets.run_id IS 'ingest_runs.run_id of the ingest that loaded this version (its rejects carry the same run_id).';
COMMENT ON COLUMN latest_datasets.catalog_entry IS 'Key of the dataset''s entry in the dataset catalogue (publisher, terms, removal route); NULL for a dataset the catalogue does not know.';
COMMENT ON COLUMN latest_datasets.collected_on IS 'Date the dataset''s photos were collected from Flickr (see collected_on_source); NULL when unknown. The license at collection time is read at this date.';
COMMENT ON COLUMN latest_datasets.catalog_content IS 'What the dataset distributes, from its catalogue entry ("face crops", "photos" ...); NULL for a dataset the catalogue does not know.';
COMMENT ON COLUMN latest_datasets.items_with_coordinates IS 'Items whose manifest record itself carries a longitude and latitude; NULL when the manifest has no coordinate field, 0 when it has the field but no values. Only the count is stored.';
COMMENT ON COLUMN latest_datasets.items_with_place_name IS 'Items whose manifest record itself names a place (FFHQ''s country); NULL when the manifest has no place field, 0 when it has the field but no values. Only the count is stored.';
COMMENT ON COLUMN latest_datasets.collected_on_source IS 'Where collected_on came from: flag (--collected-on), catalogue or manifest (the latest crawl date it gives its items); NULL when collected_on is unknown.';
