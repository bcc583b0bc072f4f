"""Streaming ingest of the YFCC100M metadata dump into DuckDB.

Two steps, so that many files can be staged in parallel processes while one process writes the
database (DuckDB allows one writer):

1. `stage_yfcc_file(path, work_dir)` decompresses one file with a checking decompressor (lbzip2,
   gzip, zstd or Python) into a temporary plain file that DuckDB parses in parallel (or, when the
   disk is short, streams it through a FIFO), reads every line as one column, splits, types and
   URL-decodes it in SQL (sql/ingest/yfcc_stage.sql) and writes a Parquet shard in which every
   line is a row, rejected or not. It never touches the database.
2. `load_staged(con, staged)` loads shards in ONE transaction: it replaces those files' rows,
   resolves licenses, rejects repeated photo ids, records rejects and one `ingest_runs` row per
   file, and checks `lines_read = rows_loaded + rows_rejected` before committing.

`ingest_yfcc(con, paths)` (the CLI) runs both. Any failure raises a one-line `InputError` and
leaves the database as it was.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ..config import ingest_stream_from_env
from ..db import database_file, utc_now
from ..errors import CcauditError, InputError
from ..licenses import LICENSES, YFCC_LICENSE_IDS, resolve_license
from ..progress import Progress
from ..resources import read_sql
from . import MIB, fingerprint
from .decompress import (
    GZIP,
    PLAIN,
    DecompressFifo,
    LineGuard,
    compression_of,
    copy_guarded,
    count_lines,
    detect_compression,
    open_decompressed,
    read_head,
    write_guarded,
)
from .runs import IngestRun, record_failed_files, record_runs
from .yfcc_forms import (
    JSONL,
    PARQUET,
    REQUIRED,
    SQLITE,
    TSV,
    SqliteBatches,
    container_form,
    expand_paths,
    jsonl_sample,
    looks_url_encoded,
    parquet_columns,
    parquet_sample,
    parquet_select_sql,
    raw_select_sql,
    sql_string,
    sqlite_columns,
    sqlite_sample,
    text_form,
)

LAYOUTS = (25, 23)
# Real lines are a few KB; a longer line is rejected rather than failing the file. The reader's
# buffer stays at DuckDB's default 32 MiB (it would grow to 16 x max_line_size), which keeps the
# parallel scan of plain files fine-grained and memory small.
MAX_LINE_SIZE = 4 << 20
LINE_LIMIT = MAX_LINE_SIZE - 1  # the longest line (bytes, without its newline) the reader accepts
READ_BUFFER_SIZE = 32 << 20
STAGE_MEMORY_LIMIT = "1GB"
LOAD_MEMORY_LIMIT = "1GB"


# --- results ------------------------------------------------------------------------------------

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
    form: str = TSV               # tsv, jsonl, parquet or sqlite
    text_encoding: str = "url-encoded"  # or plain: whether free text was URL-decoded
    member: int = -1  # >= 0: the shard is shared by a group of files; this file's rows have group_member = member

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StagedFile:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


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
        shape = (f"{self.layout}-field layout" if self.form == TSV
                 else f"{self.form}, {'URL-encoded' if self.text_encoding == 'url-encoded' else 'plain'} text")
        unit = "rows" if self.form in (PARQUET, SQLITE) else "lines"
        text = (f"{self.source_file}: {self.lines_read:,} {unit} ({shape}) -> "
                f"{self.rows_loaded:,} rows loaded, {self.rows_rejected:,} rejected")
        if self.rejects_by_reason:
            text += " (" + ", ".join(f"{code} {count:,}" for code, count in self.rejects_by_reason.items()) + ")"
        return text + f" in {self.seconds:.1f} s (stage {self.stage_seconds:.1f} s, load {self.load_seconds:.1f} s)"

    def as_dict(self) -> dict:
        return asdict(self)


# --- input recognition --------------------------------------------------------------------------

def detect_layout(head: bytes, path: Path, complete: bool) -> int:
    """25 or 23: the field count most of the first lines have; InputError for anything else.

    `complete` says `head` is the whole file (else its last, partial line is ignored).
    """
    lines = head.split(b"\n")
    if not complete or not lines[-1]:
        lines = lines[:-1]
    sample = [line.rstrip(b"\r") for line in lines[:100] if line.strip()]
    if not sample:
        raise InputError(f"{path}: the file is empty (no lines to ingest)")
    counts = Counter(line.count(b"\t") + 1 for line in sample)
    fields = counts.most_common(1)[0][0]
    if fields not in LAYOUTS:
        raise InputError(f"{path}: not a YFCC100M metadata file (its first lines have {fields} tab-separated "
                         f"fields; expected 25, or 23 for the 2014 shards)")
    id_position = 1 if fields == 25 else 0
    ids = [line.split(b"\t")[id_position] for line in sample if line.count(b"\t") + 1 == fields]
    if sum(photo_id.isdigit() for photo_id in ids) * 2 <= len(ids):
        raise InputError(f"{path}: not a YFCC100M metadata file (field {id_position + 1} of its first lines "
                         "is not a numeric photo id)")
    return fields


def _usual_license_strings() -> tuple[list[str], list[str]]:
    """License names and URLs as YFCC100M publishes them; other strings keep their raw line."""
    names, urls = [], []
    for license_id in YFCC_LICENSE_IDS:
        lic = LICENSES[license_id]
        names.append(lic.name_before_2025 or lic.name)
        urls.append(f"http://creativecommons.org/licenses/{lic.code}/{lic.version}/")
    return names, urls


# --- staging ------------------------------------------------------------------------------------

def _stage_connection(work_dir: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"memory_limit": STAGE_MEMORY_LIMIT,
                                 "threads": threads or max(2, os.cpu_count() or 2)})
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
        return InputError(f"{path}: cannot split lines: mixed line endings or a stray carriage return "
                          "(CRLF files are accepted only when every line ends in CRLF)")
    return InputError(f"{path}: cannot read: {message}")


STDIN = "-"
STDIN_SOURCE = "stdin"  # source_file recorded for `-` unless a name is given


@dataclass
class _Input:
    """What stage_yfcc_file found out about one input before parsing it."""

    path: Path            # as given (a pipe) or resolved
    source: str           # source_file in the database
    form: str             # tsv, jsonl, parquet or sqlite
    compression: str
    size: int
    fingerprint: str = ""
    layout: int = 23
    encoded: bool = True  # free text is URL-encoded
    plain: Path | None = None  # a pipe's spooled, decompressed copy
    guard: LineGuard | None = None


def stage_yfcc_file(path: Path, work_dir: Path, progress: bool = False, *,
                    spool: bool | None = None, source_name: str | None = None) -> StagedFile:
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
        item = _Input(Path(path), source, TSV, PLAIN, 0)
        stem_hint = uuid.uuid4().hex[:12]
    else:
        item = _recognise(Path(path).resolve())
        stem_hint = item.fingerprint[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(item.source).name or item.source)[:80]
    stem = f"{name}-{stem_hint}"
    scratch = _scratch_folder(work_dir, f".{stem}-")
    parquet_path = work_dir / f"{stem}.parquet"
    rejects_path = work_dir / f"{stem}.rejects.parquet"
    try:
        if stream:
            item = _spool_stream(item, scratch, progress)
        con = _stage_connection(scratch)
        try:
            lines, long_lines = _run_stage_query(con, item, scratch, progress, spool)
            rows, rejected, reader_rejects = _finish_stage(con, item.path, scratch, lines, long_lines,
                                                           reader=item.form in (TSV, JSONL))
        finally:
            con.close()
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
        source_file=item.source, layout=item.layout, parquet_path=str(parquet_path), rejects_path=str(rejects_path),
        lines_read=rows + reader_rejects, rows_ok=rows - rejected, rows_rejected=rejected + reader_rejects,
        file_size=item.size, fingerprint=item.fingerprint, started_at=started_at.isoformat(sep=" "),
        compression=item.compression, stage_seconds=round(time.monotonic() - started, 3), form=item.form,
        text_encoding="url-encoded" if item.encoded else "plain")


def _scratch_folder(base: Path, prefix: str) -> Path:
    """A new temporary folder in `base` (created if missing); one line of error when it cannot be."""
    try:
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    except OSError as exc:
        raise InputError(f"cannot write staging files in {base}: {exc.strerror or exc}") from None


def _recognise(path: Path, head_size: int = 1 << 16) -> _Input:
    """Form, compression, layout and text encoding of a regular file, from its first bytes."""
    compression = detect_compression(path)  # also the one-line errors for a missing/unreadable file
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(16)
    form = container_form(magic)
    item = _Input(path, str(path), form or TSV, compression, size, fingerprint(path, size))
    if form == PARQUET or form == SQLITE:
        item.compression = PLAIN
    else:
        head = read_head(path, compression, head_size)
        _recognise_text(item, head, complete=len(head) < head_size)
    return item


def _recognise_text(item: _Input, head: bytes, complete: bool) -> None:
    item.form = text_form(head)
    if item.form == TSV:
        item.layout = detect_layout(head, item.path, complete=complete)
        item.encoded = True  # the Webscope TSV always is: a raw TAB or newline could not appear otherwise
    else:
        sample = jsonl_sample(head)
        if not sample and b'"photoid"' not in head:  # (a shard may start with a broken line: a reject)
            raise InputError(f"{item.path}: not a YFCC100M metadata file (its first line is not a JSON object)")
        missing = [name for name in REQUIRED if sample and not any(name in row for row in sample)]
        if missing:
            raise InputError(f"{item.path}: not a YFCC100M metadata file (its JSON lines have no "
                             f"{', '.join(missing)}; for a derived dataset with only some YFCC columns use "
                             "`ingest manifest --format yfcc-columns`)")
        item.encoded = looks_url_encoded(sample)


# --- many small JSON-lines shards staged as one --------------------------------------------------------

GROUP_FILE_MAX = 256 << 20   # a (compressed) file up to this size may share a staging query
GROUP_BYTES = 1 << 30        # compressed bytes per group: its decompressed spool is a few GB at most


def _in_threads(function, items: list, window: int | None = None) -> Iterator:
    """function(item) for each item, in order, computed by one thread per core with at most
    `window` results waiting: the work is zlib, file reads and hashing, which release the GIL."""
    workers = max(2, os.cpu_count() or 2)
    window = window or 2 * workers
    with ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool:
        pending = [pool.submit(function, item) for item in items[:window]]
        for index in range(len(items)):
            result = pending[index].result()
            pending[index] = None  # drop the finished result: at most `window` held at a time
            if index + window < len(items):
                pending.append(pool.submit(function, items[index + window]))
            yield result


def _recognise_briefly(path) -> _Input | None:
    """_recognise for one of thousands of shards (a 4 KiB look); None for a pipe or a file that
    will fail, which is then staged alone and raises where the failed run is recorded."""
    if is_stream(path):
        return None
    try:
        return _recognise(Path(path).resolve(), head_size=4 << 10)
    except CcauditError:
        return None


def group_inputs(paths: list) -> list[list]:
    """Split the inputs into staging units: runs of small plain or gzip JSON-lines files with the
    same text encoding (e.g. the downloader's 4096 shards) become one unit each, staged by one
    query; anything else is a unit of its own. Staging a shard alone costs ~0.25 s of fixed work."""
    return _group(paths, list(_in_threads(_recognise_briefly, paths)))


def _group(paths: list, items: list[_Input | None]) -> list[list]:
    """group_inputs for inputs already recognised (None: not groupable)."""
    units: list[list] = []
    run: list[_Input] = []
    run_bytes = 0
    for path, item in zip(paths, items, strict=True):
        groupable = (item is not None and item.form == JSONL and item.compression in (PLAIN, GZIP)
                     and item.size <= GROUP_FILE_MAX)
        if run and (not groupable or item.encoded != run[0].encoded or run_bytes + item.size > GROUP_BYTES):
            units.append(run if len(run) > 1 else [run[0].path])
            run, run_bytes = [], 0
        if groupable:
            run.append(item)
            run_bytes += item.size
        else:
            units.append([path])
    if run:
        units.append(run if len(run) > 1 else [run[0].path])
    return units


def stage_unit(unit: list, work_dir: Path, progress: bool = False, source_name: str | None = None) -> list[StagedFile]:
    """Stage one unit of group_inputs: a single input (a path), or a run of JSON-lines files staged
    by one query. A unit of paths (as Airflow passes them through XCom) is recognised again here;
    should its files no longer group (changed since planned), each is staged on its own."""
    if len(unit) == 1:
        only = unit[0]
        return [stage_yfcc_file(getattr(only, "path", only), work_dir, progress=progress, source_name=source_name)]
    paths = [Path(getattr(u, "path", u)) for u in unit]
    recognised = [u for u in unit if isinstance(u, _Input)]
    items = recognised if len(recognised) == len(unit) else list(_in_threads(_recognise_briefly, paths))
    if [len(u) for u in _group(paths, items)] == [len(items)]:
        return stage_jsonl_group(items, work_dir, progress=progress)
    return [stage_yfcc_file(path, work_dir, progress=progress) for path in paths]


def stage_jsonl_group(items: list[_Input], work_dir: Path, progress: bool = False) -> list[StagedFile]:
    """Stage several JSON-lines files with one query: their lines, decompressed and guarded, go to one
    spool; the staged rows are mapped back to (file, line) and split into one shard per file."""
    started, started_at = time.monotonic(), utc_now()
    work_dir = Path(work_dir)
    scratch = _scratch_folder(work_dir, ".jsonl-group-")
    try:
        spool = scratch / "group.jsonl"
        spans, long_lines, total = [], [], 0
        enabled = None if progress else False
        with (open(spool, "wb") as out,
              Progress(sum(i.size for i in items), unit="B", label=f"read {len(items)} files",
                       enabled=enabled) as bar):
            # Small files are decompressed whole, one per core; a group's larger files one by one.
            small = [item for item in items if item.size <= GROUP_PARALLEL_MAX]
            decompressed = _in_threads(_guarded_content, small)
            for index, item in enumerate(items):
                if item.size <= GROUP_PARALLEL_MAX:
                    content, guard = next(decompressed)
                    out.write(content)
                else:
                    guard = _copy_guarded_content(item, out)
                spans.append((index, total, guard.lines))
                long_lines += [(total + line, length, prefix) for line, length, prefix in guard.long_lines]
                total += guard.lines
                bar.update(item.size)
        group = _Input(spool, str(spool), JSONL, PLAIN, spool.stat().st_size, encoded=items[0].encoded)
        con = _stage_connection(scratch)
        try:
            sql, params = _text_stage_sql(con, group, spool, scratch / "staged.parquet")
            _stage_plain(con, sql, params, spool, Path(f"{items[0].path.parent}/(group of {len(items)})"), enabled)
            _finish_stage(con, items[0].path.parent, scratch, total, long_lines)
            spool.unlink()
            counts = _split_group(con, scratch, spans)
        finally:
            con.close()
        seconds = round((time.monotonic() - started) / len(items), 3)
        staged = []
        stem = f"jsonl-group-{items[0].fingerprint[:12]}-{uuid.uuid4().hex[:8]}"
        parquet_path, rejects_path = work_dir / f"{stem}.parquet", work_dir / f"{stem}.rejects.parquet"
        os.replace(scratch / "group.parquet", parquet_path)
        os.replace(scratch / "group.rejects.parquet", rejects_path)
        for (index, _first, lines), item in zip(spans, items, strict=True):
            rows, rejected, reader_rejects = counts.get(index, (0, 0, 0))
            if rows + reader_rejects != lines:
                raise InputError(f"{item.path}: the file has {lines:,} lines but the reader returned "
                                 f"{rows + reader_rejects:,}; nothing was loaded (please report this with the file)")
            staged.append(StagedFile(
                source_file=item.source, layout=item.layout, parquet_path=str(parquet_path),
                rejects_path=str(rejects_path), lines_read=lines, rows_ok=rows - rejected,
                rows_rejected=rejected + reader_rejects, file_size=item.size, fingerprint=item.fingerprint,
                started_at=started_at.isoformat(sep=" "), compression=item.compression, stage_seconds=seconds,
                form=JSONL, text_encoding="url-encoded" if item.encoded else "plain", member=index))
        return staged
    except OSError as exc:
        raise InputError(f"cannot write staging files in {work_dir}: {exc.strerror or exc}") from None
    except duckdb.Error as exc:
        raise InputError(f"{items[0].path.parent}: staging failed: {str(exc).strip().splitlines()[0]}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


GROUP_PARALLEL_MAX = 8 << 20  # compressed bytes: a file this small is decompressed whole in memory


def _copy_guarded_content(item: _Input, out) -> LineGuard:
    """Write a file's lines, decompressed and guarded, to `out`, ending on a newline."""
    try:
        with open_decompressed(item.path, item.compression) as source:
            return write_guarded(source, out, LINE_LIMIT, end_line=True)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{item.path}: corrupt or truncated {item.compression} archive "
                         f"(Python {item.compression}: {exc})") from None


