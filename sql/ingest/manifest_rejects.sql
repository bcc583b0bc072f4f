-- The staged rejects and the duplicate items, as ingest_rejects rows of the run (both ? = run id).
INSERT INTO ingest_rejects (source_file, line_no, reason, raw_line, run_id)
SELECT source_file, line_no, reason, raw_line, ? FROM _manifest_rejects
UNION ALL
SELECT f.source_file, d.source_line,
       'duplicate_item: ' || d.item_key || ' also at ' || d.first_file || ':' || d.first_line,
       d.item_key, ?
FROM _manifest_dups d JOIN _manifest_files f USING (file_index);
