-- title: Opt-out requests and whether they were honoured
-- section: optouts
-- order: 10
-- description: Every opt-out request in the ledger (`ccaudit optout add` / `import`), checked against each dataset version ingested after it was made: such a version should no longer contain the photo, or any photo of the uploader. Items match by photo id, or by uploader through the item's YFCC100M photo or the owner its manifest names. "Honoured" means a version ingested after the request no longer holds what an earlier version of the same dataset held; "never held" means no dataset ever held it, so there was nothing to honour; "not yet checked" means no dataset version was ingested after the request. The same rule as `ccaudit lookup` and search.html.
-- requires: optouts
-- sensitive: value
WITH versions AS (  -- every request against every dataset version, before or after it
    SELECT o.kind, o.value, o.requested_at, d.dataset, d.version, d.ingested_at > o.requested_at AS after
    FROM optouts AS o CROSS JOIN datasets AS d
),
item_owners AS (
    -- an item belongs to an uploader through its YFCC100M photo or the owner its manifest names
    SELECT i.dataset, i.version, i.item_key, y.owner_nsid AS owner
    FROM dataset_items AS i JOIN yfcc_photos AS y USING (photo_id)
    UNION
    SELECT dataset, version, item_key, owner_ref FROM dataset_items WHERE owner_ref IS NOT NULL
),
matches AS (
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, i.item_key
    FROM versions AS v
    JOIN dataset_items AS i
      ON v.kind = 'photo' AND i.dataset = v.dataset AND i.version = v.version
     AND i.photo_id = try_cast(v.value AS BIGINT)
    UNION
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, o.item_key
    FROM versions AS v
    JOIN item_owners AS o
      ON v.kind = 'user' AND o.dataset = v.dataset AND o.version = v.version AND o.owner = v.value
),
per_version AS (
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, v.after, count(m.item_key) AS items
    FROM versions AS v
    LEFT JOIN matches AS m USING (kind, value, requested_at, dataset, version)
    GROUP BY ALL
),
held_before AS (  -- datasets that held the person's (or photo's) items in a version from before the request
    SELECT kind, value, requested_at, dataset FROM per_version WHERE NOT after AND items > 0 GROUP BY ALL
),
later AS (
    SELECT p.*, h.dataset IS NOT NULL AND p.items = 0 AS honours
    FROM per_version AS p
    LEFT JOIN held_before AS h USING (kind, value, requested_at, dataset)
    WHERE p.after
)
SELECT o.kind, o.value, o.requested_at,
       count(p.dataset) AS later_versions,
       count(p.dataset) FILTER (WHERE p.items > 0) AS versions_still_distributing,
       coalesce(sum(p.items), 0)::BIGINT AS items_still_present,
       string_agg(p.dataset || ' ' || p.version, ', ' ORDER BY p.dataset, p.version)
           FILTER (WHERE p.items > 0) AS still_in,
       string_agg(p.dataset || ' ' || p.version, ', ' ORDER BY p.dataset, p.version)
           FILTER (WHERE p.honours) AS honoured_by,
       CASE WHEN count(p.dataset) = 0 THEN 'not yet checked'
            WHEN coalesce(sum(p.items), 0) > 0 THEN 'still distributed'
            WHEN bool_or(p.honours) THEN 'honoured'
            ELSE 'never held' END AS status
FROM optouts AS o
LEFT JOIN later AS p USING (kind, value, requested_at)
GROUP BY o.kind, o.value, o.requested_at
ORDER BY items_still_present DESC, o.requested_at, o.kind, o.value;
