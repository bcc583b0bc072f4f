"""Ingest the manifests of datasets derived from Flickr into `datasets` + `dataset_items`.

`ingest_manifest` = `stage_manifest` (parse every file to Parquet, no database) + `load_staged_manifest`
(one transaction, single writer). Airflow runs the two steps as separate tasks and passes the
`StagedManifest.as_dict()` through XCom; the CLI calls `ingest_manifest`.

Every item of a manifest becomes a row (several faces of one photo stay several items); every line
that cannot be read becomes an `ingest_rejects` row with its line number; a manifest without any
pointer back to Flickr is still recorded, with `datasets.auditable = FALSE`.
"""

from __future__ import annotations

import gc
import os
import stat
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import ModuleType

import pyarrow as pa

from ... import catalog
from ...db import transaction, utc_now
from ...errors import InputError
from ...resources import read_sql
from .. import fingerprint
from ..runs import IngestRun, record_failed_files, record_runs
from . import formats
from .base import (
    FileResult,
    ManifestResult,
    StagedFile,
    StagedManifest,
    StagingSink,
    check_name,
    default_version,
)

__all__ = ["ManifestResult", "StagedManifest", "ingest_manifest", "load_staged_manifest", "stage_manifest"]


def adapter(fmt: str) -> ModuleType:
    """The module that declares `fmt` (formats.discover: every adapter module's FORMAT)."""
    declared = formats.discover()
    if fmt not in declared:
        raise InputError(f"unknown manifest format {fmt!r}; choose one of {', '.join(declared)}")
    return declared[fmt]


def _check_options(fmt: str, module: ModuleType, options: dict) -> dict:
    accepted = module.FORMAT.option_names
    given = {key: value for key, value in options.items() if value is not None}
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        flags = ", ".join("--" + key.replace("_", "-") for key in unknown)
        raise InputError(
            f"{flags} do(es) not apply to --format {fmt}"
            + (f" (it takes {', '.join(sorted(accepted))})" if accepted else "")
        )
    return given


def stage_manifest(
    fmt: str, dataset: str, version: str | None, paths: Sequence[Path | str], work_dir: Path | str, **options
) -> StagedManifest:
    """Parse manifest files into Parquet under work_dir (no database writes)."""
    module = adapter(fmt)
    options = _check_options(fmt, module, options)
    check_name("dataset", dataset)
    version = check_name("version", version or default_version())
    for path in paths:  # before resolve(): /dev/fd/63 of a <(…) resolves to a name that does not exist
        _check_regular_file(Path(path))
    files = [Path(p).resolve() for p in paths]
    if not files:
        raise InputError("no manifest file given")
    run_id = f"manifest-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    # Staged files are named by the run only: nothing derived from manifest content picks a path.
    out_dir = Path(work_dir) / run_id
    out_dir.mkdir(parents=True, exist_ok=False)
    staged = StagedManifest(
        format=fmt,
        dataset=dataset,
        version=version,
        run_id=run_id,
        auditable=bool(module.auditable(**options)),
        work_dir=str(out_dir),
    )
    for index, path in enumerate(files):
        staged.files.append(_stage_file(module, fmt, path, index, out_dir, options))
    _release_arrow_memory()
    return staged


def _release_arrow_memory() -> None:
    """Hand Arrow's freed blocks back to the OS before DuckDB loads (keeps the process peak down)."""
    gc.collect()
    pa.default_memory_pool().release_unused()


