-- Convenience view for journalists: every YFCC100M photo with its license facts alongside.
CREATE OR REPLACE VIEW yfcc_photos_licensed AS
SELECT p.*,
       l.code           AS license_code,
       l.name           AS license_name,
       l.is_license,
       l.commercial_use,
       l.derivatives,
       l.share_alike,
       l.attribution
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id);
COMMENT ON VIEW yfcc_photos_licensed IS 'Every YFCC100M photo and video (one row each, as in yfcc_photos) with what its license allows beside it (commercial_use, derivatives, share_alike, attribution, from licenses).';
-- The photo columns mean what they mean in yfcc_photos (020); said again here so that a reader of
-- this view alone (duckdb_columns(), Datasette) sees them described.
COMMENT ON COLUMN yfcc_photos_licensed.photo_id IS 'Flickr photo/video id: the key that joins datasets, API checks and opt-outs.';
COMMENT ON COLUMN yfcc_photos_licensed.line_no IS 'YFCC100M line number as published (0-based) in the 25-field file; NULL for the 23-field 2014 shards, which carry none.';
COMMENT ON COLUMN yfcc_photos_licensed.photo_hash IS 'YFCC100M hash exactly as published (MD5 of the download URL with leading zeros dropped per byte, so often under 32 chars). Never padded.';
COMMENT ON COLUMN yfcc_photos_licensed.owner_nsid IS 'Uploader''s Flickr account id (NSID: digits, @N and two more digits, as in 12345678@Nxx). Count uploaders on this, not on the nickname, which is not unique.';
COMMENT ON COLUMN yfcc_photos_licensed.owner_nickname IS 'Uploader nickname at crawl time (2014), decoded. Not unique; NULL when empty.';
COMMENT ON COLUMN yfcc_photos_licensed.taken_at IS 'Date taken (camera time, no time zone); NULL when missing (literal null), unparsable or implausible (see taken_at_flag).';
COMMENT ON COLUMN yfcc_photos_licensed.taken_at_raw IS 'Date taken exactly as published, kept when it is flagged; NULL otherwise.';
COMMENT ON COLUMN yfcc_photos_licensed.taken_at_flag IS 'NULL when taken_at is a plausible date; missing (literal null or empty), unparsable, or implausible (year before 1826, or at least one day after the upload, e.g. 4501-01-01).';
COMMENT ON COLUMN yfcc_photos_licensed.uploaded_at IS 'Upload time (UTC), from the published epoch seconds.';
COMMENT ON COLUMN yfcc_photos_licensed.capture_device IS 'Camera make and model, decoded; NULL when empty.';
COMMENT ON COLUMN yfcc_photos_licensed.title IS 'Title, decoded (+ and %XX undone); NULL when empty.';
COMMENT ON COLUMN yfcc_photos_licensed.description IS 'Description, decoded; may contain HTML from Flickr, never render it unescaped. NULL when empty.';
COMMENT ON COLUMN yfcc_photos_licensed.user_tags IS 'User tags, comma-separated, each decoded except a comma inside a tag, which stays %2C so that splitting on , gives the tags. NULL when none.';
COMMENT ON COLUMN yfcc_photos_licensed.machine_tags IS 'Machine tags, comma-separated, decoded like user_tags (a comma inside a tag stays %2C). NULL when none.';
COMMENT ON COLUMN yfcc_photos_licensed.longitude IS 'Longitude in degrees (WGS84); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos_licensed.latitude IS 'Latitude in degrees (WGS84); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos_licensed.accuracy IS 'Flickr geo accuracy, 1 (world) to 16 (street); NULL when not geotagged.';
COMMENT ON COLUMN yfcc_photos_licensed.page_url IS 'Photo page URL as published (http://www.flickr.com/photos/<nsid>/<id>/). Left out of pseudonymous editions: it names the uploader.';
COMMENT ON COLUMN yfcc_photos_licensed.download_url IS 'Medium-size image URL as published (http://farm<farm>.staticflickr.com/<server>/<id>_<secret>.jpg). Left out of pseudonymous editions.';
COMMENT ON COLUMN yfcc_photos_licensed.license_id IS 'Flickr license id (0-16), normalised from the published license name and URL; joins licenses.';
COMMENT ON COLUMN yfcc_photos_licensed.license_name_raw IS 'License name as published, e.g. Attribution-NonCommercial License.';
COMMENT ON COLUMN yfcc_photos_licensed.license_url_raw IS 'License URL as published.';
COMMENT ON COLUMN yfcc_photos_licensed.server_id IS 'Flickr server id (part of the static image URL).';
COMMENT ON COLUMN yfcc_photos_licensed.farm_id IS 'Flickr farm id (part of the static image URL).';
COMMENT ON COLUMN yfcc_photos_licensed.secret IS 'Secret of the medium-size image URL. Left out of pseudonymous editions.';
COMMENT ON COLUMN yfcc_photos_licensed.secret_original IS 'Secret of the original-size image. Left out of pseudonymous editions.';
COMMENT ON COLUMN yfcc_photos_licensed.extension IS 'Extension of the original file (meaningful for photos only).';
COMMENT ON COLUMN yfcc_photos_licensed.is_video IS 'TRUE for a video (marker 1), FALSE for a photo (marker 0).';
COMMENT ON COLUMN yfcc_photos_licensed.source_file IS 'Input file this row was loaded from (absolute path on the machine that ingested it).';
COMMENT ON COLUMN yfcc_photos_licensed.source_line IS 'Where in source_file: the 1-based physical line (TSV, JSON lines), the SQLite rowid, or the 1-based Parquet row.';
COMMENT ON COLUMN yfcc_photos_licensed.page_url_stored IS 'The published page URL where it differs from the derived one (empty: none published); NULL when page_url is derived. Query page_url instead.';
COMMENT ON COLUMN yfcc_photos_licensed.download_url_stored IS 'The published download URL where it differs from the derived one (empty: none published); NULL when download_url is derived. Query download_url instead.';
COMMENT ON COLUMN yfcc_photos_licensed.license_code IS 'Short code of the license (licenses.code): arr, by, by-sa, by-nd, by-nc, by-nc-sa, by-nc-nd, nkcr, usgov, cc0, pdm.';
COMMENT ON COLUMN yfcc_photos_licensed.license_name IS 'Name Flickr uses today for the license (licenses.name), e.g. CC BY-NC-SA 2.0.';
COMMENT ON COLUMN yfcc_photos_licensed.is_license IS 'TRUE for a license or waiver granted by the rights holder; FALSE for a rights statement or All Rights Reserved.';
COMMENT ON COLUMN yfcc_photos_licensed.commercial_use IS 'Whether the license allows commercial use: TRUE, FALSE (every NonCommercial license and All Rights Reserved), NULL when it does not say (7, no known copyright restrictions).';
COMMENT ON COLUMN yfcc_photos_licensed.derivatives IS 'Whether the license allows derivative works (adaptations): TRUE, FALSE (NoDerivs and All Rights Reserved), NULL when it does not say.';
COMMENT ON COLUMN yfcc_photos_licensed.share_alike IS 'TRUE when adaptations must carry the same license (ShareAlike).';
COMMENT ON COLUMN yfcc_photos_licensed.attribution IS 'TRUE when credit to the author is legally required (BY); NULL where not applicable (All Rights Reserved).';
