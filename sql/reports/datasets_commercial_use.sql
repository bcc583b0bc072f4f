-- title: Commercial use per dataset
-- section: datasets
-- order: 30
-- description: Share of each dataset's photos whose license allows commercial use, by the license the manifest declares and by the license YFCC100M records (each over the photos that source covers). All Rights Reserved and NonCommercial licenses forbid commercial use; "No known copyright restrictions" counts as unknown.
-- chart: hbar label=dataset value=yfcc_commercial_share
-- requires: dataset_items
SELECT p.dataset,
       count(*) AS photos,
       count(*) FILTER (WHERE p.declares_license) AS photos_declared,
       count(*) FILTER (WHERE dl.commercial_use) AS declared_allow_commercial,
       count(*) FILTER (WHERE dl.commercial_use) / nullif(count(dl.commercial_use), 0) AS declared_commercial_share,
       count(*) FILTER (WHERE p.in_yfcc) AS photos_in_yfcc,
       count(*) FILTER (WHERE yl.commercial_use) AS yfcc_allow_commercial,
       count(*) FILTER (WHERE yl.commercial_use = FALSE) AS yfcc_forbid_commercial,
       count(*) FILTER (WHERE yl.commercial_use) / nullif(count(yl.commercial_use), 0) AS yfcc_commercial_share
FROM dataset_photos AS p
LEFT JOIN licenses AS dl ON dl.license_id = p.declared_license_id
LEFT JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
GROUP BY p.dataset
ORDER BY p.dataset;
