"""DuckDB connection and schema migration.

DuckDB allows one read-write process or many read-only ones per file, never both. So commands
that only read (report, lookup, optout list, validate's reading part) open it read-only, writers
(ingest loads, enrichment merges, opt-out changes) hold it for seconds, and a process that finds
the file held waits with backoff up to CCAUDIT_LOCK_WAIT (readers: at most a minute), then
raises DatabaseLockedError naming the holder.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import duckdb

from .config import READER_LOCK_WAIT_CAP, lock_wait_from_env
from .errors import CcauditError, DatabaseLockedError
from .resources import sql_dir


def schema_files() -> list[Path]:
    """sql/schema/*.sql in name order; each file is idempotent and owns one table or view."""
    return sorted(sql_dir("schema").glob("*.sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create or update every table and view, then (re)load the canonical license facts."""
    from .licenses import sync_licenses_table

    con.execute("BEGIN")
    try:
        for path in schema_files():
            con.execute(path.read_text(encoding="utf-8"))
        sync_licenses_table(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


MAIN_STORAGE_VERSION = "v1.5.0"
_LOG = logging.getLogger("ccaudit.db")
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
_FIRST_RETRY, _MAX_RETRY = 0.05, 2.0   # seconds between attempts: grows x1.5 up to 2 s, with jitter


def lock_holder(exc: duckdb.Error, wanted_write: bool) -> tuple[str, int | None] | None:
    """("reader" | "writer", pid) when `exc` is DuckDB's file-lock conflict, else None.

    DuckDB adds "you would be able to open this database in read-only mode" exactly when the
    holder is a reader; a read-only open can only conflict with a writer.
    """
    text = str(exc)
    if not isinstance(exc, duckdb.IOException) or "Could not set lock" not in text:
        return None
    holder = "reader" if wanted_write and "read-only mode" in text else "writer"
    match = _HOLDER_PID.search(text)
    return holder, int(match.group(1)) if match else None


def _open(path: Path, read_only: bool, config: dict, lock_wait: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried with jittered backoff while another process holds the file."""
    started = time.monotonic()
    pause = _FIRST_RETRY
    logged = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            found = lock_holder(exc, wanted_write=not read_only)
            if found is None:
                raise CcauditError(f"cannot open database {path}: {exc}") from None
            waited = time.monotonic() - started
            if waited >= lock_wait:
                raise DatabaseLockedError(path, found[0], found[1], waited, not read_only) from None
            if not logged:  # once: who holds it, and for how long we will wait
                _LOG.warning("ccaudit: waiting up to %g s for database %s: a %s%s holds it", lock_wait, path,
                             found[0], f" (PID {found[1]})" if found[1] else "")
                logged = True
            time.sleep(min(pause * random.uniform(0.5, 1.0), lock_wait - waited))
            pause = min(pause * 1.5, _MAX_RETRY)


def connect(db_path: str | os.PathLike, read_only: bool = False, *, migrate_schema: bool = True,
            threads: int | None = None, memory_limit: str | None = None,
            lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) the ccaudit database file.

    A read-write connection brings the schema up to date; a read-only one requires that the file
    exists, so a typo in --db gives a clear error instead of an empty database. `lock_wait` is how
    long to wait for another process's lock (default CCAUDIT_LOCK_WAIT; readers at most a minute).
    """
    path = Path(db_path)
    if read_only and not path.exists():
        raise CcauditError(f"database {path} does not exist; run `ccaudit ingest` or `ccaudit demo` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CcauditError(f"cannot create the folder for database {path}: {exc.strerror or exc}") from None
    if lock_wait is None:
        lock_wait = lock_wait_from_env()
        if read_only:
            lock_wait = min(lock_wait, READER_LOCK_WAIT_CAP)
    config: dict[str, str | int] = {}
    if not read_only and not path.exists():
        # A new database in the storage format of DuckDB 1.5 (as small and fast as 2.0's here), so the
        # DuckDB 1.5 CLI and the tools built on it open it too (docs/duckdb-versions.md).
        config["storage_compatibility_version"] = MAIN_STORAGE_VERSION
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = _open(path, read_only, config, lock_wait)
    if read_only and not table_exists(con, "licenses"):
        con.close()
        raise CcauditError(f"{path} is not a ccaudit database (no licenses table); check --db")
    if not read_only:
        # Spill to disk beside the database rather than to /tmp, which may be small.
        con.execute("SET temp_directory = ?", [str(path.parent / (path.name + ".tmp"))])
        if migrate_schema:
            migrate(con)
    return con


class DeferredConnection:
    """A read-write connection opened on first use: a command that first prepares for minutes
    (decompressing and staging an ingest) holds the file only from its first query on."""

    def __init__(self, db_path: str | os.PathLike, **options):
        self._path, self._options, self._con = Path(db_path), options, None
        self.opened_at: float | None = None   # time.monotonic() when the file was opened

    def __getattr__(self, name: str):
        if self._con is None:
            self._con = connect(self._path, **self._options)
            self.opened_at = time.monotonic()
        return getattr(self._con, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolled back on any error so a failed load leaves the old data intact."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])


def utc_now() -> datetime:
    """Naive UTC timestamp, the convention of every TIMESTAMP column."""
    return datetime.now(UTC).replace(tzinfo=None)


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection (None for an in-memory database)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]).resolve() if row and row[0] and row[0] != ":memory:" else None
