"""The DAGs on a real CeleryExecutor cluster: PostgreSQL + Redis + api-server + scheduler +
dag-processor + two Celery workers with different hostnames (tests/cluster/harness.py).

One scenario, because the cluster costs a minute to start: the YFCC ingest DAG over 8 shards and the
manifest DAG, the asset-triggered validate/report runs, and the hourly enrichment against the local
Flickr server with the key given only as the Airflow connection `flickr_api`. In the middle of
the YFCC staging the staging-only worker is killed with SIGKILL (with every process under it, as
when its machine dies). It checks:

- staging ran on both workers; every task that opens DuckDB ran on the DB worker (queue ccaudit_db);
- the killed stage task failed its try on the dead worker and was retried on the other one;
- the database equals the CLI's on the same files (rows, per-license counts, rejects, items), with
  no duplicate and no staged shard left behind;
- the Flickr key is in no task log.

Run by `make test-cluster` (marker `cluster`; plain `pytest` deselects it). Prints which task ran on
which worker and the wall time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.airflow_support import POOL
from tests.cluster.harness import (
    CCAUDIT_SETTINGS,
    DB_QUEUE,
    DB_WORKER,
    FLICKR_CONNECTION,
    STAGE_WORKER,
    CeleryCluster,
)

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

SHARDS = 8
ROWS_PER_SHARD = 12_000
BAD_LINES = {0: 4, 5: 3}  # shard -> malformed lines, so rejects are compared too
ENRICH_LIMIT = 10  # photos per enrichment run (hourly or manual)
FLICKR_KEY = "cluster-" + os.urandom(12).hex()
YFCC, MANIFESTS, REPORT, ENRICH = (
    "ccaudit_ingest_yfcc",
    "ccaudit_ingest_manifests",
    "ccaudit_validate_and_report",
    "ccaudit_enrich_flickr",
)

PHOTOS = "SELECT * FROM yfcc_photos"
PER_LICENSE = "SELECT license_id, count(*) FROM yfcc_photos GROUP BY 1"
REJECTS = "SELECT source_file, line_no, reason, raw_line FROM ingest_rejects"
RUN_COUNTS = "SELECT source_file, kind, lines_read, rows_loaded, rows_rejected, status FROM ingest_runs"
ITEMS = "SELECT * FROM dataset_items"
DATASETS = "SELECT dataset, version, format, items FROM datasets"


def _rows(db: Path, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=repr)


def _reference(inputs: Path, cli_db: Path) -> dict:
    """The shards, a manifest drawn from them, and what the CLI loads from the same files."""
    from pipelines.cli import main
    from pipelines.synth.yfcc import generate_yfcc

    shards = [
        generate_yfcc(
            inputs / f"yfcc-{i}.tsv.gz", rows=ROWS_PER_SHARD, seed=40 + i, bad_lines=BAD_LINES.get(i, 0)
        ).path
        for i in range(SHARDS)
    ]
    assert main(["--db", str(cli_db), "ingest", "yfcc", "--quiet", *map(str, shards)]) == 0
    picked = _rows(
        cli_db, "SELECT line_no, photo_id, photo_hash FROM yfcc_photos ORDER BY photo_id LIMIT 400"
    )
    manifest = inputs / "clip-subset.tsv"
    manifest.write_text("".join(f"{line}\t{pid}\t{h}\n" for line, pid, h in picked) + "oops\tnot-an-id\tx\n")
    assert (
        main(
            [
                "--db",
                str(cli_db),
                "ingest",
                "manifest",
                "--format",
                "clip-subset",
                "--dataset",
                "clip-sample",
                "--dataset-version",
                "v1",
                str(manifest),
            ]
        )
        == 0
    )
    return {"shards": shards, "manifest": manifest}


@pytest.fixture(scope="module")
def root():
    # Not pytest's tmp_path (0700): the cluster's folders are removed afterwards unless
    # CCAUDIT_KEEP_CLUSTER=1 keeps them (logs under airflow-home/) for reading.
    folder = Path(tempfile.mkdtemp(prefix="ccaudit-cluster-"))
    yield folder
    if os.environ.get("CCAUDIT_KEEP_CLUSTER") != "1":
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def scenario(root: Path):
    from tests.flickr_server import FlickrTestServer, Reply

    started = time.monotonic()
    inputs, work, reports = root / "input", root / "shared-work", root / "reports"
    inputs.mkdir()
    cli_db, db = root / "cli" / "ccaudit.duckdb", root / "db-host" / "ccaudit.duckdb"
    result: dict = {"db": db, "cli_db": cli_db, "work": work, "reports": reports, "root": root}
    server = FlickrTestServer(api_key=FLICKR_KEY).start()
    # Errors on the way (a 503, a reset connection): error paths are where URLs with keys leak.
    server.add_faults("flickr.photos.getInfo", None, Reply(status=503), Reply(action="reset"))
    # The key exists only as an Airflow connection (stored encrypted with the cluster's Fernet key).
    connections = {FLICKR_CONNECTION: {"conn_type": "http", "password": FLICKR_KEY}}
    try:
        with ThreadPoolExecutor(1) as pool:
            # The data and the CLI's database are made while the cluster starts (mostly waiting).
            reference = pool.submit(_reference, inputs, cli_db)
            settings = {
                "CCAUDIT_DB": str(db),
                "CCAUDIT_WORK_DIR": str(work),
                "CCAUDIT_REPORTS_DIR": str(reports),
                "CCAUDIT_FLICKR_RATE": "36000",
                "CCAUDIT_ENRICH_LIMIT": str(ENRICH_LIMIT),
            }
            assert set(settings) == set(CCAUDIT_SETTINGS)  # what docker-compose.yml sets too
            # Test-only: the local Flickr server, and retries after seconds instead of minutes.
            with CeleryCluster(
                root,
                connections=connections,
                CCAUDIT_FLICKR_API_URL=server.url,
                CCAUDIT_RETRY_DELAY_SECONDS="2",
                **settings,
            ) as cluster:
                result["timings"] = cluster.timings
                cluster.wait_for_dags([YFCC, MANIFESTS, REPORT, ENRICH])
                cluster.timings["DAGs parsed"] = round(time.monotonic() - started, 1)
                result.update(_run(cluster, reference.result(), started))
                result["tries"] = {
                    dag_id: cluster.task_tries(dag_id) for dag_id in (YFCC, MANIFESTS, REPORT, ENRICH)
                }
                result["runs"] = {
                    dag_id: cluster.dag_runs(dag_id) for dag_id in (YFCC, MANIFESTS, REPORT, ENRICH)
                }
                result["task_logs"] = cluster.task_logs()
                # Airflow's audit log (the `log` table) records API calls, the connection's among them.
                result["audit_log_with_key"] = cluster.query(
                    "SELECT count(*) FROM log WHERE extra LIKE %s", (f"%{FLICKR_KEY}%",)
                )[0][0]
                result["process_logs"] = cluster.logs(tail=10**7)
    finally:
        server.stop()
    result["api_calls"] = len(server.calls())
    result["seconds"] = round(time.monotonic() - started, 1)
    _print_placement(result)
    return result


def _run(cluster: CeleryCluster, reference: dict, started: float) -> dict:
    # Unpausing creates the hourly enrichment run and the monthly report run at once; like any
    # hourly run here, the enrichment checks at most $CCAUDIT_ENRICH_LIMIT photos.
    cluster.set_paused([ENRICH, REPORT, YFCC, MANIFESTS], False)
    yfcc_run = cluster.trigger(YFCC, {"paths": [str(p) for p in reference["shards"]]})
    manifest_run = cluster.trigger(
        MANIFESTS,
        {
            "manifests": [
                {
                    "format": "clip-subset",
                    "dataset": "clip-sample",
                    "version": "v1",
                    "paths": [str(reference["manifest"])],
                }
            ]
        },
    )
    killed = _kill_stage_worker_mid_task(cluster, yfcc_run)
    # What the dead worker left in the shared work folder (the load must not use it, and removes it).
    work = Path(cluster.env["CCAUDIT_WORK_DIR"])
    killed["work_files_at_kill"] = sorted(
        str(p.relative_to(work)) + ("/" if p.is_dir() else "") for p in work.rglob("*")
    )
    states = {
        "yfcc": cluster.wait_for_run(YFCC, yfcc_run),
        "manifests": cluster.wait_for_run(MANIFESTS, manifest_run),
    }
    cluster.timings["ingests done"] = round(time.monotonic() - started, 1)
    # Every load updated an Asset: wait until the asset-triggered report runs have all ended.
    _wait(lambda: _report_runs_done(cluster), "asset-triggered validate/report runs", cluster)
    cluster.timings["reports done"] = round(time.monotonic() - started, 1)

    # Now with photos to check: a manual run (its limit from the environment, as the hourly runs).
    enrich_run = cluster.trigger(ENRICH)
    states["enrich"] = cluster.wait_for_run(ENRICH, enrich_run)
    cluster.timings["enrichment done"] = round(time.monotonic() - started, 1)
    return {
        "yfcc_run": yfcc_run,
        "manifest_run": manifest_run,
        "enrich_run": enrich_run,
        "states": states,
        "killed": killed,
    }


def _report_runs_done(cluster: CeleryCluster) -> bool:
    runs = cluster.dag_runs(REPORT)
    return (
        any(r["run_type"] == "asset_triggered" for r in runs)
        and all(r["state"] in ("success", "failed") for r in runs)
        and not cluster.query("SELECT count(*) FROM asset_dag_run_queue WHERE target_dag_id = %s", (REPORT,))[
            0
        ][0]
    )


def _kill_stage_worker_mid_task(cluster: CeleryCluster, run_id: str) -> dict:
    """SIGKILL the staging-only worker once it has finished one shard and is staging another,
    preferably while that shard's scratch folder exists in the shared work folder (mid-write)."""
    work = Path(cluster.env["CCAUDIT_WORK_DIR"])
    deadline = time.monotonic() + 240
    mid_task_since = None
    while True:
        rows = cluster.query(
            """SELECT map_index, state, hostname FROM task_instance WHERE dag_id = %s
                                AND run_id = %s AND task_id = 'stage'""",
            (YFCC, run_id),
        )
        done = [m for m, state, host in rows if state == "success" and host == STAGE_WORKER]
        running = [m for m, state, host in rows if state == "running" and host == STAGE_WORKER]
        if done and running:
            # Shard i is yfcc-i (plan keeps the order of `paths`); its stage writes into .yfcc-i...-XXXX/.
            writing = [m for m in running if any(work.glob(f"*/.yfcc-{m}.tsv.gz-*"))]
            mid_task_since = mid_task_since or time.monotonic()
            if writing or time.monotonic() - mid_task_since > 1.5:
                pids = cluster.kill_worker(STAGE_WORKER)
                return {
                    "map_indexes": running,
                    "writing": writing,
                    "done_before": done,
                    "pids": pids,
                    "at": time.strftime("%H:%M:%S"),
                }
        else:
            mid_task_since = None
        finished = len(rows) == SHARDS and all(state == "success" for _, state, _ in rows)
        if finished or time.monotonic() > deadline:
            raise AssertionError(f"never saw the staging worker mid-task: {rows}\n{cluster.logs()}")
        time.sleep(0.05)


