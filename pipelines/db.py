"""DuckDB connection and schema migration.

DuckDB allows one read-write process per database file: the CLI and the single Airflow writer
task open it with `connect()`, every reader (reports, validation, lookup) may use
`connect(read_only=True)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .errors import CcauditError
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


def connect(db_path: str | os.PathLike, read_only: bool = False, *, migrate_schema: bool = True,
            threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) the ccaudit database file.

    A read-write connection brings the schema up to date; a read-only one requires that the file
    exists, so a typo in --db gives a clear error instead of an empty database.
    """
    path = Path(db_path)
    if read_only and not path.exists():
        raise CcauditError(f"database {path} does not exist; run `ccaudit ingest` or `ccaudit demo` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CcauditError(f"cannot create the folder for database {path}: {exc.strerror or exc}") from None
    config: dict[str, str | int] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise CcauditError(
                f"database {path} is in use by another process (DuckDB allows one writer); "
                "wait for it to finish or use a different --db") from None
        raise CcauditError(f"cannot open database {path}: {exc}") from None
    if read_only and not table_exists(con, "licenses"):
        con.close()
        raise CcauditError(f"{path} is not a ccaudit database (no licenses table); check --db")
    if not read_only:
        # Spill to disk beside the database rather than to /tmp, which may be small.
        con.execute("SET temp_directory = ?", [str(path.parent / (path.name + ".tmp"))])
        if migrate_schema:
            migrate(con)
    return con


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
