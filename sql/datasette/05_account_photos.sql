-- title: One account's photos in each dataset
-- description: For one Flickr account, every dataset version holding its photos: items (faces), distinct photos and their ids. An item is the account's when YFCC100M records the account as the photo's uploader, or the manifest names the account (its NSID, or a path alias its uploader profile carries), as `ccaudit lookup` counts. Type the account as this edition shows it (owner columns: the NSID in a full edition, a u_… token in a pseudonymous one).
WITH mine AS (
    SELECT i.rowid AS item FROM yfcc_photos AS y JOIN dataset_items AS i ON i.photo_id = y.photo_id
    WHERE y.owner_nsid = :account
    UNION
    SELECT rowid FROM dataset_items WHERE owner_ref = :account COLLATE NOCASE
    UNION
    SELECT i.rowid FROM uploaders AS u JOIN dataset_items AS i ON i.owner_ref = u.path_alias COLLATE NOCASE
    WHERE u.owner_nsid = :account AND u.path_alias <> ''
)
SELECT i.dataset,
       i.version,
       count(*) AS items,
       count(DISTINCT i.photo_id) AS photos,
       group_concat(DISTINCT i.photo_id) AS photo_ids
FROM dataset_items AS i
WHERE i.rowid IN (SELECT item FROM mine)
GROUP BY i.dataset, i.version
ORDER BY i.dataset, i.version
