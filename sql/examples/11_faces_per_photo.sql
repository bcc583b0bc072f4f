-- Question: How many items (faces) does each dataset take from one photo, and from one uploader?
-- Several faces of one photo are several items; reports count photos once.
SELECT p.dataset,
       count(*) AS photos,
       sum(p.items) AS items,
       round(sum(p.items) / count(*), 2) AS items_per_photo,
       max(p.items) AS most_items_from_one_photo,
       count(DISTINCT p.owner) AS uploaders,
       round(count(*) / nullif(count(DISTINCT p.owner), 0), 1) AS photos_per_uploader
FROM dataset_photos AS p
GROUP BY p.dataset
ORDER BY items DESC;
