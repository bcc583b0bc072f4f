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

from . import migrations
from .config import READER_LOCK_WAIT_CAP, lock_wait_from_env
from .errors import CcauditError, DatabaseLockedError


def migrate(con: duckdb.DuckDBPyConnection, *, backup: bool = True) -> migrations.UpgradePlan:
    """Bring the schema up to date in one transaction (pipelines/migrations.py); returns what ran."""
    return migrations.upgrade(con, database_file(con), backup=backup)


def check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a database written by a newer ccaudit, or one that needs `ccaudit migrate` first."""
    migrations.check_current(migrations.read_state(con), path, migrations.migrations())


MAIN_STORAGE_VERSION = "v1.5.0"
_LOG = logging.getLogger("ccaudit.db")
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
_FIRST_RETRY, _MAX_RETRY = 0.05, 2.0  # seconds between attempts: grows x1.5 up to 2 s, with jitter


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
                _LOG.warning(
                    "ccaudit: waiting up to %g s for database %s: a %s%s holds it",
                    lock_wait,
                    path,
                    found[0],
                    f" (PID {found[1]})" if found[1] else "",
                )
                logged = True
            time.sleep(min(pause * random.uniform(0.5, 1.0), lock_wait - waited))
            pause = min(pause * 1.5, _MAX_RETRY)


def connect(
    db_path: str | os.PathLike,
    read_only: bool = False,
    *,
    migrate_schema: bool = True,
    threads: int | None = None,
    memory_limit: str | None = None,
    lock_wait: float | None = None,
    check_version: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) the ccaudit database file.

    A read-write connection brings the schema up to date (migrations, in one transaction); a
    read-only one requires that the file exists, so a typo in --db gives a clear error instead of
    an empty database, and that its schema is this ccaudit's (else one line: run `ccaudit migrate`).
    A database written by a newer ccaudit is refused either way. `lock_wait` is how long to wait
    for another process's lock (default CCAUDIT_LOCK_WAIT; readers at most a minute).
    `check_version=False` skips the schema checks (for `ccaudit migrate --dry-run`).
    """
    path = Path(db_path)
    if read_only and not path.exists():
        raise CcauditError(f"database {path} does not exist; run `ccaudit ingest` or `ccaudit demo` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CcauditError(
                f"cannot create the folder for database {path}: {exc.strerror or exc}"
            ) from None
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
    try:
        if read_only and not table_exists(con, "licenses"):
            raise CcauditError(f"{path} is not a ccaudit database (no licenses table); check --db")
        if not read_only:
            # Spill to disk beside the database rather than to /tmp, which may be small.
            con.execute("SET temp_directory = ?", [str(path.parent / (path.name + ".tmp"))])
        if not read_only and migrate_schema:
            migrate(con)
        elif check_version:
            check_schema(con, path)
    except BaseException:
        con.close()
        raise
    return con


class DeferredConnection:
    """A read-write connection opened on first use: a command that first prepares for minutes
    (decompressing and staging an ingest) holds the file only from its first query on."""

    def __init__(self, db_path: str | os.PathLike, **options):
        self._path, self._options = Path(db_path), options
        self._con: duckdb.DuckDBPyConnection | None = None
        self.opened_at: float | None = None  # time.monotonic() when the file was opened

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
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])  # count(*) always returns one row


def utc_now() -> datetime:
    """Naive UTC timestamp, the convention of every TIMESTAMP column."""
    return datetime.now(UTC).replace(tzinfo=None)


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection (None for an in-memory database)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]).resolve() if row and row[0] and row[0] != ":memory:" else None


def migrate_file(
    db_path: str | os.PathLike, *, dry_run: bool = False, backup: bool = True, lock_wait: float | None = None
) -> tuple[migrations.UpgradePlan, list[str]]:
    """`ccaudit migrate`: bring an existing database up to date (or, dry, say what that would do).
    Returns the plan and the lines to print."""
    path = Path(db_path)
    if not path.exists():
        raise CcauditError(f"database {path} does not exist; nothing to migrate (check --db)")
    with connect(
        path, read_only=dry_run, migrate_schema=False, check_version=False, lock_wait=lock_wait
    ) as con:
        if not table_exists(con, "licenses") and not table_exists(con, "schema_migrations"):
            raise CcauditError(f"{path} is not a ccaudit database (no licenses table); check --db")
        done = migrations.plan(con, path) if dry_run else migrate(con, backup=backup)
    latest = migrations.latest_version()
    before = done.state.version if done.state.versions else "none recorded (written before schema versions)"
    head = f"{path}: schema version {before}; this ccaudit writes version {latest}"
    if not done.todo:
        return done, [head, "up to date: no migration to apply"]
    steps = done.describe()
    if dry_run:
        return done, [
            head,
            f"would apply {len(done.todo)} migration(s), in one transaction:",
            *(f"  {line}" for line in steps),
        ]
    return done, [
        head,
        f"applied {len(done.todo)} migration(s) in one transaction:",
        *(f"  {line}" for line in steps),
    ]


def upgrade_if_needed(db_path: str | os.PathLike, lock_wait: float | None = None) -> None:
    """For a writing command that reads first (validate): create a new database, or bring an older
    one up to date with a short write, before its read-only part; a current one is not opened for
    writing at all (readers keep sharing it)."""
    path = Path(db_path)
    if path.exists():
        with connect(path, read_only=True, check_version=False, lock_wait=lock_wait) as con:
            state = migrations.read_state(con)
            known = migrations.migrations()
            migrations.check_not_newer(state, path, known)
            if not migrations.pending(state, known):
                return
    connect(path, lock_wait=lock_wait).close()


def ccaudit_schema() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database with ccaudit's own schema: its tables, view SQL and COMMENTs
    (what the edition's Datasette build and the report's datapackage read column meanings from)."""
    con = duckdb.connect()
    migrate(con)
    return con
