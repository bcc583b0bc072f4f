"""docker-compose.yml and Dockerfile, checked by parsing (no Docker engine runs here): the official
Airflow 3 CeleryExecutor layout, the AIRFLOW_UID pattern, ccaudit's volumes and env, the DuckDB
pool created at init, and an image that installs the project itself."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

yaml = pytest.importorskip("yaml")

SERVICES = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker", "airflow-init"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def airflow_services(compose: dict) -> dict:
    return {name: s for name, s in compose["services"].items() if name.startswith("airflow-")}


def test_services_follow_the_official_layout(compose):
    assert SERVICES <= set(compose["services"])
    assert compose["services"]["postgres"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7.2-bookworm"
    commands = {name: s.get("command") for name, s in compose["services"].items()}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                 "airflow-worker"):
        assert compose["services"][name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
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
    assert env["FLICKR_API_KEY"] == "${FLICKR_API_KEY:-}"  # from the host, never written in the file
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
    parsed = [re.fullmatch(r"(?P<source>.+?):(?P<target>/[^:]+)(?::(?P<mode>ro|rw))?", volume)
              for volume in compose["x-airflow-common"]["volumes"]]
    mounts = {m["target"]: m["source"] for m in parsed}
    assert mounts["/opt/airflow/dags"] == "${AIRFLOW_PROJ_DIR:-.}/dags"
    assert set(mounts) >= {"/opt/airflow/dags", "/opt/airflow/logs", "/opt/airflow/config", "/opt/airflow/plugins",
                           "/opt/ccaudit/data", "/opt/ccaudit/input", "/opt/ccaudit/reports"}
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
    assert re.search(r'pip install --no-cache-dir "apache-airflow==\$\{AIRFLOW_VERSION\}" \.', dockerfile)
    for needed in ("pyproject.toml", "pipelines", "sql", "expectations", "dags"):
        assert re.search(rf"^COPY .*\b{needed}\b", dockerfile, re.MULTILINE), needed
    assert "USER airflow" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", "*.duckdb", "data", "reports"} <= set(ignored)
