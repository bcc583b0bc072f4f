-- JSON lines with the YFCC100M column names (the Multimedia Commons SQLite columns, as written by
-- the `yfcc100m` downloader's gzip shards or re-published subsets) as raw fields; the view
-- yfcc_raw that yfcc_stage.sql reads. Lines are read like the TSV (one column, in file
-- order, every line a row) and parsed here, so a line that is not a JSON object is a counted
-- reject with its line number instead of failing the file, and so is a record that names a key
-- twice or holds a number, list or object in a free-text field. Elsewhere numbers and strings
-- both come out as text; JSON null and a missing key are empty. `key` (the downloader's MD5-of-URL
-- hash) is the photo hash. Variables: as yfcc_raw_tsv.sql (yfcc_layout unused), and yfcc_key_order.
CREATE OR REPLACE TEMP VIEW yfcc_raw AS
WITH lines AS (
    SELECT line FROM yfcc_lines(getvariable('yfcc_source'), getvariable('yfcc_max_line_size'),
                                getvariable('yfcc_buffer_size'))  -- yfcc_macros.sql
),
parsed AS (
    SELECT line,
           CASE WHEN is_object THEN
               json_extract_string(line, ['$.photoid', '$.key', '$.uid', '$.unickname', '$.datetaken',
                   '$.dateuploaded', '$.capturedevice', '$.title', '$.description', '$.usertags',
                   '$.machinetags', '$.longitude', '$.latitude', '$.accuracy', '$.pageurl', '$.downloadurl',
                   '$.licensename', '$.licenseurl', '$.serverid', '$.farmid', '$.secret', '$.secretoriginal',
                   '$.ext', '$.marker'])
           END AS v,
           CASE WHEN is_object THEN json_keys(line) END AS keys,
           -- the free-text fields must be strings (or null/missing): a number, list or object there
           -- cannot be decoded and is rejected rather than loaded as its JSON text
           CASE WHEN is_object THEN json_type(line, ['$.unickname', '$.capturedevice', '$.title', '$.description',
                                                      '$.usertags', '$.machinetags'])
           END AS text_types
    -- nested CASE: json_type() must not see a line that is not valid JSON
    FROM (SELECT line, CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END AS is_object FROM lines)
)
SELECT NULL::BIGINT AS source_line, line,
       CASE
           WHEN line IS NULL THEN 'json: empty line'
           WHEN v IS NULL THEN 'json: not a JSON object'
           -- Duplicate keys: which value counts differs between readers (DuckDB's first, Python's
           -- last), so a record naming a key twice is rejected instead of guessed.
           -- Records with the file's usual keys (yfcc_key_order, from the sample) skip the costly check.
           WHEN CASE WHEN keys = getvariable('yfcc_key_order') THEN false
                     ELSE len(keys) <> len(list_distinct(keys)) END
               THEN format('json: key "{}" appears more than once',
                           left(list_filter(keys, lambda k, i: list_position(keys, k) < i)[1], 40))
           WHEN list_has_any(text_types, ['ARRAY', 'OBJECT', 'BOOLEAN', 'BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE'])
               THEN format('json: {} is not a string',
                           ['unickname', 'capturedevice', 'title', 'description', 'usertags', 'machinetags'][
                               list_position(list_transform(text_types,
                                                            lambda t: coalesce(t NOT IN ('VARCHAR', 'NULL'), false)),
                                             true)])
       END AS shape_problem,
       NULL::VARCHAR AS line_no_raw,
       coalesce(v[1], '') AS photo_id_raw, coalesce(v[2], '') AS photo_hash, coalesce(v[3], '') AS owner_nsid,
       coalesce(v[4], '') AS nickname_raw, coalesce(v[5], '') AS taken_raw, coalesce(v[6], '') AS uploaded_raw,
       coalesce(v[7], '') AS device_raw, coalesce(v[8], '') AS title_raw, coalesce(v[9], '') AS description_raw,
       coalesce(v[10], '') AS user_tags_raw, coalesce(v[11], '') AS machine_tags_raw,
       coalesce(v[12], '') AS longitude_raw, coalesce(v[13], '') AS latitude_raw, coalesce(v[14], '') AS accuracy_raw,
       coalesce(v[15], '') AS page_url, coalesce(v[16], '') AS download_url,
       coalesce(v[17], '') AS license_name_raw, coalesce(v[18], '') AS license_url_raw,
       coalesce(v[19], '') AS server_id, coalesce(v[20], '') AS farm_id, coalesce(v[21], '') AS secret,
       coalesce(v[22], '') AS secret_original, coalesce(v[23], '') AS extension, coalesce(v[24], '') AS marker
FROM parsed;
