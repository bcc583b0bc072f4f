-- title: Share of each dataset's photos whose license forbids commercial use
-- description: Per derived dataset (latest version): of its distinct photos whose license says whether commercial use is allowed (the denominator, photos_commercial_use_known), how many forbid it: every NonCommercial license and All Rights Reserved. A photo's license is the one YFCC100M records, else the one the manifest declares. The report's "forbids commercial use" figure (table datasets_profile). forbid_commercial_share is a fraction from 0 to 1.
SELECT d.dataset,
       d.version,
       count(p.photo_id) AS photos,
       count(l.commercial_use) AS photos_commercial_use_known,
       count(CASE WHEN l.commercial_use = 0 THEN 1 END) AS photos_forbid_commercial,
       1.0 * count(CASE WHEN l.commercial_use = 0 THEN 1 END) / nullif(count(l.commercial_use), 0)
           AS forbid_commercial_share
FROM latest_datasets AS d
LEFT JOIN dataset_photos AS p ON p.dataset = d.dataset AND p.version = d.version
LEFT JOIN licenses AS l ON l.license_id = coalesce(p.yfcc_license_id, p.declared_license_id)
GROUP BY d.dataset, d.version
ORDER BY forbid_commercial_share DESC NULLS LAST, d.dataset
