CREATE TABLE IF NOT EXISTS dataset_items (
    dataset              VARCHAR NOT NULL,
    version              VARCHAR NOT NULL,
    item_key             VARCHAR NOT NULL,
    photo_id             BIGINT,
    owner_ref            VARCHAR,
    declared_license_id  INTEGER,
    declared_license_raw VARCHAR,
    declared_author      VARCHAR,
    source_url           VARCHAR,
    source_file          VARCHAR,
    source_line          BIGINT,
    group_ref            VARCHAR
);
ALTER TABLE dataset_items ADD COLUMN IF NOT EXISTS group_ref VARCHAR;
COMMENT ON TABLE dataset_items IS 'Items of derived datasets, each resolved to the Flickr photo it was taken from where the manifest allows.';
COMMENT ON COLUMN dataset_items.dataset IS 'Dataset name (joins datasets).';
COMMENT ON COLUMN dataset_items.version IS 'Dataset version (joins datasets).';
COMMENT ON COLUMN dataset_items.item_key IS 'The item as the manifest names it (file path, index, image id); unique within a dataset version.';
COMMENT ON COLUMN dataset_items.photo_id IS 'Flickr photo id the item comes from; NULL when the manifest has no Flickr pointer. Join yfcc_photos on it.';
COMMENT ON COLUMN dataset_items.owner_ref IS 'Uploader as the manifest names it: an NSID (12345678@N00) or a path alias; NULL when absent.';
COMMENT ON COLUMN dataset_items.declared_license_id IS 'License the manifest declares for the item, normalised to a Flickr license id; NULL when none or unknown.';
COMMENT ON COLUMN dataset_items.declared_license_raw IS 'License exactly as the manifest declares it (name, URL or id).';
COMMENT ON COLUMN dataset_items.declared_author IS 'Author credit the manifest ships with the item, if any.';
COMMENT ON COLUMN dataset_items.source_url IS 'Flickr URL the manifest gives for the item, if any.';
COMMENT ON COLUMN dataset_items.source_file IS 'Manifest file the item was read from.';
COMMENT ON COLUMN dataset_items.source_line IS 'Line (or item index) in that manifest file.';
COMMENT ON COLUMN dataset_items.group_ref IS 'Grouping the manifest gives the item, if any: PIPA photoset id, MegaFace identity folder (<NSID>_identity_<k>).';

-- The version of each dataset that reports speak of: the one ingested last.
CREATE OR REPLACE VIEW latest_datasets AS
SELECT * FROM datasets
QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY ingested_at DESC, version DESC) = 1;
COMMENT ON VIEW latest_datasets IS 'One row per dataset: its most recently ingested version.';

-- One row per photo of each dataset (latest version), however many items (faces) point to it,
-- with what YFCC100M and the manifest say about it side by side.
CREATE OR REPLACE VIEW dataset_photos AS
WITH per_photo AS (
    SELECT i.dataset, i.version, i.photo_id,
           count(*) AS items,
           min(i.declared_license_id) AS declared_license_id,
           count(DISTINCT i.declared_license_id) AS declared_licenses,
           bool_or(i.declared_license_raw IS NOT NULL) AS declares_license,
           bool_or(i.declared_author IS NOT NULL) AS declares_author,
           min(i.owner_ref) AS owner_ref
    FROM dataset_items AS i
    JOIN latest_datasets AS d USING (dataset, version)
    WHERE i.photo_id IS NOT NULL
    GROUP BY i.dataset, i.version, i.photo_id
)
SELECT p.*,
       y.photo_id IS NOT NULL AS in_yfcc,
       y.license_id AS yfcc_license_id,
       coalesce(y.owner_nsid, p.owner_ref) AS owner,
       y.owner_nickname,
       y.latitude IS NOT NULL AND y.longitude IS NOT NULL AS geotagged
FROM per_photo AS p
LEFT JOIN yfcc_photos AS y USING (photo_id);
COMMENT ON VIEW dataset_photos IS 'One row per distinct photo of each dataset (latest version): items pointing to it, license declared by the manifest, YFCC100M license and owner where YFCC100M holds it.';
COMMENT ON COLUMN dataset_photos.items IS 'Items (e.g. faces) of the dataset that point to this photo.';
COMMENT ON COLUMN dataset_photos.declared_license_id IS 'License the manifest declares (lowest id when its items disagree; see declared_licenses).';
COMMENT ON COLUMN dataset_photos.declared_licenses IS 'Number of different licenses the manifest declares for this photo (normally 0 or 1).';
COMMENT ON COLUMN dataset_photos.in_yfcc IS 'TRUE when YFCC100M (as ingested) holds the photo.';
COMMENT ON COLUMN dataset_photos.yfcc_license_id IS 'License in YFCC100M (at crawl time, 2014).';
COMMENT ON COLUMN dataset_photos.owner IS 'Uploader: the YFCC100M NSID where YFCC100M holds the photo, else the manifest''s owner_ref (NSID or path alias).';
COMMENT ON COLUMN dataset_photos.geotagged IS 'YFCC100M has coordinates for the photo (FALSE when it is not in YFCC100M).';
