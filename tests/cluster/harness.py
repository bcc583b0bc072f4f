"""A real Airflow CeleryExecutor cluster on loopback, for `make test-cluster`.

PostgreSQL (metadata database and Celery result backend) and Redis (Celery broker) are the Debian
packages `make system-deps` installs, each started here with its own data folder and a free port
on 127.0.0.1. Then the Airflow components as separate processes, each in its own process group:
api-server, scheduler, dag-processor and two Celery workers with different hostnames:

    ccaudit-worker-db     queues default + ccaudit_db   (the host that holds the DuckDB file)
    ccaudit-worker-stage  queue default                 (staging only: shared work folder)

Both workers run on this one machine, so each gets its own name through $CCAUDIT_WORKER_HOSTNAME
and `[core] hostname_callable` (tests.airflow_support.worker_hostname); on real machines the
default (the FQDN) already differs. Everything is stopped by process group at exit, and
PostgreSQL's folder removed (its log is copied to ROOT/postgres.log); ROOT is the caller's.

`python -m tests.cluster.harness ROOT` starts the cluster, prints its URLs and waits for Ctrl-C.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from tests.airflow_support import POOL, REPO, airflow_env, free_port
from tests.conftest import descendants

DB_QUEUE = "ccaudit_db"
DB_WORKER = "ccaudit-worker-db"
STAGE_WORKER = "ccaudit-worker-stage"
FLICKR_CONNECTION = "flickr_api"
# Worker name -> Celery queues it consumes (the same as docker-compose.yml's worker services).
WORKERS = {DB_WORKER: ("default", DB_QUEUE), STAGE_WORKER: ("default",)}


# The ccaudit settings a deployment gives every component (docker-compose.yml's x-airflow-common
# has the same names; tests/test_compose.py checks). CCAUDIT_DB matters on the DB worker only.
CCAUDIT_SETTINGS = (
    "CCAUDIT_DB",
    "CCAUDIT_WORK_DIR",
    "CCAUDIT_REPORTS_DIR",
    "CCAUDIT_FLICKR_RATE",
    "CCAUDIT_ENRICH_LIMIT",
)


class ClusterError(RuntimeError):
    pass


def find_binary(name: str) -> str:
    """A server binary from PATH or Debian's versioned folder (/usr/lib/postgresql/N/bin)."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise ClusterError(
            f"{name} not found: run `make system-deps` (Debian packages postgresql, redis-server)"
        )
    return found


