-- Path aliases that manifests name instead of an NSID, resolved by flickr.urls.lookupUser.
CREATE TABLE IF NOT EXISTS flickr_alias_resolutions (
    alias        VARCHAR NOT NULL,
    resolved_at  TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL,
    owner_nsid   VARCHAR,
    username     VARCHAR,
    error_code   INTEGER,
    error_detail VARCHAR,
    run_id       VARCHAR
);
COMMENT ON TABLE flickr_alias_resolutions IS 'Answers of flickr.urls.lookupUser for path aliases named by dataset manifests (dataset_items.owner_ref), one row per ask (latest resolved_at is current); an alias is asked again only after --max-age days, and not at all when an uploader profile already carries it.';
COMMENT ON COLUMN flickr_alias_resolutions.alias IS 'Path alias as the manifest names it, lower-cased (flickr.com/photos/<alias>/).';
COMMENT ON COLUMN flickr_alias_resolutions.resolved_at IS 'When the API answered (UTC).';
COMMENT ON COLUMN flickr_alias_resolutions.status IS 'ok (owner_nsid found), not_found (no such account now: unresolved), or error.';
COMMENT ON COLUMN flickr_alias_resolutions.owner_nsid IS 'NSID of the account behind the alias (status ok).';
COMMENT ON COLUMN flickr_alias_resolutions.username IS 'Username Flickr reports for it (status ok).';
COMMENT ON COLUMN flickr_alias_resolutions.error_code IS 'Flickr error code when stat=fail.';
COMMENT ON COLUMN flickr_alias_resolutions.error_detail IS 'Flickr''s message or the transport error.';
COMMENT ON COLUMN flickr_alias_resolutions.run_id IS 'Enrichment run that asked.';
