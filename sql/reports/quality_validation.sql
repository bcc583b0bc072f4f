-- title: Validation (Great Expectations)
-- section: quality
-- order: 40
-- description: The latest `ccaudit validate` run: one row per expectation, whether it passed, and how many values broke it out of how many checked. A critical expectation that fails makes `ccaudit validate` exit non-zero.
-- requires: validation_results
WITH latest AS (
    SELECT run_id FROM validation_results ORDER BY validated_at DESC LIMIT 1
)
SELECT v.suite, v.table_name, v.expectation, v.column_name, v.critical, v.success,
       v.unexpected_count, v.element_count, v.validated_at, v.run_id
FROM validation_results AS v
JOIN latest USING (run_id)
ORDER BY v.success, v.critical DESC, v.table_name, v.expectation, v.column_name;
