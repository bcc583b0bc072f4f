-- The Webscope TSV as raw fields (the view yfcc_raw that yfcc_stage.sql reads).
-- Each line is read as ONE column (the delimiter chr(1) does not occur in the dump) and split on
-- TAB here, so a line with the wrong field count is counted and rejected instead of truncated or
-- padded; an empty line is a row too. Rows come in file order: source_line stays NULL (the physical
-- line is the Parquet row number + 1; yfcc_stage_renumber.sql fixes it when the reader dropped lines).
-- Variables: yfcc_source (plain file or FIFO), yfcc_layout (25|23), yfcc_max_line_size, yfcc_buffer_size.
CREATE OR REPLACE TEMP VIEW yfcc_raw AS
WITH lines AS (
    SELECT line FROM yfcc_lines(getvariable('yfcc_source'), getvariable('yfcc_max_line_size'),
                                getvariable('yfcc_buffer_size'))  -- yfcc_macros.sql
),
fields AS (
    -- s shifts 25-field positions to the 23-field layout (no line number, no hash).
    SELECT line, string_split(line, chr(9)) AS f, getvariable('yfcc_layout') AS layout,
           getvariable('yfcc_layout') - 25 AS s
    FROM lines
)
SELECT NULL::BIGINT AS source_line, line,
       CASE
           WHEN line IS NULL THEN format('field_count: empty line (expected {} fields)', layout)
           WHEN len(f) <> layout THEN format('field_count: {} fields (expected {})', len(f), layout)
       END AS shape_problem,
       CASE WHEN layout = 25 THEN f[1] END AS line_no_raw,
       CASE WHEN layout = 25 THEN f[2] ELSE f[1] END AS photo_id_raw,
       CASE WHEN layout = 25 THEN f[3] END AS photo_hash,
       f[4 + s] AS owner_nsid, f[5 + s] AS nickname_raw, f[6 + s] AS taken_raw,
       f[7 + s] AS uploaded_raw, f[8 + s] AS device_raw, f[9 + s] AS title_raw,
       f[10 + s] AS description_raw, f[11 + s] AS user_tags_raw, f[12 + s] AS machine_tags_raw,
       f[13 + s] AS longitude_raw, f[14 + s] AS latitude_raw, f[15 + s] AS accuracy_raw,
       f[16 + s] AS page_url, f[17 + s] AS download_url, f[18 + s] AS license_name_raw,
       f[19 + s] AS license_url_raw, f[20 + s] AS server_id, f[21 + s] AS farm_id,
       f[22 + s] AS secret, f[23 + s] AS secret_original, f[24 + s] AS extension, f[25 + s] AS marker
FROM fields;
