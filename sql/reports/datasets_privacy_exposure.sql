-- title: Privacy exposure: where the photos were taken
-- section: datasets
-- order: 90
-- description: Per dataset (latest version), its distinct photos that YFCC100M geotags, by Flickr's accuracy level, banded to the nearest level Flickr names ("World level is 1, Country is ~3, Region ~6, City ~11, Street ~16", flickr.photos.geo.setLocation): street level 14-16, city level 9-13, region or coarser 1-8. face_dataset is TRUE when the dataset catalogue says the dataset distributes faces (NULL when the dataset is not in the catalogue): there a coordinate locates a person's photo. The last row counts the photos of all face datasets once. No coordinate is shown in either edition, only counts. What the manifest itself republishes, counted at manifest ingest over its items (several faces of one photo are several items): manifest_items_with_coordinates, the items whose own record carries a longitude and latitude (the yfcc-columns format's longitude/latitude columns), and manifest_items_with_place_name, the items whose record names a place (FFHQ's country). Both are empty when the manifest has no such field and 0 when it has the field but no values; they are empty on the last row, which counts photos, not items.
-- requires: dataset_items
WITH photos AS (
    SELECT p.dataset, p.photo_id, p.in_yfcc, p.geotagged, y.accuracy,
           d.catalog_content ILIKE '%face%' AS face_dataset
    FROM dataset_photos p
    JOIN latest_datasets d USING (dataset, version)
    LEFT JOIN yfcc_photos y USING (photo_id)
),
scoped AS (
    SELECT dataset, face_dataset, photo_id, in_yfcc, geotagged, accuracy, 1 AS step FROM photos
    UNION ALL
    SELECT DISTINCT 'all face datasets (each photo once)', TRUE, photo_id, in_yfcc, geotagged, accuracy, 2
    FROM photos WHERE face_dataset
),
exposure AS (
    SELECT dataset, face_dataset, step,
           count(DISTINCT photo_id) AS photos,
           count(DISTINCT photo_id) FILTER (WHERE in_yfcc) AS photos_in_yfcc,
           count(DISTINCT photo_id) FILTER (WHERE geotagged) AS photos_geotagged,
           count(DISTINCT photo_id) FILTER (WHERE geotagged AND accuracy >= 14) AS street_level,
           count(DISTINCT photo_id) FILTER (WHERE geotagged AND accuracy BETWEEN 9 AND 13) AS city_level,
           count(DISTINCT photo_id) FILTER (WHERE geotagged AND accuracy BETWEEN 1 AND 8) AS region_or_coarser,
           count(DISTINCT photo_id) FILTER (WHERE geotagged AND (accuracy IS NULL OR accuracy NOT BETWEEN 1 AND 16))
               AS accuracy_unknown,
           CASE WHEN count(DISTINCT photo_id) FILTER (WHERE in_yfcc) > 0
                THEN count(DISTINCT photo_id) FILTER (WHERE geotagged)
                     / count(DISTINCT photo_id) FILTER (WHERE in_yfcc) END AS geotagged_share
    FROM scoped
    GROUP BY dataset, face_dataset, step
)
SELECT e.dataset, e.face_dataset, e.photos, e.photos_in_yfcc, e.photos_geotagged, e.street_level, e.city_level,
       e.region_or_coarser, e.accuracy_unknown, e.geotagged_share,
       d.items AS manifest_items,
       d.items_with_coordinates AS manifest_items_with_coordinates,
       d.items_with_place_name AS manifest_items_with_place_name
FROM exposure e
LEFT JOIN latest_datasets d ON e.step = 1 AND d.dataset = e.dataset
ORDER BY e.step, e.dataset;
