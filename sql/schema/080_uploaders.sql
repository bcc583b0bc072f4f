-- Uploader profiles, one row per uploader per flickr.people.getInfo answer (history kept).
CREATE TABLE IF NOT EXISTS uploaders (
    owner_nsid  VARCHAR NOT NULL,
    nickname    VARCHAR,
    username    VARCHAR,
    realname    VARCHAR,
    path_alias  VARCHAR,
    location    VARCHAR,
    is_pro      BOOLEAN,
    photo_count BIGINT,
    status      VARCHAR NOT NULL,
    fetched_at  TIMESTAMP NOT NULL,
    error_code  INTEGER,
    error_detail VARCHAR,
    run_id      VARCHAR
);
-- Older databases gain the later columns through sql/migrations/0004_uploaders_columns.sql.
COMMENT ON TABLE uploaders IS 'Uploader profiles from flickr.people.getInfo; one row per uploader per fetch (latest fetched_at is current).';
COMMENT ON COLUMN uploaders.owner_nsid IS 'Flickr NSID.';
COMMENT ON COLUMN uploaders.nickname IS 'Nickname as known from YFCC100M at crawl time.';
COMMENT ON COLUMN uploaders.username IS 'Flickr username now.';
COMMENT ON COLUMN uploaders.realname IS 'Real name the uploader publishes on Flickr, if any.';
COMMENT ON COLUMN uploaders.path_alias IS 'Custom URL alias (flickr.com/photos/<alias>), if any.';
COMMENT ON COLUMN uploaders.location IS 'Location the uploader publishes, if any.';
COMMENT ON COLUMN uploaders.is_pro IS 'Pro account now.';
COMMENT ON COLUMN uploaders.photo_count IS 'Photos on the account now.';
COMMENT ON COLUMN uploaders.status IS 'ok, user_deleted (code 5), not_found (code 1) or error.';
COMMENT ON COLUMN uploaders.fetched_at IS 'When the API answered (UTC).';
COMMENT ON COLUMN uploaders.error_code IS 'Flickr error code when stat=fail.';
COMMENT ON COLUMN uploaders.error_detail IS 'Flickr''s message or the transport error, for people to read.';
COMMENT ON COLUMN uploaders.run_id IS 'Enrichment run that fetched the profile (flickr_enrich_runs.run_id).';
