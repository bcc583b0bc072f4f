-- title: Capture dates (YFCC100M)
-- section: quality
-- order: 30
-- description: How many "date taken" values are usable. Missing means the dump says null; implausible means before photography existed (1826) or after the upload; such dates are kept as published in taken_at_raw and left out of any date analysis.
-- chart: hbar label=date_taken value=share count=items of=all_items measure=share_of_the_pool_by_date_taken
-- requires: yfcc_photos
SELECT coalesce(taken_at_flag, 'plausible') AS date_taken,
       count(*) AS items,
       count(*) / sum(count(*)) OVER () AS share,
       sum(count(*)) OVER ()::BIGINT AS all_items
FROM yfcc_photos
GROUP BY ALL
ORDER BY items DESC;
