-- title: Opt-out requests and whether they were honoured
-- section: optouts
-- order: 10
-- description: Every opt-out request in the ledger (`ccaudit optout add` / `import`), checked against each dataset version ingested after it was made: such a version should no longer contain the photo, or any photo of the uploader. Items match by photo id, or by uploader through the item's YFCC100M photo or the owner its manifest names. "Not yet checked" means no dataset version was ingested after the request.
-- requires: optouts
-- sensitive: value
WITH later_versions AS (
    SELECT o.kind, o.value, o.requested_at, d.dataset, d.version
    FROM optouts AS o
    JOIN datasets AS d ON d.ingested_at > o.requested_at
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
    FROM later_versions AS v
    JOIN dataset_items AS i
      ON v.kind = 'photo' AND i.dataset = v.dataset AND i.version = v.version
     AND i.photo_id = try_cast(v.value AS BIGINT)
    UNION
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, o.item_key
    FROM later_versions AS v
    JOIN item_owners AS o
      ON v.kind = 'user' AND o.dataset = v.dataset AND o.version = v.version AND o.owner = v.value
),
per_version AS (
    SELECT v.kind, v.value, v.requested_at, v.dataset, v.version, count(m.item_key) AS items
    FROM later_versions AS v
    LEFT JOIN matches AS m USING (kind, value, requested_at, dataset, version)
    GROUP BY ALL
)
SELECT o.kind, o.value, o.requested_at,
       count(p.dataset) AS later_versions,
       count(p.dataset) FILTER (WHERE p.items > 0) AS versions_still_distributing,
       coalesce(sum(p.items), 0)::BIGINT AS items_still_present,
       string_agg(p.dataset || ' ' || p.version, ', ' ORDER BY p.dataset, p.version)
           FILTER (WHERE p.items > 0) AS still_in,
       CASE WHEN count(p.dataset) = 0 THEN 'not yet checked'
            WHEN coalesce(sum(p.items), 0) > 0 THEN 'still distributed'
            ELSE 'honoured' END AS status
FROM optouts AS o
LEFT JOIN per_version AS p USING (kind, value, requested_at)
GROUP BY o.kind, o.value, o.requested_at
ORDER BY items_still_present DESC, o.requested_at, o.kind, o.value;
