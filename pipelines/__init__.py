"""ccaudit: audit Creative Commons image datasets drawn from Flickr.

All logic lives in this package and is importable without Airflow; the CLI (`pipelines.cli`)
and the DAGs (`dags/`) are thin callers of the same functions.

The version has one home, pyproject.toml. In a checkout (pyproject.toml beside this package) it
is read from there: an editable install's metadata keeps the version it had when it was installed,
so it may be stale. Installed from a wheel, the package's metadata is the answer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path


def _version() -> str:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("name") == "ccaudit" and project.get("version"):
        return project["version"]
    from importlib import metadata  # 45 ms to import: only when not in a checkout (CLI start-up, DAG parsing)

    try:
        return metadata.version("ccaudit")
    except metadata.PackageNotFoundError:  # neither a checkout nor installed: copied files
        return "0+unknown"


__version__ = _version()
