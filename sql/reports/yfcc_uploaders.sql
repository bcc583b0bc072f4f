-- title: Uploaders (YFCC100M)
-- section: yfcc
-- order: 50
-- description: How concentrated YFCC100M is: distinct uploaders (NSIDs), photos per uploader, and the share of all items contributed by the top 1% of uploaders (rounded up to a whole uploader).
-- requires: yfcc_photos
WITH per_owner AS (
    SELECT owner_nsid, count(*) AS items FROM yfcc_photos GROUP BY owner_nsid
),
ranked AS (
    SELECT items,
           row_number() OVER (ORDER BY items DESC, owner_nsid) AS rank,
           ceil(count(*) OVER () / 100) AS top_1pct_uploaders
    FROM per_owner
)
SELECT count(*) AS uploaders,
       sum(items) AS items,
       sum(items) / count(*) AS mean_items_per_uploader,
       median(items) AS median_items_per_uploader,
       max(items) AS max_items_per_uploader,
       any_value(top_1pct_uploaders)::BIGINT AS top_1pct_uploaders,
       sum(items) FILTER (WHERE rank <= top_1pct_uploaders) AS top_1pct_items,
       sum(items) FILTER (WHERE rank <= top_1pct_uploaders) / sum(items) AS top_1pct_share
FROM ranked;
