-- Photos whose latest answered check at or before the previous report ($since) said ok and whose
-- latest check says gone: what disappeared between two editions.
WITH at_previous AS (
    SELECT photo_id,
           arg_max(status, checked_at) FILTER (WHERE checked_at <= $since AND status <> 'error') AS status
    FROM flickr_checks GROUP BY photo_id
)
SELECT count(*)
FROM flickr_latest_checks AS latest
JOIN at_previous AS previous USING (photo_id)
WHERE previous.status = 'ok' AND latest.status IN ('not_found', 'user_deleted');
