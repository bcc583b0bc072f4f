-- flickr_checks gains license_raw, media, posted_at, updated_at, attempts, error_detail and
-- owner_path_alias (NULL for checks made before; the next re-check of a photo fills them).
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS license_raw VARCHAR;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS media VARCHAR;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS posted_at TIMESTAMP;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS attempts INTEGER;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS error_detail VARCHAR;
ALTER TABLE IF EXISTS flickr_checks ADD COLUMN IF NOT EXISTS owner_path_alias VARCHAR;
