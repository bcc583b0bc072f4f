-- title: Commercial use forbidden, per dataset
-- section: datasets
-- order: 30
-- description: Per derived dataset, the share of its photos whose license forbids commercial use, by the license YFCC100M records (at its snapshot) and by the license the manifest declares, each over the photos whose license in that source says whether commercial use is allowed. All Rights Reserved and every NonCommercial license forbid commercial use; "No known copyright restrictions" says nothing and is left out.
-- chart: hbar label=dataset value=yfcc_forbid_commercial_share count=yfcc_forbid_commercial of=yfcc_commercial_use_known tone=warm measure=share_of_photos_that_forbid_commercial_use_(YFCC100M_license)
-- requires: dataset_items
SELECT p.dataset,
       count(*) AS photos,
       count(*) FILTER (WHERE p.in_yfcc) AS photos_in_yfcc,
       count(yl.commercial_use) AS yfcc_commercial_use_known,
       count(*) FILTER (WHERE yl.commercial_use = FALSE) AS yfcc_forbid_commercial,
       count(*) FILTER (WHERE yl.commercial_use = FALSE) / nullif(count(yl.commercial_use), 0)
           AS yfcc_forbid_commercial_share,
       count(*) FILTER (WHERE p.declares_license) AS photos_declared,
       count(dl.commercial_use) AS declared_commercial_use_known,
       count(*) FILTER (WHERE dl.commercial_use = FALSE) AS declared_forbid_commercial,
       count(*) FILTER (WHERE dl.commercial_use = FALSE) / nullif(count(dl.commercial_use), 0)
           AS declared_forbid_commercial_share
FROM dataset_photos AS p
LEFT JOIN licenses AS dl ON dl.license_id = p.declared_license_id
LEFT JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
GROUP BY p.dataset
ORDER BY yfcc_forbid_commercial_share DESC NULLS LAST, p.dataset;
