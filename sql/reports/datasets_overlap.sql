-- title: Overlap between datasets
-- section: datasets
-- order: 70
-- description: Distinct Flickr photos that two datasets (latest versions) have in common; the diagonal is each dataset's own photo count. A photo in several face datasets was taken from its uploader several times.
-- chart: heatmap x=dataset_a y=dataset_b value=photos_in_common
-- requires: dataset_items
WITH photos AS (SELECT DISTINCT dataset, photo_id FROM dataset_photos),
names AS (SELECT DISTINCT dataset FROM photos),
common AS (
    SELECT a.dataset AS dataset_a, b.dataset AS dataset_b, count(*) AS photos_in_common
    FROM photos AS a JOIN photos AS b USING (photo_id)
    GROUP BY a.dataset, b.dataset
)
SELECT a.dataset AS dataset_a, b.dataset AS dataset_b, coalesce(c.photos_in_common, 0) AS photos_in_common
FROM names AS a CROSS JOIN names AS b
LEFT JOIN common AS c ON c.dataset_a = a.dataset AND c.dataset_b = b.dataset
ORDER BY dataset_a, dataset_b;
