"""The enrich journal: every Flickr answer on disk (fsynced) before it reaches the database.

A run appends one JSON line per answer to `<db>.enrich/<run id>.jsonl`; merges copy the lines not
merged yet into flickr_checks, uploaders, flickr_license_history and flickr_alias_resolutions, in
one transaction with the journal's watermark in flickr_journal_merges. The journal outlives the
code that wrote it, so reading never trusts a line:

- The first line names the journal: `{"journal": "ccaudit-enrich", "format": 2, "run_id": ...,
  "database_id": ...}`. Progress is keyed by that run id, not by the file's name, so a renamed
  copy is not merged twice; a journal whose database id is not this database's is refused (moved
  to `refused/`). Journals of earlier versions have no such line: their identity is the run id
  their rows carry (else the file name), and they merge exactly once too.
- A line that is not JSON (damaged) is skipped and counted, and the lines after it still merge; a
  line of JSON in the wrong shape (not a record, unknown table or column, a value of the wrong
  type) is never inserted. Both are copied to `quarantine/<journal>.lines` with their line numbers
  and reported in one line; a torn last line (a kill mid-write) is the answer in flight, re-asked.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ..db import transaction, utc_now
from ..errors import CcauditError

TABLES = ("flickr_checks", "uploaders", "flickr_license_history", "flickr_alias_resolutions")
_TABLES = TABLES
_TIME_FIELDS = frozenset({"checked_at", "fetched_at", "posted_at", "updated_at", "changed_at", "resolved_at"})
MAGIC, FORMAT = "ccaudit-enrich", 2
_LOG = logging.getLogger("ccaudit.enrich")


def journal_dir(db_path: Path) -> Path:
    """`<db>.enrich/` beside the database: journals of runs not yet fully merged, and the run lock."""
    db_path = Path(db_path)
    return db_path.parent / (db_path.name + ".enrich")


@contextmanager
def folder_errors(folder: Path) -> Iterator[None]:
    """OS problems with the journal folder as one line (disk full stays itself: the CLI names it)."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise
        where = exc.filename or folder
        problem = (
            "is a file, not a folder"
            if isinstance(exc, (FileExistsError, NotADirectoryError))
            else (exc.strerror or str(exc))
        )
        raise CcauditError(
            f"cannot use the enrich journal folder {folder} ({where}: {problem}); enrich keeps its "
            "answers there before merging them: make it a folder ccaudit can write"
        ) from None


class Journal:
    """One run's answers, one JSON line each, appended and fsynced before the next call.

    A line is written whole with a single write(); a kill -9 can only leave a torn last line,
    which `read` ignores (the answer it held is re-asked by the next run: its photo is not done).
    """

    def __init__(self, folder: Path, run_id: str, database_id: str | None = None):
        self.path = folder / f"{run_id}.jsonl"
        self.run_id = run_id
        self.seq = 0
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.fstat(self._fd).st_size == 0:
            self._write(
                {
                    "journal": MAGIC,
                    "format": FORMAT,
                    "run_id": run_id,
                    "database_id": database_id,
                    "created_at": utc_now(),
                }
            )
        _fsync_dir(folder)  # the new file's name survives a power cut too

    def append(self, table: str, row: dict) -> None:
        self.seq += 1
        self._write({"seq": self.seq, "table": table, "row": row})

    def _write(self, record: dict) -> None:
        line = json.dumps(record, default=_json_value, ensure_ascii=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @staticmethod
    def read(path: Path) -> list[dict]:
        """The records that can be merged (see read_journal for what else a file holds)."""
        return read_journal(path).records


@dataclass
class JournalFile:
    path: Path
    header: dict | None = None
    records: list[dict] = field(default_factory=list)
    set_aside: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, why, text)
    damaged: int = 0  # lines that are not JSON
    wrong_shape: int = 0  # JSON, but not a record this version can merge

    @property
    def identity(self) -> str:
        """The run id that keys merge progress: the header's, else (an older journal) its rows'."""
        if self.header and isinstance(self.header.get("run_id"), str):
            return self.header["run_id"]
        runs = {r["row"].get("run_id") for r in self.records} - {None}
        return runs.pop() if len(runs) == 1 else self.path.stem

    @property
    def database_id(self) -> str | None:
        return self.header.get("database_id") if self.header else None

    def set_line_aside(self, number: int, why: str, text: str, damaged: bool) -> None:
        self.set_aside.append((number, why, text))
        if damaged:
            self.damaged += 1
        else:
            self.wrong_shape += 1


