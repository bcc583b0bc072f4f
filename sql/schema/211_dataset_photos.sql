-- Needs yfcc_photos (020), dataset_items (060), resolved_aliases (080a) and latest_datasets (210).
-- One row per photo of each dataset (latest version), however many items (faces) point to it,
-- with what YFCC100M and the manifest say about it side by side.
CREATE OR REPLACE VIEW dataset_photos AS
WITH per_photo AS (
    SELECT i.dataset, i.version, i.photo_id,
           count(*) AS items,
           min(i.declared_license_id) AS declared_license_id,
           count(DISTINCT i.declared_license_id) AS declared_licenses,
           bool_or(i.declared_license_raw IS NOT NULL) AS declares_license,
           bool_or(i.declared_author IS NOT NULL) AS declares_author,
           min(i.owner_ref) AS owner_ref
    FROM dataset_items AS i
    JOIN latest_datasets AS d USING (dataset, version)
    WHERE i.photo_id IS NOT NULL
    GROUP BY i.dataset, i.version, i.photo_id
),
-- Path aliases (FFHQ, Open Images) resolved to NSIDs (resolved_aliases, 080a).
aliases AS (SELECT alias, owner_nsid FROM resolved_aliases)
SELECT p.*,
       y.photo_id IS NOT NULL AS in_yfcc,
       y.license_id AS yfcc_license_id,
       coalesce(y.owner_nsid, a.owner_nsid, p.owner_ref) AS owner,
       y.owner_nickname,
       y.latitude IS NOT NULL AND y.longitude IS NOT NULL AS geotagged
FROM per_photo AS p
LEFT JOIN yfcc_photos AS y USING (photo_id)
LEFT JOIN aliases AS a ON a.alias = lower(p.owner_ref);
COMMENT ON VIEW dataset_photos IS 'One row per distinct photo of each dataset (latest version): items pointing to it, license declared by the manifest, YFCC100M license and owner where YFCC100M holds it.';
COMMENT ON COLUMN dataset_photos.dataset IS 'Dataset name (joins datasets and latest_datasets).';
COMMENT ON COLUMN dataset_photos.version IS 'The dataset''s latest version (the only one this view holds).';
COMMENT ON COLUMN dataset_photos.photo_id IS 'Flickr photo id; one row per photo per dataset. Join yfcc_photos on it.';
COMMENT ON COLUMN dataset_photos.declares_license IS 'TRUE when the manifest ships any license text for an item of this photo (even one ccaudit cannot read).';
COMMENT ON COLUMN dataset_photos.declares_author IS 'TRUE when the manifest ships an author credit for an item of this photo.';
COMMENT ON COLUMN dataset_photos.owner_ref IS 'Uploader as the manifest names it (NSID or path alias; the lowest when items disagree); NULL when the manifest names none.';
COMMENT ON COLUMN dataset_photos.owner_nickname IS 'Uploader nickname in YFCC100M (2014); NULL when YFCC100M does not hold the photo or has no nickname.';
COMMENT ON COLUMN dataset_photos.items IS 'Items (e.g. faces) of the dataset that point to this photo.';
COMMENT ON COLUMN dataset_photos.declared_license_id IS 'License the manifest declares, joins licenses (lowest id when its items disagree; see declared_licenses); NULL when it declares none ccaudit can read.';
COMMENT ON COLUMN dataset_photos.declared_licenses IS 'Number of different licenses the manifest declares for this photo (normally 0 or 1).';
COMMENT ON COLUMN dataset_photos.in_yfcc IS 'TRUE when YFCC100M (as ingested) holds the photo.';
COMMENT ON COLUMN dataset_photos.yfcc_license_id IS 'License in YFCC100M (at crawl time, 2014), joins licenses; NULL when YFCC100M does not hold the photo.';
COMMENT ON COLUMN dataset_photos.owner IS 'Uploader: the YFCC100M NSID where YFCC100M holds the photo, else the NSID of the manifest''s path alias where an uploader profile or flickr.urls.lookupUser resolves it, else the manifest''s owner_ref (NSID or path alias).';
COMMENT ON COLUMN dataset_photos.geotagged IS 'YFCC100M has coordinates for the photo (FALSE when it is not in YFCC100M).';