def _guarded_content(item: _Input) -> tuple[bytes, LineGuard]:
    buffer = io.BytesIO()
    guard = _copy_guarded_content(item, buffer)
    return buffer.getvalue(), guard


def _split_group(con, scratch: Path, spans: list[tuple[int, int, int]]) -> dict[int, tuple[int, int, int]]:
    """scratch/staged.parquet and rejects.parquet (lines of the group spool) -> group.parquet and
    group.rejects.parquet with each row's file (group_member) and line in that file;
    {member: (rows, rejected, reader rejects)}."""
    con.execute("CREATE OR REPLACE TEMP TABLE yfcc_group_files (file_idx INTEGER, first_line BIGINT, lines BIGINT)")
    _insert_rows(con, "yfcc_group_files", ["file_idx", "first_line", "lines"], spans)
    staged, rejects = str(scratch / "staged.parquet"), str(scratch / "rejects.parquet")
    for relation, line, excluded, target in (
        (f"read_parquet({sql_string(staged)}, file_row_number = true)",
         "coalesce(g.source_line, g.file_row_number + 1)", "source_line, group_member, file_row_number", "group"),
        (f"read_parquet({sql_string(rejects)})", "g.source_line", "source_line, group_member", "group.rejects"),
    ):
        con.execute(f"""COPY (SELECT {line} - f.first_line AS source_line, g.* EXCLUDE ({excluded}),
                                    f.file_idx AS group_member
                             FROM {relation} AS g
                             ASOF JOIN yfcc_group_files AS f ON {line} > f.first_line)
                        TO {sql_string(str(scratch / (target + '.parquet')))}
                        (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)""")
    counts = {index: [0, 0, 0] for index, _, _ in spans}
    for index, rows, rejected in con.execute(
            "SELECT group_member, count(*), count(reject_reason) FROM read_parquet(?) GROUP BY ALL",
            [str(scratch / "group.parquet")]).fetchall():
        counts[index][0], counts[index][1] = rows, rejected
    for index, rejected in con.execute("SELECT group_member, count(*) FROM read_parquet(?) GROUP BY ALL",
                                       [str(scratch / "group.rejects.parquet")]).fetchall():
        counts[index][2] = rejected
    return {index: tuple(values) for index, values in counts.items()}


