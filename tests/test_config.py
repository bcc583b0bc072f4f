"""Every environment variable is listed once, in pipelines/config.py, and README's table shows the same rows."""

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
    rows = [re.match(r"^\| `([A-Z0-9_]+)` \|", line).group(1) for line in readme_table("| variable | meaning | default |")]
    assert rows == [v.name for v in ENVIRONMENT], "README's Environment table is out of step with config.ENVIRONMENT"


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