def _wait(condition, what: str, cluster: CeleryCluster, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout} s\n{cluster.logs()}")
        time.sleep(1)


def _print_placement(result: dict) -> None:
    print(f"\ncluster scenario: {result['seconds']} s wall; milestones (s): {result.get('timings')}")
    print(
        f"killed {STAGE_WORKER} (pids {result.get('killed', {}).get('pids')}) "
        f"at {result.get('killed', {}).get('at')} while it staged map_index "
        f"{result.get('killed', {}).get('map_indexes')}"
    )
    print(
        f"killed while writing the shard of map_index {result.get('killed', {}).get('writing')}; the shared "
        f"work folder right after the kill: {result.get('killed', {}).get('work_files_at_kill')}"
    )
    stage = [t for t in result.get("tries", {}).get(YFCC, []) if t["task_id"] == "stage"]
    for map_index in result.get("killed", {}).get("map_indexes", []):
        tries = sorted((t for t in stage if t["map_index"] == map_index), key=lambda t: t["try_number"])
        if len(tries) > 1 and tries[0]["end"] and tries[-1]["start"]:
            print(
                f"stage {map_index}: try 1 on {tries[0]['hostname']} ended {tries[0]['state']} at "
                f"{tries[0]['end']:%H:%M:%S}; try {tries[-1]['try_number']} started on {tries[-1]['hostname']} at "
                f"{tries[-1]['start']:%H:%M:%S} and ended {tries[-1]['state']}"
            )
    print(
        f"{'dag':<28} {'run':<15} {'task':<9} {'map':>3} {'try':>3} {'start':<8} {'end':<8} {'state':<8} "
        f"{'queue':<11} worker"
    )
    for dag_id, tries in result.get("tries", {}).items():
        for t in sorted(tries, key=lambda t: (t["start"] is None, t["start"] or 0)):
            start, end = (f"{t[k]:%H:%M:%S}" if t[k] else "-" for k in ("start", "end"))
            print(
                f"{dag_id:<28} {t['run_id'].split('__')[0]:<15} {t['task_id']:<9} {t['map_index']:>3} "
                f"{t['try_number']:>3} {start:<8} {end:<8} {t['state'] or '-':<8} {t['queue'] or '-':<11} "
                f"{t['hostname'] or '-'}"
            )


