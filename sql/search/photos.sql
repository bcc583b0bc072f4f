-- One row per photo: its profile (pool license, items and declared licenses per source, latest
-- Flickr check, the dates of the owner's and the photo's opt-outs) as a string, and its digest. YFCC100M-only photos when $all_yfcc.
-- $salt, $digest_chars and $sources as in accounts.sql and item_owners.sql.
CREATE OR REPLACE TEMP TABLE _search_photos AS
WITH declared AS (  -- hash aggregates only: ordered aggregates are several times slower at this size
    SELECT photo_id, dataset, version, declared_license_id, count(*) AS items, any_value(owner_ref) AS owner_ref
    FROM dataset_items WHERE photo_id IS NOT NULL GROUP BY ALL
),
per_source AS (
    SELECT photo_id, list_position($sources, dataset || ' ' || version) - 1 AS source, sum(items) AS items,
           list_sort(list_filter(list(declared_license_id), lambda x: x IS NOT NULL)) AS declared,
           any_value(owner_ref) AS owner_ref
    FROM declared GROUP BY photo_id, dataset, version
),
in_datasets AS (
    SELECT photo_id,
           array_to_string(list_sort(list(source || ':' || items || ':' || array_to_string(declared, ','))), ';')
               AS sources,
           any_value(owner_ref) AS owner_ref
    FROM per_source GROUP BY photo_id
),
pool AS (SELECT photo_id, any_value(license_id) AS license_id, any_value(owner_nsid) AS owner_nsid
         FROM yfcc_photos GROUP BY photo_id),
photos AS (
    SELECT coalesce(d.photo_id, y.photo_id) AS photo_id, d.sources, y.license_id AS pool_license,
           y.photo_id IS NOT NULL AS in_pool,
           coalesce(y.owner_nsid, CASE WHEN regexp_full_match(trim(d.owner_ref), '[0-9]+@[Nn][0-9][0-9]')
                                       THEN upper(trim(d.owner_ref)) END) AS owner
    FROM in_datasets AS d FULL JOIN pool AS y USING (photo_id)
    WHERE d.photo_id IS NOT NULL OR $all_yfcc
),
checks AS (SELECT photo_id, status, license_id FROM flickr_latest_checks),
-- opt-out dates as hex microseconds since 1970 (the page compares them with each source's ingested_us)
photo_optouts AS (
    SELECT try_cast(value AS BIGINT) AS photo_id,
           string_agg(lower(to_hex(epoch_us(requested_at))), ',' ORDER BY requested_at) AS dates
    FROM optouts WHERE kind = 'photo' GROUP BY 1
),
user_optouts AS (
    SELECT value AS owner, string_agg(lower(to_hex(epoch_us(requested_at))), ',' ORDER BY requested_at) AS dates
    FROM optouts WHERE kind = 'user' GROUP BY 1
)
SELECT p.photo_id, left(sha256($salt || 'p:' || p.photo_id::VARCHAR), $digest_chars) AS digest,
       concat_ws('|', CASE WHEN p.in_pool THEN coalesce(p.pool_license::VARCHAR, '?') ELSE '-' END,
                 coalesce(p.sources, ''), coalesce(c.status, ''), coalesce(c.license_id::VARCHAR, ''),
                 coalesce(uo.dates, ''), coalesce(po.dates, '')) AS profile
FROM photos AS p LEFT JOIN checks AS c USING (photo_id)
LEFT JOIN photo_optouts AS po ON po.photo_id = p.photo_id
LEFT JOIN user_optouts AS uo ON uo.owner = p.owner;
