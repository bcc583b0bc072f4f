-- Photos re-checked on Flickr and those gone: each photo's latest answered check (errors say nothing
-- about the photo), as in sql/reports/enrichment_unavailable.sql. Kept in summary.json's metrics.
SELECT count(*) AS checked_photos,
       count(*) FILTER (WHERE status IN ('not_found', 'user_deleted')) AS gone_photos
FROM flickr_latest_checks;
