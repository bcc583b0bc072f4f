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
    fetched_at  TIMESTAMP NOT NULL
);
COMMENT ON TABLE uploaders IS 'Uploader profiles from flickr.people.getInfo; one row per uploader per fetch (latest fetched_at is current).';
COMMENT ON COLUMN uploaders.owner_nsid IS 'Flickr NSID.';
COMMENT ON COLUMN uploaders.nickname IS 'Nickname as known from YFCC100M at crawl time.';
COMMENT ON COLUMN uploaders.username IS 'Flickr username now.';
COMMENT ON COLUMN uploaders.realname IS 'Real name the uploader publishes on Flickr, if any.';
COMMENT ON COLUMN uploaders.path_alias IS 'Custom URL alias (flickr.com/photos/<alias>), if any.';
COMMENT ON COLUMN uploaders.location IS 'Location the uploader publishes, if any.';
COMMENT ON COLUMN uploaders.is_pro IS 'Pro account now.';
COMMENT ON COLUMN uploaders.photo_count IS 'Photos on the account now.';
COMMENT ON COLUMN uploaders.status IS 'ok, user_deleted, not_found or error.';
COMMENT ON COLUMN uploaders.fetched_at IS 'When the API answered (UTC).';
