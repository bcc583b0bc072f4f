-- Needs optouts (090), datasets (050), dataset_items (060) and yfcc_photos (020).
-- Opt-outs still distributed, by the rule of the report's sql/reports/optouts_status.sql: a request
-- binds every dataset version ingested after it; such a version still distributes the request when
-- it holds the photo named (kind photo), or an item of the uploader named (kind user), the item
-- belonging to the uploader through its YFCC100M photo or through the owner its manifest names.
-- One row per opt-out and dataset version still distributing (the name is a contract: Datasette
-- serves it and the canned query "optouts_still_distributed" reads it). Honoured requests and
-- requests no later version exists for have no row here; the report lists them.
CREATE OR REPLACE VIEW optout_status AS
WITH later_versions AS (
    SELECT o.kind, o.value, o.requested_at, d.dataset, d.version, d.ingested_at
    FROM optouts AS o
    JOIN datasets AS d ON d.ingested_at > o.requested_at
),
item_owners AS (
    SELECT i.dataset, i.version, i.item_key, i.photo_id, y.owner_nsid AS owner
    FROM dataset_items AS i JOIN yfcc_photos AS y USING (photo_id)
    UNION
    SELECT dataset, version, item_key, photo_id, owner_ref FROM dataset_items WHERE owner_ref IS NOT NULL
),
matches AS (
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, i.item_key, i.photo_id
    FROM later_versions AS v
    JOIN dataset_items AS i
      ON v.kind = 'photo' AND i.dataset = v.dataset AND i.version = v.version
     AND i.photo_id = try_cast(v.value AS BIGINT)
    UNION
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, o.item_key, o.photo_id
    FROM later_versions AS v
    JOIN item_owners AS o
      ON v.kind = 'user' AND o.dataset = v.dataset AND o.version = v.version AND o.owner = v.value
)
SELECT m.kind, m.value, m.requested_at, m.dataset, m.version, v.ingested_at,
       v.version = l.version AS is_latest_version,
       count(DISTINCT m.item_key) AS items,
       count(DISTINCT m.photo_id) AS photos
FROM matches AS m
JOIN later_versions AS v USING (kind, value, requested_at, dataset, version)
JOIN latest_datasets AS l USING (dataset)
GROUP BY ALL;
COMMENT ON VIEW optout_status IS 'Opt-outs still distributed: one row per opt-out request and dataset version ingested after the request that still holds the photo, or items of the uploader, it names (the rule of the report''s opt-out tables). A request with no row here was honoured by every later version, or no version was ingested after it.';
COMMENT ON COLUMN optout_status.kind IS 'user (the request names an uploader) or photo (it names one photo).';
COMMENT ON COLUMN optout_status.value IS 'The uploader''s account id (NSID) or the photo id the request names.';
COMMENT ON COLUMN optout_status.requested_at IS 'When the opt-out was requested (UTC); only versions ingested after it are bound by it.';
COMMENT ON COLUMN optout_status.dataset IS 'Dataset still distributing the request''s items.';
COMMENT ON COLUMN optout_status.version IS 'Dataset version still distributing them (ingested after the request).';
COMMENT ON COLUMN optout_status.ingested_at IS 'When that version was ingested (UTC): after requested_at.';
COMMENT ON COLUMN optout_status.is_latest_version IS 'TRUE when the version is the dataset''s latest (the one the report''s per-dataset table counts).';
COMMENT ON COLUMN optout_status.items IS 'Items (e.g. faces) of the version that belong to the request: the photo, or the uploader''s photos. Never 0 here.';
COMMENT ON COLUMN optout_status.photos IS 'Distinct Flickr photos among those items.';