def read_journal(path: Path, columns: dict[str, dict[str, tuple[str, bool]]] | None = None) -> JournalFile:
    """Every line of a journal, sorted into the header, mergeable records and lines set aside.
    `columns` (table -> column -> (DuckDB type, nullable)) also checks each row against the tables."""
    found = JournalFile(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                break  # torn by a kill during the write: never fsynced, never counted
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            try:
                value = json.loads(raw)
            except ValueError:
                found.set_line_aside(number, "not JSON (damaged)", text, damaged=True)
                continue
            if number == 1 and isinstance(value, dict) and value.get("journal") == MAGIC:
                found.header = value
                continue
            problem = _shape_problem(value, columns)
            if problem:
                found.set_line_aside(number, problem, text, damaged=False)
                continue
            value["row"] = {
                k: datetime.fromisoformat(v) if k in _TIME_FIELDS and v else v
                for k, v in value["row"].items()
            }
            found.records.append(value)
    return found


_PY_TYPES = {
    "BIGINT": (int,),
    "INTEGER": (int,),
    "DOUBLE": (int, float),
    "BOOLEAN": (bool,),
    "VARCHAR": (str,),
    "TIMESTAMP": (str,),
}


_INT_BITS = {"BIGINT": 63, "INTEGER": 31}


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") that JSON allows and UTF-8 does not
        return False
    return True


def _shape_problem(value, columns) -> str | None:
    """Why a JSON value is not a record to merge, or None."""
    if not isinstance(value, dict) or not isinstance(value.get("row"), dict):
        return "not a journal record"
    seq = value.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "no sequence number"
    if value.get("table") not in TABLES:
        return f"unknown table {str(value.get('table'))[:40]!r}"
    for name, cell in value["row"].items():
        if name in _TIME_FIELDS and cell is not None:
            try:
                if datetime.fromisoformat(cell).tzinfo is not None:
                    return f"{name} has a time zone (journal times are UTC without one)"
            except (TypeError, ValueError):
                return f"{name} is not a time"
    if columns is None:
        return None
    return _column_problem(value["row"], columns.get(value["table"], {}))


def _column_problem(row: dict, table: dict[str, tuple[str, bool]]) -> str | None:
    for name, cell in row.items():
        if name not in table:
            return f"unknown column {str(name)[:40]!r}"
        kind, nullable = table[name]
        if cell is None:
            if not nullable:
                return f"{name} is missing"
            continue
        wanted = _PY_TYPES.get(kind)
        if wanted and (not isinstance(cell, wanted) or (bool not in wanted and isinstance(cell, bool))):
            return f"{name} is not {kind}"
        if (
            kind in _INT_BITS
            and isinstance(cell, int)
            and not -(1 << _INT_BITS[kind]) <= cell < 1 << _INT_BITS[kind]
        ):
            return f"{name} is out of range for {kind}"
        if isinstance(cell, str) and not _encodable(cell):
            return f"{name} is not valid text"
    missing = [name for name, (_, nullable) in table.items() if not nullable and name not in row]
    return f"{missing[0]} is missing" if missing else None


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, tuple[str, bool]]]:
    """The journaled tables' stored columns: name -> (DuckDB type, nullable)."""
    out: dict[str, dict[str, tuple[str, bool]]] = {t: {} for t in TABLES}
    for table, column, kind, nullable in con.execute(
        """
            SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
            WHERE schema_name = 'main' AND table_name IN (SELECT unnest($tables))""",
        {"tables": list(TABLES)},
    ).fetchall():
        out[table][column] = (kind, nullable)
    return out


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot journal {type(value).__name__}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _enrich_lock(folder: Path) -> Iterator[None]:
    """One enrich per database: two runs would ask Flickr twice and interleave their journals."""
    with folder_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / "enrich.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise CcauditError(
                "another `ccaudit enrich` is running on this database"
                + (f" (PID {holder})" if holder.isdigit() else "")
                + "; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


enrich_lock = _enrich_lock


def database_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT value FROM ccaudit_meta WHERE key = 'database_id'").fetchone()
    return row[0] if row else None