def is_stream(path) -> bool:
    """`-`, or a path that is a pipe or character device (FIFO, /dev/stdin, `<(...)`), not a file."""
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _spool_stream(item: _Input, scratch: Path, progress: bool) -> _Input:
    """Copy a pipe, decompressed (and line-guarded if it is text), to scratch: a pipe cannot be re-read."""
    path, plain = item.path, scratch / "decompressed"
    enabled = None if progress else False
    try:
        handle = sys.stdin.buffer if str(path) == STDIN else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    total = [0]
    guard = None
    try:
        head = handle.read(1 << 16)
        compression = compression_of(head)
        with Progress(None, unit="B", label=f"read {path}", enabled=enabled) as bar:
            def count(n: int) -> None:
                total[0] += n
                bar.update(n)

            if compression == PLAIN and container_form(head):
                total[0] += len(head)
                with open(plain, "wb") as out:
                    out.write(head)
                    while chunk := handle.read(MIB):
                        out.write(chunk)
                        count(len(chunk))
            elif compression == PLAIN:
                total[0] += len(head)
                guard = copy_guarded(handle, plain, LINE_LIMIT, head=head, on_bytes=count)
            else:
                with DecompressFifo(path, compression, plain, on_bytes=count, fifo=False,
                                    stream=handle, head=head) as child:
                    child.check()
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if total[0] == 0:
        raise InputError(f"{path}: the input is empty (no lines to ingest)")
    with open(plain, "rb") as spooled:
        magic = spooled.read(16)
    form = container_form(magic)
    item.compression, item.size, item.plain, item.fingerprint = compression, total[0], plain, fingerprint(plain)
    if form:
        item.form = form
        return item
    head = read_head(plain, PLAIN)
    _recognise_text(item, head, complete=len(head) < (1 << 16))
    if guard is None:
        guard = _guard_file(plain, scratch, *count_lines(plain, LINE_LIMIT))
        if guard.long_lines:
            os.replace(scratch / "guarded.tsv", plain)
    item.guard = guard
    return item


