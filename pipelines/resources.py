"""Locate the SQL and expectation files, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """Return the directory `sql` or `expectations`.

    A wheel carries them under `pipelines/_resources/` (see pyproject.toml); a checkout or an
    editable install has them at the repository's top level, beside `pipelines/`.
    """
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ccaudit resource folder {name!r} not found (broken install?)")


def sql_dir(*parts: str) -> Path:
    return resource_dir("sql").joinpath(*parts)


def read_sql(*parts: str) -> str:
    """Text of one SQL file, e.g. read_sql('reports', 'license_breakdown.sql')."""
    return sql_dir(*parts).read_text(encoding="utf-8")


def expectations_dir() -> Path:
    return resource_dir("expectations")
