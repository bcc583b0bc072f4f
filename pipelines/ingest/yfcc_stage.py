"""Staging: one YFCC100M input parsed, typed and decoded into a Parquet shard (no database).

Every record becomes one row of the shard, rejected or not (reject_reason set), and the lines the
CSV reader itself refused go to a rejects shard; `lines_read = rows + reader rejects` is checked
against an independent line count before the shard is renamed into place. The SQL is
sql/ingest/yfcc_stage.sql over the view `yfcc_raw` (yfcc_raw_tsv.sql, yfcc_raw_jsonl.sql, or the
Parquet/SQLite query of yfcc_forms.py).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from ..db import utc_now
from ..errors import CcauditError, InputError
from ..licenses import LICENSES, YFCC_LICENSE_IDS
from ..progress import Progress
from ..resources import read_sql
from .decompress import PLAIN, DecompressFifo, LineGuard, count_lines
from .yfcc_forms import (
    JSONL,
    PARQUET,
    SQLITE,
    TSV,
    SqliteBatches,
    looks_url_encoded,
    parquet_columns,
    parquet_sample,
    parquet_select_sql,
    raw_select_sql,
    raw_view_sql,
    sqlite_columns,
    sqlite_sample,
)
from .yfcc_inputs import (
    LINE_LIMIT,
    MAX_LINE_SIZE,
    READ_BUFFER_SIZE,
    STDIN,
    STDIN_SOURCE,
    InputFile,
    guard_file,
    is_stream,
    recognise,
    scratch_folder,
    spool_fits,
    spool_stream,
)

STAGE_MEMORY_LIMIT = "1GB"


@dataclass
class StagedFile:
    """One input file staged as a Parquet shard; JSON-serialisable for Airflow XCom."""

    source_file: str
    layout: int
    parquet_path: str
    rejects_path: str
    lines_read: int
    rows_ok: int
    rows_rejected: int
    file_size: int
    fingerprint: str
    started_at: str
    compression: str = ""
    stage_seconds: float = 0.0
    form: str = TSV  # tsv, jsonl, parquet or sqlite
    text_encoding: str = "url-encoded"  # or plain: whether free text was URL-decoded
    member: int = (
        -1
    )  # >= 0: the shard is shared by a group of files; this file's rows have group_member = member

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StagedFile:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


def no_rows_message(form: str) -> str:
    """The one message for an input without a record, whatever its form: it is refused, so it never
    replaces the rows an earlier ingest of the same file loaded."""
    unit = "rows" if form in (PARQUET, SQLITE) else "lines"
    return f"the input has no {unit} to ingest (an empty input never replaces rows loaded before)"


def _usual_license_strings() -> tuple[list[str], list[str]]:
    """License names and URLs as YFCC100M publishes them; other strings keep their raw line."""
    names, urls = [], []
    for license_id in YFCC_LICENSE_IDS:
        lic = LICENSES[license_id]
        names.append(lic.name_before_2025 or lic.name)
        urls.append(f"http://creativecommons.org/licenses/{lic.code}/{lic.version}/")
    return names, urls


def stage_connection(work_dir: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={"memory_limit": STAGE_MEMORY_LIMIT, "threads": threads or max(2, os.cpu_count() or 2)}
    )
    con.execute("SET temp_directory = ?", [str(work_dir / "duckdb-tmp")])
    con.execute("SET preserve_insertion_order = true")  # Parquet row order = line order
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute(read_sql("ingest", "yfcc_macros.sql"))
    return con


@contextmanager
def _native_progress(con, bar: Progress, total: int) -> Iterator[None]:
    """Drive the byte progress bar from DuckDB's own query progress (plain input)."""
    if not bar.enabled:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            try:
                share = con.query_progress()
            except Exception:  # noqa: BLE001 - progress is best effort
                return
            if share >= 0:
                bar.set(total * share / 100)

    thread = threading.Thread(target=poll, name="ingest-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        bar.set(total)


def _explain_reader_error(path: Path, exc: Exception) -> InputError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "state machine reached an invalid state" in message:
        return InputError(
            f"{path}: cannot split lines: mixed line endings or a stray carriage return "
            "(CRLF files are accepted only when every line ends in CRLF)"
        )
    return InputError(f"{path}: cannot read: {message}")


def stage_yfcc_file(
    path: Path,
    work_dir: Path,
    progress: bool = False,
    *,
    spool: bool | None = None,
    source_name: str | None = None,
) -> StagedFile:
    """Decompress, parse, type and decode one YFCC100M input into a Parquet shard in `work_dir`.

    The input is the Webscope TSV (23 or 25 fields), JSON lines with the YFCC column names (e.g.
    one gzip shard of the `yfcc100m` downloader), a Parquet file with those names or the Multimedia
    Commons SQLite file, recognised from its content (see yfcc_forms.py); text forms may be
    compressed (bz2, gzip, zstd). Writes `<name>.parquet` (every record a row; rejected ones carry
    reject_reason) and `<name>.rejects.parquet` (lines the CSV reader refused). Does not touch the
    database. `path` may be `-` (standard input) or a pipe (FIFO, `/dev/stdin`, `<(...)`): its bytes
    are spooled, decompressed, to `work_dir` first; `source_name` names it in the database.
    `spool`: decompress a regular file to a temporary plain file first (True), stream it through a
    FIFO (False), or decide by the free space in `work_dir` (None).
    """
    started = time.monotonic()
    started_at = utc_now()
    stream = is_stream(path)
    work_dir = Path(work_dir)
    if stream:
        source = source_name or (STDIN_SOURCE if str(path) == STDIN else str(path))
        item = InputFile(Path(path), source, TSV, PLAIN, 0)
        stem_hint = uuid.uuid4().hex[:12]
    else:
        item = recognise(Path(path).resolve())
        stem_hint = item.fingerprint[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(item.source).name or item.source)[:80]
    stem = f"{name}-{stem_hint}"
    scratch = scratch_folder(work_dir, f".{stem}-")
    parquet_path = work_dir / f"{stem}.parquet"
    rejects_path = work_dir / f"{stem}.rejects.parquet"
    try:
        if stream:
            item = spool_stream(item, scratch, progress)
        con = stage_connection(scratch)
        try:
            lines, long_lines = _run_stage_query(con, item, scratch, progress, spool)
            rows, rejected, reader_rejects = finish_stage(
                con, item.path, scratch, lines, long_lines, reader=item.form in (TSV, JSONL)
            )
        finally:
            con.close()
        if rows + reader_rejects == 0:  # e.g. a Parquet file or SQLite table without rows
            raise InputError(f"{item.path}: {no_rows_message(item.form)}")
        # Rename only complete shards into place: a killed stage leaves no half-written shard.
        os.replace(scratch / "staged.parquet", parquet_path)
        os.replace(scratch / "rejects.parquet", rejects_path)
    except OSError as exc:
        raise InputError(f"cannot write staging files in {work_dir}: {exc.strerror or exc}") from None
    except duckdb.Error as exc:  # e.g. the disk filled up while writing the shard
        raise InputError(f"{item.path}: staging failed: {str(exc).strip().splitlines()[0]}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return StagedFile(
        source_file=item.source,
        layout=item.layout,
        parquet_path=str(parquet_path),
        rejects_path=str(rejects_path),
        lines_read=rows + reader_rejects,
        rows_ok=rows - rejected,
        rows_rejected=rejected + reader_rejects,
        file_size=item.size,
        fingerprint=item.fingerprint,
        started_at=started_at.isoformat(sep=" "),
        compression=item.compression,
        stage_seconds=round(time.monotonic() - started, 3),
        form=item.form,
        text_encoding="url-encoded" if item.encoded else "plain",
    )


def finish_stage(
    con, path: Path, scratch: Path, lines: int, long_lines: list, reader: bool = True
) -> tuple[int, int, int]:
    """Write the reader's rejects, renumber if it dropped lines, and check every line is accounted for.

    `reader`: the input went through the CSV reader (text forms); Parquet and SQLite did not.
    """
    if reader:
        con.execute(
            read_sql("ingest", "yfcc_stage_rejects.sql"),
            {"out": str(scratch / "rejects.parquet"), "max_line_size": LINE_LIMIT},
        )
    else:
        con.execute(
            read_sql("ingest", "yfcc_stage_no_rejects.sql"), {"out": str(scratch / "rejects.parquet")}
        )
    if long_lines:
        _mark_long_lines(con, scratch / "rejects.parquet", long_lines)
    reader_rejects = con.execute(
        "SELECT count(*) FROM read_parquet(?)", [str(scratch / "rejects.parquet")]
    ).fetchone()[0]
    if reader_rejects:
        con.execute(
            read_sql("ingest", "yfcc_stage_renumber.sql"),
            {
                "staged": str(scratch / "staged.parquet"),
                "rejects": str(scratch / "rejects.parquet"),
                "out": str(scratch / "renumbered.parquet"),
            },
        )
        os.replace(scratch / "renumbered.parquet", scratch / "staged.parquet")
    rows, rejected = con.execute(
        "SELECT count(*), count(reject_reason) FROM read_parquet(?)", [str(scratch / "staged.parquet")]
    ).fetchone()
    if lines >= 0 and rows + reader_rejects != lines:
        raise InputError(
            f"{path}: the file has {lines:,} lines but the reader returned {rows + reader_rejects:,}; "
            "nothing was loaded (please report this with the file)"
        )
    return rows, rejected, reader_rejects


def _mark_long_lines(con, rejects: Path, long_lines: list[tuple[int, int, bytes]]) -> None:
    """Give the placeholders of over-long lines their reason and first bytes (see LineGuard)."""
    con.execute("CREATE OR REPLACE TEMP TABLE yfcc_long_lines (line BIGINT, length BIGINT, prefix VARCHAR)")
    con.executemany(
        "INSERT INTO yfcc_long_lines VALUES (?, ?, ?)",
        [(line, length, prefix.decode("utf-8", "replace")) for line, length, prefix in long_lines],
    )
    missing = con.execute(
        "SELECT count(*) FROM yfcc_long_lines ANTI JOIN read_parquet(?) AS r "
        "ON r.source_line = yfcc_long_lines.line",
        [str(rejects)],
    ).fetchone()[0]
    if missing:
        raise CcauditError(
            f"{missing} over-long line(s) were not rejected by the reader (please report this bug)"
        )
    out = rejects.with_name("rejects-marked.parquet")
    con.execute(
        read_sql("ingest", "yfcc_stage_long_lines.sql"),
        {"rejects": str(rejects), "line_limit": LINE_LIMIT, "out": str(out)},
    )
    os.replace(out, rejects)


def _stage_sql(con, raw_view: str, encoded: bool, out: Path) -> tuple[str, dict]:
    """yfcc_stage.sql and its parameters, after `raw_view` (a CREATE VIEW statement) has defined
    the view yfcc_raw it reads. The stage stays one statement, so a FIFO is opened once: a view is
    bound again when the statement runs, and creating it does not open the input."""
    known_names, known_urls = _usual_license_strings()
    params = {"encoded": encoded, "known_names": known_names, "known_urls": known_urls, "out": str(out)}
    con.execute(raw_view)
    return read_sql("ingest", "yfcc_stage.sql"), params


def text_stage_sql(con, item: InputFile, source: Path, out: Path) -> tuple[str, dict]:
    for name, value in (
        ("yfcc_source", str(source)),
        ("yfcc_layout", item.layout),
        ("yfcc_max_line_size", MAX_LINE_SIZE),
        ("yfcc_buffer_size", READ_BUFFER_SIZE),
        ("yfcc_key_order", item.key_order),
    ):
        con.execute(f"SET VARIABLE {name} = ?", [value])
    raw = read_sql("ingest", "yfcc_raw_tsv.sql" if item.form == TSV else "yfcc_raw_jsonl.sql")
    return _stage_sql(con, raw, item.encoded, out)


def _run_stage_query(
    con, item: InputFile, scratch: Path, progress: bool, spool: bool | None
) -> tuple[int, list]:
    """Run yfcc_stage.sql on the input; returns the exact line count (-1: no lines) and over-long lines.

    Compressed text is spooled by default: the checking decompressor (all cores for lbzip2)
    writes a plain temporary file, which DuckDB then parses in parallel; measured 2x faster than
    parsing the decompressor's output from a pipe, where DuckDB reads with one thread. Without
    the disk space for that (or with CCAUDIT_INGEST_STREAM=1), the output streams through a FIFO
    and a LineGuard.
    """
    out = scratch / "staged.parquet"
    enabled = None if progress else False
    path = item.path
    if item.form in (PARQUET, SQLITE):
        return _stage_container(con, item, out, enabled), []
    if item.plain is not None:  # a pipe, already spooled and counted
        sql, params = text_stage_sql(con, item, item.plain, out)
        stage_plain(con, sql, params, item.plain, path, enabled)
        assert item.guard is not None  # spool_stream() guards every spooled text input
        return item.guard.lines, item.guard.long_lines
    compression = item.compression
    if compression == PLAIN or (spool if spool is not None else spool_fits(scratch, item.size)):
        plain = path
        if compression != PLAIN:
            plain = scratch / "decompressed.tsv"
            with (
                Progress(item.size, unit="B", label=f"decompress {path.name}", enabled=enabled) as bar,
                DecompressFifo(path, compression, plain, on_bytes=bar.update, fifo=False) as child,
            ):
                child.check()
        # Count the lines (the independent check of the reader) while DuckDB parses: the count is
        # one core at memory speed, 10% of a 1M-row ingest when run before the parse.
        with ThreadPoolExecutor(1, thread_name_prefix="count-lines") as pool:
            counting = pool.submit(count_lines, plain, LINE_LIMIT)
            sql, params = text_stage_sql(con, item, plain, out)
            try:
                stage_plain(con, sql, params, plain, path, enabled)
                failure = None
            except InputError as exc:
                failure = exc
            lines, suspicious = counting.result()
        if not suspicious:
            if failure:
                raise failure
            return lines, []
        # A chunk without a newline: a line may be over-long. Parse a copy in which such lines are
        # replaced by placeholders (rare; see LineGuard).
        guard = guard_file(plain, scratch, lines, suspicious)
        source = scratch / "guarded.tsv" if guard.long_lines else plain
        if guard.long_lines or failure:
            for table in ("reject_errors", "reject_scans"):  # the first parse's reader rejects
                con.execute(f"DROP TABLE IF EXISTS temp.{table}")
            sql, params = text_stage_sql(con, item, source, out)
            stage_plain(con, sql, params, source, path, enabled)
        return guard.lines, guard.long_lines
    guard = LineGuard(LINE_LIMIT)
    with (
        Progress(item.size, unit="B", label=f"ingest {path.name}", enabled=enabled) as bar,
        DecompressFifo(
            path, compression, scratch / "decompressed.fifo", on_bytes=bar.update, guard=guard
        ) as fifo,
    ):
        sql, params = text_stage_sql(con, item, fifo.path, out)
        try:
            con.execute(sql, params)
        except duckdb.Error as exc:
            fifo.check(reader_failed=True)  # a broken archive explains a reader error best
            raise _explain_reader_error(path, exc) from None
        fifo.check()
    return guard.lines, guard.long_lines


def _stage_container(con, item: InputFile, out: Path, enabled: bool | None) -> int:
    """Parquet (DuckDB reads it) or SQLite (ADBC streams Arrow batches into DuckDB); returns the rows."""
    source = item.plain or item.path
    with Progress(item.size, unit="B", label=f"ingest {item.path.name}", enabled=enabled) as bar:
        try:
            if item.form == PARQUET:
                columns = parquet_columns(con, source)
                item.encoded = looks_url_encoded(parquet_sample(con, source, columns))
                sql, params = _stage_sql(
                    con, raw_view_sql(parquet_select_sql(source, columns)), item.encoded, out
                )
                with _native_progress(con, bar, item.size):
                    con.execute(sql, params)
            else:
                columns = sqlite_columns(source)
                item.encoded = looks_url_encoded(sqlite_sample(source, columns))
                with SqliteBatches(source, columns) as batches:
                    con.register("yfcc_sqlite_batches", batches)
                    try:
                        select = raw_select_sql("yfcc_sqlite_batches", columns, "yfcc_rowid", blob=True)
                        sql, params = _stage_sql(con, raw_view_sql(select), item.encoded, out)
                        con.execute(sql, params)
                    finally:
                        con.unregister("yfcc_sqlite_batches")
        except duckdb.Error as exc:
            raise _explain_reader_error(item.path, exc) from None
        except Exception as exc:
            if isinstance(exc, CcauditError):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{item.path}: cannot read: {message}") from None
    # Every row read is in the shard: its own count is the number of records (no reader drops rows).
    return con.execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchone()[0]


def stage_plain(con, sql: str, params: dict, source: Path, path: Path, enabled: bool | None) -> None:
    """DuckDB reads the plain file itself, in parallel; the bar follows its query progress."""
    total = source.stat().st_size
    with (
        Progress(total, unit="B", label=f"ingest {path.name}", enabled=enabled) as bar,
        _native_progress(con, bar, total),
    ):
        try:
            con.execute(sql, params)
        except duckdb.Error as exc:
            raise _explain_reader_error(path, exc) from None