def merge_journal(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    run_id: str | None = None,
    finish: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    journal: JournalFile | None = None,
) -> int:
    """Insert the journal records not merged yet, in one transaction with the new watermark
    (and, with `finish`, the run's end). Progress is keyed by the journal's identity (`run_id`
    is the caller's expectation, e.g. the running journal's). Returns the records inserted."""
    if journal is None:
        journal = read_journal(path, table_columns(con)) if path.exists() else JournalFile(path)
    key = journal.identity if journal.records or journal.header else (run_id or path.stem)
    with transaction(con):
        found = con.execute("SELECT merged_seq FROM flickr_journal_merges WHERE run_id = ?", [key]).fetchall()
        merged = found[0][0] if found else 0
        pending = [r for r in journal.records if r["seq"] > merged]
        for table in TABLES:
            rows = [r["row"] for r in pending if r["table"] == table]
            if rows:
                # One columnar INSERT (executemany costs milliseconds per row while holding the file).
                # Arrow takes the columns from the first row only: name every column any row has.
                names = list(dict.fromkeys(name for row in rows for name in row))
                con.register(
                    "journal_batch", pa.Table.from_pylist([{n: row.get(n) for n in names} for row in rows])
                )
                try:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM journal_batch").fetchall()
                finally:
                    con.unregister("journal_batch")
        if pending:
            con.execute(
                """
                INSERT INTO flickr_journal_merges (run_id, merged_seq, merged_at, merges) VALUES (?, ?, ?, 1)
                ON CONFLICT (run_id) DO UPDATE SET merged_seq = excluded.merged_seq,
                    merged_at = excluded.merged_at, merges = flickr_journal_merges.merges + 1""",
                [key, max(r["seq"] for r in pending), utc_now()],
            )
        if finish is not None:
            finish(con)
    return len(pending)


def set_aside(journal: JournalFile, folder: Path) -> Path | None:
    """Copy the lines that could not be merged to quarantine/<journal>.lines, with their numbers,
    and say so in one line. Returns the file, or None when every line was good."""
    if not journal.set_aside:
        return None
    target = folder / "quarantine" / (journal.path.name + ".lines")
    target.parent.mkdir(exist_ok=True)
    with open(target, "a", encoding="utf-8") as handle:
        handle.writelines(
            json.dumps(
                {"journal": journal.path.name, "line": number, "why": why, "text": text}, ensure_ascii=False
            )
            + "\n"
            for number, why, text in journal.set_aside
        )
    _LOG.warning(
        "ccaudit: journal %s: %d damaged and %d wrong-shaped line(s) not merged (lines %s), copied to %s",
        journal.path.name,
        journal.damaged,
        journal.wrong_shape,
        ", ".join(str(n) for n, _, _ in journal.set_aside[:10])
        + (" ..." if len(journal.set_aside) > 10 else ""),
        target,
    )
    return target


def recover_journals(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Merge what killed runs journaled but never merged, then drop their journals. A journal
    written for another database is moved to refused/ instead, with a message."""
    recovered = 0
    ours = database_id(con)
    columns = table_columns(con)
    with folder_errors(folder):
        for path in sorted(folder.glob("*.jsonl")):
            journal = read_journal(path, columns)
            if journal.database_id and ours and journal.database_id != ours:
                _refuse(path, folder, journal.database_id, ours)
                continue
            try:
                recovered += merge_journal(con, path, journal=journal)
            except _DATA_ERRORS as exc:  # a value the checks above did not foresee: keep it all, never crash
                _move_aside(
                    path,
                    folder,
                    "quarantine",
                    f"could not be merged ({_first_line(exc)}); nothing of it was merged",
                )
                continue
            set_aside(journal, folder)
            path.unlink()
    if recovered:
        _LOG.warning("merged %d answer(s) that an interrupted enrich run had journaled", recovered)
    return recovered


_DATA_ERRORS = (
    duckdb.ConversionException,
    duckdb.BinderException,
    duckdb.ConstraintException,
    duckdb.InvalidInputException,
    duckdb.OutOfRangeException,
    pa.ArrowException,
)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _refuse(path: Path, folder: Path, theirs: str, ours: str) -> None:
    _move_aside(
        path,
        folder,
        "refused",
        f"was written for another database (id {theirs}, this one is {ours}): not merged",
    )


def _move_aside(path: Path, folder: Path, where: str, why: str) -> None:
    target = folder / where / path.name
    target.parent.mkdir(exist_ok=True)
    if target.exists():  # a second journal of that name: keep both
        target = target.with_name(f"{target.stem}.{os.getpid()}-{id(path)}{target.suffix}")
    path.replace(target)
    _LOG.warning("ccaudit: journal %s %s; moved to %s", path.name, why, target)
