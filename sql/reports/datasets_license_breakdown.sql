-- title: License breakdown per dataset
-- section: datasets
-- order: 20
-- description: Distinct photos of each dataset by license, from two sources kept apart: the license the manifest declares per item (where it declares one) and the license YFCC100M records for the photo (where YFCC100M holds it). Photos with neither are counted under "none". Shares are within each dataset and source.
-- chart: stacked label=breakdown series=license value=photos
-- requires: dataset_items
WITH by_source AS (
    SELECT dataset, 'declared' AS license_source, declared_license_id AS license_id
    FROM dataset_photos WHERE declares_license
    UNION ALL
    SELECT dataset, 'yfcc100m', yfcc_license_id FROM dataset_photos WHERE in_yfcc
    UNION ALL
    SELECT dataset, 'none', NULL FROM dataset_photos WHERE NOT declares_license AND NOT in_yfcc
)
SELECT b.dataset || ' (' || b.license_source || ')' AS breakdown,
       b.dataset, b.license_source,
       coalesce(l.name, 'unknown') AS license,
       l.code AS license_code,
       count(*) AS photos,
       count(*) / sum(count(*)) OVER (PARTITION BY b.dataset, b.license_source) AS share
FROM by_source AS b
LEFT JOIN licenses AS l USING (license_id)
GROUP BY b.dataset, b.license_source, l.name, l.code, l.license_id
ORDER BY b.dataset, b.license_source, l.license_id NULLS LAST;
