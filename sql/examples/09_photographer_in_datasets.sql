-- Question: Which of one photographer's photos are in which datasets, and under which licenses?
-- Replace the NSID (or use `ccaudit lookup NSID`, which also accepts usernames and photo URLs).
-- dataset_photos has one row per photo of each dataset's latest version, however many faces.
SELECT p.dataset, p.version,
       count(*) AS photos,
       sum(p.items) AS items,
       count(*) FILTER (WHERE yl.commercial_use = FALSE) AS photos_forbid_commercial_use,
       list(p.photo_id ORDER BY p.photo_id)[1:10] AS first_photo_ids
FROM dataset_photos AS p
LEFT JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
WHERE p.owner = '10187971@N07'
GROUP BY p.dataset, p.version
ORDER BY photos DESC;
