-- What a manifest itself republishes about where its photos were taken (counted at manifest
-- ingest; the values themselves are never stored).
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS items_with_coordinates BIGINT;
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS items_with_place_name BIGINT;
COMMENT ON COLUMN datasets.items_with_coordinates IS 'Items whose manifest record itself carries a longitude and latitude (both numbers, in range): the dataset republishes where the photo was taken. NULL when the manifest has no coordinate field (every format but yfcc-columns with longitude/latitude columns), 0 when it has the field but no values. Only the count is stored, never a coordinate.';
COMMENT ON COLUMN datasets.items_with_place_name IS 'Items whose manifest record itself names a place (FFHQ''s country; empty and "Unknown" do not count). NULL when the manifest has no place field, 0 when it has the field but no values. Only the count is stored.';
