-- title: Declared license vs YFCC100M license
-- section: datasets
-- order: 60
-- description: Photos whose manifest declares a different license than YFCC100M records for them, by pair of licenses. "Declares more rights" marks a declared license that allows commercial use where the YFCC100M license forbids it; "drops ShareAlike" a declared license without ShareAlike where YFCC100M records one with it.
-- requires: dataset_items, yfcc_photos
SELECT p.dataset,
       dl.name AS declared_license,
       yl.name AS yfcc_license,
       count(*) AS photos,
       count(*) / any_value(t.compared) AS share_of_compared,
       coalesce(dl.commercial_use, FALSE) AND yl.commercial_use = FALSE AS declares_more_rights,
       yl.share_alike AND NOT dl.share_alike AS drops_sharealike
FROM dataset_photos AS p
JOIN licenses AS dl ON dl.license_id = p.declared_license_id
JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
JOIN (SELECT dataset, count(*) AS compared FROM dataset_photos
      WHERE declared_license_id IS NOT NULL AND in_yfcc GROUP BY dataset) AS t USING (dataset)
WHERE p.declared_license_id <> p.yfcc_license_id
GROUP BY p.dataset, dl.name, yl.name, dl.commercial_use, yl.commercial_use, dl.share_alike, yl.share_alike
ORDER BY p.dataset, photos DESC, declared_license, yfcc_license;
