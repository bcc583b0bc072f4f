-- The current state of each checked photo: its latest check that got an answer (status <> 'error').
CREATE OR REPLACE VIEW flickr_latest_checks AS
SELECT *
FROM flickr_checks
WHERE status <> 'error'
QUALIFY row_number() OVER (PARTITION BY photo_id ORDER BY checked_at DESC) = 1;
COMMENT ON VIEW flickr_latest_checks IS 'Latest answered check per photo (errors skipped: they say nothing about the photo). status ok = available now with license_id; not_found / user_deleted = no longer available.';
