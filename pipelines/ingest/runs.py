"""One writer of `ingest_runs`: a row per input file and attempt, loaded or failed.

The YFCC100M loader and the manifest loader record their files here instead of each spelling out
the INSERT; the statement is sql/ingest/record_run.sql.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ..db import utc_now
from ..resources import read_sql

STATUS_LIMIT = 1000  # characters of a failure message kept in ingest_runs.status


@dataclass(frozen=True)
class IngestRun:
    """One ingest_runs row; the fields in the table's column order."""
    run_id: str
    source_file: str
    kind: str
    layout: str | None
    file_size: int | None
    fingerprint: str | None
    started_at: datetime
    finished_at: datetime | None
    lines_read: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    status: str


def record_runs(con: duckdb.DuckDBPyConnection, runs: Iterable[IngestRun]) -> None:
    """Insert the rows (inside the caller's transaction, so they commit with the data they describe)."""
    rows = [list(astuple(run)) for run in runs]
    if rows:
        con.executemany(read_sql("ingest", "record_run.sql"), rows)


def record_failed_files(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, paths: Sequence[Path | str],
                        started_at: datetime, message: str) -> None:
    """Best effort: a row per file saying the ingest failed and why (the data itself stayed as it was).

    A bookkeeping error never hides the original one, so database errors here are swallowed.
    """
    status = f"failed: {message}"[:STATUS_LIMIT]
    finished = utc_now()
    with suppress(duckdb.Error):
        record_runs(con, [IngestRun(run_id, str(Path(p).resolve()), kind, None, None, None, started_at, finished,
                                    None, None, None, status) for p in paths])
