"""Versioned schema migrations: what brings a database written by an older ccaudit up to date.

sql/schema/ describes the current shape (one file per table or view, idempotent); sql/migrations/
holds the numbered forward changes to existing tables, `NNNN_name.sql` or, where a data rewrite
needs it, `NNNN_name.py` (a module with `upgrade(con)`, optionally `REWRITES = "<table>"`). The
database records what it holds in `schema_migrations(version, name, applied_at, program_version)`
and `ccaudit_meta` (database id, which ccaudit created it and last wrote it).

A read-write open runs, in ONE transaction: the pending migrations in order, then the schema files
(new tables, views, macros, comments) and the license facts; on any failure the transaction rolls
back, so the file is as it was, and the error names the migration. A new database gets the current
schema with every version recorded. A database from before versions were recorded ("legacy", any
state from 2026-11-27 on) runs every migration; those of that era are written to be harmless on
every shape it produced. A database whose versions run past what this ccaudit knows was written by
a newer one and is refused by every command.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from . import __version__
from .errors import CcauditError
from .licenses import LICENSES, sync_licenses_table
from .resources import sql_dir

_LOG = logging.getLogger("ccaudit.db")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")
# What a database of ccaudit holds before any version was recorded: these tables.
_LEGACY_MARKERS = ("licenses", "yfcc_photos", "datasets")


class NewerDatabaseError(CcauditError):
    """The database was written by a newer ccaudit (its schema version is beyond ours)."""


class OlderDatabaseError(CcauditError):
    """A read-only command met a database that needs `ccaudit migrate` first."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.version:04d} {self.name}"

    @property
    def rewrites(self) -> str | None:
        """The table this migration copies whole (a Python migration's REWRITES), if any."""
        return getattr(self._module(), "REWRITES", None) if self.path.suffix == ".py" else None

    def will_rewrite(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether it would copy its table in this database (a module's `will_rewrite(con)`, else
        whenever it names one)."""
        if not self.rewrites:
            return False
        test = getattr(self._module(), "will_rewrite", None)
        return bool(test(con)) if test else True

    @property
    def note(self) -> str:
        """The upgrading note: the SQL file's leading comment, or the Python module's docstring."""
        if self.path.suffix == ".py":
            return " ".join((self._module().__doc__ or "").split())
        lines = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[2:].strip())
        return " ".join(lines)

    def _module(self):
        spec = importlib.util.spec_from_file_location(f"ccaudit_migration_{self.version:04d}", self.path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.path.suffix == ".py":
            self._module().upgrade(con)
        else:
            con.execute(self.path.read_text(encoding="utf-8"))


def migrations(folder: Path | None = None) -> list[Migration]:
    """sql/migrations/ in version order; a stray file name or a repeated number is a packaging bug."""
    folder = folder or sql_dir("migrations")
    found: dict[int, Migration] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")) or path.suffix not in (".sql", ".py"):
            continue
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file {path.name} is not named NNNN_name.sql or NNNN_name.py")
        version = int(match.group(1))
        if version in found:
            raise RuntimeError(
                f"two migrations numbered {version:04d}: {found[version].path.name}, {path.name}"
            )
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


def latest_version(folder: Path | None = None) -> int:
    """The schema version this ccaudit writes: its highest migration number."""
    return max((m.version for m in migrations(folder)), default=0)


def schema_files() -> list[Path]:
    """sql/schema/*.sql in name order; each file is idempotent and owns one table, view or macro set."""
    return sorted(sql_dir("schema").glob("*.sql"))


def schema_fingerprint() -> str:
    """Changes whenever a schema file or the license facts change: the schema is re-applied then."""
    digest = hashlib.sha256()
    for path in schema_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted((k, repr(v)) for k, v in LICENSES.items())).encode())
    return digest.hexdigest()[:16]


# --- what a database holds ----------------------------------------------------------------------


@dataclass
class DatabaseState:
    """`versions` None: no ccaudit tables at all (new); empty: legacy (tables, no versions)."""

    versions: set[int] | None
    meta: dict[str, str]

    @property
    def is_new(self) -> bool:
        return self.versions is None

    @property
    def version(self) -> int:
        return max(self.versions or {0})


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
        ).fetchall()
    }


def read_state(con: duckdb.DuckDBPyConnection) -> DatabaseState:
    tables = _tables(con)
    meta = (
        dict(con.execute("SELECT key, value FROM ccaudit_meta").fetchall())
        if "ccaudit_meta" in tables
        else {}
    )
    if "schema_migrations" in tables:
        return DatabaseState(
            {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}, meta
        )
    if tables & set(_LEGACY_MARKERS):
        return DatabaseState(set(), meta)
    return DatabaseState(None, meta)


def pending(state: DatabaseState, known: list[Migration]) -> list[Migration]:
    if state.is_new:
        return []
    applied = state.versions or set()
    return [m for m in known if m.version not in applied]


def check_not_newer(state: DatabaseState, path: Path | None, known: list[Migration]) -> None:
    """Refuse a database with a schema version this ccaudit does not know (written by a newer one)."""
    ours = max((m.version for m in known), default=0)
    if not state.is_new and state.version > ours:
        writer = state.meta.get("last_written_by")
        raise NewerDatabaseError(
            f"{path} was written by a newer ccaudit ({'version ' + writer + ', ' if writer else ''}schema version "
            f"{state.version}); this ccaudit {__version__} knows schema versions up to {ours}: upgrade ccaudit "
            "to use this database"
        )


def check_current(state: DatabaseState, path: Path, known: list[Migration]) -> None:
    """For read-only commands: the database must be neither newer nor older than this ccaudit."""
    check_not_newer(state, path, known)
    todo = pending(state, known)
    if todo:
        since = (
            f"schema version {state.version}" if state.versions else "before schema versions were recorded"
        )
        raise OlderDatabaseError(
            f"{path} was written by an older ccaudit ({since}; this one writes schema version "
            f"{known[-1].version}): run `ccaudit migrate --db {path}` first ({len(todo)} migration(s) to apply)"
        )


# --- upgrading ----------------------------------------------------------------------------------


@dataclass
class UpgradePlan:
    path: Path | None
    state: DatabaseState
    todo: list[Migration]
    refresh: bool  # schema files (views, comments, new tables) to (re)apply
    backups: list[tuple[Migration, int]]  # migrations that rewrite a non-empty table, with its rows

    @property
    def needed(self) -> bool:
        return self.state.is_new or bool(self.todo) or self.refresh

    def describe(self) -> list[str]:
        """One line per step, for `ccaudit migrate --dry-run` and its report."""
        if self.state.is_new:
            return [f"create the schema (version {latest_version()})"]
        lines = [f"migration {m.label}: {m.note}" for m in self.todo]
        if self.path is not None and self.backups:  # one copy, before the first rewrite
            migration, rows = self.backups[0]
            size = self.path.stat().st_size if self.path.exists() else 0
            lines.append(
                f"copy the database ({_size(size)}) to {backup_path(self.path, migration)} first: "
                f"migration {migration.version:04d} rewrites {migration.rewrites} ({rows:,} rows)"
            )
        if self.refresh and not self.todo:
            lines.append("refresh views, comments and license facts")
        return lines


def plan(
    con: duckdb.DuckDBPyConnection, path: Path | None, known: list[Migration] | None = None
) -> UpgradePlan:
    known = migrations() if known is None else known
    state = read_state(con)
    check_not_newer(state, path, known)
    todo = pending(state, known)
    tables = _tables(con)
    backups = []
    for migration in todo:
        table = migration.rewrites
        if table and table in tables and migration.will_rewrite(con):
            (rows,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0]
            if rows:
                backups.append((migration, rows))
    refresh = (
        state.is_new
        or bool(todo)
        or state.meta.get("schema_fingerprint") != schema_fingerprint()
        or state.meta.get("last_written_by") != __version__
    )
    return UpgradePlan(path, state, todo, refresh, backups)


def upgrade(
    con: duckdb.DuckDBPyConnection,
    path: Path | None,
    *,
    known: list[Migration] | None = None,
    backup: bool = True,
) -> UpgradePlan:
    """Bring the database to the current schema in one transaction; returns what was done."""
    known = migrations() if known is None else known
    todo = plan(con, path, known)
    if not todo.needed:
        return todo
    if backup and todo.backups and path is not None:
        _keep_copy(con, path, todo)
    con.execute("BEGIN TRANSACTION")
    try:
        _apply(con, todo, known)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    for migration in todo.todo:
        _LOG.info("ccaudit: applied migration %s to %s", migration.label, path)
    return todo


def _apply(con: duckdb.DuckDBPyConnection, todo: UpgradePlan, known: list[Migration]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    _run_schema_file(con, "001_schema_migrations.sql")
    _run_schema_file(con, "002_ccaudit_meta.sql")
    for migration in todo.todo:
        _step(f"migration {migration.label}", todo.path, migration.apply, con)
    for path in schema_files():
        _step(f"schema file {path.name}", todo.path, con.execute, path.read_text(encoding="utf-8"))
    _step("loading the license facts", todo.path, sync_licenses_table, con)
    done = known if todo.state.is_new else todo.todo
    con.executemany(
        "INSERT INTO schema_migrations (version, name, applied_at, program_version) VALUES (?, ?, ?, ?)",
        [(m.version, m.name, now, __version__) for m in done],
    )
    meta = {
        "schema_fingerprint": schema_fingerprint(),
        "last_written_by": __version__,
        "last_written_at": now.isoformat(timespec="seconds"),
    }
    if "database_id" not in todo.state.meta:
        meta["database_id"] = uuid.uuid4().hex
    if "created_by" not in todo.state.meta:
        meta["created_by"] = (
            __version__ if todo.state.is_new else "a ccaudit from before schema versions (legacy)"
        )
    con.executemany(
        """INSERT INTO ccaudit_meta (key, value, updated_at) VALUES (?, ?, ?)
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
        [(k, v, now) for k, v in meta.items()],
    )


def _run_schema_file(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(sql_dir("schema", name).read_text(encoding="utf-8"))


def _step(what: str, path: Path | None, action: Callable[..., object], *args: object) -> None:
    try:
        action(*args)
    except Exception as exc:  # noqa: BLE001 - whatever a migration raises, name the migration
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CcauditError(
            f"cannot upgrade {path or 'the database'}: {what} failed ({first}); nothing was changed"
        ) from None


# --- the copy kept before a rewrite -------------------------------------------------------------


def backup_path(path: Path, migration: Migration) -> Path:
    return path.with_name(f"{path.stem}.before-migration-{migration.version:04d}{path.suffix}")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _keep_copy(con: duckdb.DuckDBPyConnection, path: Path, todo: UpgradePlan) -> None:
    """Checkpoint, then copy the file beside itself before the first migration that rewrites a table."""
    migration, rows = todo.backups[0]
    target = backup_path(path, migration)
    con.execute("CHECKPOINT")  # the file alone then holds everything (no write-ahead log)
    size = path.stat().st_size
    free = shutil.disk_usage(path.parent).free
    if free < size * 1.1 + (64 << 20):
        raise CcauditError(
            f"cannot keep a copy of {path} ({_size(size)}) before migration {migration.label} rewrites "
            f"{migration.rewrites}: only {_size(free)} free in {path.parent}; free some space, or run "
            "`ccaudit migrate --no-backup` to upgrade without the copy"
        )
    _LOG.warning(
        "ccaudit: migration %s rewrites %s (%s rows): copying %s (%s) to %s first",
        migration.label,
        migration.rewrites,
        f"{rows:,}",
        path.name,
        _size(size),
        target,
    )
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copyfile(path, partial)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CcauditError(f"cannot keep a copy of {path} at {target}: {exc.strerror or exc}") from None
