"""Run the ccaudit DAGs for real in tests: a temporary AIRFLOW_HOME on SQLite, migrated once.

Airflow reads its configuration when it is first imported, so every Airflow run here happens in a
fresh subprocess with the environment set up front; the pytest process itself never imports
Airflow with the wrong home. `python -m tests.airflow_support RUNS_JSON` is that subprocess: it
parses the dags/ folder like the DAG processor (dags/ on sys.path), runs `dag.test()` for each
{"dag_id", "conf"} in turn (one process for several runs: Airflow's start-up costs ~5 s each) and
prints each run's task-instance states and return values as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
POOL = "ccaudit_duckdb_writer"
HEAVY_MODULES = ("duckdb", "polars", "great_expectations", "pandas", "pyarrow")
# What a DAG file may import from ccaudit while it is parsed: the settings table (stdlib only), so
# that environment variables are read in one place. Any other pipelines module is logic or heavy.
PARSE_TIME_PIPELINES = ("pipelines", "pipelines.config", "pipelines.errors")
RESULT_MARKER = "CCAUDIT_DAG_RESULT "


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for an isolated Airflow: own home, SQLite, no examples, our dags folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "CCAUDIT_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # task logs reach dag.test's output (tests read them)
            "PYTHONPATH": os.pathsep.join([str(REPO), str(DAGS)]),
            "FLICKR_API_KEY": "",
            **extra,
        }
    )
    return env


def worker_hostname() -> str:
    """`[core] hostname_callable` for several workers on one host (the cluster test): the name in
    $CCAUDIT_WORKER_HOSTNAME, else Airflow's default, the FQDN. Task instances record it."""
    name = os.environ.get("CCAUDIT_WORKER_HOSTNAME", "").strip()
    if name:
        return name
    import socket

    return socket.getfqdn()


def airflow_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    airflow = Path(sys.executable).with_name("airflow")
    return subprocess.run(
        [str(airflow), *args], env=env, capture_output=True, text=True, timeout=timeout, check=True
    )


def migrate(home: Path) -> dict[str, str]:
    """`airflow db migrate` + the writer pool in a new home; returns the environment to use."""
    home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(home)
    airflow_cli(env, "db", "migrate")
    airflow_cli(env, "pools", "set", POOL, "1", "ccaudit: the one process that may open the DuckDB file")
    return env


@dataclass
class DagRunOutcome:
    state: str
    tasks: dict[str, list[str]]  # task_id -> states of its (mapped) instances
    xcom: dict[str, object]  # task_id -> return value (unmapped tasks)
    seconds: float
    stdout: str
    stderr: str

    def task_state(self, task_id: str) -> str | None:
        states = set(self.tasks.get(task_id, []))
        return states.pop() if len(states) == 1 else (None if not states else ",".join(sorted(states)))


