-- One row per account: its digest, photos in the pool and in the datasets, per-source counts, opt-out.
-- $salt: the page's salt; $digest_chars: hex digits kept of each SHA-256.
WITH per_source AS (
    SELECT account, source, count(DISTINCT photo_id) AS photos, count(DISTINCT item_key) AS items
    FROM _search_item_owners GROUP BY ALL
),
sources AS (
    SELECT account, list([source, photos, items] ORDER BY source) AS per_source FROM per_source GROUP BY account
),
per_account AS (
    SELECT account, count(DISTINCT photo_id) AS photos FROM _search_item_owners GROUP BY account
),
pool AS (SELECT owner_nsid AS account, count(*) AS photos FROM yfcc_photos GROUP BY owner_nsid),
optout AS (
    SELECT DISTINCT value AS account FROM optouts WHERE kind = 'user'
    UNION
    SELECT DISTINCT o.account FROM _search_item_owners AS o
    JOIN optouts AS x ON x.kind = 'photo' AND x.value = o.photo_id::VARCHAR
),
accounts AS (SELECT account FROM per_account UNION SELECT account FROM pool)
SELECT a.account,
       left(sha256($salt || 'u:' || a.account), $digest_chars) AS digest,
       coalesce(pool.photos, 0) AS pool_photos,
       coalesce(pa.photos, 0) AS dataset_photos,
       coalesce(s.per_source, []) AS per_source,
       (o.account IS NOT NULL) AS opted_out
FROM accounts AS a
LEFT JOIN pool USING (account) LEFT JOIN per_account AS pa USING (account) LEFT JOIN sources AS s USING (account)
LEFT JOIN optout AS o USING (account);
