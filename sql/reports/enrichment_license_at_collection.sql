-- title: License at collection time vs YFCC100M vs today
-- section: enrichment
-- order: 22
-- description: Per dataset with a collection date (`ingest manifest --collected-on`, else the catalogue's collected_on, else the latest crawl date the manifest itself gives, such as FFHQ's date_crawled: collected_on_source says which) and per combination, the dataset photos whose license history was fetched: the license in the YFCC100M snapshot (2014), on the day the dataset collected them (from flickr.photos.licenses.getLicenseHistory) and today (latest check). direction compares collection time with today: "more restrictive" when today's license withdraws commercial use or derivatives, or is All Rights Reserved, that the collection-time license allowed; "more open" for the reverse. Counts cover only the photos re-checked (see the sampled estimates for how far they generalise).
-- requires: flickr_checks, flickr_license_history
WITH t AS (
    SELECT dataset, collected_on, yfcc_license_id, license_at_collection_id, license_now_id,
           count(*) AS photos
    FROM dataset_license_timeline
    WHERE license_at_collection_id IS NOT NULL OR (history_fetched AND collected_on IS NOT NULL)
    GROUP BY ALL
)
SELECT t.dataset, t.collected_on, d.collected_on_source,
       coalesce(ly.name, 'not in YFCC100M') AS license_yfcc,
       coalesce(lc.name, 'unknown to ccaudit') AS license_at_collection,
       coalesce(ln.name, 'unknown to ccaudit') AS license_now,
       CASE
           WHEN t.license_now_id IS NOT DISTINCT FROM t.license_at_collection_id THEN 'unchanged'
           WHEN lc.license_id IS NULL OR ln.license_id IS NULL THEN 'changed (license unknown)'
           WHEN (ln.license_id = 0 AND lc.license_id <> 0)
                OR (lc.commercial_use AND ln.commercial_use = FALSE)
                OR (lc.derivatives AND ln.derivatives = FALSE) THEN 'more restrictive'
           WHEN (lc.license_id = 0 AND ln.license_id <> 0)
                OR (lc.commercial_use = FALSE AND ln.commercial_use)
                OR (lc.derivatives = FALSE AND ln.derivatives) THEN 'more open'
           ELSE 'changed'
       END AS direction,
       t.yfcc_license_id IS DISTINCT FROM t.license_at_collection_id AND t.yfcc_license_id IS NOT NULL
           AS changed_before_collection,
       t.photos
FROM t
LEFT JOIN latest_datasets d ON d.dataset = t.dataset
LEFT JOIN licenses ly ON ly.license_id = t.yfcc_license_id
LEFT JOIN licenses lc ON lc.license_id = t.license_at_collection_id
LEFT JOIN licenses ln ON ln.license_id = t.license_now_id
ORDER BY t.dataset, direction = 'unchanged', t.photos DESC, license_yfcc, license_at_collection, license_now;
