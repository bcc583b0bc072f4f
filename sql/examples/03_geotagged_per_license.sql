-- Question: How many geotagged photos are there per license?
-- A geotag places where the picture was taken (often a home); accuracy 16 is street level.
SELECT l.name AS license,
       count(*) AS items,
       count(p.latitude) AS geotagged,
       round(100.0 * count(p.latitude) / count(*), 1) AS geotagged_pct,
       count(*) FILTER (WHERE p.accuracy >= 15) AS street_level
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id)
GROUP BY l.name
ORDER BY items DESC;
