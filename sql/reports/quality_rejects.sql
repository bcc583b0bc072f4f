-- title: Rejected lines by reason
-- section: quality
-- order: 20
-- description: Input lines that did not become rows, grouped by file and by the reason code (the part of the reason before the colon: field_count, photo_id, license, encoding, duplicate_photo_id, parse, url …). The lines themselves are in the ingest_rejects table, not in this report, because they may name people.
-- chart: hbar label=reason value=lines
-- requires: ingest_rejects
SELECT split_part(reason, ':', 1) AS reason,
       regexp_extract(source_file, '[^/\\]+$') AS file,
       count(*) AS lines
FROM ingest_rejects
GROUP BY ALL
ORDER BY lines DESC, reason, file;