def _guard_file(plain: Path, scratch: Path, lines: int, suspicious: bool) -> LineGuard:
    """A LineGuard for a plain file: counted only, or (rarely) copied with over-long lines replaced."""
    if not suspicious:
        guard = LineGuard(LINE_LIMIT)
        guard.lines = lines
        return guard
    with open(plain, "rb") as handle:
        return copy_guarded(handle, scratch / "guarded.tsv", LINE_LIMIT)


def _finish_stage(con, path: Path, scratch: Path, lines: int, long_lines: list,
                  reader: bool = True) -> tuple[int, int, int]:
    """Write the reader's rejects, renumber if it dropped lines, and check every line is accounted for.

    `reader`: the input went through the CSV reader (text forms); Parquet and SQLite did not.
    """
    if reader:
        con.execute(read_sql("ingest", "yfcc_stage_rejects.sql"),
                    {"out": str(scratch / "rejects.parquet"), "max_line_size": LINE_LIMIT})
    else:
        con.execute("COPY (SELECT NULL::BIGINT AS source_line, NULL::VARCHAR AS reject_reason, "
                    "NULL::VARCHAR AS raw_line, NULL::INTEGER AS group_member WHERE false) TO ? (FORMAT parquet)",
                    [str(scratch / "rejects.parquet")])
    if long_lines:
        _mark_long_lines(con, scratch / "rejects.parquet", long_lines)
    reader_rejects = con.execute("SELECT count(*) FROM read_parquet(?)",
                                 [str(scratch / "rejects.parquet")]).fetchone()[0]
    if reader_rejects:
        con.execute(read_sql("ingest", "yfcc_stage_renumber.sql"),
                    {"staged": str(scratch / "staged.parquet"), "rejects": str(scratch / "rejects.parquet"),
                     "out": str(scratch / "renumbered.parquet")})
        os.replace(scratch / "renumbered.parquet", scratch / "staged.parquet")
    rows, rejected = con.execute("SELECT count(*), count(reject_reason) FROM read_parquet(?)",
                                 [str(scratch / "staged.parquet")]).fetchone()
    if lines >= 0 and rows + reader_rejects != lines:
        raise InputError(f"{path}: the file has {lines:,} lines but the reader returned {rows + reader_rejects:,}; "
                         "nothing was loaded (please report this with the file)")
    return rows, rejected, reader_rejects


