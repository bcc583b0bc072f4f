-- Give every staged row its physical line number when the reader dropped some lines (rare).
-- Staged rows are in file order; the k-th of them (1-based) sits on physical line
-- k + (number of dropped lines before it). For the j-th dropped line (1-based, ascending), the
-- number of staged rows before it is good_before = line - j; the row takes the largest j whose
-- good_before < k. Parameters: $staged, $rejects, $out (Parquet paths).
COPY (
    WITH dropped AS (
        SELECT source_line - row_number() OVER (ORDER BY source_line) AS good_before,
               row_number() OVER (ORDER BY source_line) AS j
        FROM read_parquet($rejects)
    ),
    shifts AS (
        SELECT good_before, max(j) AS shift FROM dropped GROUP BY good_before
    ),
    staged AS (
        SELECT file_row_number + 1 AS k, * EXCLUDE (source_line, file_row_number)
        FROM read_parquet($staged, file_row_number = true)
    )
    SELECT staged.k + coalesce(shifts.shift, 0) AS source_line, staged.* EXCLUDE (k)
    FROM staged ASOF LEFT JOIN shifts ON staged.k > shifts.good_before
    ORDER BY source_line
) TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
