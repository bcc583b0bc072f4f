-- title: Re-check figures with their uncertainty
-- section: enrichment
-- order: 15
-- description: What the live re-checks support about each whole dataset. A uniform random sample per dataset (`ccaudit enrich --sample N --seed S`) is checked in sample order; checked is n, the longest run of the sample, in that order, whose every photo has an answered check (so it is itself a uniform sample). Each figure gives the photos counted, their share of n and a 95% Wilson score interval (with continuity correction) for the share of the whole dataset (population photos); basis says "estimate" for a sample and "census" when every photo of the dataset was checked (the interval is then the share itself). Datasets without a sample appear only once every photo has been checked. Photos whose last check failed hold the prefix back until a later run answers them.
-- requires: flickr_checks
WITH latest_owner AS (
    SELECT owner_nsid, arg_max(status, fetched_at) AS status
    FROM uploaders WHERE status <> 'error' GROUP BY owner_nsid
),
sampled AS (
    SELECT s.dataset, s.seed, s.photo_id, s.sample_rank, max(s.population) OVER (PARTITION BY s.dataset, s.seed) AS population,
           c.photo_id IS NOT NULL AS answered
    FROM flickr_sample_photos s
    JOIN latest_datasets d USING (dataset)
    LEFT JOIN flickr_latest_checks c USING (photo_id)
),
prefix AS (   -- per sample: ranks 1..checked all answered
    SELECT dataset, seed, max(population) AS population,
           coalesce(min(sample_rank) FILTER (WHERE NOT answered) - 1, count(*)) AS checked
    FROM sampled GROUP BY dataset, seed
),
census AS (
    SELECT dataset, count(*) AS population, count(c.photo_id) AS checked
    FROM dataset_photos p LEFT JOIN flickr_latest_checks c USING (photo_id)
    GROUP BY dataset HAVING count(*) = count(c.photo_id)
),
scopes AS (
    SELECT dataset, seed, population, checked FROM prefix WHERE checked > 0
    UNION ALL
    SELECT dataset, NULL, population, checked FROM census
),
scope_photos AS (
    SELECT s.dataset, s.seed, s.photo_id FROM sampled s JOIN prefix p USING (dataset, seed)
    WHERE s.sample_rank <= p.checked
    UNION ALL
    SELECT dataset, NULL, photo_id FROM dataset_photos WHERE dataset IN (SELECT dataset FROM census)
),
facts AS (
    SELECT sp.dataset, sp.seed,
           count(*) FILTER (WHERE c.status IN ('not_found', 'user_deleted')) AS gone,
           count(*) FILTER (WHERE c.status = 'not_found') AS not_found,
           count(*) FILTER (WHERE c.status = 'user_deleted' OR o.status = 'user_deleted') AS uploader_deleted,
           count(*) FILTER (WHERE c.status = 'ok' AND p.yfcc_license_id IS NOT NULL
                            AND c.license_id IS DISTINCT FROM p.yfcc_license_id) AS license_changed
    FROM scope_photos sp
    JOIN dataset_photos p USING (dataset, photo_id)
    JOIN flickr_latest_checks c USING (photo_id)
    LEFT JOIN latest_owner o ON o.owner_nsid = coalesce(c.owner_nsid, p.owner)
    GROUP BY sp.dataset, sp.seed
),
figures AS (
    SELECT s.dataset, s.seed, s.population, s.checked, f.figure, f.photos
    FROM scopes s JOIN facts ON facts.dataset = s.dataset AND facts.seed IS NOT DISTINCT FROM s.seed
    CROSS JOIN LATERAL (VALUES
        ('no longer available (not found or owner deleted)', facts.gone),
        ('not found (deleted or private)', facts.not_found),
        ('uploader account deleted', facts.uploader_deleted),
        ('license changed since YFCC100M', facts.license_changed)) AS f(figure, photos)
),
census_or_sample AS (
    SELECT *, photos / checked AS share, checked >= population AS is_census FROM figures
)
-- wilson_low/wilson_high: sql/schema/005_stats_macros.sql (as pipelines.stats.wilson_interval)
SELECT dataset, seed, population, checked, figure, photos, share,
       CASE WHEN is_census THEN share ELSE wilson_low(photos, checked) END AS share_low,
       CASE WHEN is_census THEN share ELSE wilson_high(photos, checked) END AS share_high,
       CASE WHEN is_census THEN 'census' ELSE 'estimate' END AS basis
FROM census_or_sample
ORDER BY dataset, seed NULLS FIRST, figure;
