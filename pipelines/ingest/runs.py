"""One writer of `ingest_runs`: a row per input file and attempt, loaded or failed.

The YFCC100M loader and the manifest loader record their files here instead of each spelling out
the INSERT; the statement is sql/ingest/record_run.sql. Rows go in as one Arrow table, not
executemany (about 1 ms a row: a folder of 4,096 JSON-lines shards is 4,096 rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, fields
from datetime import datetime

import duckdb
import pyarrow as pa

from ..db import utc_now
from ..resources import read_sql

STATUS_LIMIT = 1000  # characters of a failure message kept in ingest_runs.status


@dataclass(frozen=True)
class IngestRun:
    """One ingest_runs row (timestamps may be datetimes or ISO strings, as staged files carry them)."""

    run_id: str
    source_file: str
    kind: str
    started_at: datetime | str
    finished_at: datetime | str | None
    status: str
    layout: str | None = None
    file_size: int | None = None
    fingerprint: str | None = None
    lines_read: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None


_COLUMNS = [f.name for f in fields(IngestRun)]


def record_runs(con: duckdb.DuckDBPyConnection, runs: Iterable[IngestRun]) -> None:
    """Insert the rows (inside the caller's transaction, so they commit with the data they describe)."""
    runs = list(runs)
    if not runs:
        return
    con.register(
        "ingest_runs_batch",
        pa.table({name: pa.array([getattr(run, name) for run in runs]) for name in _COLUMNS}),
    )
    try:
        con.execute(read_sql("ingest", "record_run.sql")).fetchall()
    finally:
        con.unregister("ingest_runs_batch")


def record_failed_files(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    kind: str,
    sources: Sequence[str],
    started_at: datetime,
    message: str,
) -> None:
    """Best effort: a row per source saying the ingest failed and why (the data itself stayed as it was).

    A bookkeeping error never hides the original one, so database errors here are swallowed.
    """
    status = f"failed: {message}"[:STATUS_LIMIT]
    finished = utc_now()
    with suppress(duckdb.Error):
        record_runs(
            con, [IngestRun(run_id, source, kind, started_at, finished, status) for source in sources]
        )
