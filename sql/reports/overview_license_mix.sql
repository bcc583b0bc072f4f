-- title: License mix per source
-- section: overview
-- order: 30
-- description: Distinct photos per source by license. A dataset photo carries its YFCC100M license when YFCC100M holds it, else the license its manifest declares, else "unknown". Items without a Flickr pointer are left out (see "What was audited").
-- chart: stacked label=source series=license value=photos
WITH item_photos AS (
    -- one row per photo per source, even when several items (faces) point to it
    SELECT i.dataset || ' ' || i.version AS source, i.photo_id,
           any_value(coalesce(y.license_id, i.declared_license_id)) AS license_id
    FROM dataset_items AS i
    LEFT JOIN yfcc_photos AS y USING (photo_id)
    WHERE i.photo_id IS NOT NULL
    GROUP BY 1, 2
),
photos AS (
    SELECT 'YFCC100M' AS source, license_id FROM yfcc_photos
    UNION ALL
    SELECT source, license_id FROM item_photos
)
SELECT p.source,
       coalesce(l.name, 'unknown') AS license,
       l.code AS license_code,
       count(*) AS photos,
       count(*) / sum(count(*)) OVER (PARTITION BY p.source) AS share
FROM photos AS p
LEFT JOIN licenses AS l USING (license_id)
GROUP BY p.source, l.name, l.code
ORDER BY p.source = 'YFCC100M' DESC, p.source, photos DESC, license;
