"""docker-compose.yml, Dockerfile, the lock and CI, checked by parsing (no Docker engine runs here):
the official Airflow 3 CeleryExecutor layout, the AIRFLOW_UID pattern, ccaudit's volumes and env,
the DuckDB pool and the Flickr connection created at init, the queues the cluster test runs with
(tests/cluster), and an image that installs the project against the same lock as `make venv`."""

from __future__ import annotations

import re
import sys
import tomllib

import pytest

from tests.airflow_support import POOL
from tests.cluster.harness import CCAUDIT_SETTINGS, DB_QUEUE, DB_WORKER, FLICKR_CONNECTION, WORKERS
from tests.conftest import REPO

yaml = pytest.importorskip("yaml")

SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-worker-db",
    "airflow-init",
}
LOCK = REPO / "constraints" / "constraints-3.11.txt"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def airflow_services(compose: dict) -> dict:
    return {name: s for name, s in compose["services"].items() if name.startswith("airflow-")}


def test_services_follow_the_official_layout(compose):
    assert set(compose["services"]) >= SERVICES
    assert compose["services"]["postgres"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7.2-bookworm"
    commands = {name: s.get("command") for name, s in compose["services"].items()}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"].startswith("celery worker")
    assert commands["airflow-worker-db"].startswith("celery worker")
    for name in (
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "airflow-worker-db",
    ):
        assert (
            compose["services"][name]["depends_on"]["airflow-init"]["condition"]
            == "service_completed_successfully"
        )
        assert "healthcheck" in compose["services"][name]


def test_common_anchor_env_and_uid_pattern(compose):
    common = compose["x-airflow-common"]
    env = common["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in env  # the project is in the image, not installed at start
    assert env["CCAUDIT_DB"].startswith("/opt/ccaudit/data/")
    assert env["CCAUDIT_WORK_DIR"].startswith("/opt/ccaudit/data/")
    assert env["CCAUDIT_REPORTS_DIR"] == "/opt/ccaudit/reports"
    # The key reaches only airflow-init, which stores it as the connection; tasks read the connection.
    assert "FLICKR_API_KEY" not in env
    assert compose["services"]["airflow-init"]["environment"]["FLICKR_API_KEY"] == "${FLICKR_API_KEY:-}"
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "${AIRFLOW_FERNET_KEY:-}"  # encrypts it at rest
    assert common["user"] == "${AIRFLOW_UID:-50000}:0"
    assert common["build"] == "."
    for name, service in airflow_services(compose).items():
        # every Airflow service merged the anchor: same image, env and mounts
        assert service["environment"]["CCAUDIT_DB"] == env["CCAUDIT_DB"], name
        assert service["volumes"] == common["volumes"], name
    init = compose["services"]["airflow-init"]
    assert init["user"] == "0:0"
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    script = "\n".join(init["command"])
    assert 'if [[ -z "${AIRFLOW_UID}" ]]' in script and 'chown -R "${AIRFLOW_UID}:0"' in script


def test_volumes_share_data_and_publish_reports(compose):
    parsed = [
        re.fullmatch(r"(?P<source>.+?):(?P<target>/[^:]+)(?::(?P<mode>ro|rw))?", volume)
        for volume in compose["x-airflow-common"]["volumes"]
    ]
    mounts = {m["target"]: m["source"] for m in parsed}
    assert mounts["/opt/airflow/dags"] == "${AIRFLOW_PROJ_DIR:-.}/dags"
    assert set(mounts) >= {
        "/opt/airflow/dags",
        "/opt/airflow/logs",
        "/opt/airflow/config",
        "/opt/airflow/plugins",
        "/opt/ccaudit/data",
        "/opt/ccaudit/input",
        "/opt/ccaudit/reports",
    }
    readonly = [v for v in compose["x-airflow-common"]["volumes"] if v.endswith(":ro")]
    assert readonly == ["${CCAUDIT_INPUT_DIR:-./input}:/opt/ccaudit/input:ro"]
    assert "postgres-db-volume" in compose["volumes"]


def test_init_creates_the_one_slot_duckdb_pool(compose):
    script = "\n".join(compose["services"]["airflow-init"]["command"])
    assert re.search(r"airflow pools set ccaudit_duckdb_writer 1 ", script)
    dags = (REPO / "dags" / "ccaudit_common.py").read_text()
    assert 'DUCKDB_POOL = "ccaudit_duckdb_writer"' in dags


def test_dockerfile_builds_on_airflow_and_installs_the_project(dockerfile):
    lines = [line.strip() for line in dockerfile.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "FROM apache/airflow:3.3.2-python3.11"
    assert re.search(
        r"pip install --no-cache-dir -c constraints/constraints-3\.11\.txt "
        r'"apache-airflow==\$\{AIRFLOW_VERSION\}" "\.\[cluster\]"',
        dockerfile,
    )
    for needed in ("pyproject.toml", "constraints", "pipelines", "sql", "expectations", "dags"):
        assert re.search(rf"^COPY .*\b{needed}\b", dockerfile, re.MULTILINE), needed
    assert "USER airflow" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", "*.duckdb", "data", "reports"} <= set(ignored)


# --- the compose file and the cluster test (tests/cluster) run the same deployment ------------


def _queues(command: str) -> frozenset[str]:
    found = re.search(r"--queues (\S+)", command)
    return frozenset(found.group(1).split(",")) if found else frozenset({"default"})


def test_compose_and_the_cluster_test_agree(compose):
    env = compose["x-airflow-common"]["environment"]
    workers = {
        name: s
        for name, s in compose["services"].items()
        if str(s.get("command", "")).startswith("celery worker")
    }
    # The same workers: one consumes default + the DB queue, the other(s) only default.
    assert {_queues(s["command"]) for s in workers.values()} == {frozenset(q) for q in WORKERS.values()}
    db_workers = [name for name, s in workers.items() if DB_QUEUE in _queues(s["command"])]
    assert db_workers == ["airflow-worker-db"]
    assert f"--celery-hostname {DB_WORKER}@%h" in workers["airflow-worker-db"]["command"]
    dags = (REPO / "dags" / "ccaudit_common.py").read_text()
    assert f'DB_QUEUE = "{DB_QUEUE}"' in dags and f'Connection.get("{FLICKR_CONNECTION}")' in dags
    # The same executor, metadata database, broker and result backend (drivers included).
    from tests.cluster.harness import cluster_env

    class Url:  # the two servers' addresses, as the harness gets them from running servers
        def __init__(self, url: str):
            self.url = url

    ours = cluster_env(
        REPO, Url("postgresql+psycopg2://airflow@127.0.0.1:5/airflow"), Url("redis://127.0.0.1:6/0"), 7
    )
    assert env["AIRFLOW__CORE__EXECUTOR"] == ours["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__CORE__FERNET_KEY",
    ):
        assert key in env and key in ours, key
        if "://" in ours[key]:
            assert env[key].split("://")[0] == ours[key].split("://")[0], key
    # The same ccaudit settings, the DB file and the shards on the volume every worker mounts.
    assert set(CCAUDIT_SETTINGS) <= set(env)
    assert env["CCAUDIT_DB"].startswith("/opt/ccaudit/data/") and env["CCAUDIT_WORK_DIR"].startswith(
        "/opt/ccaudit/data/"
    )
    # The same pool and connection, made at init.
    script = "\n".join(compose["services"]["airflow-init"]["command"])
    assert f"airflow pools set {POOL} 1 " in script
    assert f"airflow connections add {FLICKR_CONNECTION} --conn-type http --conn-password" in script


# --- the lock: one constraints file for make, the Dockerfile, the cluster test and CI ----------


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    return pins


def test_the_dockerfile_and_the_lock_name_the_same_airflow_and_python(dockerfile):
    image = re.search(
        r"^FROM apache/airflow:(?P<airflow>[0-9.]+)-python(?P<python>[0-9.]+)$", dockerfile, re.MULTILINE
    )
    assert image, "the Dockerfile must build on an apache/airflow:<version>-python<version> image"
    assert _lock()["apache-airflow"] == image["airflow"], (
        "the Dockerfile's Airflow and the lock disagree: change the FROM line or run `make lock` on that Airflow"
    )
    assert (
        f"constraints/constraints-{image['python']}.txt" in dockerfile
        and LOCK.name == f"constraints-{image['python']}.txt"
    )
    header = LOCK.read_text().splitlines()[0]
    assert f"Python {image['python']} and apache-airflow=={image['airflow']}" in header


def test_the_lock_pins_every_dependency_within_pyproject_bounds():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {canonicalize_name(n): v for n, v in _lock().items()}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [
        s for extra in project["optional-dependencies"].values() for s in extra
    ]
    for spec in map(Requirement, specs):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is not in {LOCK.name}: run `make lock` after adding a dependency"
        assert spec.specifier.contains(pins[name], prereleases=True), (str(spec), pins[name])
    assert {"apache-airflow-providers-celery", "celery", "psycopg2-binary", "redis", "duckdb"} <= set(pins)


def test_make_ci_and_the_cluster_test_use_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "CONSTRAINTS ?= constraints/constraints-$(PYVER).txt" in makefile
    assert re.search(r"pip install --quiet \$\(PIP_CONSTRAINTS\) -e '\.\[dev,cluster\]'", makefile)
    assert re.search(
        r"^test-cluster: venv\n\t\$\(BIN\)/python -m pytest .*-m cluster", makefile, re.MULTILINE
    )
    assert re.search(r"^CLUSTER_DEBS \?= postgresql redis-server$", makefile, re.MULTILINE)
    assert "apt-get install -y -qq $(CLUSTER_DEBS)" in makefile
    steps = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line.startswith("make ")]
    assert steps == ["make system-deps", "make test", "make test-cluster", "make lint"]
    # The interpreter running this suite is the one the lock is for (CI's python3 is 3.11).
    if sys.version_info[:2] == (3, 11):
        from importlib.metadata import version

        assert version("apache-airflow") == _lock()["apache-airflow"]
