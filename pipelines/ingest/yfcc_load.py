"""Loading: staged YFCC100M shards into the database in ONE transaction.

Replaces those files' earlier rows, resolves licenses, rejects repeated photo ids, records rejects
and one `ingest_runs` row per file, and checks `lines_read = rows_loaded + rows_rejected` before
committing (sql/ingest/yfcc_load_*.sql). An input with no rows never replaces rows.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ..db import transaction, utc_now
from ..errors import CcauditError, InputError
from ..licenses import resolve_license
from ..resources import read_sql
from .runs import IngestRun, record_failed_files, record_runs
from .yfcc_forms import PARQUET, SQLITE, TSV, sql_string
from .yfcc_inputs import is_stream
from .yfcc_stage import StagedFile, no_rows_message

LOAD_MEMORY_LIMIT = "1GB"


@dataclass
class FileResult:
    """What one file's ingest did: every line read is either loaded or rejected."""

    source_file: str
    layout: int
    lines_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float
    run_id: str = ""
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    stage_seconds: float = 0.0
    load_seconds: float = 0.0  # of the whole batch, which loads in one transaction
    form: str = TSV
    text_encoding: str = "url-encoded"

    def summary_text(self) -> str:
        shape = (
            f"{self.layout}-field layout"
            if self.form == TSV
            else f"{self.form}, {'URL-encoded' if self.text_encoding == 'url-encoded' else 'plain'} text"
        )
        unit = "rows" if self.form in (PARQUET, SQLITE) else "lines"
        text = (
            f"{self.source_file}: {self.lines_read:,} {unit} ({shape}) -> "
            f"{self.rows_loaded:,} rows loaded, {self.rows_rejected:,} rejected"
        )
        if self.rejects_by_reason:
            text += (
                " (" + ", ".join(f"{code} {count:,}" for code, count in self.rejects_by_reason.items()) + ")"
            )
        return (
            text
            + f" in {self.seconds:.1f} s (stage {self.stage_seconds:.1f} s, load {self.load_seconds:.1f} s)"
        )

    def as_dict(self) -> dict:
        return asdict(self)


def new_run_id() -> str:
    return f"yfcc-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _resolve_batch_licenses(con) -> None:
    """Resolve the batch's few distinct (name, URL) pairs in Python, into yfcc_batch_licenses."""
    pairs = con.execute(
        "SELECT DISTINCT license_name_raw, license_url_raw FROM yfcc_batch_rows WHERE reject_reason IS NULL"
    ).fetchall()
    rows = [(name, url, *resolve_license(name or None, url or None)) for name, url in pairs]
    con.execute("DELETE FROM yfcc_batch_licenses")  # created by _prepare_batch: the batch views read it
    if rows:
        con.executemany("INSERT INTO yfcc_batch_licenses VALUES (?, ?, ?, ?)", rows)


def insert_rows(con, table: str, columns: list[str], rows: list, extra: dict | None = None) -> None:
    """Insert many rows at once through an Arrow table (executemany costs ~1 ms a row: 4096 shards)."""
    if not rows:
        return
    data = pa.table({name: pa.array([row[i] for row in rows]) for i, name in enumerate(columns)})
    constants = ", ".join(f"{sql_string(str(value))} AS {name}" for name, value in (extra or {}).items())
    con.register("yfcc_insert_rows", data)
    try:
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT *{', ' + constants if constants else ''} "
            "FROM yfcc_insert_rows"
        )
    finally:
        con.unregister("yfcc_insert_rows")


def _check_batch(staged: list[StagedFile]) -> None:
    """Refuse a batch that cannot be loaded as a whole: a file twice, a missing shard, or a file
    with no rows (an input with no rows never replaces rows loaded before, whatever its form)."""
    sources = [s.source_file for s in staged]
    if len(set(sources)) != len(sources):
        twice = next(source for source in sources if sources.count(source) > 1)
        raise InputError(f"{twice} is given twice in one ingest")
    for item in staged:
        if item.lines_read <= 0:
            raise InputError(f"{item.source_file}: {no_rows_message(item.form)}")
        for staged_path in (item.parquet_path, item.rejects_path):
            if not Path(staged_path).is_file():
                raise InputError(
                    f"staged file {staged_path} for {item.source_file} is missing; stage it again"
                )


def _prepare_batch(con, staged: list[StagedFile]) -> None:
    # A group's files share one shard (and one rejects file): list each shard once, in order.
    shards = list(dict.fromkeys((s.parquet_path, s.rejects_path) for s in staged))
    position = {pair: index for index, pair in enumerate(shards)}
    con.execute(read_sql("ingest", "yfcc_load_batch.sql"))
    insert_rows(
        con,
        "yfcc_batch_files",
        ["file_idx", "source_file", "parquet_path", "rejects_path", "parquet_pos", "member"],
        [
            (
                idx,
                s.source_file,
                s.parquet_path,
                s.rejects_path,
                position[(s.parquet_path, s.rejects_path)],
                s.member,
            )
            for idx, s in enumerate(staged)
        ],
    )
    con.execute("SET VARIABLE yfcc_batch_parquets = ?", [[pair[0] for pair in shards]])
    con.execute("SET VARIABLE yfcc_batch_reader_rejects = ?", [[pair[1] for pair in shards]])
    con.execute(read_sql("ingest", "yfcc_load_views.sql"))
    _resolve_batch_licenses(con)


