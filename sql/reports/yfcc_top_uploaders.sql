-- title: Top 25 uploaders (YFCC100M)
-- section: yfcc
-- order: 60
-- description: The 25 accounts with the most photos and videos in YFCC100M, with the share of all items and the share of their own items that forbid commercial use (over the items whose license says whether commercial use is allowed). In the pseudonymous report accounts appear as stable pseudonyms.
-- requires: yfcc_photos
-- sensitive: owner_nsid, owner_nickname
WITH per_owner AS (
    SELECT y.owner_nsid,
           any_value(y.owner_nickname) AS owner_nickname,
           count(*) AS items,
           count(*) FILTER (WHERE l.commercial_use = FALSE) / nullif(count(l.commercial_use), 0) AS forbid_commercial_share
    FROM yfcc_photos AS y
    JOIN licenses AS l USING (license_id)
    GROUP BY y.owner_nsid
)
SELECT row_number() OVER (ORDER BY items DESC, owner_nsid) AS rank,
       owner_nsid, owner_nickname, items,
       items / (SELECT count(*) FROM yfcc_photos) AS share,
       forbid_commercial_share
FROM per_owner
ORDER BY items DESC, owner_nsid
LIMIT 25;