def run_dags(env: dict[str, str], runs: list[tuple], timeout: float = 600) -> list[DagRunOutcome]:
    """Run DAGs one after the other with `dag.test()` in one subprocess; one outcome per run.

    Each run is (dag_id, conf) or (dag_id, conf, env_changes): tasks run inside that process, so
    env_changes (a value of None unsets the variable) apply to that run's tasks only.
    """
    started = time.monotonic()
    spec = json.dumps(
        [{"dag_id": run[0], "conf": run[1], "env": run[2] if len(run) > 2 else {}} for run in runs]
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.airflow_support", spec],
        check=False,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if len(lines) != len(runs):
        raise AssertionError(
            f"dag.test runs produced {len(lines)} of {len(runs)} results (exit {done.returncode})\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-8000:]}"
        )
    seconds = time.monotonic() - started
    outcomes = []
    for line in lines:
        data = json.loads(line[len(RESULT_MARKER) :])
        outcomes.append(
            DagRunOutcome(
                state=data["state"],
                tasks=data["tasks"],
                xcom=data["xcom"],
                seconds=data["seconds"],
                stdout=done.stdout,
                stderr=done.stderr,
            )
        )
    print(
        f"{len(runs)} dag.test run(s) in {seconds:.1f} s: "
        + ", ".join(f"{run[0]} {o.seconds:.1f}s" for run, o in zip(runs, outcomes, strict=False))
    )
    return outcomes


def run_dag(
    env: dict[str, str], dag_id: str, conf: dict | None = None, timeout: float = 300
) -> DagRunOutcome:
    return run_dags(env, [(dag_id, conf or {})], timeout=timeout)[0]


def load_dagbag():
    from airflow.dag_processing.dagbag import DagBag

    if str(DAGS) not in sys.path:  # what the DAG processor does for its bundle folder
        sys.path.append(str(DAGS))
    return DagBag(dag_folder=str(DAGS))


def _run(runs: list[dict]) -> None:
    bag = load_dagbag()
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    for run in runs:
        started = time.monotonic()
        saved = {name: os.environ.get(name) for name in run["env"]}
        _set_env(run["env"])
        try:
            dag_run = bag.get_dag(run["dag_id"]).test(run_conf=run["conf"])
        finally:
            _set_env(saved)
        tasks: dict[str, list[str]] = {}
        xcom: dict[str, object] = {}
        for ti in dag_run.get_task_instances():
            tasks.setdefault(ti.task_id, []).append(str(ti.state))
            if ti.map_index < 0 and str(ti.state) == "success":
                xcom[ti.task_id] = ti.xcom_pull(task_ids=ti.task_id)
        print(
            RESULT_MARKER
            + json.dumps(
                {
                    "state": str(dag_run.state),
                    "tasks": tasks,
                    "xcom": xcom,
                    "seconds": time.monotonic() - started,
                },
                default=str,
            ),
            flush=True,
        )


# --- a real scheduler: LocalExecutor, separate processes -------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalAirflow:
    """api-server (execution API only) + scheduler + dag-processor with LocalExecutor on SQLite.

    Each process is started in its own process group and stopped by that id at exit; logs go to
    files under the home so a failure can be read afterwards.
    """

    COMPONENTS = (
        ("api-server", "--apps", "execution", "--host", "127.0.0.1"),
        ("scheduler",),
        ("dag-processor",),
    )

    def __init__(self, home: Path, **extra_env: str):
        self.home = home
        self.port = free_port()
        self.env = airflow_env(
            home,
            **{
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),  # not the fixed 8793
                "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(16).hex(),
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__CORE__PARALLELISM": "8",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                **extra_env,
            },
        )
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Self:
        self.home.mkdir(parents=True, exist_ok=True)
        airflow_cli(self.env, "db", "migrate")
        airflow_cli(
            self.env, "pools", "set", POOL, "1", "ccaudit: the one process that may open the DuckDB file"
        )
        airflow = str(Path(sys.executable).with_name("airflow"))
        for args in self.COMPONENTS:
            log = open(self.home / f"{args[0]}.log", "w")
            self.processes.append(
                subprocess.Popen(
                    [airflow, *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return airflow_cli(self.env, *args)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        """Until the dag-processor has serialised the DAG (then it can be unpaused and triggered)."""
        import sqlite3

        deadline = time.monotonic() + timeout
        while True:
            # `dags unpause` exits 0 even before the DAG exists, so check the metadata DB itself.
            subprocess.run(
                [str(Path(sys.executable).with_name("airflow")), "dags", "unpause", dag_id],
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
            )
            with sqlite3.connect(self.home / "airflow.db") as db:
                row = db.execute("SELECT is_paused FROM dag WHERE dag_id = ?", [dag_id]).fetchone()
            if row is not None and not row[0]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} never appeared or stayed paused\n{self.logs()}")
            time.sleep(2)

    def dag_runs(self, dag_id: str) -> list[dict]:
        import sqlite3

        with sqlite3.connect(self.home / "airflow.db") as db:
            rows = db.execute(
                "SELECT run_id, state, run_type FROM dag_run WHERE dag_id = ? ORDER BY id", [dag_id]
            ).fetchall()
        return [{"run_id": r[0], "state": r[1], "run_type": r[2]} for r in rows]

    def wait_for_runs(
        self, dag_id: str, count: int = 1, timeout: float = 300, run_type: str | None = None
    ) -> list[dict]:
        """All runs of the DAG once at least `count` (of `run_type`, if given) exist and every run has ended."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.dag_runs(dag_id)
            wanted = [r for r in runs if run_type is None or r["run_type"] == run_type]
            if len(wanted) >= count and all(r["state"] in ("success", "failed") for r in runs):
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id}: runs {runs} not finished after {timeout} s\n{self.logs()}")
            time.sleep(2)

    def task_instances(self, dag_id: str) -> list[dict]:
        import sqlite3

        with sqlite3.connect(self.home / "airflow.db") as db:
            rows = db.execute(
                """SELECT task_id, map_index, state, start_date, end_date, pool FROM task_instance
                                 WHERE dag_id = ? ORDER BY start_date""",
                [dag_id],
            ).fetchall()
        return [
            dict(zip(("task_id", "map_index", "state", "start", "end", "pool"), r, strict=False))
            for r in rows
        ]

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')[-tail:]}"
            for p in sorted(self.home.glob("*.log"))
        )


def scheduler_e2e(root: Path, shards: list[Path], timeout: float = 300) -> dict:
    """Trigger the YFCC ingest DAG on a real scheduler; the Asset update then runs validate+report."""
    db, reports = root / "data" / "ccaudit.duckdb", root / "reports"
    with LocalAirflow(
        root / "airflow-home",
        CCAUDIT_DB=str(db),
        CCAUDIT_REPORTS_DIR=str(reports),
        CCAUDIT_YFCC_PATHS=",".join(map(str, shards)),
    ) as airflow:
        started = time.monotonic()
        for dag_id in ("ccaudit_ingest_yfcc", "ccaudit_validate_and_report"):
            airflow.wait_for_dag(dag_id)
        airflow.cli("dags", "trigger", "ccaudit_ingest_yfcc")
        ingest_runs = airflow.wait_for_runs("ccaudit_ingest_yfcc", timeout=timeout)
        # Unpausing also creates the monthly run, which may end before the Asset event arrives:
        # wait for the asset-triggered run itself.
        report_runs = (
            airflow.wait_for_runs("ccaudit_validate_and_report", timeout=timeout, run_type="asset_triggered")
            if ingest_runs[0]["state"] == "success"
            else []
        )
        return {
            "db": str(db),
            "reports": str(reports),
            "seconds": round(time.monotonic() - started, 1),
            "ingest_runs": ingest_runs,
            "report_runs": report_runs,
            "ingest_tis": airflow.task_instances("ccaudit_ingest_yfcc"),
            "report_tis": airflow.task_instances("ccaudit_validate_and_report"),
            "logs": airflow.logs(),
        }


def _set_env(values: dict) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _scheduler_demo(root: Path, rows: int) -> None:
    from pipelines.synth.yfcc import generate_yfcc

    (root / "input").mkdir(parents=True, exist_ok=True)
    shards = [
        generate_yfcc(root / "input" / f"yfcc-{i}.tsv.gz", rows=rows, seed=20 + i).path for i in range(4)
    ]
    result = scheduler_e2e(root, shards)
    logs = result.pop("logs")
    print(json.dumps(result, indent=2, default=str))
    if any(r["state"] != "success" for r in result["ingest_runs"] + result["report_runs"]):
        print(logs)
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "scheduler":
        _scheduler_demo(Path(sys.argv[2]).resolve(), int(sys.argv[3]))
    elif len(sys.argv) == 2:
        _run(json.loads(sys.argv[1]))
    else:
        raise SystemExit(
            'usage: python -m tests.airflow_support \'[{"dag_id": ..., "conf": {...}}, ...]\'\n'
            "       python -m tests.airflow_support scheduler WORK_DIR ROWS_PER_SHARD"
        )
