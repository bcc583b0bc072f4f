CREATE TABLE IF NOT EXISTS datasets (
    dataset      VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    items        BIGINT NOT NULL,
    auditable    BOOLEAN NOT NULL DEFAULT TRUE,
    source_files VARCHAR[],
    ingested_at  TIMESTAMP NOT NULL,
    run_id       VARCHAR,
    catalog_entry VARCHAR,
    -- When the dataset's photos were collected from Flickr: the date its licenses are judged at;
    -- a manifest's own crawl dates are the last resort (collected_on_source says which).
    collected_on DATE,
    catalog_content VARCHAR,
    -- What a manifest itself republishes about where its photos were taken (counted at manifest
    -- ingest; the values themselves are never stored).
    items_with_coordinates BIGINT,
    items_with_place_name BIGINT,
    collected_on_source VARCHAR,
    PRIMARY KEY (dataset, version)
);
-- Older databases gain the later columns through sql/migrations/0001_datasets_columns.sql.
COMMENT ON TABLE datasets IS 'Derived datasets whose manifests were ingested (e.g. a face dataset built from YFCC100M), one row per dataset version.';
COMMENT ON COLUMN datasets.dataset IS 'Dataset name as given to ccaudit ingest manifest --dataset.';
COMMENT ON COLUMN datasets.version IS 'Dataset version as given with --dataset-version (default: the ingest date).';
COMMENT ON COLUMN datasets.format IS 'Manifest format (the --format of ccaudit ingest manifest): clip-subset, coco, csv, ffhq, flickr30k, megaface-paths, open-images, pipa, yfcc-columns.';
COMMENT ON COLUMN datasets.items IS 'Items in the manifest (several items may point to one photo, e.g. several faces).';
COMMENT ON COLUMN datasets.auditable IS 'FALSE when the manifest carries no pointer back to Flickr at all (e.g. FairFace labels): items are counted but cannot be traced.';
COMMENT ON COLUMN datasets.source_files IS 'Manifest files this version was read from.';
COMMENT ON COLUMN datasets.ingested_at IS 'When this version was ingested (UTC).';
COMMENT ON COLUMN datasets.run_id IS 'ingest_runs.run_id of the ingest that loaded this version (its rejects carry the same run_id).';
COMMENT ON COLUMN datasets.catalog_entry IS 'Key of the dataset''s entry in the dataset catalogue (pipelines/catalog/datasets.toml: publisher, terms, removal route), from ingest manifest --catalog-entry or a name match; NULL for a dataset the catalogue does not know.';
COMMENT ON COLUMN datasets.catalog_content IS 'What the dataset distributes, from its catalogue entry when ingested ("face crops", "photos" ...); NULL for a dataset the catalogue does not know. The privacy section counts a dataset whose content mentions faces as a face dataset.';
COMMENT ON COLUMN datasets.items_with_coordinates IS 'Items whose manifest record itself carries a longitude and latitude (both numbers, in range): the dataset republishes where the photo was taken. NULL when the manifest has no coordinate field (every format but yfcc-columns with longitude/latitude columns), 0 when it has the field but no values. Only the count is stored, never a coordinate.';
COMMENT ON COLUMN datasets.items_with_place_name IS 'Items whose manifest record itself names a place (FFHQ''s country; empty and "Unknown" do not count). NULL when the manifest has no place field, 0 when it has the field but no values. Only the count is stored.';
COMMENT ON COLUMN datasets.collected_on IS 'Date the dataset''s photos were collected from Flickr: ingest manifest --collected-on, else the catalogue entry''s collected_on, else the latest date the manifest itself says its items were crawled (FFHQ''s date_crawled); collected_on_source says which. NULL when unknown. The license at collection time is read from the license history at this date.';
COMMENT ON COLUMN datasets.collected_on_source IS 'Where collected_on came from: flag (ingest manifest --collected-on), catalogue (the catalogue entry''s collected_on) or manifest (the latest crawl date the manifest gives its items, such as FFHQ''s date_crawled; dates before Flickr opened in 2004 or after the ingest are ignored); NULL when collected_on is unknown.';
