-- Stage one YFCC100M input: every record of the temporary view yfcc_raw (one per line or row,
-- defined by yfcc_raw_tsv.sql, yfcc_raw_jsonl.sql or yfcc_forms.py for Parquet/SQLite just before
-- this runs; the whole stage is one statement so a FIFO is opened once) becomes one row
-- of the Parquet shard, typed and decoded, with reject_reason set (and raw_line kept) when it cannot
-- be loaded. yfcc_raw has source_line (NULL: the Parquet row order is the line order), line (the
-- record's text, kept for rejects), shape_problem (a reject reason found while splitting or
-- parsing) and the raw fields as text.
-- license_id is resolved at load time from the few distinct (name, URL) pairs; raw_line is kept for
-- rejected records and for those whose license strings are not the usual ones (a load-time reject).
-- Parameters: $encoded (free text is URL-encoded: decode it), $known_names, $known_urls (lists of
-- usual license strings), $out.
COPY (
    WITH raw AS (SELECT * FROM yfcc_raw),
    decoded AS (
        SELECT *,
               try_cast(photo_id_raw AS BIGINT) AS photo_id,
               CASE WHEN $encoded THEN yfcc_text(nickname_raw) ELSE nullif(nickname_raw, '') END AS owner_nickname,
               CASE WHEN $encoded THEN yfcc_text(device_raw) ELSE nullif(device_raw, '') END AS capture_device,
               CASE WHEN $encoded THEN yfcc_text(title_raw) ELSE nullif(title_raw, '') END AS title,
               CASE WHEN $encoded THEN yfcc_text(description_raw) ELSE nullif(description_raw, '') END AS description,
               CASE WHEN $encoded THEN yfcc_tags(user_tags_raw) ELSE nullif(user_tags_raw, '') END AS user_tags,
               CASE WHEN $encoded THEN yfcc_tags(machine_tags_raw) ELSE nullif(machine_tags_raw, '') END AS machine_tags,
               try_cast(taken_raw AS TIMESTAMP) AS taken_parsed,
               -- epoch seconds as published; a timestamp as some re-published Parquet files type it
               coalesce(try(make_timestamp(try_cast(uploaded_raw AS BIGINT) * 1000000)),
                        try_cast(uploaded_raw AS TIMESTAMP)) AS uploaded_at
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
                   WHEN shape_problem IS NOT NULL THEN shape_problem
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
    SELECT source_line,
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
           -- URLs are stored only where they differ from the ones derived from the row (yfcc_photos
           -- derives page_url/download_url from these, see sql/schema/020): NULL = as derived, '' = none.
           CASE WHEN page_url = yfcc_page_url(owner_nsid, photo_id) THEN NULL ELSE page_url END AS page_url_stored,
           CASE WHEN download_url = yfcc_download_url(farm_id, server_id, photo_id, secret)
                THEN NULL ELSE download_url END AS download_url_stored,
           license_name_raw, license_url_raw,
           nullif(server_id, '') AS server_id,
           nullif(farm_id, '') AS farm_id,
           nullif(secret, '') AS secret,
           nullif(secret_original, '') AS secret_original,
           nullif(extension, '') AS extension,
           marker = '1' AS is_video,
           NULL::INTEGER AS group_member,  -- set when files of a group share one shard (yfcc.py)
           reject_reason,
           CASE WHEN reject_reason IS NOT NULL
                  OR NOT list_contains($known_names, license_name_raw)
                  OR NOT list_contains($known_urls, license_url_raw) THEN left(line, 10000) END AS raw_line
    FROM checked
) TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
