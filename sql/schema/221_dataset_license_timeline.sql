-- Needs dataset_photos (211), flickr_license_history (078), flickr_latest_checks (071).
-- Each dataset photo's license at three moments: the YFCC100M snapshot (2014), the dataset's
-- collection date, and the latest answered check. The license at collection comes from the
-- photo's latest successfully fetched license history: the license set by the last change before
-- that date, else the license the first later change replaced, else (no change at all) today's.
CREATE OR REPLACE VIEW dataset_license_timeline AS
WITH fetched AS (
    SELECT photo_id, max(fetched_at) AS fetched_at FROM flickr_license_history
    WHERE status = 'ok' GROUP BY photo_id
),
entries AS (
    SELECT h.photo_id, h.changed_at, h.change_index, h.old_license_id,
           -- an entry without a new license only states the license the photo started with
           CASE WHEN h.new_license_raw IS NULL THEN h.old_license_id ELSE h.new_license_id END AS set_license_id
    FROM flickr_license_history AS h JOIN fetched USING (photo_id, fetched_at)
    WHERE h.change_index IS NOT NULL AND h.changed_at IS NOT NULL
),
photos AS (
    SELECT p.dataset, p.photo_id, p.yfcc_license_id, d.collected_on,
           f.photo_id IS NOT NULL AS history_fetched,
           c.status AS status_now, c.license_id AS license_now_id
    FROM dataset_photos AS p
    JOIN latest_datasets AS d USING (dataset, version)
    LEFT JOIN fetched AS f USING (photo_id)
    LEFT JOIN flickr_latest_checks AS c USING (photo_id)
),
at_collection AS (
    SELECT p.dataset, p.photo_id,
           arg_max(e.set_license_id, (e.changed_at, e.change_index)) FILTER (WHERE e.changed_at < p.collected_on) AS set_before,
           count(e.changed_at) FILTER (WHERE e.changed_at < p.collected_on) AS changes_before,
           arg_min(e.old_license_id, (e.changed_at, e.change_index)) FILTER (WHERE e.changed_at >= p.collected_on) AS replaced_after,
           count(e.changed_at) FILTER (WHERE e.changed_at >= p.collected_on) AS changes_after
    FROM photos AS p JOIN entries AS e USING (photo_id)
    WHERE p.collected_on IS NOT NULL
    GROUP BY p.dataset, p.photo_id
)
SELECT p.dataset, p.photo_id, p.collected_on, p.yfcc_license_id, p.history_fetched, p.status_now,
       p.license_now_id,
       CASE
           WHEN p.collected_on IS NULL OR NOT p.history_fetched THEN NULL
           WHEN coalesce(a.changes_before, 0) > 0 THEN a.set_before
           WHEN coalesce(a.changes_after, 0) > 0 THEN a.replaced_after
           ELSE p.license_now_id
       END AS license_at_collection_id,
       coalesce(a.changes_after, 0) AS changes_since_collection
FROM photos AS p
LEFT JOIN at_collection AS a USING (dataset, photo_id);
COMMENT ON VIEW dataset_license_timeline IS 'Per photo of each dataset (latest version): license in YFCC100M, at the dataset''s collection date (from the license history; NULL without a collection date or a fetched history) and now (latest answered check).';
COMMENT ON COLUMN dataset_license_timeline.dataset IS 'Dataset name; its latest version.';
COMMENT ON COLUMN dataset_license_timeline.photo_id IS 'Flickr photo id; one row per photo per dataset.';
COMMENT ON COLUMN dataset_license_timeline.collected_on IS 'Date the dataset collected its photos (datasets.collected_on); NULL when unknown.';
COMMENT ON COLUMN dataset_license_timeline.yfcc_license_id IS 'License in YFCC100M (2014); NULL when YFCC100M does not hold the photo.';
COMMENT ON COLUMN dataset_license_timeline.history_fetched IS 'TRUE when a license history was fetched successfully for the photo (ccaudit enrich).';
COMMENT ON COLUMN dataset_license_timeline.status_now IS 'Latest answered check: ok, not_found or user_deleted; NULL when never checked.';
COMMENT ON COLUMN dataset_license_timeline.license_now_id IS 'License Flickr reports now (latest check ok); NULL when not checked, gone, or unknown to ccaudit.';
COMMENT ON COLUMN dataset_license_timeline.license_at_collection_id IS 'License the photo carried on datasets.collected_on, read from its license history; NULL when the date or the history is missing.';
COMMENT ON COLUMN dataset_license_timeline.changes_since_collection IS 'License changes recorded on or after the collection date.';
