"""Shared fixtures: real DuckDB files in temp folders, the shared real samples, generated data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_REAL = REPO.parent / "shared" / "data" / "real"


def shared_path(*parts: str) -> Path:
    """Path into ../shared/data/real; skips the test with a clear reason when it is absent."""
    path = SHARED_REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real sample {path} not available (../shared is not beside the repository)")
    return path


def readme_table(header: str) -> list[str]:
    """The body rows of the README table that starts with the line `header`."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(header) + 2  # the header and its |---| line
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(db_path: Path):
    from pipelines.db import connect

    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (modules mark themselves with browser_support.BROWSER_MARKS)."""
    from tests.browser_support import Browser, find_chromium

    instance = Browser(find_chromium())
    yield instance
    instance.close()
