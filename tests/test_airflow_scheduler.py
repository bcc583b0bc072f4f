"""The ingest DAG on a real Airflow: LocalExecutor, scheduler + dag-processor + execution API server
as separate processes (tests/airflow_support.py: LocalAirflow). Checks what dag.test() cannot: the
shard tasks really run in parallel, the one-slot pool really serialises every task that opens the
DuckDB file (across DAGs), and the Asset update really triggers validation and the report.

About 60 s on 2 cores (100 s when the machine is busy): marked slow; CCAUDIT_AIRFLOW_E2E=0 skips it.
scripts/run_local_scheduler.sh runs the same thing by hand and prints the runs as JSON.
"""

from __future__ import annotations

import os
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest

from tests.airflow_support import POOL, scheduler_e2e

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CCAUDIT_AIRFLOW_E2E") == "0",
        reason="real-scheduler run disabled by CCAUDIT_AIRFLOW_E2E=0 (see scripts/run_local_scheduler.sh)",
    ),
]

ROWS_PER_SHARD = 20_000


def _interval(ti: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ti["start"]), datetime.fromisoformat(ti["end"])


def test_shards_stage_in_parallel_and_one_writer_at_a_time(tmp_path: Path):
    import duckdb

    from pipelines.synth.yfcc import generate_yfcc

    (tmp_path / "input").mkdir()
    shards = [
        generate_yfcc(tmp_path / "input" / f"yfcc-{i}.tsv.gz", rows=ROWS_PER_SHARD, seed=30 + i).path
        for i in range(4)
    ]
    result = scheduler_e2e(tmp_path, shards)
    print(f"real scheduler run: {result['seconds']} s")
    assert [r["state"] for r in result["ingest_runs"]] == ["success"], result["logs"]

    stages = [ti for ti in result["ingest_tis"] if ti["task_id"] == "stage"]
    assert sorted(ti["map_index"] for ti in stages) == [0, 1, 2, 3]
    assert all(ti["state"] == "success" and ti["pool"] == "default_pool" for ti in stages)
    intervals = [_interval(ti) for ti in stages]
    # Parallel: the last shard started before the first one finished, i.e. all four ran at once.
    assert max(start for start, _ in intervals) < min(end for _, end in intervals), stages
    (load,) = [ti for ti in result["ingest_tis"] if ti["task_id"] == "load"]
    assert load["pool"] == POOL and _interval(load)[0] >= max(end for _, end in intervals)

    # One process in the DuckDB file at a time, across both DAGs (the monthly run that unpausing
    # creates, the loader, the asset-triggered validation and report).
    writers = sorted(
        _interval(ti) for ti in result["ingest_tis"] + result["report_tis"] if ti["pool"] == POOL
    )
    assert len(writers) >= 3
    for (_, end), (next_start, _) in pairwise(writers):
        assert end <= next_start, writers

    triggered = [r for r in result["report_runs"] if r["run_type"] == "asset_triggered"]
    assert [r["state"] for r in triggered] == ["success"], result["report_runs"]
    assert any(Path(result["reports"]).glob("*/report.html"))
    with duckdb.connect(result["db"], read_only=True) as con:
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchall() == [(4 * ROWS_PER_SHARD,)]
        assert con.execute("SELECT count(*) FROM ingest_runs WHERE status = 'loaded'").fetchall() == [(4,)]
        latest = con.execute("""SELECT bool_and(success), max(element_count) FROM validation_results
                                WHERE run_id LIKE 'airflow:asset_triggered%'""").fetchall()
    assert latest == [(True, 4 * ROWS_PER_SHARD)]
