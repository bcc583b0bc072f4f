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


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, grandchildren, ...), read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def build_generated_world(folder: Path, db_name: str, rows: int, seed: int):
    """A database with a generated YFCC100M file and the demo's manifests ingested:
    (open connection, its path, the generated file's result, the manifest specs)."""
    from pipelines.db import connect
    from pipelines.ingest.manifests import ingest_manifest
    from pipelines.ingest.yfcc import ingest_yfcc
    from pipelines.synth.manifests import generate_manifests
    from pipelines.synth.yfcc import generate_yfcc

    yfcc = generate_yfcc(folder / "yfcc.tsv.gz", rows=rows, seed=seed)
    specs = generate_manifests(yfcc.path, folder / "manifests", seed=seed)
    db_path = folder / db_name
    con = connect(db_path)
    ingest_yfcc(con, [yfcc.path], progress=False)
    for spec in specs:
        ingest_manifest(
            con,
            spec.format,
            dataset=spec.dataset,
            version=spec.version,
            paths=list(spec.paths),
            **spec.options,
        )
    return con, db_path, yfcc, specs


def readme_table(header: str, doc: str = "README.md") -> list[str]:
    """The body rows of the table that starts with the line `header` in `doc` (a path from the repo root)."""
    lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
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
