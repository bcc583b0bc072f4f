-- title: Headline figures
-- section: overview
-- order: 10
-- description: Every distinct Flickr photo or video found in the pool (YFCC100M) or in any derived dataset, counted once. A photo's license is its YFCC100M license, else the license its dataset declares; "forbids commercial use" counts All Rights Reserved and every NonCommercial (NC) license, as a share of the photos whose license says whether commercial use is allowed (an unknown license and "No known copyright restrictions" are left out of that share). Datasets counts derived datasets only: YFCC100M is the pool they were drawn from. Photographers are distinct Flickr accounts as defined in "Who counts as a photographer". The YFCC100M snapshot is dated by its last upload.
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
    SELECT photo_id, owner_nsid, license_id, TRUE AS in_pool FROM yfcc_photos
    UNION ALL
    SELECT photo_id, owner_nsid, license_id, FALSE FROM item_photos
),
derived AS (
    -- distinct photos of the derived datasets (latest versions), license as everywhere else
    SELECT p.photo_id, any_value(l.commercial_use) AS commercial_use
    FROM dataset_photos AS p
    LEFT JOIN licenses AS l ON l.license_id = coalesce(p.yfcc_license_id, p.declared_license_id)
    GROUP BY p.photo_id
)
SELECT
    count(*) AS photos,
    count(*) FILTER (WHERE p.in_pool) AS yfcc_photos,
    count(*) FILTER (WHERE NOT p.in_pool) AS photos_only_in_datasets,
    (SELECT count(DISTINCT dataset) FROM datasets) AS datasets,
    count(p.license_id) AS photos_with_known_license,
    count(l.commercial_use) AS photos_commercial_use_known,
    count(*) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial,
    count(*) FILTER (WHERE l.commercial_use = FALSE) / nullif(count(l.commercial_use), 0) AS forbid_commercial_share,
    count(l.commercial_use) FILTER (WHERE p.in_pool) AS yfcc_photos_commercial_use_known,
    (SELECT count(*) FROM derived) AS derived_photos,
    (SELECT count(commercial_use) FROM derived) AS derived_photos_commercial_use_known,
    (SELECT count(*) FILTER (WHERE commercial_use = FALSE) FROM derived) AS derived_photos_forbid_commercial,
    (SELECT count(*) FILTER (WHERE commercial_use = FALSE) / nullif(count(commercial_use), 0) FROM derived)
        AS derived_forbid_commercial_share,
    -- the definition of overview_photographers.sql: pool accounts plus NSIDs only a manifest names
    (SELECT count(*) FROM (SELECT owner_nsid FROM yfcc_photos
                           UNION
                           SELECT owner FROM dataset_photos
                           WHERE NOT in_yfcc AND regexp_full_match(owner, '[0-9]+@N[0-9][0-9]'))) AS photographers,
    (SELECT max(uploaded_at) FROM yfcc_photos)::DATE AS yfcc_last_upload
FROM photos AS p
LEFT JOIN licenses AS l USING (license_id);
