-- Question: How many photos does each dataset share with the other datasets?
-- Overlap is counted on the Flickr photo id; a photo in three datasets counts for each of them.
WITH photos AS (
    SELECT DISTINCT dataset, photo_id FROM dataset_items WHERE photo_id IS NOT NULL
),
spread AS (
    SELECT photo_id, count(*) AS datasets FROM photos GROUP BY photo_id
)
SELECT p.dataset,
       count(*) AS photos,
       count(*) FILTER (WHERE s.datasets > 1) AS shared_with_another_dataset,
       round(100.0 * count(*) FILTER (WHERE s.datasets > 1) / count(*), 1) AS shared_pct
FROM photos AS p
JOIN spread AS s USING (photo_id)
GROUP BY p.dataset
ORDER BY photos DESC, p.dataset;
