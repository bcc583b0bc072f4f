-- License histories of dataset photos (flickr.photos.licenses.getLicenseHistory), one row per change.
CREATE TABLE IF NOT EXISTS flickr_license_history (
    photo_id        BIGINT NOT NULL,
    fetched_at      TIMESTAMP NOT NULL,
    run_id          VARCHAR,
    status          VARCHAR NOT NULL,
    changes         INTEGER,
    change_index    INTEGER,
    changed_at      TIMESTAMP,
    old_license_id  INTEGER,
    new_license_id  INTEGER,
    old_license_raw VARCHAR,
    new_license_raw VARCHAR,
    error_code      INTEGER,
    error_detail    VARCHAR
);
COMMENT ON TABLE flickr_license_history IS 'License histories from flickr.photos.licenses.getLicenseHistory for photos of dataset items: one row per change per fetch; a history without changes is one row with changes = 0 and change_index NULL; a failed fetch is one row with its status.';
COMMENT ON COLUMN flickr_license_history.photo_id IS 'Flickr photo id.';
COMMENT ON COLUMN flickr_license_history.fetched_at IS 'When the API answered (UTC); the latest fetch per photo is current.';
COMMENT ON COLUMN flickr_license_history.run_id IS 'Enrichment run that fetched it.';
COMMENT ON COLUMN flickr_license_history.status IS 'ok, not_found, user_deleted or error (as in flickr_checks).';
COMMENT ON COLUMN flickr_license_history.changes IS 'Entries in the history of this fetch (0 = the license never changed).';
COMMENT ON COLUMN flickr_license_history.change_index IS '1 = oldest entry; NULL for an empty history or a failed fetch.';
COMMENT ON COLUMN flickr_license_history.changed_at IS 'When the owner changed the license (UTC).';
COMMENT ON COLUMN flickr_license_history.old_license_id IS 'License before the change (Flickr license id; NULL when unknown to ccaudit, see old_license_raw).';
COMMENT ON COLUMN flickr_license_history.new_license_id IS 'License after the change; NULL with new_license_raw NULL when the entry only records the license the photo was first given (old_license).';
COMMENT ON COLUMN flickr_license_history.old_license_raw IS 'Old license as Flickr names it (URL, else name).';
COMMENT ON COLUMN flickr_license_history.new_license_raw IS 'New license as Flickr names it (URL, else name).';
COMMENT ON COLUMN flickr_license_history.error_code IS 'Flickr error code when stat=fail.';
COMMENT ON COLUMN flickr_license_history.error_detail IS 'Flickr''s message or the transport error.';
