-- title: Overlap between datasets
-- section: datasets
-- order: 70
-- description: Distinct Flickr photos that two derived datasets (latest versions) have in common, and that number as a share of the smaller dataset's photos (100% means the smaller one lies entirely inside the other). The diagonal is each dataset with itself. A photo in several face datasets was taken from its uploader several times.
-- chart: heatmap x=dataset_a y=dataset_b value=share_of_smaller
-- requires: dataset_items
WITH photos AS (SELECT DISTINCT dataset, photo_id FROM dataset_photos),
sizes AS (SELECT dataset, count(*) AS photos FROM photos GROUP BY dataset),
common AS (
    SELECT a.dataset AS dataset_a, b.dataset AS dataset_b, count(*) AS photos_in_common
    FROM photos AS a JOIN photos AS b USING (photo_id)
    GROUP BY a.dataset, b.dataset
)
SELECT a.dataset AS dataset_a, b.dataset AS dataset_b,
       a.photos AS photos_a, b.photos AS photos_b,
       coalesce(c.photos_in_common, 0) AS photos_in_common,
       coalesce(c.photos_in_common, 0) / least(a.photos, b.photos) AS share_of_smaller
FROM sizes AS a CROSS JOIN sizes AS b
LEFT JOIN common AS c ON c.dataset_a = a.dataset AND c.dataset_b = b.dataset
ORDER BY dataset_a, dataset_b;
