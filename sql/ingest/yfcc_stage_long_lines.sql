-- The reader's rejects with over-long lines marked: LineGuard replaced each line longer than the
-- reader accepts by a placeholder that the reader rejects; here the placeholder's reject gets the
-- real reason and the line's first bytes (yfcc_long_lines: line, length, prefix).
-- Parameters: $rejects (the reader's rejects), $line_limit (bytes), $out.
COPY (
    SELECT r.source_line,
           CASE WHEN l.line IS NULL THEN r.reject_reason
                ELSE format('parse: line longer than {} bytes', $line_limit) END AS reject_reason,
           coalesce(l.prefix, r.raw_line) AS raw_line,
           r.group_member
    FROM read_parquet($rejects) AS r
    LEFT JOIN yfcc_long_lines AS l ON l.line = r.source_line
    ORDER BY r.source_line
) TO $out (FORMAT parquet);
