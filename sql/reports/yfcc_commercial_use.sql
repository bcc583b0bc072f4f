-- title: Commercial use allowed? (YFCC100M)
-- section: yfcc
-- order: 30
-- description: Photos and videos grouped by whether their license allows commercial use. "Unknown" is a rights statement (No known copyright restrictions) that promises nothing.
-- chart: bar label=commercial_use value=share
-- requires: yfcc_photos
SELECT CASE l.commercial_use WHEN TRUE THEN 'allowed' WHEN FALSE THEN 'forbidden' ELSE 'unknown' END
           AS commercial_use,
       count(*) AS items,
       count(*) / sum(count(*)) OVER () AS share
FROM yfcc_photos AS y
JOIN licenses AS l USING (license_id)
GROUP BY l.commercial_use
ORDER BY l.commercial_use DESC NULLS LAST;
