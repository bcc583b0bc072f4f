-- Append-only history of live re-checks: one row per photo per flickr.photos.getInfo answer.
CREATE TABLE IF NOT EXISTS flickr_checks (
    photo_id    BIGINT NOT NULL,
    checked_at  TIMESTAMP NOT NULL,
    status      VARCHAR NOT NULL,
    license_id  INTEGER,
    owner_nsid  VARCHAR,
    error_code  INTEGER,
    is_public   BOOLEAN,
    owner_username VARCHAR,
    title       VARCHAR,
    run_id      VARCHAR,
    license_raw VARCHAR,
    media       VARCHAR,
    posted_at   TIMESTAMP,
    updated_at  TIMESTAMP,
    attempts    INTEGER,
    error_detail VARCHAR,
    -- The owner's path alias as getInfo reports it: an alias -> NSID pair at no extra call.
    owner_path_alias VARCHAR
);
-- Older databases gain the later columns through sql/migrations/0003_flickr_checks_columns.sql.
COMMENT ON TABLE flickr_checks IS 'Append-only history of live Flickr API re-checks (flickr.photos.getInfo), one row per photo per check.';
COMMENT ON COLUMN flickr_checks.photo_id IS 'Flickr photo id checked.';
COMMENT ON COLUMN flickr_checks.checked_at IS 'When the API answered (UTC).';
COMMENT ON COLUMN flickr_checks.status IS 'ok, not_found (deleted, private or never existed: Flickr does not distinguish), user_deleted, or error (no usable answer: other error code, HTTP error, unreadable body, retries exhausted).';
COMMENT ON COLUMN flickr_checks.license_id IS 'License the photo carries now (status ok), normalised to a Flickr license id; NULL when Flickr sent an id ccaudit does not know (see license_raw).';
COMMENT ON COLUMN flickr_checks.owner_nsid IS 'Owner NSID now (status ok).';
COMMENT ON COLUMN flickr_checks.error_code IS 'Flickr error code when stat=fail (1 not found, 5 user deleted, ...).';
COMMENT ON COLUMN flickr_checks.is_public IS 'Photo visible to everyone now (status ok).';
COMMENT ON COLUMN flickr_checks.owner_username IS 'Owner username now (status ok).';
COMMENT ON COLUMN flickr_checks.title IS 'Title now (status ok).';
COMMENT ON COLUMN flickr_checks.run_id IS 'Enrichment run that made the check (flickr_enrich_runs.run_id).';
COMMENT ON COLUMN flickr_checks.license_raw IS 'License value exactly as Flickr sent it (a number or a string such as "4").';
COMMENT ON COLUMN flickr_checks.media IS 'photo or video (status ok).';
COMMENT ON COLUMN flickr_checks.posted_at IS 'Upload time Flickr reports now (UTC); NULL when the owner-editable value is not a plausible time.';
COMMENT ON COLUMN flickr_checks.updated_at IS 'Last change of the photo''s metadata on Flickr (UTC).';
COMMENT ON COLUMN flickr_checks.attempts IS 'HTTP requests made for this check (1 = no retry).';
COMMENT ON COLUMN flickr_checks.error_detail IS 'Flickr''s message or the transport error, for people to read (logic branches on status and error_code only).';
COMMENT ON COLUMN flickr_checks.owner_path_alias IS 'Owner''s custom URL alias now (flickr.com/photos/<alias>), if any (status ok); resolves manifests'' path aliases to owner_nsid without a flickr.urls.lookupUser call.';
