-- title: License drift: license at snapshot time vs license on Flickr now
-- section: enrichment
-- order: 20
-- description: For every re-checked photo that is still available, the license recorded at snapshot time (in YFCC100M, or declared by the latest version of a dataset's manifest, each photo once) against the license its latest successful Flickr check reports, counted per pair. Changes that withdraw permission are called out: "now All Rights Reserved" and "now forbids commercial use". share is the pair's share of the snapshot's re-checked photos still available (photos_available, its n). basis says what it supports about all of the snapshot's photos still on Flickr: "census" when every photo of the dataset (or of YFCC100M) was checked (the share is exact), "estimate" when the checked photos are a uniform random sample (the answered prefix of `ccaudit enrich --sample N --seed S`; share_low and share_high are then its 95% Wilson score interval with continuity correction), "not a random sample" when they are neither (enrichment's default order checks photos by id, oldest uploads first: the share describes the checked photos only, and no interval is given).
-- requires: flickr_checks
WITH pairs AS (
    SELECT snapshot, license_then_id AS then_id, license_now_id AS now_id, count(*) AS photos,
           sum(count(*)) OVER (PARTITION BY snapshot) AS photos_available
    FROM flickr_license_drift
    GROUP BY snapshot, license_then_id, license_now_id
)
-- wilson_low/wilson_high: sql/schema/005_stats_macros.sql
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
       coalesce(lt.commercial_use AND ln.commercial_use = FALSE, FALSE) AS now_forbids_commercial_use,
       CAST(p.photos_available AS BIGINT) AS photos_available,
       p.photos / p.photos_available AS share,
       CASE r.basis WHEN 'census' THEN p.photos / p.photos_available
                    WHEN 'estimate' THEN wilson_low(p.photos, p.photos_available) END AS share_low,
       CASE r.basis WHEN 'census' THEN p.photos / p.photos_available
                    WHEN 'estimate' THEN wilson_high(p.photos, p.photos_available) END AS share_high,
       coalesce(r.basis, 'not a random sample') AS basis
FROM pairs p
LEFT JOIN licenses lt ON lt.license_id = p.then_id
LEFT JOIN licenses ln ON ln.license_id = p.now_id
LEFT JOIN flickr_recheck_scopes r
       ON p.snapshot = CASE WHEN r.dataset IS NULL THEN 'YFCC100M' ELSE 'dataset ' || r.dataset END
ORDER BY p.snapshot, (p.now_id IS NOT DISTINCT FROM p.then_id), p.photos DESC, license_then, license_now;
