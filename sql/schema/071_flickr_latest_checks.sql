-- The current state of each checked photo: its latest check that got an answer (status <> 'error').
CREATE OR REPLACE VIEW flickr_latest_checks AS
SELECT *
FROM flickr_checks
WHERE status <> 'error'
QUALIFY row_number() OVER (PARTITION BY photo_id ORDER BY checked_at DESC) = 1;
COMMENT ON VIEW flickr_latest_checks IS 'Latest answered check per photo (errors skipped: they say nothing about the photo). status ok = available now with license_id; not_found / user_deleted = no longer available. Columns as in flickr_checks.';
COMMENT ON COLUMN flickr_latest_checks.photo_id IS 'Flickr photo id checked; one row per photo here.';
COMMENT ON COLUMN flickr_latest_checks.checked_at IS 'When the API answered this latest answered check (UTC).';
COMMENT ON COLUMN flickr_latest_checks.status IS 'ok (available now), not_found (deleted, private or never existed: Flickr does not distinguish) or user_deleted; never error (failed calls are skipped).';
COMMENT ON COLUMN flickr_latest_checks.license_id IS 'License the photo carries now (status ok), as a Flickr license id; NULL when not ok, or when Flickr sent an id ccaudit does not know (see license_raw).';
COMMENT ON COLUMN flickr_latest_checks.owner_nsid IS 'Owner''s account id (NSID) now (status ok); NULL otherwise.';
COMMENT ON COLUMN flickr_latest_checks.error_code IS 'Flickr error code when the photo is gone (1 not found, 5 user deleted); NULL for ok.';
COMMENT ON COLUMN flickr_latest_checks.is_public IS 'Photo visible to everyone now (status ok); NULL otherwise.';
COMMENT ON COLUMN flickr_latest_checks.owner_username IS 'Owner username now (status ok); NULL otherwise.';
COMMENT ON COLUMN flickr_latest_checks.title IS 'Title now (status ok); NULL otherwise or when empty.';
COMMENT ON COLUMN flickr_latest_checks.run_id IS 'Enrichment run that made the check (flickr_enrich_runs.run_id).';
COMMENT ON COLUMN flickr_latest_checks.license_raw IS 'License value exactly as Flickr sent it (a number or a string such as "4").';
COMMENT ON COLUMN flickr_latest_checks.media IS 'photo or video (status ok).';
COMMENT ON COLUMN flickr_latest_checks.posted_at IS 'Upload time Flickr reports now (UTC); NULL when not ok or when the owner-editable value is not a plausible time.';
COMMENT ON COLUMN flickr_latest_checks.updated_at IS 'Last change of the photo''s metadata on Flickr (UTC); NULL when not ok.';
COMMENT ON COLUMN flickr_latest_checks.attempts IS 'HTTP requests made for this check (1 = no retry).';
COMMENT ON COLUMN flickr_latest_checks.error_detail IS 'Flickr''s message for a gone photo, for people to read; NULL for ok.';
COMMENT ON COLUMN flickr_latest_checks.owner_path_alias IS 'Owner''s custom URL alias now (flickr.com/photos/<alias>), NULL when none or not ok.';
