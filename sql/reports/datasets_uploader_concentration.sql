-- title: Uploader concentration per dataset
-- section: datasets
-- order: 45
-- description: How much of each dataset comes from few accounts: distinct uploaders, photos per uploader (mean and median), and the share of the dataset's photos held by its largest uploader, its ten largest and its largest 1% of uploaders.
-- chart: hbar label=dataset value=top10_share of=photos_with_owner measure=share_of_photos_from_the_ten_largest_uploaders
-- requires: dataset_items
WITH per_owner AS (
    SELECT dataset, owner, count(*) AS photos,
           row_number() OVER (PARTITION BY dataset ORDER BY count(*) DESC, owner) AS rank
    FROM dataset_photos
    WHERE owner IS NOT NULL
    GROUP BY dataset, owner
),
totals AS (
    SELECT dataset, count(*) AS uploaders, sum(photos) AS photos FROM per_owner GROUP BY dataset
)
SELECT t.dataset, t.uploaders, t.photos AS photos_with_owner,
       t.photos / t.uploaders AS mean_photos_per_uploader,
       median(o.photos) AS median_photos_per_uploader,
       max(o.photos) / t.photos AS top1_share,
       sum(o.photos) FILTER (WHERE o.rank <= 10) / t.photos AS top10_share,
       greatest(1, ceil(t.uploaders * 0.01))::BIGINT AS top_1pct_uploaders,
       sum(o.photos) FILTER (WHERE o.rank <= greatest(1, ceil(t.uploaders * 0.01))) / t.photos AS top_1pct_share
FROM totals AS t
JOIN per_owner AS o USING (dataset)
GROUP BY t.dataset, t.uploaders, t.photos
ORDER BY t.dataset;
