-- Question: Whose photos were taken into the most datasets?
-- An item belongs to an uploader through its YFCC100M photo, else the owner the manifest names.
WITH owned AS (
    SELECT i.dataset, coalesce(p.owner_nsid, i.owner_ref) AS owner
    FROM dataset_items AS i
    LEFT JOIN yfcc_photos AS p USING (photo_id)
)
SELECT owner,
       count(DISTINCT dataset) AS datasets,
       count(*) AS items,
       string_agg(DISTINCT dataset, ', ' ORDER BY dataset) AS dataset_names
FROM owned
WHERE owner IS NOT NULL
GROUP BY owner
ORDER BY datasets DESC, items DESC, owner
LIMIT 50;
