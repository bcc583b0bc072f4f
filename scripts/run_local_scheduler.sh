#!/usr/bin/env bash
# Run the YFCC ingest DAG on a real Airflow scheduler (LocalExecutor, SQLite) — no Docker needed.
#
#   scripts/run_local_scheduler.sh [WORK_DIR] [ROWS_PER_SHARD]
#
# Starts `airflow api-server --apps execution`, `airflow scheduler` and `airflow dag-processor`
# under WORK_DIR/airflow-home (default: a new temp folder), generates 4 YFCC100M shards, unpauses
# ccaudit_ingest_yfcc and ccaudit_validate_and_report, triggers the ingest, waits for the
# asset-triggered validation + report, prints dag runs and task instances (with start/end times)
# as JSON, then stops the processes it started. Exit code 1 if a run failed (logs are printed).
# The same run, with assertions, is tests/test_airflow_scheduler.py (slow; CCAUDIT_AIRFLOW_E2E=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK_DIR="${1:-$(mktemp -d -t ccaudit-airflow-XXXXXX)}"
ROWS="${2:-20000}"
PYTHON="${PYTHON:-.venv/bin/python}"
echo "work dir: $WORK_DIR" >&2
exec "$PYTHON" -m tests.airflow_support scheduler "$WORK_DIR" "$ROWS"
