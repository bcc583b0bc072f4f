-- Stage one YFCC100M file: every line the CSV reader returns becomes one row of the Parquet shard,
-- typed and decoded, with reject_reason set (and raw_line kept) when it cannot be loaded.
-- Each line is read as ONE column (the delimiter chr(1) does not occur in the dump) and split on
-- TAB here, so a line with the wrong field count is counted and rejected instead of truncated or
-- padded; an empty line is a row too. With preserve_insertion_order the Parquet rows are in file
-- order, so the physical line is the Parquet row number + 1 (source_line stays NULL to say so);
-- yfcc_stage_renumber.sql fills source_line when the reader itself dropped lines (rare).
-- license_id is resolved at load time from the few distinct (name, URL) pairs; raw_line is kept for
-- rejected lines and for lines whose license strings are not the usual ones (a load-time reject).
-- Parameters: $source (plain file, or the FIFO a decompressor writes), $layout (25|23),
-- $max_line_size, $buffer_size (bytes), $known_names, $known_urls (lists of usual license strings), $out.
COPY (
    WITH lines AS (
        SELECT line
        FROM read_csv($source, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',
                      header = false, auto_detect = false, store_rejects = true, rejects_limit = 0,
                      max_line_size = $max_line_size, buffer_size = $buffer_size,
                      compression = 'none')
    ),
    fields AS (
        -- s shifts 25-field positions to the 23-field layout (no line number, no hash).
        SELECT line, string_split(line, chr(9)) AS f, $layout - 25 AS s FROM lines
    ),
    raw AS (
        SELECT line, len(f) AS n_fields,
               CASE WHEN $layout = 25 THEN f[1] END AS line_no_raw,
               CASE WHEN $layout = 25 THEN f[2] ELSE f[1] END AS photo_id_raw,
               CASE WHEN $layout = 25 THEN f[3] END AS photo_hash,
               f[4 + s] AS owner_nsid, f[5 + s] AS nickname_raw, f[6 + s] AS taken_raw,
               f[7 + s] AS uploaded_raw, f[8 + s] AS device_raw, f[9 + s] AS title_raw,
               f[10 + s] AS description_raw, f[11 + s] AS user_tags_raw, f[12 + s] AS machine_tags_raw,
               f[13 + s] AS longitude_raw, f[14 + s] AS latitude_raw, f[15 + s] AS accuracy_raw,
               f[16 + s] AS page_url, f[17 + s] AS download_url, f[18 + s] AS license_name_raw,
               f[19 + s] AS license_url_raw, f[20 + s] AS server_id, f[21 + s] AS farm_id,
               f[22 + s] AS secret, f[23 + s] AS secret_original, f[24 + s] AS extension, f[25 + s] AS marker
        FROM fields
    ),
    decoded AS (
        SELECT *,
               try_cast(photo_id_raw AS BIGINT) AS photo_id,
               yfcc_text(nickname_raw) AS owner_nickname,
               yfcc_text(device_raw) AS capture_device,
               yfcc_text(title_raw) AS title,
               yfcc_text(description_raw) AS description,
               yfcc_tags(user_tags_raw) AS user_tags,
               yfcc_tags(machine_tags_raw) AS machine_tags,
               try_cast(taken_raw AS TIMESTAMP) AS taken_parsed,
               try(make_timestamp(try_cast(uploaded_raw AS BIGINT) * 1000000)) AS uploaded_at
        FROM raw
    ),
    checked AS (
        SELECT *,
               CASE
                   WHEN taken_raw IS NULL OR taken_raw IN ('', 'null') THEN 'missing'
                   WHEN taken_parsed IS NULL THEN 'unparsable'
                   WHEN year(taken_parsed) < 1826 OR taken_parsed >= uploaded_at + INTERVAL 1 DAY THEN 'implausible'
               END AS taken_at_flag,
               CASE
                   WHEN line IS NULL THEN format('field_count: empty line (expected {} fields)', $layout)
                   WHEN n_fields <> $layout THEN format('field_count: {} fields (expected {})', n_fields, $layout)
                   WHEN photo_id IS NULL OR NOT regexp_full_match(photo_id_raw, '[0-9]{1,19}')
                       THEN format('photo_id: not a number ({})', left(photo_id_raw, 40))
                   WHEN owner_nsid = '' THEN 'parse: empty user NSID'
                   WHEN marker NOT IN ('0', '1')
                       THEN format('parse: photo/video marker {} is not 0 or 1', left(marker, 40))
                   WHEN yfcc_undecodable(nickname_raw, owner_nickname)
                     OR yfcc_undecodable(device_raw, capture_device)
                     OR yfcc_undecodable(title_raw, title)
                     OR yfcc_undecodable(description_raw, description)
                     OR yfcc_undecodable(user_tags_raw, user_tags)
                     OR yfcc_undecodable(machine_tags_raw, machine_tags)
                       THEN 'encoding: %-escapes decode to invalid UTF-8'
               END AS reject_reason
        FROM decoded
    )
    SELECT NULL::BIGINT AS source_line,
           try_cast(line_no_raw AS BIGINT) AS line_no,
           photo_id,
           nullif(photo_hash, '') AS photo_hash,
           owner_nsid,
           owner_nickname,
           CASE WHEN taken_at_flag IS NULL THEN taken_parsed END AS taken_at,
           CASE WHEN taken_at_flag IS NOT NULL THEN taken_raw END AS taken_at_raw,
           taken_at_flag,
           uploaded_at,
           capture_device, title, description, user_tags, machine_tags,
           try_cast(nullif(longitude_raw, '') AS DOUBLE) AS longitude,
           try_cast(nullif(latitude_raw, '') AS DOUBLE) AS latitude,
           try_cast(nullif(accuracy_raw, '') AS TINYINT) AS accuracy,
           nullif(page_url, '') AS page_url,
           nullif(download_url, '') AS download_url,
           license_name_raw, license_url_raw,
           nullif(server_id, '') AS server_id,
           nullif(farm_id, '') AS farm_id,
           nullif(secret, '') AS secret,
           nullif(secret_original, '') AS secret_original,
           nullif(extension, '') AS extension,
           marker = '1' AS is_video,
           reject_reason,
           CASE WHEN reject_reason IS NOT NULL
                  OR NOT list_contains($known_names, license_name_raw)
                  OR NOT list_contains($known_urls, license_url_raw) THEN left(line, 10000) END AS raw_line
    FROM checked
) TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