def _rejects_by_reason(con) -> dict[str, dict[str, int]]:
    """{source_file: {reason code: count}} for the batch's files, in one query."""
    found: dict[str, dict[str, int]] = {}
    for source_file, code, count in con.execute(
        read_sql("ingest", "yfcc_load_rejects_by_reason.sql")
    ).fetchall():
        found.setdefault(source_file, {})[code] = count
    return found


def _table_is_empty(con, table: str) -> bool:
    return con.execute(f"SELECT count(*) = 0 FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()[0]


def load_staged(con, staged: list[StagedFile], run_id: str | None = None) -> list[FileResult]:
    """Load staged shards in ONE transaction, replacing any earlier load of the same files.

    Repeated photo ids (within the batch, or already loaded from another file) are rejected as
    duplicate_photo_id; the first occurrence wins. Raises CcauditError (and rolls back) if the
    counts do not add up, InputError (changing nothing) for a file with no rows.
    """
    started = time.monotonic()
    staged = [s if isinstance(s, StagedFile) else StagedFile.from_dict(s) for s in staged]
    if not staged:
        return []
    _check_batch(staged)
    run_id = run_id or new_run_id()
    previous = con.execute(
        "SELECT current_setting('preserve_insertion_order'), current_setting('memory_limit')"
    ).fetchone()
    con.execute("SET preserve_insertion_order = false")  # rows carry source_line; order is not needed
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")  # spill beside the database, keep RSS flat
    try:
        with transaction(con):
            results = _load_batch(con, staged, run_id)
    except duckdb.Error as exc:
        raise CcauditError(
            f"loading {', '.join(s.source_file for s in staged)} failed, nothing was changed: "
            f"{str(exc).strip().splitlines()[0]}"
        ) from None
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if previous[0] else 'false'}")
        con.execute("SET memory_limit = ?", [previous[1]])
    load_seconds = round(time.monotonic() - started, 3)
    for result in results:
        result.load_seconds = load_seconds
        result.seconds = round(result.stage_seconds + load_seconds, 3)
    return results


def _load_batch(con, staged: list[StagedFile], run_id: str) -> list[FileResult]:
    """The body of load_staged's transaction: replace, load, record, check the counts."""
    _prepare_batch(con, staged)
    con.execute(read_sql("ingest", "yfcc_load_replace.sql"))
    con.execute(read_sql("ingest", "yfcc_load_duplicates.sql"))
    _insert_photos(con)
    con.execute(read_sql("ingest", "yfcc_load_rejects.sql"), {"run_id": run_id})
    counts = con.execute(read_sql("ingest", "yfcc_load_counts.sql")).fetchall()
    finished_at = utc_now()
    by_reason = _rejects_by_reason(con)
    results, runs = [], []
    for (_file_idx, loaded, rejected), item in zip(counts, staged, strict=True):
        if loaded + rejected != item.lines_read:
            raise CcauditError(
                f"{item.source_file}: {item.lines_read} lines read but {loaded} loaded + "
                f"{rejected} rejected; nothing was changed (please report this bug)"
            )
        runs.append(
            IngestRun(
                run_id,
                item.source_file,
                "yfcc",
                item.started_at,
                finished_at,
                "loaded",
                layout=str(item.layout) if item.form == TSV else item.form,
                file_size=item.file_size,
                fingerprint=item.fingerprint,
                lines_read=item.lines_read,
                rows_loaded=loaded,
                rows_rejected=rejected,
            )
        )
        results.append(
            FileResult(
                source_file=item.source_file,
                layout=item.layout,
                lines_read=item.lines_read,
                rows_loaded=loaded,
                rows_rejected=rejected,
                run_id=run_id,
                seconds=0.0,
                rejects_by_reason=by_reason.get(item.source_file, {}),
                stage_seconds=item.stage_seconds,
                form=item.form,
                text_encoding=item.text_encoding,
            )
        )
    record_runs(con, runs)
    con.execute(read_sql("ingest", "yfcc_load_drop.sql"))
    return results


def _insert_photos(con) -> None:
    # Appending to rows of other files, DuckDB's parallel insert leaves partial row groups that the
    # checkpoint rewrites, keeping the old blocks as free space (measured: +45 bytes/row of file),
    # so it appends with one thread. Into an empty table (a first load, or a re-load of the only
    # file) a parallel insert costs <4% of file size and halves the load (bench: 1M rows 4.4 -> 2.7 s).
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    if not _table_is_empty(con, "yfcc_photos"):
        con.execute("SET threads = 1")
    try:
        con.execute(read_sql("ingest", "yfcc_load_photos.sql"))
    finally:
        con.execute(f"SET threads = {int(threads)}")


def record_failed_run(con, path: Path | str, error: Exception, run_id: str, started_at: datetime) -> None:
    """Best effort: leave an ingest_runs row saying the file failed (the data itself is untouched)."""
    source = str(path) if is_stream(path) else str(Path(path).resolve())
    record_failed_files(con, run_id, "yfcc", [source], started_at, str(error))
