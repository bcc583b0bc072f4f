-- title: Photos, videos and geotags (YFCC100M)
-- section: yfcc
-- order: 40
-- description: Photos and videos, and how many of each carry a location (latitude and longitude) that places where the picture was taken, often a home.
-- chart: hbar label=media value=geotagged_share count=geotagged of=items measure=share_geotagged
-- requires: yfcc_photos
SELECT CASE WHEN is_video THEN 'video' ELSE 'photo' END AS media,
       count(*) AS items,
       count(*) / sum(count(*)) OVER () AS share,
       count(*) FILTER (WHERE latitude IS NOT NULL AND longitude IS NOT NULL) AS geotagged,
       count(*) FILTER (WHERE latitude IS NOT NULL AND longitude IS NOT NULL) / count(*) AS geotagged_share
FROM yfcc_photos
GROUP BY ALL
ORDER BY media;