def _stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Postgres:
    """A throwaway PostgreSQL server: initdb into `folder`, listen on 127.0.0.1 only.

    PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that the
    Debian package creates, in a folder owned by it.
    """

    def __init__(self, log_copy: Path, user: str = "airflow", database: str = "airflow"):
        self.log_copy, self.user, self.database = log_copy, user, database
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.run_as = "postgres" if os.geteuid() == 0 else None
        # Its own folder under the system temp folder: the `postgres` user cannot enter pytest's
        # private (0700) temp folders.
        self.folder = Path(tempfile.mkdtemp(prefix="ccaudit-postgres-"))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str, **options) -> subprocess.Popen:
        return subprocess.Popen(
            list(args),
            user=self.run_as,
            cwd=self.folder,
            start_new_session=True,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"},
            **options,
        )

    def __enter__(self) -> Self:
        if self.run_as:
            shutil.chown(self.folder, self.run_as)
        data = self.folder / "data"
        init = self._run(
            find_binary("initdb"),
            "--no-sync",
            "-A",
            "trust",
            "-U",
            self.user,
            "-E",
            "UTF8",
            "-D",
            str(data),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out, _ = init.communicate(timeout=120)
        if init.returncode:
            raise ClusterError(f"initdb failed:\n{out}")
        # Speed over durability: the database lives for one test.
        self.log = open(self.folder / "postgres.log", "w")
        if self.run_as:
            shutil.chown(self.folder / "postgres.log", self.run_as)
        self.process = self._run(
            find_binary("postgres"),
            "-D",
            str(data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            str(self.folder),
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()
        con = self.connect("postgres")
        try:
            con.autocommit = True  # CREATE DATABASE cannot run in a transaction
            con.cursor().execute(f'CREATE DATABASE "{self.database}"')
        finally:
            con.close()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres").close()
                return
            except psycopg2.OperationalError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ClusterError(
                        "postgres did not start:\n" + (self.folder / "postgres.log").read_text()
                    ) from exc
                time.sleep(0.2)

    def connect(self, database: str | None = None):
        import psycopg2

        con = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database or self.database
        )
        return con

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()

    def __exit__(self, *exc) -> None:
        if self.process:
            # SIGINT: PostgreSQL's "fast" shutdown (disconnect clients, no waiting).
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.log.close()
            shutil.copy(self.folder / "postgres.log", self.log_copy)
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """redis-server on 127.0.0.1 with its own folder and no persistence."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> Self:
        import redis

        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = open(self.folder / "redis.log", "w")
        self.process = subprocess.Popen(
            [
                find_binary("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=self.port).ping()
                return self
            except redis.exceptions.ConnectionError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ClusterError(
                        "redis did not start:\n" + (self.folder / "redis.log").read_text()
                    ) from exc
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        if self.process:
            _stop_group(self.process)
            self.log.close()


def cluster_env(home: Path, postgres: Postgres, redis: Redis, api_port: int, **extra: str) -> dict[str, str]:
    """The settings every component shares (docker-compose.yml's x-airflow-common, on loopback)."""
    from cryptography.fernet import Fernet

    return airflow_env(
        home,
        **{
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.url,
            "AIRFLOW__CELERY__BROKER_URL": redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + postgres.url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(16).hex(),
            # Connection passwords (the Flickr key) are stored encrypted in the metadata database.
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow_support.worker_hostname",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            # A dead worker's task is failed (and retried) after 20 s without a heartbeat, not 5 min.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **extra,
        },
    )


class CeleryCluster:
    """PostgreSQL + Redis + api-server + scheduler + dag-processor + the two workers."""

    def __init__(self, root: Path, connections: dict[str, dict] | None = None, **extra_env: str):
        """`connections`: Airflow connections to create (id -> REST fields such as conn_type,
        password); `extra_env`: settings for every component."""
        self.root = root
        self.connections = dict(connections or {})
        self.timings: dict[str, float] = {}
        self._con = None
        self.home = root / "airflow-home"
        self.extra_env = extra_env
        self.processes: dict[str, subprocess.Popen] = {}
        self.postgres = Postgres(root / "postgres.log")
        self.redis = Redis(root / "redis")
        self.env: dict[str, str] = {}

    def __enter__(self) -> Self:
        started = time.monotonic()
        self.root.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            self.postgres.__enter__()
            self.redis.__enter__()
            self.env = cluster_env(self.home, self.postgres, self.redis, free_port(), **self.extra_env)
            self.timings["postgres+redis"] = round(time.monotonic() - started, 1)
            self.cli("db", "migrate")
            self.timings["db migrate"] = round(time.monotonic() - started, 1)
            self._start("api-server", "api-server", "--host", "127.0.0.1")
            self._start("scheduler", "scheduler")
            self._start("dag-processor", "dag-processor")
            for name, queues in WORKERS.items():
                self.start_worker(name, queues)
            self._wait_for_api()
            # Through the REST API, as an operator would (the CLI costs seconds of start-up per call).
            self.api(
                "POST",
                "pools",
                {
                    "name": POOL,
                    "slots": 1,
                    "include_deferred": False,
                    "description": "ccaudit: the one process that may open the DuckDB file",
                },
            )
            for connection_id, fields in self.connections.items():
                self.api("POST", "connections", {"connection_id": connection_id, **fields})
            self.timings["components started"] = round(time.monotonic() - started, 1)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(
        self, name: str, *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
    ) -> subprocess.Popen:
        with open(self.home / f"{name}.log", "w") as log:
            process = subprocess.Popen(
                [self.airflow, *args],
                env=env or self.env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_worker(self, name: str, queues: tuple[str, ...]) -> subprocess.Popen:
        """A Celery worker in its own folder. Only the DB worker is told where the DuckDB file is:
        a staging worker has no business opening it (the test checks none appears in its folder)."""
        env = {
            **self.env,
            "CCAUDIT_WORKER_HOSTNAME": name,
            # two workers on one host: each its own log-server port
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        }
        if DB_QUEUE not in queues:
            env.pop("CCAUDIT_DB", None)
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        return self._start(
            name,
            "celery",
            "worker",
            "--queues",
            ",".join(queues),
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            env["AIRFLOW__CELERY__WORKER_CONCURRENCY"],
            "--pid",
            str(self.home / f"{name}.pid"),
            "--without-mingle",
            "--without-gossip",
            env=env,
            cwd=folder,
        )

    @property
    def airflow(self) -> str:
        return str(Path(sys.executable).with_name("airflow"))

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [self.airflow, *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise ClusterError(
                f"airflow {' '.join(args[:2])} failed ({done.returncode}):\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.env['AIRFLOW__API__PORT']}/api/v2/"

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """The Airflow REST API (Simple auth manager, everyone admin: loopback only)."""
        import requests

        response = requests.request(method, self.api_url + path, json=body, timeout=60)
        if response.status_code >= 400:
            raise ClusterError(f"{method} {path}: HTTP {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else {}

    def _wait_for_api(self, timeout: float = 180) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(self.api_url + "version", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.processes["api-server"].poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"the api-server did not answer\n{self.logs()}")
            time.sleep(0.5)

    def kill_worker(self, name: str) -> list[int]:
        """`kill -9` a worker and every process under it (the machine is gone); returns the pids."""
        process = self.processes[name]
        pids = [process.pid, *descendants(process.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        return pids

    def __exit__(self, *exc) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            _stop_group(process)
        if self._con is not None:
            self._con.close()
        self.redis.__exit__()
        self.postgres.__exit__()

    # --- reading the metadata database --------------------------------------------------------

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """A read of the metadata database (one autocommit connection, so polling is cheap)."""
        if self._con is None or self._con.closed:
            self._con = self.postgres.connect()
            self._con.autocommit = True
        with self._con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def set_paused(self, dag_ids: list[str], paused: bool) -> None:
        for dag_id in dag_ids:
            self.api("PATCH", f"dags/{dag_id}", {"is_paused": paused})

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 180) -> None:
        """Until the dag-processor has serialised every DAG (then it can be unpaused and triggered)."""
        deadline = time.monotonic() + timeout
        while True:
            found = {
                r[0] for r in self.query("SELECT dag_id FROM dag WHERE dag_id = ANY(%s)", (list(dag_ids),))
            }
            if found >= set(dag_ids):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAGs {set(dag_ids) - found} never appeared\n{self.logs()}")
            time.sleep(1)

    def dag_runs(self, dag_id: str) -> list[dict]:
        rows = self.query(
            "SELECT run_id, state, run_type, start_date, end_date FROM dag_run WHERE dag_id = %s ORDER BY id",
            (dag_id,),
        )
        return [dict(zip(("run_id", "state", "run_type", "start", "end"), r, strict=False)) for r in rows]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.query(
                "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id)
            )
            if state and state[0][0] in ("success", "failed"):
                return state[0][0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} {run_id}: state {state} after {timeout} s\n{self.logs()}")
            time.sleep(1)

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        """A manual run with this conf; returns its run id."""
        run_id = f"manual__cluster_{time.time_ns()}"
        self.api(
            "POST", f"dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None, "conf": conf or {}}
        )
        return run_id

    def task_tries(self, dag_id: str) -> list[dict]:
        """Every try of every task instance: finished earlier tries (task_instance_history) + current."""
        columns = "run_id, task_id, map_index, try_number, state, hostname, queue, pool, start_date, end_date"
        rows = self.query(
            f"""SELECT {columns} FROM task_instance_history WHERE dag_id = %s
                              UNION ALL SELECT {columns} FROM task_instance WHERE dag_id = %s
                              ORDER BY 1, 2, 3, 4""",
            (dag_id, dag_id),
        )
        keys = (
            "run_id",
            "task_id",
            "map_index",
            "try_number",
            "state",
            "hostname",
            "queue",
            "pool",
            "start",
            "end",
        )
        return [dict(zip(keys, r, strict=False)) for r in rows]

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')[-tail:]}"
            for p in sorted(self.home.glob("*.log"))
        )

    def task_logs(self) -> dict[Path, str]:
        """Every task log file the workers wrote (base_log_folder under AIRFLOW_HOME)."""
        return {p: p.read_text(errors="replace") for p in (self.home / "logs").rglob("*") if p.is_file()}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tests.cluster.harness ROOT")
    with CeleryCluster(Path(sys.argv[1]).resolve()) as cluster:
        print(
            f"postgres {cluster.postgres.url}\nredis {cluster.redis.url}\nREST API {cluster.api_url}\n"
            f"execution API {cluster.env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL']}\nlogs {cluster.home}",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