def _mark_long_lines(con, rejects: Path, long_lines: list[tuple[int, int, bytes]]) -> None:
    """Give the placeholders of over-long lines their reason and first bytes (see LineGuard)."""
    con.execute("CREATE OR REPLACE TEMP TABLE yfcc_long_lines (line BIGINT, length BIGINT, prefix VARCHAR)")
    con.executemany("INSERT INTO yfcc_long_lines VALUES (?, ?, ?)",
                    [(line, length, prefix.decode("utf-8", "replace")) for line, length, prefix in long_lines])
    missing = con.execute("SELECT count(*) FROM yfcc_long_lines ANTI JOIN read_parquet(?) AS r "
                          "ON r.source_line = yfcc_long_lines.line", [str(rejects)]).fetchone()[0]
    if missing:
        raise CcauditError(f"{missing} over-long line(s) were not rejected by the reader (please report this bug)")
    out = rejects.with_name("rejects-marked.parquet")
    con.execute(f"""COPY (SELECT r.source_line,
                         CASE WHEN l.line IS NULL THEN r.reject_reason
                              ELSE format('parse: line longer than {{}} bytes', {LINE_LIMIT}) END AS reject_reason,
                         coalesce(l.prefix, r.raw_line) AS raw_line, r.group_member
                  FROM read_parquet(?) AS r LEFT JOIN yfcc_long_lines AS l ON l.line = r.source_line
                  ORDER BY r.source_line) TO {sql_string(str(out))} (FORMAT parquet)""", [str(rejects)])
    os.replace(out, rejects)


