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
-- Older databases gain group_ref through sql/migrations/0002_dataset_items_group_ref.sql.
COMMENT ON TABLE dataset_items IS 'Items of derived datasets, each resolved to the Flickr photo it was taken from where the manifest allows.';
COMMENT ON COLUMN dataset_items.dataset IS 'Dataset name (joins datasets).';
COMMENT ON COLUMN dataset_items.version IS 'Dataset version (joins datasets).';
COMMENT ON COLUMN dataset_items.item_key IS 'The item as the manifest names it (file path, index, image id); unique within a dataset version.';
COMMENT ON COLUMN dataset_items.photo_id IS 'Flickr photo id the item comes from; NULL when the manifest has no Flickr pointer. Join yfcc_photos on it.';
COMMENT ON COLUMN dataset_items.owner_ref IS 'Uploader as the manifest names it: an NSID (digits, @N and two more digits, as in 12345678@Nxx) or a path alias; NULL when absent.';
COMMENT ON COLUMN dataset_items.declared_license_id IS 'License the manifest declares for the item, normalised to a Flickr license id; NULL when none or unknown.';
COMMENT ON COLUMN dataset_items.declared_license_raw IS 'License exactly as the manifest declares it (name, URL or id).';
COMMENT ON COLUMN dataset_items.declared_author IS 'Author credit the manifest ships with the item, if any.';
COMMENT ON COLUMN dataset_items.source_url IS 'Flickr URL the manifest gives for the item, if any.';
COMMENT ON COLUMN dataset_items.source_file IS 'Manifest file the item was read from.';
COMMENT ON COLUMN dataset_items.source_line IS 'Line (or item index) in that manifest file.';
COMMENT ON COLUMN dataset_items.group_ref IS 'Grouping the manifest gives the item, if any: PIPA photoset id, MegaFace identity folder (<NSID>_identity_<k>).';

