-- title: Opt-outs still distributed per dataset
-- section: optouts
-- order: 20
-- description: For each derived dataset's latest version, the opt-out requests made before that version was ingested and how many of them it still distributes (it holds the photo, or a photo of the uploader, that the request names). It honours a request only when an earlier version of the dataset, from before the request, held what the request names and this version no longer does; a request for photos the dataset never held is counted apart, as nothing to honour. A request made after the version was ingested cannot have been honoured by it and is not counted. A dataset without Flickr pointers cannot be checked at all: it shows no count.
-- chart: hbar label=dataset value=requests_still_distributed of=requests_before_version tone=warm measure=opt-out_requests_still_distributed
-- requires: optouts
WITH item_owners AS (  -- every version's items, with the uploader each belongs to
    SELECT i.dataset, i.version, i.photo_id, coalesce(y.owner_nsid, i.owner_ref) AS owner
    FROM dataset_items AS i
    LEFT JOIN yfcc_photos AS y USING (photo_id)
),
requests AS (
    SELECT d.dataset, o.kind, o.value, o.requested_at,
           EXISTS (SELECT 1 FROM item_owners AS i
                   WHERE i.dataset = d.dataset AND i.version = d.version
                     AND ((o.kind = 'photo' AND i.photo_id = try_cast(o.value AS BIGINT))
                       OR (o.kind = 'user' AND i.owner = o.value))) AS still_distributed,
           EXISTS (SELECT 1 FROM item_owners AS i JOIN datasets AS e USING (dataset, version)
                   WHERE i.dataset = d.dataset AND e.ingested_at <= o.requested_at
                     AND ((o.kind = 'photo' AND i.photo_id = try_cast(o.value AS BIGINT))
                       OR (o.kind = 'user' AND i.owner = o.value))) AS held_before
    FROM latest_datasets AS d
    JOIN optouts AS o ON o.requested_at < d.ingested_at
)
SELECT d.dataset, d.version,
       count(r.value) AS requests_before_version,
       CASE WHEN d.auditable THEN count(r.value) FILTER (WHERE r.still_distributed) END AS requests_still_distributed,
       count(r.value) FILTER (WHERE d.auditable AND NOT r.still_distributed AND r.held_before) AS requests_honoured,
       count(r.value) FILTER (WHERE d.auditable AND NOT r.still_distributed AND NOT r.held_before)
           AS requests_never_held,
       count(r.value) FILTER (WHERE NOT d.auditable) AS requests_not_checkable
FROM latest_datasets AS d
LEFT JOIN requests AS r USING (dataset)
GROUP BY d.dataset, d.version, d.auditable
ORDER BY requests_still_distributed DESC NULLS LAST, d.dataset;
