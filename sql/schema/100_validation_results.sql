-- Great Expectations results, one row per expectation per validation run (append-only history).
-- Written by pipelines/validate/suites.py (`ccaudit validate`, the Airflow validation task); read by the report.
CREATE TABLE IF NOT EXISTS validation_results (
    run_id           VARCHAR NOT NULL,
    validated_at     TIMESTAMP NOT NULL,
    suite            VARCHAR NOT NULL,
    table_name       VARCHAR NOT NULL,
    expectation      VARCHAR NOT NULL,
    column_name      VARCHAR,
    critical         BOOLEAN NOT NULL,
    success          BOOLEAN NOT NULL,
    unexpected_count BIGINT,
    element_count    BIGINT,
    details          VARCHAR
);
COMMENT ON TABLE validation_results IS 'Great Expectations results: one row per expectation per validation run; the latest run_id is the current state.';
COMMENT ON COLUMN validation_results.run_id IS 'Identifier of the validation run (one `ccaudit validate` call or Airflow validation task).';
COMMENT ON COLUMN validation_results.validated_at IS 'When the run started (UTC).';
COMMENT ON COLUMN validation_results.suite IS 'Expectation suite name, i.e. the file expectations/<suite>.json.';
COMMENT ON COLUMN validation_results.table_name IS 'Table the suite validates.';
COMMENT ON COLUMN validation_results.expectation IS 'Great Expectations expectation type, e.g. expect_column_values_to_be_between.';
COMMENT ON COLUMN validation_results.column_name IS 'Column under test; comma-separated for multi-column expectations.';
COMMENT ON COLUMN validation_results.critical IS 'TRUE when a failure must stop publication of the report (meta.critical in the suite).';
COMMENT ON COLUMN validation_results.success IS 'TRUE when every row met the expectation (or the share given by mostly).';
COMMENT ON COLUMN validation_results.unexpected_count IS 'Rows that broke the expectation, summed over all batches.';
COMMENT ON COLUMN validation_results.element_count IS 'Rows examined, summed over all batches (the whole table).';
COMMENT ON COLUMN validation_results.details IS 'JSON: expectation arguments, a sample of unexpected values, missing (NULL) count, why it matters, any error.';
