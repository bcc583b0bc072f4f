-- Record every line of the batch that did not load, with why. Parameter: $run_id.
-- Variable yfcc_batch_reader_rejects: list of the staged reader-reject Parquet files
-- (lines the CSV reader refused; see yfcc_stage_rejects.sql), mapped to files by yfcc_batch_files.
INSERT INTO ingest_rejects (source_file, line_no, reason, raw_line, run_id)
SELECT source_file, source_line, reject_reason, raw_line, $run_id
FROM yfcc_batch_rows
WHERE reject_reason IS NOT NULL
UNION ALL
SELECT r.source_file, r.source_line, 'license: ' || l.problem, r.raw_line, $run_id
FROM yfcc_batch_rows AS r
JOIN yfcc_batch_licenses AS l USING (license_name_raw, license_url_raw)
WHERE r.reject_reason IS NULL AND l.license_id IS NULL
UNION ALL
-- The raw text of a duplicate is not kept (it loaded fine; the reason names the other copy).
SELECT f.source_file, d.source_line, d.reason, NULL, $run_id
FROM yfcc_batch_duplicates AS d JOIN yfcc_batch_files AS f USING (file_idx)
UNION ALL
SELECT f.source_file, x.source_line, x.reject_reason, x.raw_line, $run_id
FROM read_parquet(getvariable('yfcc_batch_reader_rejects')) AS x
JOIN yfcc_batch_files AS f ON f.parquet_pos = x.file_index AND f.member = coalesce(x.group_member, -1);
