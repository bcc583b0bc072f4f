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
    rows = [
        re.match(r"^\| `([A-Z0-9_]+)` \|", line).group(1)
        for line in readme_table("| variable | meaning | default |", "docs/cli.md")
    ]
    assert rows == [v.name for v in ENVIRONMENT], (
        "docs/cli.md's Environment table is out of step with config.ENVIRONMENT"
    )


def test_every_variable_the_code_names_is_listed():
    listed = {v.name for v in ENVIRONMENT}
    named = {}
    for path in [*(REPO / "pipelines").rglob("*.py"), *(REPO / "dags").glob("*.py")]:
        for name in _VARIABLE.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, path.relative_to(REPO))
    unlisted = {name: str(path) for name, path in named.items() if name not in listed}
    assert not unlisted, f"environment variables missing from config.ENVIRONMENT: {unlisted}"


def test_settings_read_the_folders(tmp_path):
    env = {
        "CCAUDIT_DB": str(tmp_path / "x.duckdb"),
        "CCAUDIT_WORK_DIR": str(tmp_path / "w"),
        "CCAUDIT_REPORTS_DIR": str(tmp_path / "r"),
    }
    settings = Settings.from_env(env=env)
    assert (settings.work_dir, settings.reports_dir) == (tmp_path / "w", tmp_path / "r")
    assert (Settings.from_env(env={}).work_dir, Settings.from_env(env={}).reports_dir) == (
        None,
        Path("reports"),
    )


def test_pseudonym_key_is_read_in_config():
    assert (
        pseudonym_key_from_env({}) is None and pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": "  "}) is None
    )
    assert pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": " " + "k" * 16 + " "}) == "k" * 16
    with pytest.raises(ConfigError, match="at least 16 characters"):
        pseudonym_key_from_env({"CCAUDIT_PSEUDONYM_KEY": "short"})


def test_switches_are_parsed_once_in_config():
    assert external_compressors_from_env({}) and not external_compressors_from_env(
        {"CCAUDIT_EXTERNAL_COMPRESSORS": " No"}
    )
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
    assert (
        task_settings(work_dir=str(tmp_path / "w"), flickr_api_key=" conn-key ").flickr_api_key == "conn-key"
    )
    monkeypatch.delenv("CCAUDIT_WORK_DIR")
    assert task_settings(db=str(tmp_path / "a.duckdb")).staging_dir == tmp_path / "work"


# --- every setting is checked once, at start: the class of bad values per kind -------------------

# Values each kind must refuse: wrong types, non-finite and out-of-range numbers, digits Python's
# int()/float() take but a person did not mean, control characters, truncation, huge sizes.
BAD_VALUES = {
    "seconds": ["soon", "nan", "inf", "-1", "1e300", "1_000", "0x10", "١٢", "5 s", "1e", "--1", "9" * 400],
    "rate": ["fast", "nan", "inf", "-5", "0", "1e-300", "0.5", "1e300", "1_000", "٣٦٠٠", "3600/h"],
    "count": ["many", "-1", "1.5", "1e3", "١٢", "1_000", "9" * 40, "0x10", "2 photos"],
    "positive_count": ["0", "-1", "1.5", "1e3", "١٢", "9" * 40, "ten"],
    "switch": ["maybe", "2", "ja", "yes please", "tru"],
    "url": [
        "http://[::1",
        "http://[::1]:99999/",
        "http://host:port/",
        "ftp://api.flickr.com/",
        "http://",
        "api.flickr.com/services/rest/",
        "javascript:alert(1)",
        "http://exa mple.com/",
        "http://host/\x07",
        "https://host\n/rest/",
    ],
    "path": ["a\nb", "x\x1b[31m", "tab\tname", "x" * 5000, "dir/" + "y" * 300],
    "paths": ["a.tsv,,b.tsv", ",", "a\nb.tsv", "x" * 5000],
    "json_list": ["[", "{}", "1", "[1, 2]", '"a"', '[{"format": "csv"}', "null"],
    "api_key": ["has space", "tab\tkey", "ключ-api", "k" * 300, "new\nline"],
    "pseudonym_key": ["short", "15-characters.."],
}
GOOD_VALUES = {
    "seconds": ["0", "2.5", "1e-300", "300", "+7"],
    "rate": ["1", "3600", "3600000", "1e9"],
    "count": ["0", "100", "+5"],
    "positive_count": ["1", "500"],
    "switch": ["1", "0", "TRUE", "No", "off"],
    "url": ["https://api.flickr.com/services/rest/", "http://127.0.0.1:8123/", "http://[::1]:8080/rest"],
    "path": ["ccaudit.duckdb", "/data/ccaudit dir/x.duckdb"],
    "paths": ["a.tsv", "a/*.bz2, b.tsv"],
    "json_list": ["[]", '[{"format": "csv", "dataset": "x", "paths": ["a.csv"]}]'],
    "api_key": ["0123456789abcdef0123456789abcdef", "k"],
    "pseudonym_key": ["k" * 16],
}


