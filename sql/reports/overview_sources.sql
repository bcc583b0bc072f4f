-- title: What was audited
-- section: overview
-- order: 20
-- description: One row per source: the pool (YFCC100M) and every ingested version of a derived dataset. Items are what the manifest lists (a photo with three faces may be three items); photos are distinct Flickr photo ids. Unauditable items carry no pointer back to Flickr, so their photo, license and uploader cannot be checked. The share that forbids commercial use is over the photos whose license says whether commercial use is allowed.
-- chart: hbar label=source value=forbid_commercial_share count=photos_forbid_commercial of=photos_commercial_use_known tone=warm measure=share_of_photos_that_forbid_commercial_use
WITH item_license AS (
    SELECT i.dataset, i.version, i.photo_id,
           coalesce(y.license_id, i.declared_license_id) AS license_id,
           y.photo_id IS NOT NULL AS in_yfcc
    FROM dataset_items AS i
    LEFT JOIN yfcc_photos AS y USING (photo_id)
),
per_dataset AS (
    SELECT d.dataset || ' ' || d.version AS source, d.dataset, d.version, d.items,
           count(DISTINCT il.photo_id) AS photos,
           count(il.dataset) FILTER (WHERE il.photo_id IS NULL) AS unauditable_items,
           count(DISTINCT il.photo_id) FILTER (WHERE il.in_yfcc) AS photos_in_yfcc,
           count(DISTINCT il.photo_id) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial,
           count(DISTINCT il.photo_id) FILTER (WHERE l.commercial_use IS NOT NULL) AS photos_commercial_use_known,
           count(DISTINCT il.photo_id) FILTER (WHERE l.commercial_use = FALSE)
               / nullif(count(DISTINCT il.photo_id) FILTER (WHERE l.commercial_use IS NOT NULL), 0)
               AS forbid_commercial_share,
           d.ingested_at
    FROM datasets AS d
    LEFT JOIN item_license AS il ON il.dataset = d.dataset AND il.version = d.version
    LEFT JOIN licenses AS l ON l.license_id = il.license_id
    GROUP BY ALL
),
yfcc AS (
    SELECT 'YFCC100M' AS source, 'YFCC100M' AS dataset, NULL::VARCHAR AS version,
           count(*) AS items, count(*) AS photos, 0::BIGINT AS unauditable_items, count(*) AS photos_in_yfcc,
           count(*) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial,
           count(l.commercial_use) AS photos_commercial_use_known,
           count(*) FILTER (WHERE l.commercial_use = FALSE) / nullif(count(l.commercial_use), 0) AS forbid_commercial_share,
           (SELECT max(finished_at) FROM ingest_runs WHERE kind = 'yfcc') AS ingested_at
    FROM yfcc_photos AS y
    LEFT JOIN licenses AS l USING (license_id)
    HAVING count(*) > 0
)
SELECT source, items, photos, unauditable_items, photos_in_yfcc, photos_forbid_commercial, photos_commercial_use_known,
       forbid_commercial_share, ingested_at
FROM (SELECT * FROM yfcc UNION ALL BY NAME SELECT * FROM per_dataset)
ORDER BY dataset = 'YFCC100M' DESC, dataset, version;
