-- title: Headline figures
-- section: overview
-- order: 10
-- description: Every distinct Flickr photo or video found in YFCC100M or in any ingested dataset, counted once. A photo's license is its YFCC100M license, else the license its dataset declares; "forbid commercial use" counts All Rights Reserved and every NonCommercial (NC) license, as a share of the photos whose license says whether commercial use is allowed (an unknown license and "No known copyright restrictions" are left out of that share). Photographers are distinct uploader NSIDs.
-- requires:
WITH item_photos AS (
    -- dataset photos that YFCC100M does not hold: their owner and license come from the manifest
    SELECT i.photo_id,
           any_value(CASE WHEN regexp_full_match(i.owner_ref, '[0-9]+@N[0-9][0-9]') THEN i.owner_ref END) AS owner_nsid,
           any_value(i.declared_license_id) AS license_id
    FROM dataset_items AS i
    WHERE i.photo_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM yfcc_photos AS y WHERE y.photo_id = i.photo_id)
    GROUP BY i.photo_id
),
photos AS (
    SELECT photo_id, owner_nsid, license_id FROM yfcc_photos
    UNION ALL
    SELECT photo_id, owner_nsid, license_id FROM item_photos
)
SELECT
    count(*) AS photos,
    (SELECT count(*) FROM yfcc_photos) AS yfcc_photos,
    (SELECT count(*) FROM item_photos) AS photos_only_in_datasets,
    (CASE WHEN (SELECT count(*) FROM yfcc_photos) > 0 THEN 1 ELSE 0 END)
        + (SELECT count(DISTINCT dataset) FROM datasets) AS datasets,
    count(p.license_id) AS photos_with_known_license,
    count(l.commercial_use) AS photos_commercial_use_known,
    count(*) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial,
    count(*) FILTER (WHERE l.commercial_use = FALSE) / nullif(count(l.commercial_use), 0) AS forbid_commercial_share,
    count(DISTINCT p.owner_nsid) AS photographers
FROM photos AS p
LEFT JOIN licenses AS l USING (license_id);
