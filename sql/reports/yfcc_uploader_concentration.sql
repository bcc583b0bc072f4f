-- title: Uploader concentration (YFCC100M)
-- section: yfcc
-- order: 70
-- description: Share of all items contributed by the most prolific uploaders: read a row as "the top N uploaders (P% of all uploaders) contributed S% of the items". A flat curve means many small contributors, a steep one a few heavy ones.
-- chart: line label=top_uploaders value=items_share measure=share_of_all_items_from_the_top_uploaders
-- requires: yfcc_photos
WITH per_owner AS (
    SELECT count(*) AS items FROM yfcc_photos GROUP BY owner_nsid
),
ranked AS (
    SELECT row_number() OVER (ORDER BY items DESC) AS rank,
           sum(items) OVER (ORDER BY items DESC ROWS UNBOUNDED PRECEDING) AS cumulative_items
    FROM per_owner
),
total AS (
    SELECT count(*) AS uploaders, sum(items) AS items FROM per_owner
),
cut AS (
    -- 1, 2, 5, 10, 20, 50 … uploaders, then everyone
    SELECT DISTINCT least(m * 10 ** e, (SELECT uploaders FROM total))::BIGINT AS top_uploaders
    FROM (VALUES (1), (2), (5)) AS mult(m), range(0, 10) AS exps(e)
)
SELECT c.top_uploaders,
       c.top_uploaders / t.uploaders AS uploaders_share,
       r.cumulative_items AS items,
       r.cumulative_items / t.items AS items_share
FROM cut AS c
JOIN ranked AS r ON r.rank = c.top_uploaders
CROSS JOIN total AS t
ORDER BY c.top_uploaders;
