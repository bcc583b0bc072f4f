-- Question: Which uploaders contributed the most photos, and under which licenses?
-- Count on owner_nsid (unique), not on the nickname (not unique). The nickname is as of 2014.
SELECT p.owner_nsid,
       any_value(p.owner_nickname) AS nickname,
       count(*) AS items,
       round(100.0 * count(*) / sum(count(*)) OVER (), 3) AS pct_of_all,
       count(*) FILTER (WHERE l.commercial_use = FALSE) AS forbid_commercial_use,
       mode(l.name) AS most_used_license
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id)
GROUP BY p.owner_nsid
ORDER BY items DESC, p.owner_nsid
LIMIT 50;
