-- Needs yfcc_photos (020), flickr_latest_checks (071) and dataset_photos (211).
-- The license each snapshot records for a photo beside the license Flickr reports now: one row per
-- snapshot and photo still available, so the drift reports count every photo once per snapshot.
CREATE OR REPLACE VIEW flickr_license_drift AS
WITH snapshots AS (
    SELECT 'YFCC100M' AS snapshot, photo_id, license_id FROM yfcc_photos
    UNION ALL
    -- a dataset's latest version, one row per photo (dataset_photos), where its manifest declares a license
    SELECT 'dataset ' || dataset, photo_id, declared_license_id
    FROM dataset_photos WHERE declared_license_id IS NOT NULL
)
SELECT s.snapshot,
       s.photo_id,
       s.license_id AS license_then_id,
       c.license_id AS license_now_id,
       c.checked_at
FROM snapshots AS s
JOIN flickr_latest_checks AS c USING (photo_id)
WHERE c.status = 'ok';
COMMENT ON VIEW flickr_license_drift IS 'Photos still available on Flickr (latest answered check ok): the license a snapshot records for each (YFCC100M at crawl time, or the license a dataset''s latest version declares) against the license Flickr reports now. One row per snapshot and photo.';
COMMENT ON COLUMN flickr_license_drift.snapshot IS '''YFCC100M'' or ''dataset <name>''.';
COMMENT ON COLUMN flickr_license_drift.photo_id IS 'Flickr photo id; once per snapshot that holds it.';
COMMENT ON COLUMN flickr_license_drift.license_then_id IS 'License in the snapshot (for a dataset: the lowest id when its items disagree, see dataset_photos.declared_licenses).';
COMMENT ON COLUMN flickr_license_drift.license_now_id IS 'License of the latest ok check; NULL when Flickr sent an id ccaudit does not know (see flickr_checks.license_raw).';
COMMENT ON COLUMN flickr_license_drift.checked_at IS 'When Flickr reported license_now_id (UTC).';
