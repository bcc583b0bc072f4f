-- Views over one load batch (temporary objects of the loading connection).
-- Needs: variable yfcc_batch_parquets (list of staged Parquet paths), temp tables
-- yfcc_batch_files(file_idx, source_file, parquet_path, rejects_path, parquet_pos, member) and
-- yfcc_batch_licenses(license_name_raw, license_url_raw, license_id, problem).

-- Every staged row with its file and 1-based physical line (Parquet row order is file order).
CREATE OR REPLACE TEMP VIEW yfcc_batch_rows AS
-- file_index is the shard's position in the list; files of a group share a shard (group_member).
SELECT f.file_idx, f.source_file, coalesce(p.source_line, p.file_row_number + 1) AS source_line,
       p.* EXCLUDE (source_line, file_row_number, group_member)
FROM read_parquet(getvariable('yfcc_batch_parquets'), file_row_number = true) AS p
JOIN yfcc_batch_files AS f ON f.parquet_pos = p.file_index AND f.member = coalesce(p.group_member, -1);

-- Rows that passed staging and whose license resolved: they load unless their photo id repeats.
CREATE OR REPLACE TEMP VIEW yfcc_batch_candidates AS
SELECT r.*, l.license_id
FROM yfcc_batch_rows AS r
JOIN yfcc_batch_licenses AS l USING (license_name_raw, license_url_raw)
WHERE r.reject_reason IS NULL AND l.license_id IS NOT NULL;