def _check_regular_file(path: Path) -> None:
    """A manifest is read more than once (fingerprint, COCO's two passes), so it must be a file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"manifest {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"manifest {path}: cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"manifest {path} is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"manifest {path} is not a regular file (a pipe, socket or device); save it to a file first"
        )
    if not os.access(path, os.R_OK):
        raise InputError(f"manifest {path}: permission denied")


def _stage_file(
    module: ModuleType, fmt: str, path: Path, index: int, out_dir: Path, options: dict
) -> StagedFile:
    started = utc_now()
    items_path, rejects_path = (
        out_dir / f"{index:04d}.items.parquet",
        out_dir / f"{index:04d}.rejects.parquet",
    )
    sink = StagingSink(items_path, rejects_path, index, str(path))
    try:
        module.parse(path, sink, **options)
    finally:
        sink.close()
    if sink.items == 0 and sink.rejects == 0:
        raise InputError(f"{path}: no items found (empty manifest?)")
    if sink.items == 0 and sink.rejects:
        raise InputError(
            f"{path}: no item could be read as --format {fmt} ({sink.rejects:,} lines rejected, "
            f"first: {_first_reject(rejects_path)}); is it the right format?"
        )
    return StagedFile(
        source_file=str(path),
        file_index=index,
        items_path=str(items_path),
        rejects_path=str(rejects_path),
        items=sink.items,
        rejects=sink.rejects,
        unknown_licenses=sink.unknown_licenses,
        file_size=path.stat().st_size,
        fingerprint=fingerprint(path),
        started_at=started.isoformat(),
        staged_at=utc_now().isoformat(),
    )


def _first_reject(rejects_path: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(rejects_path, columns=["line_no", "reason"]).slice(0, 1).to_pylist()
    return f"line {table[0]['line_no']}: {table[0]['reason']}" if table else "?"


def load_staged_manifest(
    con, staged: StagedManifest | dict, catalog_entry: str | None = None, collected_on: date | None = None
) -> ManifestResult:
    """Replace the dataset version with the staged items, in one transaction.

    The version is linked to its dataset-catalogue entry: `catalog_entry` when given (an unknown key
    is an InputError), else the entry whose name or alias matches the dataset name, else none."""
    if isinstance(staged, dict):
        staged = StagedManifest.from_dict(staged)
    catalog_key = catalog.catalog_key_for(staged.dataset, catalog_entry)
    key = [staged.dataset, staged.version]
    with _quiet(con), transaction(con):
        previous = con.execute(
            "SELECT run_id FROM datasets WHERE dataset = ? AND version = ?", key
        ).fetchone()
        if previous:
            con.execute("DELETE FROM ingest_rejects WHERE run_id = ?", [previous[0]])
            con.execute("DELETE FROM dataset_items WHERE dataset = ? AND version = ?", key)
            con.execute("DELETE FROM datasets WHERE dataset = ? AND version = ?", key)
        _create_staged_views(con, staged)
        # An item key names one item: a second line with the same key is a duplicate, rejected.
        con.execute(read_sql("ingest", "manifest_duplicates.sql"))
        con.execute(
            read_sql("ingest", "manifest_items.sql"), {"dataset": staged.dataset, "version": staged.version}
        )
        con.execute(read_sql("ingest", "manifest_rejects.sql"), [staged.run_id, staged.run_id])
        dups_per_file = dict(
            con.execute("SELECT file_index, count(*) FROM _manifest_dups GROUP BY file_index").fetchall()
        )
        finished = utc_now()
        files, runs = [], []
        for f in staged.files:
            dups = dups_per_file.get(f.file_index, 0)
            files.append(FileResult(f.source_file, f.lines_read, f.items - dups, f.rejects + dups))
            runs.append(
                IngestRun(
                    staged.run_id,
                    f.source_file,
                    f"manifest:{staged.format}",
                    f.started_at,
                    finished,
                    "loaded",
                    file_size=f.file_size,
                    fingerprint=f.fingerprint,
                    lines_read=f.lines_read,
                    rows_loaded=f.items - dups,
                    rows_rejected=f.rejects + dups,
                )
            )
        record_runs(con, runs)
        loaded = sum(r.rows_loaded for r in files)
        with_coordinates, with_place_name, crawled_until = con.execute(
            read_sql("ingest", "manifest_facts.sql")
        ).fetchone()
        # The date licenses are judged at (--collected-on, else the catalogue's collected_on, else
        # the latest date the manifest says its items were crawled: the collection finished then)
        # and what the dataset distributes (the report's privacy section asks whether it shows faces).
        entry = catalog.entry_for(catalog_key) if catalog_key is not None else None
        collected_on, source = _collection_date(collected_on, entry, crawled_until)
        con.execute(
            read_sql("ingest", "manifest_dataset.sql"),
            {
                "dataset": staged.dataset,
                "version": staged.version,
                "format": staged.format,
                "items": loaded,
                "auditable": staged.auditable,
                "source_files": [f.source_file for f in staged.files],
                "ingested_at": finished,
                "run_id": staged.run_id,
                "catalog_entry": catalog_key,
                "items_with_coordinates": with_coordinates,
                "items_with_place_name": with_place_name,
                "collected_on": collected_on,
                "collected_on_source": source,
                "catalog_content": getattr(entry, "content", None),
            },
        )
        photos, owners, matched = con.execute(read_sql("ingest", "manifest_counts.sql"), key).fetchone()
        con.execute(read_sql("ingest", "manifest_drop.sql"))
    return ManifestResult(
        dataset=staged.dataset,
        version=staged.version,
        format=staged.format,
        run_id=staged.run_id,
        auditable=staged.auditable,
        items=loaded,
        photos=photos,
        matched_photos=matched,
        owners=owners,
        rejected=sum(r.rows_rejected for r in files),
        duplicates=sum(dups_per_file.values()),
        unknown_licenses=sum(f.unknown_licenses for f in staged.files),
        replaced=previous is not None,
        files=files,
        items_with_coordinates=with_coordinates,
        items_with_place_name=with_place_name,
        collected_on=collected_on.isoformat() if collected_on else None,
        collected_on_source=source,
    )


def _collection_date(flag: date | None, entry, crawled_until: date | None) -> tuple[date | None, str | None]:
    """(collected_on, where it came from): the flag, else the catalogue entry, else the manifest."""
    if flag is not None:
        return flag, "flag"
    if entry is not None and entry.collected_on is not None:
        return entry.collected_on, "catalogue"
    if crawled_until is not None:
        return crawled_until, "manifest"
    return None, None


# DuckDB's cap while loading: the duplicate check (a hash aggregate over every item key) and the
# insert spill to the temp_directory beside the database past it, so a 30M-line manifest loads in
# the same RSS as a small one (the bound is 1.5 GB for the whole process).
LOAD_MEMORY_LIMIT = "768MB"


@contextmanager
def _quiet(con) -> Iterator[None]:
    """While loading: no DuckDB progress bar on stdout (the CLI prints its own summary), a memory
    cap, and no insertion order to keep (rows carry their file and line)."""
    before = con.execute(
        "SELECT current_setting('enable_progress_bar'), current_setting('memory_limit'), "
        "current_setting('preserve_insertion_order')"
    ).fetchone()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET enable_progress_bar = {'true' if before[0] else 'false'}")
        con.execute("SET memory_limit = ?", [before[1]])
        con.execute(f"SET preserve_insertion_order = {'true' if before[2] else 'false'}")


def _create_staged_views(con, staged: StagedManifest) -> None:
    """Temp views over the staged Parquet files (each row carries its file index and source file)."""
    con.execute("SET VARIABLE manifest_items = ?", [[f.items_path for f in staged.files]])
    con.execute("SET VARIABLE manifest_rejects = ?", [[f.rejects_path for f in staged.files]])
    con.execute(read_sql("ingest", "manifest_staged.sql"))
    con.executemany(
        "INSERT INTO _manifest_files VALUES (?, ?)", [[f.file_index, f.source_file] for f in staged.files]
    )


def ingest_manifest(
    con,
    fmt: str,
    *,
    dataset: str,
    version: str | None = None,
    paths: Sequence[Path | str],
    work_dir: Path | str | None = None,
    catalog_entry: str | None = None,
    collected_on: date | None = None,
    **options,
) -> ManifestResult:
    """Parse and load a manifest (stage to Parquet in a temporary folder, then one transaction)."""
    catalog.catalog_key_for(dataset, catalog_entry)  # an unknown --catalog-entry fails before the slow part
    started = utc_now()
    try:
        with tempfile.TemporaryDirectory(prefix="ccaudit-manifest-", dir=work_dir) as tmp:
            staged = stage_manifest(fmt, dataset, version, paths, tmp, **options)
            return load_staged_manifest(con, staged, catalog_entry=catalog_entry, collected_on=collected_on)
    except Exception as exc:
        record_failed_manifest(con, fmt, paths, exc, started)
        raise


def record_failed_manifest(con, fmt: str, paths: Sequence[Path | str], error: Exception, started) -> None:
    """An ingest_runs row per file saying the ingest failed and why (the data stayed as it was)."""
    run_id = f"manifest-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}-failed"
    record_failed_files(
        con,
        run_id,
        f"manifest:{fmt}",
        [str(Path(p).resolve()) for p in paths],
        started,
        f"{type(error).__name__}: {error}",
    )
