-- An empty reader-rejects shard, for inputs that do not go through the CSV reader (Parquet, SQLite):
-- the loader reads one rejects file per shard. Parameter: $out.
COPY (
    SELECT NULL::BIGINT AS source_line, NULL::VARCHAR AS reject_reason, NULL::VARCHAR AS raw_line,
           NULL::INTEGER AS group_member
    WHERE false
) TO $out (FORMAT parquet);