def _stage_sql(raw_select: str, encoded: bool, out: Path) -> tuple[str, dict]:
    """yfcc_stage.sql with `raw_select` in place of yfcc_raw: one statement (a FIFO is opened once)."""
    known_names, known_urls = _usual_license_strings()
    params = {"encoded": encoded, "known_names": known_names, "known_urls": known_urls, "out": str(out)}
    sql = read_sql("ingest", "yfcc_stage.sql").replace("FROM yfcc_raw", f"FROM ({raw_select})")
    return sql, params


def _text_stage_sql(con, item: _Input, source: Path, out: Path) -> tuple[str, dict]:
    for name, value in (("yfcc_source", str(source)), ("yfcc_layout", item.layout),
                        ("yfcc_max_line_size", MAX_LINE_SIZE), ("yfcc_buffer_size", READ_BUFFER_SIZE)):
        con.execute(f"SET VARIABLE {name} = ?", [value])
    raw = read_sql("ingest", "yfcc_raw_tsv.sql" if item.form == TSV else "yfcc_raw_jsonl.sql")
    return _stage_sql(raw, item.encoded, out)


def _run_stage_query(con, item: _Input, scratch: Path, progress: bool, spool: bool | None) -> tuple[int, list]:
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
        sql, params = _text_stage_sql(con, item, item.plain, out)
        _stage_plain(con, sql, params, item.plain, path, enabled)
        return item.guard.lines, item.guard.long_lines
    compression = item.compression
    if compression == PLAIN or (spool if spool is not None else _spool_fits(scratch, item.size)):
        plain = path
        if compression != PLAIN:
            plain = scratch / "decompressed.tsv"
            with (Progress(item.size, unit="B", label=f"decompress {path.name}", enabled=enabled) as bar,
                  DecompressFifo(path, compression, plain, on_bytes=bar.update, fifo=False) as child):
                child.check()
        # Count the lines (the independent check of the reader) while DuckDB parses: the count is
        # one core at memory speed, 10% of a 1M-row ingest when run before the parse.
        with ThreadPoolExecutor(1, thread_name_prefix="count-lines") as pool:
            counting = pool.submit(count_lines, plain, LINE_LIMIT)
            sql, params = _text_stage_sql(con, item, plain, out)
            try:
                _stage_plain(con, sql, params, plain, path, enabled)
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
        guard = _guard_file(plain, scratch, lines, suspicious)
        source = scratch / "guarded.tsv" if guard.long_lines else plain
        if guard.long_lines or failure:
            for table in ("reject_errors", "reject_scans"):  # the first parse's reader rejects
                con.execute(f"DROP TABLE IF EXISTS temp.{table}")
            sql, params = _text_stage_sql(con, item, source, out)
            _stage_plain(con, sql, params, source, path, enabled)
        return guard.lines, guard.long_lines
    guard = LineGuard(LINE_LIMIT)
    with (Progress(item.size, unit="B", label=f"ingest {path.name}", enabled=enabled) as bar,
          DecompressFifo(path, compression, scratch / "decompressed.fifo", on_bytes=bar.update,
                         guard=guard) as fifo):
        sql, params = _text_stage_sql(con, item, fifo.path, out)
        try:
            con.execute(sql, params)
        except duckdb.Error as exc:
            fifo.check(reader_failed=True)  # a broken archive explains a reader error best
            raise _explain_reader_error(path, exc) from None
        fifo.check()
    return guard.lines, guard.long_lines


def _stage_container(con, item: _Input, out: Path, enabled: bool | None) -> int:
    """Parquet (DuckDB reads it) or SQLite (ADBC streams Arrow batches into DuckDB); returns the rows."""
    source = item.plain or item.path
    with Progress(item.size, unit="B", label=f"ingest {item.path.name}", enabled=enabled) as bar:
        try:
            if item.form == PARQUET:
                columns = parquet_columns(con, source)
                item.encoded = looks_url_encoded(parquet_sample(con, source, columns))
                sql, params = _stage_sql(parquet_select_sql(source, columns), item.encoded, out)
                with _native_progress(con, bar, item.size):
                    con.execute(sql, params)
            else:
                columns = sqlite_columns(source)
                item.encoded = looks_url_encoded(sqlite_sample(source, columns))
                with SqliteBatches(source, columns) as batches:
                    con.register("yfcc_sqlite_batches", batches)
                    try:
                        select = raw_select_sql("yfcc_sqlite_batches", columns, "yfcc_rowid", blob=True)
                        sql, params = _stage_sql(select, item.encoded, out)
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


def _stage_plain(con, sql: str, params: dict, source: Path, path: Path, enabled: bool | None) -> None:
    """DuckDB reads the plain file itself, in parallel; the bar follows its query progress."""
    total = source.stat().st_size
    with (Progress(total, unit="B", label=f"ingest {path.name}", enabled=enabled) as bar,
          _native_progress(con, bar, total)):
        try:
            con.execute(sql, params)
        except duckdb.Error as exc:
            raise _explain_reader_error(path, exc) from None


def _spool_fits(folder: Path, compressed_size: int) -> bool:
    """Whether `folder` has room for the decompressed file (YFCC text compresses 4-6x; allow 8x)."""
    if ingest_stream_from_env():  # CCAUDIT_INGEST_STREAM=1: stream through a FIFO, never spool
        return False
    return shutil.disk_usage(folder).free > compressed_size * 8 + (1 << 30)


