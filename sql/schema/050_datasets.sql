CREATE TABLE IF NOT EXISTS datasets (
    dataset      VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    items        BIGINT NOT NULL,
    auditable    BOOLEAN NOT NULL DEFAULT TRUE,
    source_files VARCHAR[],
    ingested_at  TIMESTAMP NOT NULL,
    run_id       VARCHAR,
    PRIMARY KEY (dataset, version)
);
-- Columns added after the first release, for databases created before them.
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS catalog_entry VARCHAR;
COMMENT ON TABLE datasets IS 'Derived datasets whose manifests were ingested (e.g. a face dataset built from YFCC100M), one row per dataset version.';
COMMENT ON COLUMN datasets.dataset IS 'Dataset name as given to ccaudit ingest manifest --dataset.';
COMMENT ON COLUMN datasets.version IS 'Dataset version as given with --version (default: the ingest date).';
COMMENT ON COLUMN datasets.format IS 'Manifest format the version was read as: clip-subset, ffhq, coco, open-images, megaface-paths, pipa, flickr30k, csv, yfcc-columns.';
COMMENT ON COLUMN datasets.items IS 'Items in the manifest (several items may point to one photo, e.g. several faces).';
COMMENT ON COLUMN datasets.auditable IS 'FALSE when the manifest carries no pointer back to Flickr at all (e.g. FairFace labels): items are counted but cannot be traced.';
COMMENT ON COLUMN datasets.source_files IS 'Manifest files this version was read from.';
COMMENT ON COLUMN datasets.ingested_at IS 'When this version was ingested (UTC).';
COMMENT ON COLUMN datasets.run_id IS 'ingest_runs.run_id of the ingest that loaded this version (its rejects carry the same run_id).';
COMMENT ON COLUMN datasets.catalog_entry IS 'Key of the dataset''s entry in the dataset catalogue (pipelines/catalog/datasets.toml: publisher, terms, removal route), from ingest manifest --catalog-entry or a name match; NULL for a dataset the catalogue does not know.';
