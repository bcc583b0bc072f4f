-- title: Live re-check coverage per dataset
-- section: enrichment
-- order: 10
-- description: How many of each dataset's photos (and of all YFCC100M photos) have been re-checked on the Flickr API with `ccaudit enrich`, and when the first and last checks were made. A photo counts as checked once any check was recorded for it, errors included.
-- chart: hbar label=dataset value=pct_checked
-- requires: flickr_checks
WITH scopes AS (
    SELECT dataset, version, photo_id FROM dataset_items WHERE photo_id IS NOT NULL
    UNION ALL
    SELECT 'YFCC100M (all photos)', NULL, photo_id FROM yfcc_photos
),
per_photo AS (
    SELECT photo_id, min(checked_at) AS first_check, max(checked_at) AS last_check,
           bool_or(status <> 'error') AS answered
    FROM flickr_checks GROUP BY photo_id
)
SELECT s.dataset,
       s.version,
       count(DISTINCT s.photo_id) AS photos,
       count(DISTINCT p.photo_id) AS photos_checked,
       count(DISTINCT p.photo_id) FILTER (WHERE p.answered) AS photos_answered,
       round(100.0 * count(DISTINCT p.photo_id) / count(DISTINCT s.photo_id), 1) AS pct_checked,
       min(p.first_check) AS first_check,
       max(p.last_check) AS last_check
FROM scopes s
LEFT JOIN per_photo p USING (photo_id)
GROUP BY s.dataset, s.version
ORDER BY s.version IS NULL, s.dataset, s.version;
