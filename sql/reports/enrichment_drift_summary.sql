-- title: License drift summary
-- section: enrichment
-- order: 15
-- description: Per snapshot (YFCC100M, or the licenses declared by a dataset's latest version, each photo once): re-checked photos still available, how many now carry a different license, how many are now All Rights Reserved, and how many now forbid commercial use although the snapshot allowed it (All Rights Reserved included).
-- chart: hbar label=snapshot value=pct_changed
-- requires: flickr_checks
SELECT d.snapshot,
       count(*) AS photos_available,
       count(*) FILTER (WHERE d.license_now_id IS DISTINCT FROM d.license_then_id) AS license_changed,
       round(100.0 * count(*) FILTER (WHERE d.license_now_id IS DISTINCT FROM d.license_then_id) / count(*), 2)
           AS pct_changed,
       count(*) FILTER (WHERE d.license_now_id = 0 AND d.license_then_id <> 0) AS now_all_rights_reserved,
       count(*) FILTER (WHERE lt.commercial_use AND ln.commercial_use = FALSE) AS now_forbids_commercial_use,
       count(*) FILTER (WHERE d.license_now_id IS NULL) AS license_unknown
FROM flickr_license_drift AS d
LEFT JOIN licenses lt ON lt.license_id = d.license_then_id
LEFT JOIN licenses ln ON ln.license_id = d.license_now_id
GROUP BY d.snapshot
ORDER BY d.snapshot = 'YFCC100M' DESC, d.snapshot;
