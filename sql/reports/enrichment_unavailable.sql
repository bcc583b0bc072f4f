-- title: Photos no longer available on Flickr
-- section: enrichment
-- order: 30
-- description: Per dataset (and for all of YFCC100M), the re-checked photos by their latest answered status: still available (ok), not found (deleted, made private or never existed: Flickr does not distinguish) or owner account deleted. Checks that ended in an error are left out.
-- chart: stacked label=dataset value=available,not_found,user_deleted
-- requires: flickr_checks
WITH scopes AS (
    SELECT DISTINCT dataset, version, photo_id FROM dataset_items WHERE photo_id IS NOT NULL
    UNION ALL
    SELECT 'YFCC100M (all photos)', NULL, photo_id FROM yfcc_photos
)
SELECT s.dataset,
       s.version,
       count(*) AS photos_checked,
       count(*) FILTER (WHERE c.status = 'ok') AS available,
       count(*) FILTER (WHERE c.status = 'not_found') AS not_found,
       count(*) FILTER (WHERE c.status = 'user_deleted') AS user_deleted,
       round(100.0 * count(*) FILTER (WHERE c.status <> 'ok') / count(*), 2) AS pct_unavailable,
       max(c.checked_at) AS last_check
FROM scopes s
JOIN flickr_latest_checks c USING (photo_id)
GROUP BY s.dataset, s.version
ORDER BY s.version IS NULL, s.dataset, s.version;
