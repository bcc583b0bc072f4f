-- title: Top uploaders of a dataset
-- description: The accounts with the most distinct photos in one dataset (latest version), with their share of its photos and of its items (faces); ties broken by account. The report's table datasets_top_uploaders shows the first ten. Type the dataset's name (see the datasets table).
WITH per_owner AS (
    SELECT owner, max(owner_nickname) AS owner_nickname, count(*) AS photos, sum(items) AS items
    FROM dataset_photos
    WHERE dataset = :dataset AND owner IS NOT NULL
    GROUP BY owner
),
totals AS (
    SELECT count(*) AS photos, sum(items) AS items FROM dataset_photos WHERE dataset = :dataset
)
SELECT row_number() OVER (ORDER BY o.photos DESC, o.owner) AS rank,
       o.owner,
       o.owner_nickname,
       o.photos,
       o.items,
       1.0 * o.photos / t.photos AS photo_share,
       1.0 * o.items / t.items AS item_share
FROM per_owner AS o, totals AS t
ORDER BY rank
LIMIT 100
