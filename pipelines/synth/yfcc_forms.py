"""The generator's other forms: the Multimedia Commons SQLite file, the `yfcc100m` downloader's gzip
JSON-lines shards and Parquet, each converted from the 25-field TSV of the same seed (see yfcc.py).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import adbc_driver_sqlite.dbapi as adbc_sqlite
import duckdb
import polars as pl
import pyarrow.parquet as pq

from ..errors import InputError
from .yfcc_rows import FIELDS_25, GenerateResult

# --- the other forms: SQLite, gzip JSON-lines shards, Parquet --------------------------------------

# Multimedia Commons column names, in the order of the 25-field TSV (line number and hash dropped;
# the hash comes back as the downloader's `key`).
FORM_COLUMNS = {
    "photo_id": "photoid",
    "user_nsid": "uid",
    "user_nickname": "unickname",
    "date_taken": "datetaken",
    "date_uploaded": "dateuploaded",
    "capture_device": "capturedevice",
    "title": "title",
    "description": "description",
    "user_tags": "usertags",
    "machine_tags": "machinetags",
    "longitude": "longitude",
    "latitude": "latitude",
    "accuracy": "accuracy",
    "page_url": "pageurl",
    "download_url": "downloadurl",
    "license_name": "licensename",
    "license_url": "licenseurl",
    "server_id": "serverid",
    "farm_id": "farmid",
    "secret": "secret",
    "secret_original": "secretoriginal",
    "extension": "ext",
    "marker": "marker",
    "photo_hash": "key",
}
SQLITE_TABLE = "yfcc100m_dataset"
_SQLITE_TYPES = {"photoid": "INTEGER", "longitude": "REAL", "latitude": "REAL", "accuracy": "INTEGER"}
_FORM_BATCH_ROWS = 200_000


def _generate_form(
    out: Path,
    rows: int,
    seed: int,
    users: int | None,
    bad_lines: int,
    form: str,
    progress: bool | None,
    generate_tsv: Callable[..., GenerateResult],
) -> GenerateResult:
    """The 25-field TSV of the same seed, written to a temporary file by `generate_tsv` (yfcc.py's,
    passed in so this module does not import its caller), then converted to `form`."""
    started = time.monotonic()
    if form != "jsonl-shards" and out.is_dir():
        raise InputError(f"output {out} is a folder; give a file name such as sample.{form}")
    tsv = out.with_name(f".{out.name}.tsv")
    try:
        result = generate_tsv(tsv, rows, 25, seed, users, bad_lines, False, progress, form=form)
        truth = result.truth
        partial = out.with_name(out.name + ".partial")
        _remove(partial)
        locators = _write_form(tsv, partial, form, truth)
        _remove(out)
        os.replace(partial, out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        tsv.unlink(missing_ok=True)
        tsv.with_name(tsv.name + ".truth.json").unlink(missing_ok=True)
    truth = {
        **truth,
        "format": form,
        "fields": [
            FORM_COLUMNS[name]
            for name in FIELDS_25
            if name in FORM_COLUMNS and (form != "sqlite" or name != "photo_hash")
        ],
    }
    truth["layout"] = 23 if form == "sqlite" else 24
    if locators is not None:
        truth["bad_line_numbers"] = locators
        truth["notes"] = {
            **truth["notes"],
            "bad_line_numbers": "shard file name and 1-based line in it, per kind",
        }
    else:
        truth["notes"] = {
            **truth["notes"],
            "bad_line_numbers": "1-based row number (the SQLite rowid, the Parquet row), per kind",
        }
    truth_path = out.with_name(out.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n")
    size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else out.stat().st_size
    return GenerateResult(
        path=out,
        truth_path=truth_path,
        truth=truth,
        seconds=time.monotonic() - started,
        bytes_written=size,
        compressor={"sqlite": "sqlite", "parquet": "parquet"}.get(form, "gzip"),
    )


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _form_batches(tsv: Path):
    """The TSV's rows as polars frames of text columns named as in the Multimedia Commons file, with
    `tsv_line` (1-based physical line). Every line has 25 fields in these forms' TSVs. DuckDB
    reads them in file order (one thread, streamed in batches)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("SET enable_progress_bar = false")
        columns = {FORM_COLUMNS.get(name, name): "VARCHAR" for name in FIELDS_25}
        con.execute("SET VARIABLE form_source = ?", [str(tsv)])
        con.execute("SET VARIABLE form_columns = ?", [columns])
        reader = con.sql(
            "SELECT * EXCLUDE (line_number) FROM read_csv(getvariable('form_source'), "
            "columns = getvariable('form_columns'), delim = '\t', quote = '', escape = '', "
            "header = false, auto_detect = false)"
        ).to_arrow_reader(_FORM_BATCH_ROWS)
        line = 1
        for batch in reader:
            frame = cast(pl.DataFrame, pl.from_arrow(batch)).with_columns(
                pl.all().fill_null("")
            )  # a batch is a frame
            yield frame.with_columns(tsv_line=pl.int_range(line, line + frame.height, dtype=pl.Int64))
            line += frame.height
    finally:
        con.close()


