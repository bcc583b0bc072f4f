-- title: Each derived dataset in one row
-- section: datasets
-- order: 5
-- description: One row per derived dataset (its latest version); YFCC100M, the pool they were drawn from, is not one of them. Traceable photos are the distinct Flickr photos its items point to. A photo's license is the one YFCC100M records for it (at the YFCC100M snapshot), else the one the manifest declares. "Forbids commercial use" counts every NonCommercial license and All Rights Reserved, as a share of the traceable photos whose license says whether commercial use is allowed. NoDerivs counts Creative Commons ND licenses. "Declares more rights" counts photos whose manifest declares a license allowing commercial use where YFCC100M records one that forbids it; "ShareAlike dropped" counts photos YFCC100M records as ShareAlike whose manifest declares a license without it.
-- chart: hbar label=dataset value=forbid_commercial_share count=photos_forbid_commercial of=photos_commercial_use_known tone=warm measure=share_of_traceable_photos_whose_license_forbids_commercial_use
-- requires: datasets
WITH photos AS (
    SELECT p.dataset,
           count(*) AS photos,
           count(*) FILTER (WHERE p.in_yfcc) AS photos_in_pool,
           count(l.commercial_use) AS photos_commercial_use_known,
           count(*) FILTER (WHERE l.commercial_use = FALSE) AS photos_forbid_commercial,
           count(l.derivatives) FILTER (WHERE l.is_license) AS photos_cc_licensed,
           count(*) FILTER (WHERE l.is_license AND l.derivatives = FALSE) AS photos_noderivs,
           count(*) FILTER (WHERE p.declares_license AND p.in_yfcc AND dl.license_id IS NOT NULL) AS photos_declared_vs_pool,
           count(*) FILTER (WHERE dl.commercial_use AND yl.commercial_use = FALSE) AS photos_declared_more_rights,
           count(*) FILTER (WHERE yl.share_alike AND dl.license_id IS NOT NULL AND NOT dl.share_alike)
               AS photos_sharealike_dropped
    FROM dataset_photos AS p
    LEFT JOIN licenses AS l ON l.license_id = coalesce(p.yfcc_license_id, p.declared_license_id)
    LEFT JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
    LEFT JOIN licenses AS dl ON dl.license_id = p.declared_license_id
    GROUP BY p.dataset
),
items AS (
    SELECT i.dataset,
           count(*) FILTER (WHERE i.photo_id IS NULL) AS items_without_pointer,
           count(*) FILTER (WHERE i.declared_author IS NOT NULL) AS items_with_author,
           count(*) FILTER (WHERE i.declared_license_raw IS NOT NULL) AS items_with_license
    FROM dataset_items AS i
    JOIN latest_datasets AS d USING (dataset, version)
    GROUP BY i.dataset
)
SELECT d.dataset, d.version, d.format, d.auditable, d.items,
       coalesce(i.items_without_pointer, 0) AS items_without_pointer,
       coalesce(p.photos, 0) AS photos,
       coalesce(p.photos_in_pool, 0) AS photos_in_pool,
       coalesce(p.photos_commercial_use_known, 0) AS photos_commercial_use_known,
       coalesce(p.photos_forbid_commercial, 0) AS photos_forbid_commercial,
       p.photos_forbid_commercial / nullif(p.photos_commercial_use_known, 0) AS forbid_commercial_share,
       coalesce(p.photos_cc_licensed, 0) AS photos_cc_licensed,
       coalesce(p.photos_noderivs, 0) AS photos_noderivs,
       p.photos_noderivs / nullif(p.photos_cc_licensed, 0) AS noderivs_share,
       coalesce(i.items_with_author, 0) AS items_with_author,
       coalesce(i.items_with_license, 0) AS items_with_license,
       CASE WHEN coalesce(i.items_with_author, 0) = 0 THEN 'none'
            WHEN i.items_with_author = d.items THEN 'every item'
            ELSE 'some items' END AS photographer_credit,
       coalesce(p.photos_declared_vs_pool, 0) AS photos_declared_vs_pool,
       coalesce(p.photos_declared_more_rights, 0) AS photos_declared_more_rights,
       coalesce(p.photos_sharealike_dropped, 0) AS photos_sharealike_dropped
FROM latest_datasets AS d
LEFT JOIN photos AS p USING (dataset)
LEFT JOIN items AS i USING (dataset)
ORDER BY forbid_commercial_share DESC NULLS LAST, d.items DESC, d.dataset;