def test_every_variable_has_a_kind_with_bad_and_good_values():
    from pipelines.config import PARSERS

    for variable in ENVIRONMENT:
        assert variable.kind in PARSERS and variable.kind != "text", (
            f"{variable.name}: give it a checked kind"
        )
        assert BAD_VALUES.get(variable.kind) and GOOD_VALUES.get(variable.kind), variable.kind


@pytest.mark.parametrize("variable", ENVIRONMENT, ids=lambda v: v.name)
def test_every_bad_value_of_every_variable_is_one_line_naming_it(variable):
    from pipelines.config import check_environment

    for bad in BAD_VALUES[variable.kind]:
        with pytest.raises(ConfigError) as caught:
            check_environment({variable.name: bad})
        message = str(caught.value)
        assert message.startswith(variable.name) and "\n" not in message, (bad, message)
        if variable.kind in ("api_key", "pseudonym_key"):  # secrets never reach a message
            assert bad not in message
    for good in GOOD_VALUES[variable.kind]:
        check_environment({variable.name: good})


def test_a_bad_setting_stops_every_command_with_one_line(tmp_path, monkeypatch, capsys):
    """At start, whatever the command: the reported cases (an unclosed IPv6 URL, a rate that
    overflowed every call into an "error" check) and one per kind."""
    from pipelines.cli import main

    cases = [("CCAUDIT_FLICKR_API_URL", "http://[::1"), ("CCAUDIT_FLICKR_RATE", "1e-300")]
    cases += [(v.name, BAD_VALUES[v.kind][0]) for v in ENVIRONMENT]
    for name, bad in cases:
        monkeypatch.setenv(name, bad)
        for argv in (
            ["--db", str(tmp_path / "x.duckdb"), "optout", "list"],
            ["enrich", "--limit", "1"],
            ["generate", "yfcc", str(tmp_path / "g.tsv"), "--rows", "1"],
        ):
            assert main(argv) == 2, (name, argv)
            err = capsys.readouterr().err
            assert err.startswith(f"ccaudit: error: {name}") and err.count("\n") == 1, (name, err)
        monkeypatch.delenv(name)
    assert not list(tmp_path.iterdir())  # nothing was created before the check


def test_the_rate_that_overflowed_is_refused_in_settings_too():
    for rate in ("1e-300", "1e-9", "0.5"):
        with pytest.raises(
            ConfigError, match="CCAUDIT_FLICKR_RATE must be a finite number of calls per hour from 1"
        ):
            Settings.from_env(env={"CCAUDIT_FLICKR_RATE": rate})
    with pytest.raises(ConfigError, match="CCAUDIT_FLICKR_API_URL must be an http"):
        Settings.from_env(env={"CCAUDIT_FLICKR_API_URL": "http://[::1"})