# --- the assertions ---------------------------------------------------------------------------


def test_every_run_succeeded(scenario):
    assert scenario["states"] == {"yfcc": "success", "manifests": "success", "enrich": "success"}, scenario[
        "process_logs"
    ][-5000:]
    report_runs = scenario["runs"][REPORT]
    assert [r["state"] for r in report_runs if r["run_type"] == "asset_triggered"] and all(
        r["state"] == "success" for r in report_runs
    ), report_runs
    assert any(scenario["reports"].glob("*/report.html"))


def test_staging_ran_on_both_workers_and_db_tasks_only_on_the_db_worker(scenario):
    tries = [t for dag_tries in scenario["tries"].values() for t in dag_tries]
    stage_hosts = {
        t["hostname"] for t in scenario["tries"][YFCC] if t["task_id"] == "stage" and t["state"] == "success"
    }
    assert stage_hosts == {DB_WORKER, STAGE_WORKER}
    db_tasks = [t for t in tries if t["pool"] == POOL]
    assert {(t["task_id"]) for t in db_tasks} == {"load", "validate", "report", "enrich"}
    assert {t["hostname"] for t in db_tasks} == {DB_WORKER} and {t["queue"] for t in db_tasks} == {DB_QUEUE}
    assert all(t["queue"] == "default" for t in tries if t["pool"] != POOL)
    # The staging worker was never told where the database is, and never made one.
    assert not list((scenario["root"] / STAGE_WORKER).rglob("*.duckdb"))


