"""The Airflow DAGs: integrity (DagBag, schedules, pools, params, import hygiene), the task bodies
in pipelines.airflow_tasks, and real `dag.test()` runs on generated data under a temporary
AIRFLOW_HOME with SQLite (slow: one subprocess per batch of runs, see tests/airflow_support.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines import airflow_tasks
from pipelines.errors import CcauditError, ConfigError, InputError
from tests.airflow_support import DAGS, HEAVY_MODULES, PARSE_TIME_PIPELINES, POOL, migrate, run_dags
from tests.conftest import REPO

DAG_TASKS = {
    "ccaudit_ingest_yfcc": {"plan", "stage", "load"},
    "ccaudit_ingest_manifests": {"plan", "stage", "load"},
    "ccaudit_enrich_flickr": {"enrich"},
    "ccaudit_validate_and_report": {"validate", "report"},
}
DB_TASKS = {
    ("ccaudit_ingest_yfcc", "load"),
    ("ccaudit_ingest_manifests", "load"),
    ("ccaudit_enrich_flickr", "enrich"),
    ("ccaudit_validate_and_report", "validate"),
    ("ccaudit_validate_and_report", "report"),
}


# --- integrity (no metadata database needed) --------------------------------------------------


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    if "airflow" not in sys.modules:  # keep Airflow from creating ~/airflow for a parse-only test
        os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home")))
        os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from tests.airflow_support import load_dagbag

    return load_dagbag()


def test_dagbag_imports_cleanly_with_the_expected_tasks(dagbag):
    assert dagbag.import_errors == {}
    assert {dag_id: {t.task_id for t in dag.tasks} for dag_id, dag in dagbag.dags.items()} == DAG_TASKS


def test_schedules_catchup_and_defaults(dagbag):
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    for dag in dagbag.dags.values():
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert dag.doc_md and dag.doc_md.strip().startswith(f"### {dag.dag_id}")
        for task in dag.tasks:
            assert task.retries >= 1 and task.retry_delay >= timedelta(minutes=1)
    for dag_id in ("ccaudit_ingest_yfcc", "ccaudit_ingest_manifests"):  # explicit schedule=None: triggered
        assert type(dagbag.dags[dag_id].timetable).__name__ == "NullTimetable"
    hourly = dagbag.dags["ccaudit_enrich_flickr"].timetable
    assert isinstance(hourly, CronTriggerTimetable) and hourly.expression == "0 * * * *"
    both = dagbag.dags["ccaudit_validate_and_report"].timetable
    assert isinstance(both, AssetOrTimeSchedule)
    assert both.timetable.expression == "0 4 1 * *"  # monthly, 1st at 04:00 UTC
    # Triggered by either ingest DAG: the loaders' outlets are exactly the assets it watches.
    produced = {
        outlet.uri
        for dag_id in ("ccaudit_ingest_yfcc", "ccaudit_ingest_manifests")
        for outlet in dagbag.dags[dag_id].get_task("load").outlets
    }
    assert produced == {"ccaudit://duckdb/yfcc_photos", "ccaudit://duckdb/dataset_items"}
    assert type(both.asset_condition).__name__ == "AssetAny"
    assert {a.uri for a in _assets(both.asset_condition)} == produced


def _assets(condition):
    objects = getattr(condition, "objects", None)
    if objects is None:
        return [condition]
    return [asset for obj in objects for asset in _assets(obj)]


def test_every_task_that_opens_duckdb_is_in_the_one_slot_pool(dagbag):
    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            assert (task.pool == POOL) == ((dag_id, task.task_id) in DB_TASKS), (
                dag_id,
                task.task_id,
                task.pool,
            )
            # Under Celery, only the worker on the DuckDB file's host consumes the DB queue.
            expected_queue = "ccaudit_db" if (dag_id, task.task_id) in DB_TASKS else "default"
            assert task.queue == expected_queue, (dag_id, task.task_id, task.queue)
    assert dagbag.dags["ccaudit_ingest_yfcc"].get_task("stage").is_mapped
    assert dagbag.dags["ccaudit_enrich_flickr"].get_task("enrich").execution_timeout <= timedelta(minutes=59)


def test_params_use_the_cli_flag_names(dagbag):
    expected = {
        "ccaudit_ingest_yfcc": {"paths", "db", "work_dir"},
        "ccaudit_ingest_manifests": {"manifests", "db", "work_dir"},
        "ccaudit_enrich_flickr": {"dataset", "limit", "max_age", "sample", "seed", "db"},
        "ccaudit_validate_and_report": {"db", "out", "publish_mode"},
    }
    for dag_id, names in expected.items():
        assert set(dagbag.dags[dag_id].params.keys()) == names
    from airflow.sdk.exceptions import ParamValidationError

    enrich = dagbag.dags["ccaudit_enrich_flickr"].params
    # None: the task falls back to the Variable / environment variable (CCAUDIT_ENRICH_SAMPLE, _SEED), seed 0
    assert enrich.get_param("sample").resolve() is None and enrich.get_param("seed").resolve() is None
    assert enrich.get_param("sample").resolve(400) == 400
    for name, bad in (("sample", 0), ("seed", -1), ("sample", "ten")):  # as the CLI refuses them
        with pytest.raises(ParamValidationError):
            enrich.get_param(name).resolve(bad)
    publish = dagbag.dags["ccaudit_validate_and_report"].params.get_param("publish_mode")
    assert publish.schema["enum"] == ["pseudonymous", "full"]
    manifests = dagbag.dags["ccaudit_ingest_manifests"].params.get_param("manifests")
    with pytest.raises(
        ParamValidationError
    ):  # JSON schema: an unknown format is refused before any task runs
        manifests.resolve([{"format": "nope", "dataset": "x", "paths": ["a"]}])
    manifests.resolve([{"format": "ffhq", "dataset": "ffhq", "paths": ["a.json"]}])


@pytest.mark.slow
def test_dag_files_are_thin_and_fast_to_import():
    """Each DAG file in a fresh interpreter: no heavy module and no ccaudit logic at parse time (only
    the settings table, pipelines.config); report the cost."""
    code = textwrap.dedent(f"""
        import importlib.util, json, sys, time
        sys.path.insert(0, {str(DAGS)!r})
        t0 = time.perf_counter()
        import airflow.sdk
        t1 = time.perf_counter()
        path = sys.argv[1]
        spec = importlib.util.spec_from_file_location("dag_under_test", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        t2 = time.perf_counter()
        heavy = [m for m in {list(HEAVY_MODULES)!r} if m in sys.modules]
        heavy += sorted(m for m in sys.modules
                        if m.split(".")[0] == "pipelines" and m not in {list(PARSE_TIME_PIPELINES)!r})
        print(json.dumps({{"heavy": heavy, "sdk": t1 - t0, "dag": t2 - t1}}))
    """)
    env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    timings = {}
    for path in sorted(DAGS.glob("ccaudit_*.py")):
        if path.name == "ccaudit_common.py":
            continue
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=REPO,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["heavy"] == [], (path.name, result["heavy"])
        timings[path.name] = result["dag"]
    assert len(timings) == 4
    # Measured, not asserted (speed belongs to benchmarks): about 0.1-0.2 s per file beyond airflow.sdk.
    print(
        "DAG file import times beyond airflow.sdk: "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
    )


# --- the task bodies, without Airflow ---------------------------------------------------------


def test_expand_paths_globs_and_errors(tmp_path: Path):
    for name in ("b.tsv", "a.tsv", "c.txt"):
        (tmp_path / name).write_text("x")
    found = airflow_tasks.expand_paths(
        [str(tmp_path / "*.tsv"), str(tmp_path / "c.txt"), str(tmp_path / "a.tsv")]
    )
    assert found == [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv"), str(tmp_path / "c.txt")]
    assert airflow_tasks.expand_paths(f"{tmp_path}/a.tsv,{tmp_path}/b.tsv") == found[:2]
    with pytest.raises(InputError, match="matches no file"):
        airflow_tasks.expand_paths([str(tmp_path / "*.bz2")])
    with pytest.raises(InputError, match="does not exist"):
        airflow_tasks.expand_paths([str(tmp_path / "missing.tsv")])
    with pytest.raises(ConfigError, match="no YFCC100M files configured"):
        airflow_tasks.list_yfcc_files([])


def test_manifest_specs_are_checked(tmp_path: Path):
    (tmp_path / "m.json").write_text("[]")
    spec = airflow_tasks.manifest_specs(
        [{"format": "ffhq", "dataset": "ffhq", "paths": str(tmp_path / "*.json")}]
    )
    assert spec == [
        {
            "format": "ffhq",
            "dataset": "ffhq",
            "version": None,
            "paths": [str(tmp_path / "m.json")],
            "options": {},
        }
    ]
    with pytest.raises(ConfigError, match="missing"):
        airflow_tasks.manifest_specs([{"format": "ffhq", "paths": []}])
    with pytest.raises(ConfigError, match="unknown key"):
        airflow_tasks.manifest_specs(
            [{"format": "ffhq", "dataset": "x", "paths": [str(tmp_path / "m.json")], "path": 1}]
        )
    with pytest.raises(ConfigError, match="no manifests configured"):
        airflow_tasks.manifest_specs(None)


def test_run_folder_and_hourly_budget(tmp_path: Path):
    folder = airflow_tasks.run_folder(tmp_path, "manual__2026-11-27T09:57:51.084659+00:00")
    assert folder.parent == tmp_path and ":" not in folder.name and "+" not in folder.name
    from pipelines.config import Settings

    # half an hour of calls at 3600/h, two calls per photo
    assert airflow_tasks.hourly_limit(Settings(flickr_rate_per_hour=3600)) == 900
    assert airflow_tasks.hourly_limit(Settings(flickr_rate_per_hour=1)) == 1


def test_enrich_batch_passes_sample_and_seed_to_enrich(db_path: Path):
    """Against the local Flickr server: exactly the seeded sample is checked, as `enrich --sample --seed`."""
    from pipelines.stats import draw_sample
    from tests.flickr_server import FlickrTestServer
    from tests.test_live_audit import FAST_RATE, KEY, build, checked_ids, truth

    photos = truth(population=120)
    with FlickrTestServer(api_key=KEY) as server:
        build(db_path, server, photos)
        settings = replace(
            airflow_tasks.task_settings(db=str(db_path), flickr_api_key=KEY),
            flickr_api_url=server.url,
            flickr_rate_per_hour=FAST_RATE,
        )
        result = airflow_tasks.enrich_batch(settings, sample=15, seed=4)
        assert checked_ids(server) == draw_sample(photos, 15, 4)
        assert (result["sample"], result["seed"], result["photos_checked"]) == (15, 4, 15)
        assert KEY not in repr(result)
        for bad in ({"sample": 0}, {"sample": "15"}, {"seed": -1}):
            with pytest.raises(ConfigError):
                airflow_tasks.enrich_batch(settings, **bad)


def test_enrich_without_key_is_a_clean_no_op(db_path: Path, monkeypatch):
    monkeypatch.delenv("FLICKR_API_KEY", raising=False)
    assert airflow_tasks.enrich_batch(airflow_tasks.task_settings(db=str(db_path))) == {
        "skipped": "no key",
        "checked": 0,
    }
    assert not db_path.exists()  # nothing was opened or created


def test_open_db_waits_for_another_writer(db_path: Path):
    from pipelines.db import connect

    connect(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db_path)!r})
        print("locked", flush=True)
        time.sleep(1.5)
        con.close()
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with airflow_tasks.open_db(airflow_tasks.task_settings(db=str(db_path)), lock_wait=5) as con:
            assert con.execute("SELECT count(*) FROM licenses").fetchall()[0][0] == 17
        assert time.monotonic() - started >= 0.4  # it did have to wait
    finally:
        holder.wait(timeout=10)
    hold = f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); print('locked', flush=True); time.sleep(5)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(CcauditError, match="in use by another process"),
            airflow_tasks.open_db(airflow_tasks.task_settings(db=str(db_path)), lock_wait=0.4),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


# --- dag.test() end to end --------------------------------------------------------------------


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite metadata DB with the writer pool, once per test session."""
    return migrate(tmp_path_factory.mktemp("airflow") / "home")


def _rows(db: Path, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=repr)


PHOTOS = "SELECT * FROM yfcc_photos"
REJECTS = (
    "SELECT source_file, line_no, reason, raw_line FROM ingest_rejects WHERE source_file LIKE '%/yfcc-%'"
)
RUN_COUNTS = (
    "SELECT source_file, kind, layout, lines_read, rows_loaded, rows_rejected, status FROM ingest_runs "
    "WHERE kind = 'yfcc'"
)


@pytest.fixture(scope="module")
def pipeline(airflow_home, tmp_path_factory):
    """Generated shards, a CLI-ingested reference DB, then every DAG run with dag.test()."""
    from pipelines.cli import main
    from pipelines.synth.yfcc import generate_yfcc
    from tests.flickr_server import FlickrTestServer

    root = tmp_path_factory.mktemp("dag-runs")
    inputs = root / "input"
    inputs.mkdir()
    shards = [
        generate_yfcc(inputs / f"yfcc-{i}.tsv.gz", rows=1500, seed=10 + i, bad_lines=4 if i == 0 else 0).path
        for i in range(4)
    ]
    dbs = {name: root / name / "ccaudit.duckdb" for name in ("dag", "twice", "cli", "bad", "sample")}
    assert main(["--db", str(dbs["cli"]), "ingest", "yfcc", "--quiet", *map(str, shards)]) == 0

    # A dataset manifest (CLIP-subset format: line \t photo id \t hash) drawn from the loaded photos.
    picked = _rows(
        dbs["cli"], "SELECT line_no, photo_id, photo_hash FROM yfcc_photos ORDER BY photo_id LIMIT 300"
    )
    manifest = inputs / "clip-subset.tsv"
    manifest.write_text("".join(f"{line}\t{pid}\t{h}\n" for line, pid, h in picked) + "oops\tnot-an-id\tx\n")

    # The same data plus one impossible latitude: the critical gate must stop its report.
    dbs["bad"].parent.mkdir()
    shutil.copy(dbs["cli"], dbs["bad"])
    import duckdb

    with duckdb.connect(str(dbs["bad"])) as con:
        con.execute(
            "UPDATE yfcc_photos SET latitude = 200 WHERE photo_id = (SELECT min(photo_id) FROM yfcc_photos)"
        )

    # The same photos and the manifest, for a sampled enrichment run of its own.
    dbs["sample"].parent.mkdir()
    shutil.copy(dbs["cli"], dbs["sample"])
    assert (
        main(
            [
                "--db",
                str(dbs["sample"]),
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

    yfcc_conf = {"paths": [str(inputs / "yfcc-*.tsv.gz")]}
    reports = root / "reports"
    with FlickrTestServer() as server:
        env = {
            **airflow_home,
            "CCAUDIT_FLICKR_API_URL": server.url,
            "CCAUDIT_FLICKR_RATE": "360000",
            # the key reaches the task only through the Airflow connection `flickr_api`
            "AIRFLOW_CONN_FLICKR_API": json.dumps({"conn_type": "http", "password": server.api_key}),
        }
        outcomes = run_dags(
            env,
            [
                ("ccaudit_ingest_yfcc", {**yfcc_conf, "db": str(dbs["dag"])}),
                ("ccaudit_ingest_yfcc", {**yfcc_conf, "db": str(dbs["twice"])}),
                ("ccaudit_ingest_yfcc", {**yfcc_conf, "db": str(dbs["twice"])}),
                (
                    "ccaudit_ingest_manifests",
                    {
                        "db": str(dbs["dag"]),
                        "manifests": [
                            {
                                "format": "clip-subset",
                                "dataset": "clip-sample",
                                "version": "v1",
                                "paths": [str(manifest)],
                            }
                        ],
                    },
                ),
                ("ccaudit_enrich_flickr", {"db": str(dbs["dag"]), "limit": 25}),
                ("ccaudit_validate_and_report", {"db": str(dbs["dag"]), "out": str(reports / "good")}),
                # No Flickr key anywhere for this run.
                ("ccaudit_enrich_flickr", {"db": str(dbs["dag"])}, {"AIRFLOW_CONN_FLICKR_API": None}),
                ("ccaudit_validate_and_report", {"db": str(dbs["bad"]), "out": str(reports / "bad")}),
                # A run without params, as the hourly schedule starts it: the environment makes it a sampled audit.
                (
                    "ccaudit_enrich_flickr",
                    {"db": str(dbs["sample"])},
                    {"CCAUDIT_ENRICH_SAMPLE": "12", "CCAUDIT_ENRICH_SEED": "7"},
                ),
            ],
        )
        api_calls = len(server.calls("flickr.photos.getInfo"))
        key = server.api_key
    names = [
        "ingest",
        "ingest_twice_1",
        "ingest_twice_2",
        "manifests",
        "enrich",
        "report",
        "enrich_no_key",
        "report_bad",
        "enrich_sample",
    ]
    return {
        "dbs": dbs,
        "shards": shards,
        "reports": reports,
        "api_calls": api_calls,
        "key": key,
        "runs": dict(zip(names, outcomes, strict=False)),
        "logs": outcomes[0].stdout + outcomes[0].stderr,
    }


@pytest.mark.slow
def test_ingest_dag_loads_exactly_what_the_cli_loads(pipeline):
    run = pipeline["runs"]["ingest"]
    assert run.state == "success", run.stderr[-3000:]
    assert run.tasks["stage"] == ["success"] * 4 and run.task_state("load") == "success"
    dag_db, cli_db = pipeline["dbs"]["dag"], pipeline["dbs"]["cli"]
    assert _rows(dag_db, PHOTOS) == _rows(cli_db, PHOTOS)
    assert _rows(dag_db, REJECTS) == _rows(cli_db, REJECTS)
    assert _rows(dag_db, RUN_COUNTS) == _rows(cli_db, RUN_COUNTS)
    truth = [json.loads(Path(f"{p}.truth.json").read_text()) for p in pipeline["shards"]]
    loaded = _rows(dag_db, "SELECT count(*) FROM yfcc_photos")[0][0]
    assert run.xcom["load"]["rows_loaded"] == loaded == 6000
    assert run.xcom["load"]["rows_rejected"] == 4 == sum(t.get("bad_lines", 0) for t in truth)
    # The run's staged shards are gone once committed.
    work = dag_db.parent / "work"
    assert not work.exists() or list(work.iterdir()) == []


@pytest.mark.slow
def test_ingest_dag_is_idempotent(pipeline):
    first, second = pipeline["runs"]["ingest_twice_1"], pipeline["runs"]["ingest_twice_2"]
    assert first.state == second.state == "success"
    once, twice = pipeline["dbs"]["dag"], pipeline["dbs"]["twice"]
    assert _rows(twice, PHOTOS) == _rows(once, PHOTOS)
    assert _rows(twice, REJECTS) == _rows(once, REJECTS)
    runs = _rows(twice, "SELECT run_id, count(*), sum(rows_loaded) FROM ingest_runs GROUP BY run_id")
    assert [(count, loaded) for _, count, loaded in runs] == [(4, 6000), (4, 6000)]  # audit trail keeps both


@pytest.mark.slow
def test_manifest_dag_loads_the_dataset(pipeline):
    run = pipeline["runs"]["manifests"]
    assert run.state == "success", run.stderr[-3000:]
    db = pipeline["dbs"]["dag"]
    assert _rows(db, "SELECT dataset, version, format, items FROM datasets") == [
        ("clip-sample", "v1", "clip-subset", 300)
    ]
    assert _rows(
        db,
        "SELECT count(*), count(DISTINCT p.photo_id) FROM dataset_items i JOIN yfcc_photos p USING (photo_id)",
    ) == [(300, 300)]
    assert _rows(db, "SELECT count(*) FROM ingest_rejects WHERE source_file LIKE '%clip-subset.tsv'") == [
        (1,)
    ]
    assert run.xcom["load"]["table_rows"] == 300


@pytest.mark.slow
def test_enrich_dag_uses_the_connection_key_and_never_logs_it(pipeline):
    run = pipeline["runs"]["enrich"]
    assert run.state == "success", run.stderr[-3000:]
    assert run.xcom["enrich"]["skipped"] is None and run.xcom["enrich"]["photos_checked"] == 25
    assert pipeline["api_calls"] >= 25
    assert _rows(pipeline["dbs"]["dag"], "SELECT count(DISTINCT photo_id) FROM flickr_checks") == [(25,)]
    logs = pipeline["logs"]
    assert "enrichment: {'skipped': None" in logs  # the task logs are captured here ...
    assert pipeline["key"] not in logs  # ... and the key is not in them
    no_key = pipeline["runs"]["enrich_no_key"]
    assert no_key.state == "success" and no_key.xcom["enrich"] == {"skipped": "no key", "checked": 0}
    assert "no key: set FLICKR_API_KEY or the Airflow connection flickr_api" in logs


@pytest.mark.slow
def test_enrich_dag_sample_and_seed_reach_enrich(pipeline):
    from pipelines.stats import draw_sample

    run = pipeline["runs"]["enrich_sample"]
    assert run.state == "success", run.stderr[-3000:]
    xcom = run.xcom["enrich"]
    assert (xcom["sample"], xcom["seed"], xcom["sample_drawn"], xcom["photos_checked"]) == (12, 7, 12, 12)
    db = pipeline["dbs"]["sample"]
    population = [pid for (pid,) in _rows(db, "SELECT photo_id FROM dataset_items")]
    expected = set(draw_sample(population, 12, 7))
    assert len(expected) == 12
    assert {
        pid for (pid,) in _rows(db, "SELECT photo_id FROM flickr_sample_photos WHERE seed = 7")
    } == expected
    assert {pid for (pid,) in _rows(db, "SELECT photo_id FROM flickr_checks")} == expected


@pytest.mark.slow
def test_validate_and_report_publishes_the_report(pipeline):
    run = pipeline["runs"]["report"]
    assert run.state == "success", run.stderr[-3000:]
    assert run.xcom["validate"]["success"] is True
    assert run.xcom["validate"]["rows"] == {"yfcc_photos": 6000, "dataset_items": 300, "flickr_checks": 25}
    report_dir = Path(run.xcom["report"]["report_dir"])
    assert report_dir.parent == pipeline["reports"] / "good"
    assert (report_dir / "report.html").is_file() and (report_dir / "summary.json").is_file()
    stored = _rows(
        pipeline["dbs"]["dag"],
        "SELECT run_id, bool_and(success), count(*) FROM validation_results GROUP BY 1",
    )
    assert len(stored) == 1 and stored[0][0].startswith("airflow:") and stored[0][1] is True


@pytest.mark.slow
def test_failed_critical_expectation_stops_the_report(pipeline):
    run = pipeline["runs"]["report_bad"]
    assert run.state == "failed"
    assert run.task_state("validate") == "failed"
    assert run.task_state("report") == "upstream_failed"
    assert not (pipeline["reports"] / "bad").exists()
    # The evidence is kept: the failing result is in the database for the next report to show.
    assert _rows(
        pipeline["dbs"]["bad"],
        """SELECT column_name, unexpected_count FROM validation_results
                                            WHERE critical AND NOT success""",
    ) == [("latitude", 1)]
