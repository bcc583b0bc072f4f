-- Photo digests grouped by shard (the first $chars hex digits) and profile: one string of the
-- remaining digits per group, sorted, so the page can binary-search it.
SELECT left(digest, $chars), profile, array_to_string(list_sort(list(substr(digest, $chars + 1))), '')
FROM _search_photos GROUP BY ALL ORDER BY 1, 2;
