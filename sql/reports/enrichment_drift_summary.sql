-- title: License drift summary
-- section: enrichment
-- order: 15
-- description: Per snapshot (YFCC100M, or a dataset's declared licenses): re-checked photos still available, how many now carry a different license, how many are now All Rights Reserved, and how many now forbid commercial use although the snapshot allowed it (All Rights Reserved included).
-- chart: hbar label=snapshot value=pct_changed
-- requires: flickr_checks
WITH now_ok AS (
    SELECT photo_id, license_id FROM flickr_latest_checks WHERE status = 'ok'
),
snapshots AS (
    SELECT 'YFCC100M' AS snapshot, photo_id, license_id FROM yfcc_photos
    UNION ALL
    SELECT DISTINCT 'dataset ' || dataset, photo_id, declared_license_id
    FROM dataset_items WHERE photo_id IS NOT NULL AND declared_license_id IS NOT NULL
)
SELECT s.snapshot,
       count(*) AS photos_available,
       count(*) FILTER (WHERE n.license_id IS DISTINCT FROM s.license_id) AS license_changed,
       round(100.0 * count(*) FILTER (WHERE n.license_id IS DISTINCT FROM s.license_id) / count(*), 2)
           AS pct_changed,
       count(*) FILTER (WHERE n.license_id = 0 AND s.license_id <> 0) AS now_all_rights_reserved,
       count(*) FILTER (WHERE lt.commercial_use AND ln.commercial_use = FALSE) AS now_forbids_commercial_use,
       count(*) FILTER (WHERE n.license_id IS NULL) AS license_unknown
FROM snapshots s
JOIN now_ok n USING (photo_id)
LEFT JOIN licenses lt ON lt.license_id = s.license_id
LEFT JOIN licenses ln ON ln.license_id = n.license_id
GROUP BY s.snapshot
ORDER BY s.snapshot = 'YFCC100M' DESC, s.snapshot;
