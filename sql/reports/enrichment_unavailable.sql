-- title: Photos no longer available on Flickr
-- section: enrichment
-- order: 30
-- description: Per dataset (and for all of YFCC100M), the re-checked photos by their latest answered status: still available (ok), not found (deleted, made private or never existed: Flickr does not distinguish) or owner account deleted. Checks that ended in an error are left out. pct_unavailable is the share of the photos_checked (n) no longer available, out of population photos. basis says what it supports about the whole dataset: "census" when every photo was checked (the share is exact), "estimate" when the checked photos are a uniform random sample (the answered prefix of `ccaudit enrich --sample N --seed S`; then pct_unavailable_low and pct_unavailable_high are its 95% Wilson score interval with continuity correction, rounded outwards to 0.01 points), "not a random sample" when they are neither (enrichment's default order checks photos by id, oldest uploads first: the share describes the checked photos only, and no interval is given). Only a dataset's latest version can be a sample.
-- chart: stacked label=dataset value=available,not_found,user_deleted
-- requires: flickr_checks
WITH dataset_scopes AS (
    SELECT DISTINCT dataset, version, photo_id FROM dataset_items WHERE photo_id IS NOT NULL
),
checked AS (   -- per dataset version: every photo (population) and the checked ones by status
    SELECT s.dataset,
           s.version,
           count(*) AS population,
           count(c.photo_id) AS photos_checked,
           count(*) FILTER (WHERE c.status = 'ok') AS available,
           count(*) FILTER (WHERE c.status = 'not_found') AS not_found,
           count(*) FILTER (WHERE c.status = 'user_deleted') AS user_deleted,
           count(*) FILTER (WHERE c.status <> 'ok') AS unavailable,
           max(c.checked_at) AS last_check
    FROM dataset_scopes s
    LEFT JOIN flickr_latest_checks c USING (photo_id)
    GROUP BY s.dataset, s.version
    HAVING count(c.photo_id) > 0
    UNION ALL
    -- all of YFCC100M: only the checked photos are joined (its size comes from flickr_recheck_scopes)
    SELECT 'YFCC100M (all photos)', NULL,
           (SELECT population FROM flickr_recheck_scopes WHERE scope = 'YFCC100M'),
           count(*),
           count(*) FILTER (WHERE c.status = 'ok'),
           count(*) FILTER (WHERE c.status = 'not_found'),
           count(*) FILTER (WHERE c.status = 'user_deleted'),
           count(*) FILTER (WHERE c.status <> 'ok'),
           max(c.checked_at)
    FROM yfcc_photos y
    JOIN flickr_latest_checks c USING (photo_id)
    HAVING count(*) > 0
),
judged AS (
    SELECT c.*,
           CASE WHEN c.photos_checked >= c.population THEN 'census'
                WHEN r.basis = 'estimate' THEN 'estimate'   -- only a dataset's latest version has a sample
                ELSE 'not a random sample' END AS basis
    FROM checked c
    LEFT JOIN flickr_recheck_scopes r ON r.dataset = c.dataset AND r.version = c.version
)
-- wilson_low/wilson_high: sql/schema/005_stats_macros.sql; ends rounded outwards, never narrowing the interval
SELECT dataset,
       version,
       photos_checked,
       available,
       not_found,
       user_deleted,
       round(100.0 * unavailable / photos_checked, 2) AS pct_unavailable,
       last_check,
       population,
       CASE basis WHEN 'census' THEN round(100.0 * unavailable / photos_checked, 2)
                  WHEN 'estimate' THEN floor(10000 * wilson_low(unavailable, photos_checked)) / 100 END
           AS pct_unavailable_low,
       CASE basis WHEN 'census' THEN round(100.0 * unavailable / photos_checked, 2)
                  WHEN 'estimate' THEN ceil(10000 * wilson_high(unavailable, photos_checked)) / 100 END
           AS pct_unavailable_high,
       basis
FROM judged
ORDER BY version IS NULL, dataset, version;