def _typed(frame):
    """Numbers as the Multimedia Commons file and the downloader store them: empty is null."""
    return frame.with_columns(
        pl.col("longitude").replace("", None).cast(pl.Float64),
        pl.col("latitude").replace("", None).cast(pl.Float64),
        pl.col("accuracy").replace("", None).cast(pl.Int64),
    )


def _write_form(tsv: Path, out: Path, form: str, truth: dict) -> dict | None:
    """Convert the TSV to `form` at `out`; for shards, returns the bad records' shard:line locators."""
    if form == "sqlite":
        _write_sqlite(tsv, out)
    elif form == "parquet":
        _write_parquet(tsv, out, any(truth["bad_line_numbers"].get("photo_id", [])))
    else:
        return _write_shards(tsv, out, truth)
    return None


def _write_sqlite(tsv: Path, out: Path) -> None:
    """Python's sqlite3 declares the table (typed as the published file: INTEGER photoid, REAL
    coordinates); ADBC appends Arrow batches (rowid = TSV line)."""

    columns = [FORM_COLUMNS[name] for name in FIELDS_25 if name in FORM_COLUMNS and name != "photo_hash"]
    con = sqlite3.connect(out)
    declared = ", ".join(f"{c} {_SQLITE_TYPES.get(c, 'TEXT')}" for c in columns)
    con.execute(f"CREATE TABLE {SQLITE_TABLE} ({declared})")
    con.commit()
    con.close()
    with adbc_sqlite.connect(str(out)) as adbc:
        cursor = adbc.cursor()
        for frame in _form_batches(tsv):
            cursor.adbc_ingest(SQLITE_TABLE, _typed(frame).select(columns).to_arrow(), mode="append")
        adbc.commit()
        cursor.close()


def _write_parquet(tsv: Path, out: Path, bad_ids: bool) -> None:

    writer = None
    try:
        for frame in _form_batches(tsv):
            frame = _typed(frame).drop("tsv_line")
            if not bad_ids:
                frame = frame.with_columns(
                    pl.col("photoid").cast(pl.Int64), pl.col("dateuploaded").cast(pl.Int64)
                )
            table = frame.to_arrow()
            writer = writer or pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer:
            writer.close()


def _write_shards(tsv: Path, out: Path, truth: dict) -> dict:
    """gzip JSON-lines shards named by the first 3 characters of `key`, one gzip member appended
    per batch (as the downloader appends), photoid a JSON number unless it is not one."""

    out.mkdir(parents=True)
    wanted = {line: kind for kind, lines in truth["bad_line_numbers"].items() for line in lines}
    json_lines = {line for line, kind in wanted.items() if kind == "json"}
    shard_lines: dict[str, int] = {}
    locators: dict[str, list[str]] = {kind: [] for kind in truth["bad_line_numbers"]}
    for frame in _form_batches(tsv):
        numeric = pl.col("photoid").str.contains(r"^[0-9]{1,18}$")
        rest = (
            _typed(frame)
            .drop("photoid", "tsv_line")
            .select(pl.struct(pl.all()).struct.json_encode().alias("j"))
        )
        frame = frame.with_columns(
            shard=pl.col("key").str.slice(0, 3),
            line=pl.concat_str(
                pl.lit('{"photoid": '),
                pl.when(numeric)
                .then(pl.col("photoid"))
                .otherwise(pl.concat_str(pl.lit('"'), pl.col("photoid"), pl.lit('"'))),
                pl.lit(", "),
                rest["j"].str.slice(1),
            ),
        )
        if json_lines:  # a line cut in half: not a JSON object
            cut = pl.col("tsv_line").is_in(list(json_lines))
            frame = frame.with_columns(
                line=pl.when(cut).then(pl.col("line").str.slice(0, 40)).otherwise(pl.col("line"))
            )
        for (shard,), part in frame.partition_by("shard", maintain_order=True, as_dict=True).items():
            first = shard_lines.get(shard, 0)
            shard_lines[shard] = first + part.height
            for offset, tsv_line in enumerate(part["tsv_line"].to_list(), start=first + 1):
                if tsv_line in wanted:
                    locators[wanted[tsv_line]].append(f"{shard}.gz:{offset}")
            with gzip.open(out / f"{shard}.gz", "ab", compresslevel=1) as handle:
                handle.write(("\n".join(part["line"].to_list()) + "\n").encode())
    return {kind: sorted(items) for kind, items in locators.items()}
