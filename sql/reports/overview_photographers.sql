-- title: Who counts as a photographer
-- section: overview
-- order: 40
-- description: One definition everywhere: a photographer is a distinct Flickr account (NSID) that uploaded at least one photo or video in the pool (YFCC100M) or in a derived dataset. Accounts come from YFCC100M where it holds the photo, else from the NSID the dataset's manifest names (a path alias counts once it resolves to an NSID through a fetched uploader profile). Unresolved path aliases may be accounts already counted, so they are listed but not added. `ingest manifest` prints a different count, "uploaders named by the manifest": the owners a manifest itself names (NSIDs or path aliases) in that one dataset, before any are matched to YFCC100M. search.html counts photographers the same way as this table, and path aliases apart.
-- requires: yfcc_photos
WITH pool AS (SELECT DISTINCT owner_nsid AS account FROM yfcc_photos),
dataset_accounts AS (
    SELECT DISTINCT owner AS account FROM dataset_photos
    WHERE owner IS NOT NULL AND NOT in_yfcc
),
nsids AS (SELECT account FROM dataset_accounts WHERE regexp_full_match(account, '[0-9]+@N[0-9][0-9]')),
aliases AS (SELECT account FROM dataset_accounts WHERE NOT regexp_full_match(account, '[0-9]+@N[0-9][0-9]'))
SELECT counted, accounts FROM (
SELECT 'accounts in the pool (YFCC100M)' AS counted, (SELECT count(*) FROM pool) AS accounts, 1 AS step
UNION ALL
SELECT 'plus accounts named only by a dataset manifest',
       (SELECT count(*) FROM nsids WHERE account NOT IN (SELECT account FROM pool)), 2
UNION ALL
SELECT 'photographers (the figure used throughout)',
       (SELECT count(*) FROM pool) + (SELECT count(*) FROM nsids WHERE account NOT IN (SELECT account FROM pool)), 3
UNION ALL
SELECT 'unresolved path aliases (listed, not added)', (SELECT count(*) FROM aliases), 4
) ORDER BY step;
