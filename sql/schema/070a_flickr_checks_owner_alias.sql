-- The owner's path alias as flickr.photos.getInfo reports it: an alias -> NSID pair at no extra call.
ALTER TABLE flickr_checks ADD COLUMN IF NOT EXISTS owner_path_alias VARCHAR;
COMMENT ON COLUMN flickr_checks.owner_path_alias IS 'Owner''s custom URL alias now (flickr.com/photos/<alias>), if any (status ok); resolves manifests'' path aliases to owner_nsid without a flickr.urls.lookupUser call.';
