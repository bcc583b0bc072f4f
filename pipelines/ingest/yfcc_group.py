"""Many small JSON-lines files (e.g. the `yfcc100m` downloader's 4096 gzip shards) staged as one.

Staging a file alone costs ~0.25 s of fixed work; a run of small files with the same text encoding
is decompressed (one thread per core) into one spool, staged by one query, and split back into
one row set per file with each row's own line number (sql/ingest/yfcc_group_split_*.sql).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb

from ..db import utc_now
from ..errors import InputError
from ..progress import Progress
from ..resources import read_sql
from .decompress import GZIP, PLAIN
from .yfcc_forms import JSONL
from .yfcc_inputs import (
    GROUP_PARALLEL_MAX,
    InputFile,
    copy_guarded_content,
    guarded_content,
    recognise_briefly,
    scratch_folder,
)
from .yfcc_load import insert_rows
from .yfcc_stage import (
    StagedFile,
    finish_stage,
    stage_connection,
    stage_plain,
    stage_yfcc_file,
    text_stage_sql,
)

GROUP_FILE_MAX = 256 << 20  # a (compressed) file up to this size may share a staging query
GROUP_BYTES = 1 << 30  # compressed bytes per group: its decompressed spool is a few GB at most


def _in_threads(function, items: list, window: int | None = None) -> Iterator:
    """function(item) for each item, in order, computed by one thread per core with at most
    `window` results waiting: the work is zlib, file reads and hashing, which release the GIL."""
    workers = max(2, os.cpu_count() or 2)
    window = window or 2 * workers
    with ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool:
        pending: list[Future | None] = [pool.submit(function, item) for item in items[:window]]
        for index in range(len(items)):
            future = pending[index]
            assert future is not None  # each index is taken once
            result = future.result()
            pending[index] = None  # drop the finished result: at most `window` held at a time
            if index + window < len(items):
                pending.append(pool.submit(function, items[index + window]))
            yield result


def group_inputs(paths: list) -> list[list]:
    """Split the inputs into staging units: runs of small plain or gzip JSON-lines files with the
    same text encoding (e.g. the downloader's 4096 shards) become one unit each, staged by one
    query; anything else is a unit of its own. Staging a shard alone costs ~0.25 s of fixed work."""
    return _group(paths, list(_in_threads(recognise_briefly, paths)))


def _group(paths: list, items: Sequence[InputFile | None]) -> list[list]:
    """group_inputs for inputs already recognised (None: not groupable)."""
    units: list[list] = []
    run: list[InputFile] = []
    run_bytes = 0
    for path, item in zip(paths, items, strict=True):
        member = (
            item
            if (
                item is not None
                and item.form == JSONL
                and item.compression in (PLAIN, GZIP)
                and item.size <= GROUP_FILE_MAX
            )
            else None
        )  # None: not groupable
        if run and (
            member is None or member.encoded != run[0].encoded or run_bytes + member.size > GROUP_BYTES
        ):
            units.append(run if len(run) > 1 else [run[0].path])
            run, run_bytes = [], 0
        if member is not None:
            run.append(member)
            run_bytes += member.size
        else:
            units.append([path])
    if run:
        units.append(run if len(run) > 1 else [run[0].path])
    return units


def stage_unit(
    unit: list, work_dir: Path, progress: bool = False, source_name: str | None = None
) -> list[StagedFile]:
    """Stage one unit of group_inputs: a single input (a path), or a run of JSON-lines files staged
    by one query. A unit of paths (as Airflow passes them through XCom) is recognised again here;
    should its files no longer group (changed since planned), each is staged on its own."""
    if len(unit) == 1:
        only = unit[0]
        return [
            stage_yfcc_file(getattr(only, "path", only), work_dir, progress=progress, source_name=source_name)
        ]
    paths = [Path(getattr(u, "path", u)) for u in unit]
    recognised = [u for u in unit if isinstance(u, InputFile)]
    items = recognised if len(recognised) == len(unit) else list(_in_threads(recognise_briefly, paths))
    if [len(u) for u in _group(paths, items)] == [len(items)]:
        return stage_jsonl_group(items, work_dir, progress=progress)
    return [stage_yfcc_file(path, work_dir, progress=progress) for path in paths]


def stage_jsonl_group(items: list[InputFile], work_dir: Path, progress: bool = False) -> list[StagedFile]:
    """Stage several JSON-lines files with one query: their lines, decompressed and guarded, go to one
    spool; the staged rows are mapped back to (file, line) and split into one shard per file."""
    started, started_at = time.monotonic(), utc_now()
    work_dir = Path(work_dir)
    scratch = scratch_folder(work_dir, ".jsonl-group-")
    try:
        spool = scratch / "group.jsonl"
        spans, long_lines, total = [], [], 0
        enabled = None if progress else False
        with (
            open(spool, "wb") as out,
            Progress(
                sum(i.size for i in items), unit="B", label=f"read {len(items)} files", enabled=enabled
            ) as bar,
        ):
            # Small files are decompressed whole, one per core; a group's larger files one by one.
            small = [item for item in items if item.size <= GROUP_PARALLEL_MAX]
            decompressed = _in_threads(guarded_content, small)
            for index, item in enumerate(items):
                if item.size <= GROUP_PARALLEL_MAX:
                    content, guard = next(decompressed)
                    out.write(content)
                else:
                    guard = copy_guarded_content(item, out)
                spans.append((index, total, guard.lines))
                long_lines += [(total + line, length, prefix) for line, length, prefix in guard.long_lines]
                total += guard.lines
                bar.update(item.size)
        group = InputFile(
            spool,
            str(spool),
            JSONL,
            PLAIN,
            spool.stat().st_size,
            encoded=items[0].encoded,
            key_order=items[0].key_order,
        )
        con = stage_connection(scratch)
        try:
            sql, params = text_stage_sql(con, group, spool, scratch / "staged.parquet")
            stage_plain(
                con, sql, params, spool, Path(f"{items[0].path.parent}/(group of {len(items)})"), enabled
            )
            finish_stage(con, items[0].path.parent, scratch, total, long_lines)
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
                raise InputError(
                    f"{item.path}: the file has {lines:,} lines but the reader returned "
                    f"{rows + reader_rejects:,}; nothing was loaded (please report this with the file)"
                )
            staged.append(
                StagedFile(
                    source_file=item.source,
                    layout=item.layout,
                    parquet_path=str(parquet_path),
                    rejects_path=str(rejects_path),
                    lines_read=lines,
                    rows_ok=rows - rejected,
                    rows_rejected=rejected + reader_rejects,
                    file_size=item.size,
                    fingerprint=item.fingerprint,
                    started_at=started_at.isoformat(sep=" "),
                    compression=item.compression,
                    stage_seconds=seconds,
                    form=JSONL,
                    text_encoding="url-encoded" if item.encoded else "plain",
                    member=index,
                )
            )
        return staged
    except OSError as exc:
        raise InputError(f"cannot write staging files in {work_dir}: {exc.strerror or exc}") from None
    except duckdb.Error as exc:
        raise InputError(
            f"{items[0].path.parent}: staging failed: {str(exc).strip().splitlines()[0]}"
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _split_group(con, scratch: Path, spans: list[tuple[int, int, int]]) -> dict[int, tuple[int, int, int]]:
    """scratch/staged.parquet and rejects.parquet (lines of the group spool) -> group.parquet and
    group.rejects.parquet with each row's file (group_member) and line in that file;
    {member: (rows, rejected, reader rejects)}."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE yfcc_group_files (file_idx INTEGER, first_line BIGINT, lines BIGINT)"
    )
    insert_rows(con, "yfcc_group_files", ["file_idx", "first_line", "lines"], spans)
    con.execute(
        read_sql("ingest", "yfcc_group_split_rows.sql"),
        {"staged": str(scratch / "staged.parquet"), "out": str(scratch / "group.parquet")},
    )
    con.execute(
        read_sql("ingest", "yfcc_group_split_rejects.sql"),
        {"rejects": str(scratch / "rejects.parquet"), "out": str(scratch / "group.rejects.parquet")},
    )
    counts = {index: [0, 0, 0] for index, _, _ in spans}
    for index, rows, rejected in con.execute(
        "SELECT group_member, count(*), count(reject_reason) FROM read_parquet(?) GROUP BY ALL",
        [str(scratch / "group.parquet")],
    ).fetchall():
        counts[index][0], counts[index][1] = rows, rejected
    for index, rejected in con.execute(
        "SELECT group_member, count(*) FROM read_parquet(?) GROUP BY ALL",
        [str(scratch / "group.rejects.parquet")],
    ).fetchall():
        counts[index][2] = rejected
    return {index: (rows, rejected, reader) for index, (rows, rejected, reader) in counts.items()}
