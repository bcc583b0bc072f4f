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
    run_id      VARCHAR
);
COMMENT ON TABLE flickr_checks IS 'Append-only history of live Flickr API re-checks (flickr.photos.getInfo), one row per photo per check.';
COMMENT ON COLUMN flickr_checks.photo_id IS 'Flickr photo id checked.';
COMMENT ON COLUMN flickr_checks.checked_at IS 'When the API answered (UTC).';
COMMENT ON COLUMN flickr_checks.status IS 'ok, not_found (deleted, private or never existed: Flickr does not distinguish), user_deleted, or error.';
COMMENT ON COLUMN flickr_checks.license_id IS 'License the photo carries now (status ok).';
COMMENT ON COLUMN flickr_checks.owner_nsid IS 'Owner NSID now (status ok).';
COMMENT ON COLUMN flickr_checks.error_code IS 'Flickr error code when stat=fail (1 not found, 5 user deleted, ...).';
COMMENT ON COLUMN flickr_checks.is_public IS 'Photo visible to everyone now (status ok).';
COMMENT ON COLUMN flickr_checks.owner_username IS 'Owner username now (status ok).';
COMMENT ON COLUMN flickr_checks.title IS 'Title now (status ok).';
COMMENT ON COLUMN flickr_checks.run_id IS 'Enrichment run that made the check.';
