-- The staged rows of a JSON-lines group (lines of one spool holding several files, back to back)
-- with each row's own file (group_member) and its line in that file. yfcc_group_files(file_idx,
-- first_line, lines) says where each file starts in the spool: the last file starting before a
-- line holds it (ASOF JOIN). Rows carry a NULL source_line when the reader dropped no line: then
-- the spool line is the Parquet row number + 1. Parameters: $staged (the group's shard), $out.
COPY (
    SELECT coalesce(g.source_line, g.file_row_number + 1) - f.first_line AS source_line,
           g.* EXCLUDE (source_line, group_member, file_row_number),
           f.file_idx AS group_member
    FROM read_parquet($staged, file_row_number = true) AS g
    ASOF JOIN yfcc_group_files AS f ON coalesce(g.source_line, g.file_row_number + 1) > f.first_line
) TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
