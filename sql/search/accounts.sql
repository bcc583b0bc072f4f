-- One row per account: its digest, photos in the pool and in the datasets, per-source counts, opt-out,
-- and what its sealed answer lists (search_cipher.py): first and last upload day in the pool, the
-- dates of its user opt-outs, and its dataset photos in photo-id order, lookup's order, each as
-- '<hex gap from the previous id>j<hex profile number>', joined by 'h'.
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
pool AS (
    SELECT owner_nsid AS account, count(*) AS photos,
           datediff('day', DATE '1970-01-01', min(uploaded_at)) AS first_day,
           datediff('day', DATE '1970-01-01', max(uploaded_at)) AS last_day
    FROM yfcc_photos GROUP BY owner_nsid
),
user_optouts AS (
    SELECT value AS account, string_agg(lower(to_hex(epoch_us(requested_at))), 'h' ORDER BY requested_at) AS dates
    FROM optouts WHERE kind = 'user' GROUP BY value
),
optout AS (
    SELECT account FROM user_optouts
    UNION
    SELECT DISTINCT o.account FROM _search_item_owners AS o
    JOIN optouts AS x ON x.kind = 'photo' AND x.value = o.photo_id::VARCHAR
),
photos AS (SELECT DISTINCT account, photo_id FROM _search_item_owners WHERE photo_id IS NOT NULL),
sorted_photos AS (  -- a hash aggregate and a sort per list: faster than a window plus an ordered string_agg
    SELECT p.account, list_sort(list({'id': p.photo_id, 'p': f.idx})) AS l
    FROM photos AS p JOIN _search_photos AS s USING (photo_id) JOIN _search_profiles AS f USING (profile)
    GROUP BY p.account
),
photo_lists AS (
    SELECT account, array_to_string(list_transform(l, lambda x, i:
               lower(to_hex(x.id - coalesce(l[i - 1].id, 0))) || 'j' || lower(to_hex(x.p))), 'h') AS list
    FROM sorted_photos
),
accounts AS (SELECT account FROM per_account UNION SELECT account FROM pool)
SELECT a.account,
       left(sha256($salt || 'u:' || a.account), $digest_chars) AS digest,
       coalesce(pool.photos, 0) AS pool_photos,
       coalesce(pa.photos, 0) AS dataset_photos,
       coalesce(s.per_source, []) AS per_source,
       (o.account IS NOT NULL) AS opted_out,
       coalesce(lower(to_hex(pool.first_day)), '') AS first_day,
       coalesce(lower(to_hex(pool.last_day)), '') AS last_day,
       coalesce(u.dates, '') AS optout_dates,
       coalesce(l.list, '') AS photo_list
FROM accounts AS a
LEFT JOIN pool USING (account) LEFT JOIN per_account AS pa USING (account) LEFT JOIN sources AS s USING (account)
LEFT JOIN optout AS o USING (account) LEFT JOIN user_optouts AS u USING (account) LEFT JOIN photo_lists AS l USING (account);
