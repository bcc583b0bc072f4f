-- ingest_runs rows, one per input file and attempt, from the Arrow table pipelines/ingest/runs.py registers.
INSERT INTO ingest_runs BY NAME SELECT * FROM ingest_runs_batch;
