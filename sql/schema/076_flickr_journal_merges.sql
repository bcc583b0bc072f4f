-- How far each enrichment run's journal has been merged into flickr_checks and uploaders.
-- Updated in the same transaction as the rows it counts, so a merge that is killed, or a journal
-- merged twice after a crash, never adds a row twice.
CREATE TABLE IF NOT EXISTS flickr_journal_merges (
    run_id      VARCHAR NOT NULL PRIMARY KEY,
    merged_seq  BIGINT NOT NULL,
    merged_at   TIMESTAMP NOT NULL,
    merges      BIGINT NOT NULL
);
COMMENT ON TABLE flickr_journal_merges IS 'Merge progress of each enrichment run''s crash-safe journal (answers are journaled to a file first, then merged in short transactions).';
COMMENT ON COLUMN flickr_journal_merges.run_id IS 'Enrichment run (flickr_enrich_runs.run_id) whose journal this is.';
COMMENT ON COLUMN flickr_journal_merges.merged_seq IS 'Highest journal sequence number merged: records up to it are in flickr_checks / uploaders.';
COMMENT ON COLUMN flickr_journal_merges.merged_at IS 'When the latest merge committed (UTC).';
COMMENT ON COLUMN flickr_journal_merges.merges IS 'Merge transactions so far.';