# --- loading ------------------------------------------------------------------------------------

def new_run_id() -> str:
    return f"yfcc-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _resolve_batch_licenses(con) -> None:
    """Resolve the batch's few distinct (name, URL) pairs in Python, into yfcc_batch_licenses."""
    pairs = con.execute("SELECT DISTINCT license_name_raw, license_url_raw FROM yfcc_batch_rows "
                        "WHERE reject_reason IS NULL").fetchall()
    rows = [(name, url, *resolve_license(name or None, url or None)) for name, url in pairs]
    con.execute("DELETE FROM yfcc_batch_licenses")  # created by _prepare_batch: the batch views read it
    if rows:
        con.executemany("INSERT INTO yfcc_batch_licenses VALUES (?, ?, ?, ?)", rows)


def _insert_rows(con, table: str, columns: list[str], rows: list, extra: dict | None = None) -> None:
    """Insert many rows at once through an Arrow table (executemany costs ~1 ms a row: 4096 shards)."""
    import pyarrow as pa

    if not rows:
        return
    data = pa.table({name: pa.array([row[i] for row in rows]) for i, name in enumerate(columns)})
    constants = ", ".join(f"{sql_string(str(value))} AS {name}" for name, value in (extra or {}).items())
    con.register("yfcc_insert_rows", data)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT *{', ' + constants if constants else ''} "
                    "FROM yfcc_insert_rows")
    finally:
        con.unregister("yfcc_insert_rows")


def _prepare_batch(con, staged: list[StagedFile]) -> None:
    for item in staged:
        for staged_path in (item.parquet_path, item.rejects_path):
            if not Path(staged_path).is_file():
                raise InputError(f"staged file {staged_path} for {item.source_file} is missing; stage it again")
    # A group's files share one shard (and one rejects file): list each shard once, in order.
    shards = list(dict.fromkeys((s.parquet_path, s.rejects_path) for s in staged))
    position = {pair: index for index, pair in enumerate(shards)}
    con.execute("CREATE OR REPLACE TEMP TABLE yfcc_batch_files (file_idx INTEGER, source_file VARCHAR, "
                "parquet_path VARCHAR, rejects_path VARCHAR, parquet_pos INTEGER, member INTEGER)")
    _insert_rows(con, "yfcc_batch_files",
                 ["file_idx", "source_file", "parquet_path", "rejects_path", "parquet_pos", "member"],
                 [(idx, s.source_file, s.parquet_path, s.rejects_path, position[(s.parquet_path, s.rejects_path)],
                   s.member) for idx, s in enumerate(staged)])
    con.execute("SET VARIABLE yfcc_batch_parquets = ?", [[pair[0] for pair in shards]])
    con.execute("SET VARIABLE yfcc_batch_reader_rejects = ?", [[pair[1] for pair in shards]])
    con.execute("CREATE OR REPLACE TEMP TABLE yfcc_batch_licenses (license_name_raw VARCHAR, "
                "license_url_raw VARCHAR, license_id INTEGER, problem VARCHAR)")
    con.execute(read_sql("ingest", "yfcc_load_views.sql"))
    _resolve_batch_licenses(con)


def _drop_batch(con) -> None:
    for statement in ("DROP VIEW IF EXISTS yfcc_batch_candidates", "DROP VIEW IF EXISTS yfcc_batch_rows",
                      "DROP TABLE IF EXISTS yfcc_batch_duplicates", "DROP TABLE IF EXISTS yfcc_batch_licenses",
                      "DROP TABLE IF EXISTS yfcc_batch_files"):
        con.execute(statement)


def _rejects_by_reason(con) -> dict[str, dict[str, int]]:
    """{source_file: {reason code: count}} for the batch's files, in one query."""
    rows = con.execute("SELECT source_file, split_part(reason, ':', 1) AS code, count(*) FROM ingest_rejects "
                       "SEMI JOIN yfcc_batch_files USING (source_file) GROUP BY ALL "
                       "ORDER BY source_file, count(*) DESC, code").fetchall()
    found: dict[str, dict[str, int]] = {}
    for source_file, code, count in rows:
        found.setdefault(source_file, {})[code] = count
    return found


