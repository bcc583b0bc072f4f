"""Streaming ingest of the YFCC100M metadata dump into DuckDB.

Two steps, so that many files can be staged in parallel processes while one process writes the
database (DuckDB allows one writer):

1. `stage_yfcc_file(path, work_dir)` (yfcc_stage.py) decompresses one file with a checking
   decompressor (lbzip2, gzip, zstd or Python) into a temporary plain file that DuckDB parses in
   parallel (or, when the disk is short, streams it through a FIFO), reads every line as one
   column, splits, types and URL-decodes it in SQL (sql/ingest/yfcc_stage.sql) and writes a
   Parquet shard in which every line is a row, rejected or not. It never touches the database.
   What the input is (form, layout, compression, encoding) is found by yfcc_inputs.py; runs of
   small JSON-lines shards are staged together by yfcc_group.py.
2. `load_staged(con, staged)` (yfcc_load.py) loads shards in ONE transaction: it replaces those
   files' rows, resolves licenses, rejects repeated photo ids, records rejects and one
   `ingest_runs` row per file, and checks `lines_read = rows_loaded + rows_rejected` before
   committing.

`ingest_yfcc(con, paths)` (the CLI) runs both. Any failure raises a one-line `InputError` and
leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..db import database_file, utc_now
from ..errors import CcauditError, InputError
from .yfcc_forms import expand_paths
from .yfcc_group import group_inputs, stage_jsonl_group, stage_unit
from .yfcc_inputs import LINE_LIMIT, MAX_LINE_SIZE, STDIN, detect_layout, is_stream, scratch_folder
from .yfcc_load import FileResult, load_staged, new_run_id, record_failed_run
from .yfcc_stage import StagedFile, stage_yfcc_file

__all__ = [
    "LINE_LIMIT",
    "MAX_LINE_SIZE",
    "FileResult",
    "StagedFile",
    "detect_layout",
    "group_inputs",
    "ingest_yfcc",
    "is_stream",
    "load_staged",
    "new_run_id",
    "record_failed_run",
    "stage_jsonl_group",
    "stage_unit",
    "stage_yfcc_file",
]

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


def ingest_yfcc(
    con,
    paths: Sequence[Path | str],
    progress: bool = True,
    work_dir: Path | None = None,
    stdin_name: str | None = None,
) -> list[FileResult]:
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
        if isinstance(path, str) or is_stream(path):  # a str is STDIN here
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
    scratch = scratch_folder(base, f"{_SCRATCH_PREFIX}{os.getpid()}-")
    try:
        staged = []
        for unit in group_inputs(paths):
            try:
                staged.extend(
                    stage_unit(
                        unit,
                        scratch,
                        progress=progress,
                        source_name=stdin_name if str(unit[0]) == STDIN else None,
                    )
                )
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
