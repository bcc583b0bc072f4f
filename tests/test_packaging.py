"""A non-editable install must still find sql/ and expectations/ (they ship inside the wheel)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    return next(out.glob("ccaudit-*.whl"))


def test_wheel_carries_sql_and_expectations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema_file in (REPO / "sql" / "schema").glob("*.sql"):
        assert f"pipelines/_resources/sql/schema/{schema_file.name}" in names
    for report_file in (REPO / "sql" / "reports").glob("*.sql"):
        assert f"pipelines/_resources/sql/reports/{report_file.name}" in names
    for suite in (REPO / "expectations").glob("*.json"):
        assert f"pipelines/_resources/expectations/{suite.name}" in names


def test_installed_wheel_resolves_resources_inside_itself(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from pipelines.resources import sql_dir, expectations_dir; from pipelines.db import connect;"
        "print(sql_dir()); print(expectations_dir());"
        "con = connect(sys.argv[2]); print(con.execute('select count(*) from licenses').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(target), str(tmp_path / "x.duckdb")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))
    assert out[2] == "17"
