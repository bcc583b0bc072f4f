-- Needs yfcc_photos (020), dataset_items (060), flickr_latest_checks (071), flickr_sample_photos (077) and
-- latest_datasets (210).
-- What the re-checks of YFCC100M and of each dataset (latest version) can speak for. A share of the
-- checked photos generalises to the whole scope only when every photo was checked (census) or the
-- checked photos are a uniform random sample: exactly the answered prefix of a seeded sample
-- (ccaudit enrich --sample N --seed S; the same prefix rule as enrichment_sample_estimates). The
-- default order checks photos by id, oldest uploads first, which is not a random sample.
CREATE OR REPLACE VIEW flickr_recheck_scopes AS
WITH dataset_scope AS (   -- the photos of dataset_photos, from dataset_items directly (4x faster)
    SELECT p.dataset, any_value(p.version) AS version, count(*) AS population, count(c.photo_id) AS checked
    FROM (SELECT i.dataset, i.version, i.photo_id
          FROM dataset_items i JOIN latest_datasets d USING (dataset, version)
          WHERE i.photo_id IS NOT NULL
          GROUP BY i.dataset, i.version, i.photo_id) AS p
    LEFT JOIN flickr_latest_checks c USING (photo_id)
    GROUP BY p.dataset
),
sampled AS (
    SELECT s.dataset, s.seed, s.sample_rank, c.photo_id IS NOT NULL AS answered
    FROM flickr_sample_photos s
    JOIN latest_datasets d USING (dataset)
    LEFT JOIN flickr_latest_checks c USING (photo_id)
),
prefix AS (   -- per sample: ranks 1..checked all answered
    SELECT dataset, seed, coalesce(min(sample_rank) FILTER (WHERE NOT answered) - 1, count(*)) AS checked
    FROM sampled GROUP BY dataset, seed
),
-- the prefix's photos are all checked; with as many photos checked in all, they are exactly those
random_sample AS (
    SELECT d.dataset, min(p.seed) AS seed
    FROM dataset_scope d JOIN prefix p ON p.dataset = d.dataset AND p.checked = d.checked AND p.checked > 0
    GROUP BY d.dataset
),
yfcc AS (
    SELECT (SELECT count(*) FROM yfcc_photos) AS population,
           (SELECT count(*) FROM flickr_latest_checks SEMI JOIN yfcc_photos USING (photo_id)) AS checked
)
SELECT d.dataset AS scope, d.dataset, d.version, d.population, d.checked, r.seed AS sample_seed,
       CASE WHEN d.checked = 0 THEN 'nothing checked'
            WHEN d.checked >= d.population THEN 'census'
            WHEN r.seed IS NOT NULL THEN 'estimate'
            ELSE 'not a random sample' END AS basis
FROM dataset_scope d LEFT JOIN random_sample r USING (dataset)
UNION ALL
SELECT 'YFCC100M', NULL, NULL, population, checked, NULL,
       CASE WHEN checked = 0 THEN 'nothing checked'
            WHEN checked >= population THEN 'census'
            ELSE 'not a random sample' END
FROM yfcc;
COMMENT ON VIEW flickr_recheck_scopes IS 'Per scope (YFCC100M, or a dataset''s latest version): its photos, how many have an answered re-check, and what a share of the checked photos says about the whole scope (basis).';
COMMENT ON COLUMN flickr_recheck_scopes.scope IS '''YFCC100M'' or the dataset name.';
COMMENT ON COLUMN flickr_recheck_scopes.dataset IS 'Dataset name; NULL for YFCC100M.';
COMMENT ON COLUMN flickr_recheck_scopes.version IS 'The dataset''s latest version; NULL for YFCC100M.';
COMMENT ON COLUMN flickr_recheck_scopes.population IS 'Distinct photos of the scope.';
COMMENT ON COLUMN flickr_recheck_scopes.checked IS 'Photos of the scope with an answered re-check (latest check not an error).';
COMMENT ON COLUMN flickr_recheck_scopes.sample_seed IS 'Seed of the sample whose answered prefix is exactly the checked photos; NULL when there is none.';
COMMENT ON COLUMN flickr_recheck_scopes.basis IS 'census: every photo checked (shares are exact); estimate: the checked photos are a uniform random sample (shares carry a 95% Wilson interval); not a random sample: shares describe the checked photos only (no interval); nothing checked.';
