-- Question: Where does a dataset declare a different license than the photographer chose?
-- Compares the license a manifest ships per item (FFHQ, Open Images, COCO, CSV lists) with the
-- YFCC100M license of the same photo; "more_rights" = the declared license allows commercial use
-- although the photographer's license did not.
SELECT p.dataset,
       dl.name AS declared,
       yl.name AS in_yfcc100m,
       count(*) AS photos,
       dl.commercial_use AND NOT yl.commercial_use AS more_rights
FROM dataset_photos AS p
JOIN licenses AS dl ON dl.license_id = p.declared_license_id
JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
WHERE p.declared_license_id <> p.yfcc_license_id
GROUP BY ALL
ORDER BY photos DESC;
