"""Every environment variable is listed once, in pipelines/config.py, and docs/cli.md's table shows the same rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.config import (
    ENVIRONMENT,
    Settings,
    external_compressors_from_env,
    ingest_stream_from_env,
    pseudonym_key_from_env,
)
from pipelines.errors import ConfigError
from tests.conftest import REPO, readme_table

_VARIABLE = re.compile(r"[\"'`$]((?:CCAUDIT|FLICKR)_[A-Z0-9_]*[A-Z0-9])\b")  # a quoted name, not a constant


def test_readme_environment_table_matches_config():
    rows = [re.match(r"^\| `([A-Z0-9_]+)` \|", line).group(1) for line in readme_table("| variable | meaning | default |",
                                                                                           "docs/cli.md")]
    assert rows == [v.name for v in ENVIRONMENT], "docs/cli.md's Environment table is out of step with config.ENVIRONMENT"


def test_every_variable_the_code_names_is_listed():
    listed = {v.name for v in ENVIRONMENT}
    named = {}
    for path in [*(REPO / "pipelines").rglob("*.py"), *(REPO / "dags").glob("*.py")]:
        for name in _VARIABLE.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, path.relative_to(REPO))
    unlisted = {name: str(path) for name, path in named.items() if name not in listed}
    assert not unlisted, f"environment variables missing from config.ENVIRONMENT: {unlisted}"


def test_settings_read_the_folders(tmp_path):
    env = {"CCAUDIT_DB": str(tmp_path / "x.duckdb"), "CCAUDIT_WORK_DIR": str(tmp_path / "w"),
           "CCAUDIT_REPORTS_DIR": str(tmp_path / "r")}
    settings = Settings.from_env(env=env)
    assert (settings.work_dir, settings.reports_dir) == (tmp_path / "w", tmp_path / "r")
    assert (Settings.from_env(env={}).work_dir, Settings.from_env(env={}).reports_dir) == (None, Path("reports"))


def test_pseudonym_key_is_read_in_config():
    assert pseudonym_key_from_env({}) is None and pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": "  "}) is None
    assert pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": " " + "k" * 16 + " "}) == "k" * 16
    with pytest.raises(ConfigError, match="at least 16 characters"):
        pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": "short"})


def test_switches_are_parsed_once_in_config():
    assert external_compressors_from_env({}) and not external_compressors_from_env({"CCAUDIT_EXTERNAL_COMPRESSORS": " No"})
    assert not ingest_stream_from_env({}) and ingest_stream_from_env({"CCAUDIT_INGEST_STREAM": "TRUE "})


def test_only_listed_variables_can_be_read():
    from pipelines.config import env_value, retry_delay_from_env

    assert env_value("CCAUDIT_DB", {"CCAUDIT_DB": "  x.duckdb "}) == "x.duckdb"
    assert env_value("CCAUDIT_DB", {"CCAUDIT_DB": "   "}) is None
    with pytest.raises(KeyError, match="not listed"):
        env_value("CCAUDIT_NOT_A_SETTING", {"CCAUDIT_NOT_A_SETTING": "1"})
    assert retry_delay_from_env({}) == 120 and retry_delay_from_env({"CCAUDIT_RETRY_DELAY_SECONDS": "2"}) == 2
    for bad in ("soon", "-1", "inf"):
        with pytest.raises(ConfigError, match="CCAUDIT_RETRY_DELAY_SECONDS must be"):
            retry_delay_from_env({"CCAUDIT_RETRY_DELAY_SECONDS": bad})


def test_task_settings_put_the_dag_layer_values_over_the_environment(tmp_path, monkeypatch):
    from pipelines.airflow_tasks import task_settings

    monkeypatch.setenv("CCAUDIT_WORK_DIR", str(tmp_path / "env-work"))
    monkeypatch.setenv("FLICKR_API_KEY", "env-key")
    settings = task_settings(db=str(tmp_path / "a.duckdb"), reports_dir=str(tmp_path / "r"))
    assert settings.db_path == tmp_path / "a.duckdb" and settings.reports_dir == tmp_path / "r"
    assert settings.staging_dir == (tmp_path / "env-work").resolve()
    assert settings.flickr_api_key == "env-key" and "env-key" not in repr(settings)
    assert task_settings(work_dir=str(tmp_path / "w"), flickr_api_key=" conn-key ").flickr_api_key == "conn-key"
    monkeypatch.delenv("CCAUDIT_WORK_DIR")
    assert task_settings(db=str(tmp_path / "a.duckdb")).staging_dir == tmp_path / "work"
