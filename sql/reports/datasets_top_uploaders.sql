-- title: Top uploaders per dataset
-- section: datasets
-- order: 40
-- description: The ten accounts with the most distinct photos in each dataset (owner from YFCC100M where it holds the photo, else the owner the manifest names), with their share of the dataset's photos and of its items. Ties are broken by account.
-- requires: dataset_items
-- sensitive: owner, owner_nickname
WITH per_owner AS (
    SELECT dataset, owner,
           any_value(owner_nickname) AS owner_nickname,
           count(*) AS photos,
           sum(items) AS items
    FROM dataset_photos
    WHERE owner IS NOT NULL
    GROUP BY dataset, owner
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY dataset ORDER BY photos DESC, owner) AS rank
    FROM per_owner
)
SELECT r.dataset, r.rank, r.owner, r.owner_nickname, r.photos, r.items,
       r.photos / t.photos AS photo_share,
       r.items / t.items AS item_share
FROM ranked AS r
JOIN (SELECT dataset, count(*) AS photos, sum(items) AS items FROM dataset_photos GROUP BY dataset) AS t
  USING (dataset)
WHERE r.rank <= 10
ORDER BY r.dataset, r.rank;
