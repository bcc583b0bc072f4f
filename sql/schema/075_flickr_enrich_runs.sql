-- One row per `ccaudit enrich` run: what it did and where the next run continues.
CREATE TABLE IF NOT EXISTS flickr_enrich_runs (
    run_id          VARCHAR NOT NULL PRIMARY KEY,
    pass_started_at TIMESTAMP NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,
    dataset         VARCHAR,
    max_age_days    DOUBLE,
    photo_limit     BIGINT,
    deadline_seconds DOUBLE,
    photos_checked  BIGINT,
    uploaders_fetched BIGINT,
    api_calls       BIGINT,
    ok              BIGINT,
    not_found       BIGINT,
    user_deleted    BIGINT,
    error           BIGINT
);
COMMENT ON TABLE flickr_enrich_runs IS 'Enrichment runs. A pass over the photos of interest may span several runs (limit, deadline, crash): a run continues the pass of the previous run with the same --dataset unless that one completed.';
COMMENT ON COLUMN flickr_enrich_runs.run_id IS 'Run identifier, also in flickr_checks.run_id and uploaders.run_id.';
COMMENT ON COLUMN flickr_enrich_runs.pass_started_at IS 'Start of the pass this run belongs to: photos checked since then are not checked again until the pass completes.';
COMMENT ON COLUMN flickr_enrich_runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN flickr_enrich_runs.finished_at IS 'When the run ended (UTC); NULL while running or when the process was killed.';
COMMENT ON COLUMN flickr_enrich_runs.status IS 'running, complete (nothing left to check), partial (stopped by --limit or the deadline), interrupted (killed; set by the next run), failed (e.g. the key was rejected).';
COMMENT ON COLUMN flickr_enrich_runs.dataset IS '--dataset of the run; NULL = all datasets, then the rest of yfcc_photos.';
COMMENT ON COLUMN flickr_enrich_runs.max_age_days IS 'Photos and uploaders checked within this many days were skipped.';
COMMENT ON COLUMN flickr_enrich_runs.photo_limit IS '--limit of the run (NULL = none).';
COMMENT ON COLUMN flickr_enrich_runs.deadline_seconds IS 'Time budget of the run in seconds (NULL = none).';
COMMENT ON COLUMN flickr_enrich_runs.photos_checked IS 'Rows the run appended to flickr_checks.';
COMMENT ON COLUMN flickr_enrich_runs.uploaders_fetched IS 'Rows the run appended to uploaders.';
COMMENT ON COLUMN flickr_enrich_runs.api_calls IS 'HTTP requests sent, retries included.';
COMMENT ON COLUMN flickr_enrich_runs.ok IS 'Photo checks with status ok.';
COMMENT ON COLUMN flickr_enrich_runs.not_found IS 'Photo checks with status not_found.';
COMMENT ON COLUMN flickr_enrich_runs.user_deleted IS 'Photo checks with status user_deleted.';
COMMENT ON COLUMN flickr_enrich_runs.error IS 'Photo checks with status error.';
