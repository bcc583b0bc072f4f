CREATE TABLE IF NOT EXISTS optouts (
    kind         VARCHAR NOT NULL CHECK (kind IN ('user', 'photo')),
    value        VARCHAR NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    note         VARCHAR
);
COMMENT ON TABLE optouts IS 'Opt-out ledger: photographers (by NSID) or single photos (by id) that asked to be removed from datasets.';
COMMENT ON COLUMN optouts.kind IS 'user (value is an NSID) or photo (value is a Flickr photo id).';
COMMENT ON COLUMN optouts.value IS 'NSID or photo id.';
COMMENT ON COLUMN optouts.requested_at IS 'When the opt-out was requested (UTC).';
COMMENT ON COLUMN optouts.note IS 'Free-text note, e.g. where the request came from.';
