-- Lines the CSV reader itself refused while staging (run right after yfcc_stage.sql on the same
-- connection): invalid UTF-8, the chr(1) byte used as a never-occurring delimiter, or a line longer
-- than max_line_size. They are not in the staged Parquet, so yfcc.py renumbers the staged rows.
-- Parameters: $out (Parquet path), $max_line_size (the limit the reader used).
COPY (
    SELECT line AS source_line,
           CASE error_type
               WHEN 'INVALID ENCODING' THEN 'encoding: invalid UTF-8'
               WHEN 'TOO MANY COLUMNS' THEN 'encoding: control byte 0x01 in the line'
               WHEN 'LINE SIZE OVER MAXIMUM' THEN format('parse: line longer than {} bytes', $max_line_size)
               ELSE 'parse: ' || error_type || ': ' || error_message
           END AS reject_reason,
           left(ltrim(csv_line, chr(10) || chr(13)), 10000) AS raw_line,
           NULL::INTEGER AS group_member
    -- DuckDB 2.0 can report one invalid-UTF-8 line more than once: one row per line.
    FROM (SELECT * FROM reject_errors QUALIFY row_number() OVER (PARTITION BY line ORDER BY byte_position) = 1)
    ORDER BY line
) TO $out (FORMAT parquet);
