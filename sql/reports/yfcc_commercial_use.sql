-- title: Does the license forbid commercial use? (the pool, YFCC100M)
-- section: yfcc
-- order: 30
-- description: Photos and videos grouped by whether their license forbids commercial use (every NonCommercial license and All Rights Reserved), allows it, or says nothing. "Unknown" is a rights statement (No known copyright restrictions) that promises nothing.
-- chart: hbar label=commercial_use value=share count=items of=all_items measure=share_of_the_pool's_photos_and_videos
-- requires: yfcc_photos
SELECT CASE l.commercial_use WHEN FALSE THEN 'forbids commercial use' WHEN TRUE THEN 'allows commercial use'
                             ELSE 'says nothing about commercial use' END AS commercial_use,
       count(*) AS items,
       sum(count(*)) OVER ()::BIGINT AS all_items,
       count(*) / sum(count(*)) OVER () AS share
FROM yfcc_photos AS y
JOIN licenses AS l USING (license_id)
GROUP BY l.commercial_use
ORDER BY l.commercial_use NULLS LAST;
