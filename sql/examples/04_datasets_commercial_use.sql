-- Question: For each derived dataset, how many of its photos forbid commercial use?
-- A dataset photo takes its YFCC100M license when YFCC100M holds it, else the license the
-- manifest declares; items without a Flickr pointer cannot be checked and are counted apart.
WITH items AS (
    SELECT i.dataset, i.version, i.photo_id, coalesce(p.license_id, i.declared_license_id) AS license_id
    FROM dataset_items AS i
    LEFT JOIN yfcc_photos AS p USING (photo_id)
)
SELECT i.dataset, i.version,
       count(*) AS items,
       count(DISTINCT i.photo_id) AS photos,
       count(*) FILTER (WHERE i.photo_id IS NULL) AS unauditable_items,
       count(DISTINCT i.photo_id) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial_use,
       round(100.0 * count(DISTINCT i.photo_id) FILTER (WHERE l.commercial_use = FALSE)
             / nullif(count(DISTINCT i.photo_id) FILTER (WHERE l.license_id IS NOT NULL), 0), 1) AS forbid_pct
FROM items AS i
LEFT JOIN licenses AS l USING (license_id)
GROUP BY i.dataset, i.version
ORDER BY i.dataset, i.version;
