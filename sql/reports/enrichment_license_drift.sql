-- title: License drift: license at snapshot time vs license on Flickr now
-- section: enrichment
-- order: 20
-- description: For every re-checked photo that is still available, the license recorded at snapshot time (in YFCC100M, or declared by the latest version of a dataset's manifest, each photo once) against the license its latest successful Flickr check reports, counted per pair. Changes that withdraw permission are called out: "now All Rights Reserved" and "now forbids commercial use".
-- requires: flickr_checks
WITH pairs AS (
    SELECT snapshot, license_then_id AS then_id, license_now_id AS now_id, count(*) AS photos
    FROM flickr_license_drift
    GROUP BY ALL
)
SELECT p.snapshot,
       lt.name AS license_then,
       coalesce(ln.name, 'unknown to ccaudit (see flickr_checks.license_raw)') AS license_now,
       CASE
           WHEN p.now_id IS NULL THEN 'license unknown'
           WHEN p.now_id = p.then_id THEN 'unchanged'
           WHEN p.now_id = 0 THEN 'now All Rights Reserved'
           WHEN lt.commercial_use AND ln.commercial_use = FALSE THEN 'now forbids commercial use'
           ELSE 'changed'
       END AS change,
       p.photos,
       coalesce(p.now_id = 0 AND p.then_id <> 0, FALSE) AS now_all_rights_reserved,
       coalesce(lt.commercial_use AND ln.commercial_use = FALSE, FALSE) AS now_forbids_commercial_use
FROM pairs p
LEFT JOIN licenses lt ON lt.license_id = p.then_id
LEFT JOIN licenses ln ON ln.license_id = p.now_id
ORDER BY p.snapshot, (p.now_id IS NOT DISTINCT FROM p.then_id), p.photos DESC, license_then, license_now;
