-- title: License drift summary
-- section: enrichment
-- order: 15
-- description: Per snapshot (YFCC100M, or the licenses declared by a dataset's latest version, each photo once): re-checked photos still available (photos_available, the n of the shares), how many now carry a different license, how many are now All Rights Reserved, and how many now forbid commercial use although the snapshot allowed it (All Rights Reserved included). pct_changed is the share of photos_available whose license changed. basis says what it supports about all of the snapshot's photos still on Flickr: "census" when every photo of the dataset (or of YFCC100M) was checked (the share is exact), "estimate" when the checked photos are a uniform random sample (the answered prefix of `ccaudit enrich --sample N --seed S`; pct_changed_low and pct_changed_high are then its 95% Wilson score interval with continuity correction, rounded outwards to 0.01 points), "not a random sample" when they are neither (enrichment's default order checks photos by id, oldest uploads first: the share describes the checked photos only, and no interval is given).
-- chart: hbar label=snapshot value=pct_changed
-- requires: flickr_checks
WITH summary AS (
    SELECT d.snapshot,
           count(*) AS photos_available,
           count(*) FILTER (WHERE d.license_now_id IS DISTINCT FROM d.license_then_id) AS license_changed,
           count(*) FILTER (WHERE d.license_now_id = 0 AND d.license_then_id <> 0) AS now_all_rights_reserved,
           count(*) FILTER (WHERE lt.commercial_use AND ln.commercial_use = FALSE) AS now_forbids_commercial_use,
           count(*) FILTER (WHERE d.license_now_id IS NULL) AS license_unknown
    FROM flickr_license_drift AS d
    LEFT JOIN licenses lt ON lt.license_id = d.license_then_id
    LEFT JOIN licenses ln ON ln.license_id = d.license_now_id
    GROUP BY d.snapshot
)
-- wilson_low/wilson_high: sql/schema/005_stats_macros.sql; ends rounded outwards, never narrowing the interval
SELECT s.snapshot,
       s.photos_available,
       s.license_changed,
       round(100.0 * s.license_changed / s.photos_available, 2) AS pct_changed,
       s.now_all_rights_reserved,
       s.now_forbids_commercial_use,
       s.license_unknown,
       CASE r.basis WHEN 'census' THEN round(100.0 * s.license_changed / s.photos_available, 2)
                    WHEN 'estimate' THEN floor(10000 * wilson_low(s.license_changed, s.photos_available)) / 100 END
           AS pct_changed_low,
       CASE r.basis WHEN 'census' THEN round(100.0 * s.license_changed / s.photos_available, 2)
                    WHEN 'estimate' THEN ceil(10000 * wilson_high(s.license_changed, s.photos_available)) / 100 END
           AS pct_changed_high,
       coalesce(r.basis, 'not a random sample') AS basis
FROM summary s
LEFT JOIN flickr_recheck_scopes r
       ON s.snapshot = CASE WHEN r.dataset IS NULL THEN 'YFCC100M' ELSE 'dataset ' || r.dataset END
ORDER BY s.snapshot = 'YFCC100M' DESC, s.snapshot;
