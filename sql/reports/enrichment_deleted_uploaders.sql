-- title: Deleted uploader accounts
-- section: enrichment
-- order: 40
-- description: Uploaders whose latest flickr.people.getInfo answer was "user deleted" (code 5), with how many of their photos YFCC100M lists and how many items of each dataset's latest version still come from them. The 200 with the most dataset items are shown.
-- requires: flickr_checks, uploaders
-- sensitive: owner_nsid, nickname
WITH latest AS (
    SELECT owner_nsid, nickname, status, fetched_at FROM uploaders
    WHERE status <> 'error'
    QUALIFY row_number() OVER (PARTITION BY owner_nsid ORDER BY fetched_at DESC) = 1
),
deleted AS (
    SELECT owner_nsid, nickname, fetched_at FROM latest WHERE status = 'user_deleted'
),
photos AS (
    SELECT y.owner_nsid, y.photo_id, y.owner_nickname FROM yfcc_photos y SEMI JOIN deleted d USING (owner_nsid)
),
per_owner AS (
    SELECT owner_nsid, any_value(owner_nickname) AS nickname, count(*) AS yfcc_photos
    FROM photos GROUP BY owner_nsid
),
items AS (  -- items of each dataset's latest version only, so older versions are not counted again
    SELECT p.owner_nsid, count(*) AS dataset_items, count(DISTINCT i.dataset) AS datasets
    FROM dataset_items i
    JOIN latest_datasets d USING (dataset, version)
    JOIN photos p USING (photo_id)
    GROUP BY p.owner_nsid
)
SELECT d.owner_nsid,
       coalesce(d.nickname, o.nickname) AS nickname,
       coalesce(o.yfcc_photos, 0) AS yfcc_photos,
       coalesce(i.dataset_items, 0) AS dataset_items,
       coalesce(i.datasets, 0) AS datasets,
       d.fetched_at AS found_deleted_at
FROM deleted d
LEFT JOIN per_owner o USING (owner_nsid)
LEFT JOIN items i USING (owner_nsid)
ORDER BY dataset_items DESC, yfcc_photos DESC, d.owner_nsid
LIMIT 200;
