-- What the loaded items' own manifest records say about where the photo was taken, counted per
-- dataset version: items with coordinates, items naming a place. NULL when no item has the field
-- (the format has none), 0 when items have it but empty. $anti_join leaves out duplicate items.
SELECT CASE WHEN count(s.has_coordinates) > 0 THEN count(*) FILTER (WHERE s.has_coordinates) END,
       CASE WHEN count(s.has_place_name) > 0 THEN count(*) FILTER (WHERE s.has_place_name) END
FROM _manifest_items s $anti_join;
