-- `--format yfcc-columns`: the records of one block as text columns (relation `records`, with
-- `line` = the locator, `raw` = the record as text for rejects, `located` = whether it has a
-- coordinate field) -> items and rejects. Parameter: $encoded (free text is URL-encoded).
SELECT line, raw, photoid, uid,
       CASE WHEN located THEN coalesce(try_cast(longitude AS DOUBLE) BETWEEN -180 AND 180
                                       AND try_cast(latitude AS DOUBLE) BETWEEN -90 AND 90, false)
       END AS has_coordinates,
       CASE WHEN $encoded THEN try(url_decode(replace(unickname, '+', ' '))) ELSE unickname END AS author,
       nullif(licensename, '') AS licensename, nullif(licenseurl, '') AS licenseurl,
       coalesce(nullif(downloadurl, ''), nullif(pageurl, '')) AS source_url,
       CASE
           WHEN problem IS NOT NULL THEN problem
           WHEN NOT regexp_full_match(coalesce(photoid, ''), '[0-9]{1,18}') OR try_cast(photoid AS BIGINT) = 0
               THEN format('photo_id: not a number ({})', left(coalesce(photoid, ''), 40))
       END AS reject_reason
FROM records;
