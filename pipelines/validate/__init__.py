"""Validate: the Great Expectations suites of `expectations/`, run over DuckDB in Arrow batches."""
