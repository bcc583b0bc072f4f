-- Question: Which of one photographer's photos are in which datasets, and under which licenses?
-- The account is chosen in the first lines: as written, the account with photos in the most
-- datasets. To ask about one account, replace that SELECT by its id as this database shows it:
--     SELECT 'the-NSID' AS owner          -- a full edition or the main database: the account's NSID
--     SELECT 'u_…' AS owner               -- a pseudonymous edition: the account's u_… token
-- (`ccaudit lookup NAME-OR-LINK` finds an account from a username or a photo link.)
-- dataset_photos has one row per photo of each dataset's latest version, however many faces.
WITH account AS (
    SELECT owner FROM dataset_photos WHERE owner IS NOT NULL
    GROUP BY owner ORDER BY count(DISTINCT dataset) DESC, count(*) DESC, owner LIMIT 1
)
SELECT p.owner, p.dataset, p.version,
       count(*) AS photos,
       sum(p.items) AS items,
       count(*) FILTER (WHERE yl.commercial_use = FALSE) AS photos_forbid_commercial_use,
       list(p.photo_id ORDER BY p.photo_id)[1:10] AS first_photo_ids
FROM dataset_photos AS p
JOIN account USING (owner)
LEFT JOIN licenses AS yl ON yl.license_id = p.yfcc_license_id
GROUP BY p.owner, p.dataset, p.version
ORDER BY photos DESC, p.dataset;
