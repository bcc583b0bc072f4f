-- Question: Of the photos re-checked on Flickr, how many are gone or carry a different license now?
-- flickr_checks is append-only; the latest check per photo is its current state. Compare with the
-- license in YFCC100M (the snapshot). Empty until `ccaudit enrich` has run.
WITH latest AS (
    SELECT photo_id, arg_max(status, checked_at) AS status, arg_max(license_id, checked_at) AS license_now
    FROM flickr_checks
    GROUP BY photo_id
)
SELECT c.status,
       count(*) AS photos,
       count(*) FILTER (WHERE c.status = 'ok' AND c.license_now <> p.license_id) AS license_changed,
       count(*) FILTER (WHERE c.status = 'ok' AND c.license_now = 0) AS now_all_rights_reserved
FROM latest AS c
LEFT JOIN yfcc_photos AS p USING (photo_id)
GROUP BY c.status
UNION ALL
SELECT 'not checked yet', count(*), NULL, NULL
FROM yfcc_photos WHERE photo_id NOT IN (SELECT photo_id FROM flickr_checks)
ORDER BY photos DESC;
