-- Photos, owners and photos found in YFCC100M of one loaded dataset version ($1, $2), counted as
-- GROUP BYs (hash aggregates that spill past the memory limit).
WITH photos AS (SELECT photo_id FROM dataset_items
                WHERE dataset = $1 AND version = $2 AND photo_id IS NOT NULL GROUP BY photo_id),
     owners AS (SELECT owner_ref FROM dataset_items
                WHERE dataset = $1 AND version = $2 AND owner_ref IS NOT NULL GROUP BY owner_ref)
SELECT (SELECT count(*) FROM photos), (SELECT count(*) FROM owners),
       (SELECT count(*) FROM photos SEMI JOIN yfcc_photos USING (photo_id));