def _table_is_empty(con, table: str) -> bool:
    return con.execute(f"SELECT count(*) = 0 FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()[0]


def load_staged(con, staged: list[StagedFile], run_id: str | None = None) -> list[FileResult]:
    """Load staged shards in ONE transaction, replacing any earlier load of the same files.

    Repeated photo ids (within the batch, or already loaded from another file) are rejected as
    duplicate_photo_id; the first occurrence wins. Raises CcauditError (and rolls back) if the
    counts do not add up.
    """
    started = time.monotonic()
    staged = [s if isinstance(s, StagedFile) else StagedFile.from_dict(s) for s in staged]
    if not staged:
        return []
    sources = [s.source_file for s in staged]
    if len(set(sources)) != len(sources):
        twice = next(source for source in sources if sources.count(source) > 1)
        raise InputError(f"{twice} is given twice in one ingest")
    run_id = run_id or new_run_id()
    previous = con.execute("SELECT current_setting('preserve_insertion_order'), "
                           "current_setting('memory_limit')").fetchone()
    con.execute("SET preserve_insertion_order = false")  # rows carry source_line; order is not needed
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")  # spill beside the database, keep RSS flat
    con.execute("BEGIN TRANSACTION")
    try:
        _prepare_batch(con, staged)
        con.execute("DELETE FROM yfcc_photos WHERE source_file IN (SELECT source_file FROM yfcc_batch_files)")
        con.execute("DELETE FROM ingest_rejects WHERE source_file IN (SELECT source_file FROM yfcc_batch_files)")
        con.execute(read_sql("ingest", "yfcc_load_duplicates.sql"))
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
        con.execute(read_sql("ingest", "yfcc_load_rejects.sql"), {"run_id": run_id})
        counts = con.execute(read_sql("ingest", "yfcc_load_counts.sql")).fetchall()
        finished_at = utc_now()
        by_reason = _rejects_by_reason(con)
        results, runs = [], []
        for (file_idx, loaded, rejected), item in zip(counts, staged, strict=True):
            if loaded + rejected != item.lines_read:
                raise CcauditError(f"{item.source_file}: {item.lines_read} lines read but {loaded} loaded + "
                                   f"{rejected} rejected; nothing was changed (please report this bug)")
            runs.append(IngestRun(run_id, item.source_file, "yfcc", item.started_at, finished_at, "loaded",
                                  layout=str(item.layout) if item.form == TSV else item.form,
                                  file_size=item.file_size, fingerprint=item.fingerprint,
                                  lines_read=item.lines_read, rows_loaded=loaded, rows_rejected=rejected))
            results.append(FileResult(
                source_file=item.source_file, layout=item.layout, lines_read=item.lines_read,
                rows_loaded=loaded, rows_rejected=rejected, run_id=run_id, seconds=0.0,
                rejects_by_reason=by_reason.get(item.source_file, {}), stage_seconds=item.stage_seconds,
                form=item.form, text_encoding=item.text_encoding))
        record_runs(con, runs)
        _drop_batch(con)
        con.execute("COMMIT")
        load_seconds = round(time.monotonic() - started, 3)
        for result in results:
            result.load_seconds = load_seconds
            result.seconds = round(result.stage_seconds + load_seconds, 3)
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise CcauditError(f"loading {', '.join(sources)} failed, nothing was changed: "
                               f"{str(exc).strip().splitlines()[0]}") from None
        raise
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if previous[0] else 'false'}")
        con.execute("SET memory_limit = ?", [previous[1]])
    return results


def record_failed_run(con, path: Path, error: Exception, run_id: str, started_at: datetime) -> None:
    """Best effort: leave an ingest_runs row saying the file failed (the data itself is untouched)."""
    source = str(path) if is_stream(path) else str(Path(path).resolve())
    record_failed_files(con, run_id, "yfcc", [source], started_at, str(error))


# --- the CLI entry point -------------------------------------------------------------------------

def _database_dir(con) -> Path | None:
    path = database_file(con)
    return path.parent if path else None


_SCRATCH_PREFIX = ".ccaudit-ingest-"


def _remove_stale_scratch(base: Path) -> None:
    """Delete staging folders left by an ingest that was killed (its process no longer exists)."""
    for folder in base.glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = folder.name.removeprefix(_SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and folder.is_dir() and not _process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ingest_yfcc(con, paths: list[Path], progress: bool = True, work_dir: Path | None = None,
                stdin_name: str | None = None) -> list[FileResult]:
    """Ingest YFCC100M files (any compression, either layout) into the database behind `con`.

    Every file is staged (decompressed, typed, decoded) to Parquet first, then all are loaded in
    one transaction: on any error nothing changes in the database and an InputError says why.
    A path may be `-` (standard input, recorded as `stdin_name`, default "stdin") or a pipe.
    """
    paths = [Path(p) if str(p) != STDIN else STDIN for p in expand_paths(paths)]
    if not paths:
        raise InputError("no YFCC100M files given")
    if sum(str(p) == STDIN for p in paths) > 1:
        raise InputError("standard input (-) is given twice")
    for path in paths:
        if is_stream(path):
            continue
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a YFCC100M file")
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if not path.is_file():
            raise InputError(f"{path}: not a regular file or a pipe")
    run_id = new_run_id()
    started_at = utc_now()
    base = Path(work_dir) if work_dir else (_database_dir(con) or Path(tempfile.gettempdir()))
    _remove_stale_scratch(base)
    scratch = _scratch_folder(base, f"{_SCRATCH_PREFIX}{os.getpid()}-")
    try:
        staged = []
        for unit in group_inputs(paths):
            try:
                staged.extend(stage_unit(unit, scratch, progress=progress,
                                         source_name=stdin_name if str(unit[0]) == STDIN else None))
            except CcauditError as exc:
                for item in unit:
                    record_failed_run(con, getattr(item, "path", item), exc, run_id, started_at)
                raise
        try:
            return load_staged(con, staged, run_id=run_id)
        except CcauditError as exc:
            for path in paths:
                record_failed_run(con, path, exc, run_id, started_at)
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
