-- One row per YFCC100M photo or video, decoded and typed.
CREATE TABLE IF NOT EXISTS yfcc_photos (
    photo_id         BIGINT NOT NULL,
    line_no          BIGINT,
    photo_hash       VARCHAR,
    owner_nsid       VARCHAR NOT NULL,
    owner_nickname   VARCHAR,
    taken_at         TIMESTAMP,
    taken_at_raw     VARCHAR,
    taken_at_flag    VARCHAR,
    uploaded_at      TIMESTAMP,
    capture_device   VARCHAR,
    title            VARCHAR,
    description      VARCHAR,
    user_tags        VARCHAR,
    machine_tags     VARCHAR,
    longitude        DOUBLE,
    latitude         DOUBLE,
    accuracy         TINYINT,
    -- The URLs are derived from the row (owner, id, server, farm, secret) and stored only where the
    -- published one differs: ~40 bytes a row saved. Both stay queryable columns of this table.
    page_url         VARCHAR GENERATED ALWAYS AS (
        CASE WHEN page_url_stored IS NULL
             THEN 'http://www.flickr.com/photos/' || owner_nsid || '/' || CAST(photo_id AS VARCHAR) || '/'
             ELSE nullif(page_url_stored, '') END) VIRTUAL,
    download_url     VARCHAR GENERATED ALWAYS AS (
        CASE WHEN download_url_stored IS NULL
             THEN 'http://farm' || farm_id || '.staticflickr.com/' || server_id || '/' || CAST(photo_id AS VARCHAR)
                  || '_' || secret || '.jpg'
             ELSE nullif(download_url_stored, '') END) VIRTUAL,
    license_id       INTEGER NOT NULL,
    license_name_raw VARCHAR,
    license_url_raw  VARCHAR,
    server_id        VARCHAR,
    farm_id          VARCHAR,
    secret           VARCHAR,
    secret_original  VARCHAR,
    extension        VARCHAR,
    is_video         BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_line      BIGINT NOT NULL,
    page_url_stored  VARCHAR,
    download_url_stored VARCHAR
);
COMMENT ON TABLE yfcc_photos IS 'YFCC100M photos and videos, one row per metadata line, with URL-encoded text decoded and fields typed.';
COMMENT ON COLUMN yfcc_photos.photo_id IS 'Flickr photo/video id: the key that joins datasets, API checks and opt-outs.';
COMMENT ON COLUMN yfcc_photos.line_no IS 'YFCC100M line number as published (0-based) in the 25-field file; NULL for the 23-field 2014 shards, which carry none.';
COMMENT ON COLUMN yfcc_photos.photo_hash IS 'YFCC100M hash exactly as published (MD5 of the download URL with leading zeros dropped per byte, so often under 32 chars). Never padded.';
COMMENT ON COLUMN yfcc_photos.owner_nsid IS 'Uploader''s Flickr account id (NSID: digits, @N and two more digits, as in 12345678@Nxx). Count uploaders on this, not on the nickname, which is not unique.';
COMMENT ON COLUMN yfcc_photos.owner_nickname IS 'Uploader nickname at crawl time (2014), decoded. Not unique.';
COMMENT ON COLUMN yfcc_photos.taken_at IS 'Date taken (camera time, no time zone); NULL when missing (literal null), unparsable or implausible (see taken_at_flag).';
COMMENT ON COLUMN yfcc_photos.taken_at_raw IS 'Date taken exactly as published, kept when it is flagged.';
COMMENT ON COLUMN yfcc_photos.taken_at_flag IS 'NULL when taken_at is a plausible date; missing (literal null or empty), unparsable, or implausible (year before 1826, or at least one day after the upload, e.g. 4501-01-01).';
COMMENT ON COLUMN yfcc_photos.uploaded_at IS 'Upload time (UTC), from the published epoch seconds.';
COMMENT ON COLUMN yfcc_photos.capture_device IS 'Camera make and model, decoded.';
COMMENT ON COLUMN yfcc_photos.title IS 'Title, decoded (+ and %XX undone); NULL when empty (as are nickname, device and description).';
COMMENT ON COLUMN yfcc_photos.description IS 'Description, decoded; may contain HTML from Flickr, never render it unescaped.';
COMMENT ON COLUMN yfcc_photos.user_tags IS 'User tags, comma-separated, each decoded except a comma inside a tag, which stays %2C so that splitting on , gives the tags. NULL when none.';
COMMENT ON COLUMN yfcc_photos.machine_tags IS 'Machine tags, comma-separated, decoded like user_tags (a comma inside a tag stays %2C). NULL when none.';
COMMENT ON COLUMN yfcc_photos.longitude IS 'Longitude in degrees (WGS84); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos.latitude IS 'Latitude in degrees (WGS84); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos.accuracy IS 'Flickr geo accuracy, 1 (world) to 16 (street); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos.page_url IS 'Photo page URL as published (http://www.flickr.com/photos/<nsid>/<id>/): derived from owner_nsid and photo_id unless page_url_stored holds the published one.';
COMMENT ON COLUMN yfcc_photos.download_url IS 'Medium-size image URL as published (http://farm<farm>.staticflickr.com/<server>/<id>_<secret>.jpg): derived unless download_url_stored holds the published one.';
COMMENT ON COLUMN yfcc_photos.license_id IS 'Flickr license id, normalised from the published license name and URL; joins licenses.';
COMMENT ON COLUMN yfcc_photos.license_name_raw IS 'License name as published, e.g. Attribution-NonCommercial License.';
COMMENT ON COLUMN yfcc_photos.license_url_raw IS 'License URL as published.';
COMMENT ON COLUMN yfcc_photos.server_id IS 'Flickr server id (part of the static URL).';
COMMENT ON COLUMN yfcc_photos.farm_id IS 'Flickr farm id (part of the static URL).';
COMMENT ON COLUMN yfcc_photos.secret IS 'Secret of the medium-size image URL.';
COMMENT ON COLUMN yfcc_photos.secret_original IS 'Secret of the original-size image.';
COMMENT ON COLUMN yfcc_photos.extension IS 'Extension of the original file (meaningful for photos only).';
COMMENT ON COLUMN yfcc_photos.is_video IS 'TRUE for a video (marker 1), FALSE for a photo (marker 0).';
COMMENT ON COLUMN yfcc_photos.source_file IS 'Input file this row was loaded from (absolute path); re-ingesting the file replaces its rows.';
COMMENT ON COLUMN yfcc_photos.source_line IS 'Where in source_file: the 1-based physical line (TSV, JSON lines), the SQLite rowid, or the 1-based Parquet row.';
COMMENT ON COLUMN yfcc_photos.page_url_stored IS 'The published page URL where it differs from the derived one (empty: none published); NULL when page_url is derived. Query page_url instead.';
COMMENT ON COLUMN yfcc_photos.download_url_stored IS 'The published download URL where it differs from the derived one (empty: none published); NULL when download_url is derived. Query download_url instead.';
