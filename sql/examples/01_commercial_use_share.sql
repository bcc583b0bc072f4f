-- Question: What share of YFCC100M photos and videos forbid commercial use?
-- "Forbid" means a NonCommercial (NC) license or All Rights Reserved; licenses.commercial_use says
-- what each Flickr license allows (NULL = unknown, e.g. "No known copyright restrictions").
SELECT count(*) AS items,
       count(*) FILTER (WHERE l.commercial_use = FALSE) AS forbid_commercial_use,
       round(100.0 * count(*) FILTER (WHERE l.commercial_use = FALSE) / count(*), 2) AS forbid_pct,
       round(100.0 * count(*) FILTER (WHERE l.commercial_use) / count(*), 2) AS allow_pct
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id);
