-- What the loaded items' own manifest records say, per dataset version: items with coordinates,
-- items naming a place (NULL when no item has the field, i.e. the format has none; 0 when items
-- have it but empty), and the latest crawl date. Duplicate items (_manifest_kept leaves them out)
-- do not count.
SELECT CASE WHEN count(s.has_coordinates) > 0 THEN count(*) FILTER (WHERE s.has_coordinates) END,
       CASE WHEN count(s.has_place_name) > 0 THEN count(*) FILTER (WHERE s.has_place_name) END,
       max(s.crawled_on)
FROM _manifest_kept AS s;