def test_the_killed_stage_task_was_retried_on_the_other_worker(scenario):
    killed = scenario["killed"]
    assert killed["map_indexes"] and killed["done_before"]
    stage = [
        t for t in scenario["tries"][YFCC] if t["task_id"] == "stage" and t["run_id"] == scenario["yfcc_run"]
    ]
    for map_index in killed["map_indexes"]:
        attempts = sorted((t for t in stage if t["map_index"] == map_index), key=lambda t: t["try_number"])
        first, last = attempts[0], attempts[-1]
        assert first["hostname"] == STAGE_WORKER and first["state"] != "success", attempts
        assert last["try_number"] > first["try_number"], attempts
        assert last["hostname"] == DB_WORKER and last["state"] == "success", attempts
    # The other shards were staged once each.
    assert sorted(t["map_index"] for t in stage if t["state"] == "success") == list(range(SHARDS))


def test_database_equals_the_cli_on_the_same_files(scenario):
    db, cli = scenario["db"], scenario["cli_db"]
    photos = _rows(db, PHOTOS)
    assert len(photos) == SHARDS * ROWS_PER_SHARD
    assert photos == _rows(cli, PHOTOS)
    assert _rows(db, PER_LICENSE) == _rows(cli, PER_LICENSE)
    assert _rows(db, REJECTS) == _rows(cli, REJECTS) and len(_rows(db, REJECTS)) >= sum(BAD_LINES.values())
    assert _rows(db, RUN_COUNTS) == _rows(cli, RUN_COUNTS)
    assert _rows(db, ITEMS) == _rows(cli, ITEMS) and _rows(db, DATASETS) == _rows(cli, DATASETS)


def test_no_duplicates_and_no_orphaned_shards(scenario):
    db = scenario["db"]
    assert _rows(db, "SELECT count(*) - count(DISTINCT photo_id) FROM yfcc_photos") == [(0,)]
    assert _rows(db, "SELECT count(*), count(DISTINCT source_file) FROM ingest_runs WHERE kind = 'yfcc'") == [
        (SHARDS, SHARDS)
    ]
    # Nothing left in the shared work folder: no shard, no scratch folder of the killed try.
    killed_scratch = [p for p in scenario["killed"]["work_files_at_kill"] if "/." in f"/{p}"]
    leftovers = list(scenario["work"].rglob("*")) if scenario["work"].exists() else []
    assert leftovers == [], (leftovers, killed_scratch)


def test_the_flickr_key_from_the_connection_never_reaches_a_log(scenario):
    logs = scenario["task_logs"]
    enrich_logs = [text for path, text in logs.items() if f"dag_id={ENRICH}" in str(path)]
    assert len(logs) >= SHARDS and enrich_logs, sorted(map(str, logs))
    assert any("enrichment: {'skipped': None" in text for text in enrich_logs)  # the key was used ...
    assert scenario["api_calls"] >= ENRICH_LIMIT
    # The manual run checked ENRICH_LIMIT photos; the hourly one none (empty database) or as many.
    checked = _rows(scenario["db"], "SELECT count(DISTINCT photo_id) FROM flickr_checks")[0][0]
    assert checked in (ENRICH_LIMIT, 2 * ENRICH_LIMIT)
    leaked = [str(path) for path, text in logs.items() if FLICKR_KEY in text]
    assert leaked == []  # ... and written nowhere
    assert FLICKR_KEY not in scenario["process_logs"]
    assert scenario["audit_log_with_key"] == 0
