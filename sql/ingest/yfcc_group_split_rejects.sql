-- The CSV reader's rejects of a JSON-lines group, mapped back to their file and line like
-- yfcc_group_split_rows.sql (reader rejects always carry their spool line).
-- Parameters: $rejects (the group's reader rejects), $out.
COPY (
    SELECT g.source_line - f.first_line AS source_line,
           g.* EXCLUDE (source_line, group_member),
           f.file_idx AS group_member
    FROM read_parquet($rejects) AS g
    ASOF JOIN yfcc_group_files AS f ON g.source_line > f.first_line
) TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
