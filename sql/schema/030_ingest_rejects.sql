-- Every input line that could not become a row, with the reason and the raw text.
CREATE TABLE IF NOT EXISTS ingest_rejects (
    source_file VARCHAR NOT NULL,
    line_no     BIGINT,
    reason      VARCHAR NOT NULL,
    raw_line    VARCHAR,
    run_id      VARCHAR
);
COMMENT ON TABLE ingest_rejects IS 'Input lines that were not loaded, one row per line, with why. lines_read = rows_loaded + rows_rejected per file.';
COMMENT ON COLUMN ingest_rejects.source_file IS 'Input file (YFCC100M dump file or dataset manifest).';
COMMENT ON COLUMN ingest_rejects.line_no IS '1-based physical line in the (decompressed) input, or the item index for JSON manifests.';
COMMENT ON COLUMN ingest_rejects.reason IS 'Why the line was rejected: a code, a colon and detail. YFCC codes: field_count (wrong number of TAB-separated fields, or an empty line), photo_id (not a number), license (unknown or contradictory name/URL), encoding (invalid UTF-8, or %-escapes that decode to it), duplicate_photo_id (first occurrence wins), parse (anything else, e.g. over-long line).';
COMMENT ON COLUMN ingest_rejects.raw_line IS 'The line as read (truncated to 10,000 characters; invalid UTF-8 bytes shown as ?). NULL for an empty line and for duplicate_photo_id rejects, whose reason names the file and line of the copy that was kept.';
COMMENT ON COLUMN ingest_rejects.run_id IS 'ingest_runs.run_id of the run that rejected it.';
