"""Derived datasets published with the YFCC100M column names (`--format yfcc-columns`).

CommonCatalog's per-license Parquet splits (`photoid, uid, unickname, ..., licensename, licenseurl`,
plus width, height and captions), the OpenAI-subset metadata shards (gzip JSON lines), re-hosted
Parquet subsets, or a SQLite table `yfcc100m_dataset`: every record is an item whose declared
license is the record's own `licensename`/`licenseurl`, so the audit can say whether a "CC BY"
split still is CC BY on Flickr and in YFCC100M.

The form is recognised from the content (Parquet, SQLite, else JSON lines, plain or compressed by
suffix). Records are turned into items columnwise in DuckDB, a block at a time (never row by row in
Python); the few distinct license (name, URL) pairs are resolved with the same rules as the YFCC
ingest. Item: key = photo id, owner = `uid`, author = `unickname` (URL-decoded when the file's text
is URL-encoded, see yfcc_forms.looks_url_encoded), source URL = `downloadurl` (else `pageurl`), line
= the JSON line, the SQLite rowid or the Parquet row. A record without a usable photo id is a reject.

A record's own `longitude`/`latitude` say the dataset republishes where the photo was taken: each
item only records whether it has both (`has_coordinates`, NULL when the file has neither field),
so ingest counts them; the coordinates are never staged or stored, and a rejected record is kept
without them (a JSON line that is not a JSON object is kept as it is: it cannot be taken apart).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import InputError
from ...licenses import resolve_license
from ...resources import read_sql
from ..yfcc_forms import (
    PARQUET,
    SQLITE,
    SqliteBatches,
    container_form,
    jsonl_sample,
    looks_url_encoded,
    parquet_sample,
    sql_string,
    sqlite_sample,
    sqlite_uri,
)
from .base import ManifestFormat, StagingSink, auditable, iter_line_blocks  # noqa: F401  (auditable: adapter API)

FORMAT = ManifestFormat(
    "yfcc-columns",
    "Parquet, JSON lines (.gz) or a SQLite table `yfcc100m_dataset` with the YFCC100M column "
    "names (e.g. CommonCatalog's per-license splits); each record's own license is its declared one",
)

# Columns an item is made of; only photoid is required (a subset may drop any other).
_WANTED = ("photoid", "uid", "unickname", "licensename", "licenseurl", "downloadurl", "pageurl")
# Where the photo was taken, if the dataset republishes it: read only to count the items that have it.
_LOCATION = ("longitude", "latitude")
_TEXT_SAMPLE = ("unickname", "capturedevice", "title", "description", "usertags", "machinetags")


def parse(path: Path, sink: StagingSink) -> None:
    with open(path, "rb") as handle:
        form = container_form(handle.read(16))
    con = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
    try:
        con.execute("SET enable_progress_bar = false")
        licenses = _Licenses()
        if form == PARQUET:
            _parse_parquet(con, path, sink, licenses)
        elif form == SQLITE:
            _parse_sqlite(con, path, sink, licenses)
        else:
            _parse_jsonl(con, path, sink, licenses)
    except duckdb.Error as exc:
        raise InputError(
            f"{path}: cannot read as --format yfcc-columns: {str(exc).strip().splitlines()[0]}"
        ) from None
    finally:
        con.close()


class _Licenses:
    """The few distinct (licensename, licenseurl) pairs, resolved once each."""

    def __init__(self):
        self.known: dict[tuple, int | None] = {}

    def ids(self, names: list, urls: list) -> list:
        found = []
        for pair in zip(names, urls, strict=False):
            if pair not in self.known:
                self.known[pair] = resolve_license(*pair)[0] if any(pair) else None
            found.append(self.known[pair])
        return found


def _emit(con, sink: StagingSink, records, encoded: bool, licenses: _Licenses) -> None:
    """Items and rejects of one block; `records` is an Arrow table or relation name DuckDB can scan."""
    con.register("records", records)
    try:
        table = con.sql(
            read_sql("ingest", "manifest_yfcc_columns_items.sql"), params={"encoded": encoded}
        ).to_arrow_table()
    finally:
        con.unregister("records")
    bad = table.filter(pc.is_valid(table["reject_reason"]))
    for line, reason, raw in zip(
        bad["line"].to_pylist(), bad["reject_reason"].to_pylist(), bad["raw"].to_pylist(), strict=True
    ):
        sink.reject(line, reason, raw)
    good = table.filter(pc.is_null(table["reject_reason"]))
    if not good.num_rows:
        return
    names, urls = good["licensename"].to_pylist(), good["licenseurl"].to_pylist()
    declared = [f"{n} <{u}>" if n and u else (n or u) for n, u in zip(names, urls, strict=False)]
    ids = pc.cast(good["photoid"], pa.int64())
    sink.item_table(
        pa.table(
            {
                "item_key": good["photoid"],
                "photo_id": ids,
                "owner_ref": pc.if_else(pc.equal(good["uid"], ""), pa.scalar(None, pa.string()), good["uid"]),
                "declared_license_id": pa.array(licenses.ids(names, urls), pa.int32()),
                "declared_license_raw": pa.array(declared, pa.string()),
                "declared_author": pc.if_else(
                    pc.equal(good["author"], ""), pa.scalar(None, pa.string()), good["author"]
                ),
                "source_url": good["source_url"],
                "source_line": good["line"],
                "group_ref": pa.nulls(good.num_rows, pa.string()),
                "has_coordinates": good["has_coordinates"],
            }
        )
    )


def _pick(present: list[str], names: tuple[str, ...]) -> dict[str, str]:
    """Each of `names` the file has -> its column name there (matched case-insensitively)."""
    by_lower = {name.lower(): name for name in present}
    return {name: by_lower[name] for name in names if name in by_lower}


def _columns(path: Path, present: list[str]) -> dict[str, str]:
    columns = _pick(present, _WANTED)
    if "photoid" not in columns:
        raise InputError(
            f"{path}: no photoid column, so not --format yfcc-columns (columns: "
            f"{', '.join(present[:12])}{' ...' if len(present) > 12 else ''})"
        )
    return columns


def _select(columns: dict[str, str], text) -> str:
    return ", ".join(
        f"{text(columns[name]) if name in columns else 'NULL::VARCHAR'} AS {name}" for name in _WANTED
    )


def _location_select(location: dict[str, str], text) -> str:
    """`located` (the file has a coordinate field) and the two fields as text, for has_coordinates."""
    return ", ".join(
        [f"{'true' if location else 'false'} AS located"]
        + [f"{text(location[name]) if name in location else 'NULL::VARCHAR'} AS {name}" for name in _LOCATION]
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parse_parquet(con, path: Path, sink: StagingSink, licenses: _Licenses) -> None:
    present = [
        row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    ]
    columns = _columns(path, present)
    encoded = looks_url_encoded(parquet_sample(con, path, _pick(present, _TEXT_SAMPLE)))
    select = _select(columns, lambda c: f"CAST({_quoted(c)} AS VARCHAR)")
    located = _location_select(_pick(present, _LOCATION), lambda c: f"CAST({_quoted(c)} AS VARCHAR)")
    raw = (
        "CAST(json_object("
        + ", ".join(f"{sql_string(n)}, {_quoted(c)}" for n, c in columns.items())
        + ") AS VARCHAR)"
    )
    reader = con.sql(
        f"SELECT file_row_number + 1 AS line, {raw} AS raw, NULL::VARCHAR AS problem, {select}, "
        f"{located} FROM read_parquet({sql_string(str(path))}, file_row_number = true)"
    ).to_arrow_reader(100_000)
    _emit_batches(reader, sink, encoded, licenses)


def _emit_batches(reader, sink: StagingSink, encoded: bool, licenses: _Licenses) -> None:
    """Stage every Arrow batch of `reader` through one single-thread connection of its own."""
    block_con = duckdb.connect(config={"threads": 1})
    try:
        for batch in reader:
            _emit(block_con, sink, pa.Table.from_batches([batch]), encoded, licenses)
    finally:
        block_con.close()


def _parse_sqlite(con, path: Path, sink: StagingSink, licenses: _Licenses) -> None:
    import sqlite3

    try:
        check = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            present = [row[1] for row in check.execute("PRAGMA table_info(yfcc100m_dataset)").fetchall()]
        finally:
            check.close()
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot read the SQLite file: {exc}") from None
    if not present:
        raise InputError(f"{path}: a SQLite file without the table yfcc100m_dataset")
    columns = _columns(path, present)
    encoded = looks_url_encoded(sqlite_sample(path, _pick(present, _TEXT_SAMPLE)))
    select = _select(columns, lambda c: f"coalesce(try(decode({_quoted(c)})), '')")
    location = _pick(present, _LOCATION)
    located = _location_select(location, lambda c: f"try(decode({_quoted(c)}))")
    raw = (
        "CAST(json_object("
        + ", ".join(f"{sql_string(n)}, try(decode({_quoted(c)}))" for n, c in columns.items())
        + ") AS VARCHAR)"
    )
    problem = " OR ".join(
        f"({_quoted(c)} IS NOT NULL AND try(decode({_quoted(c)})) IS NULL)" for c in columns.values()
    )
    with SqliteBatches(path, columns | location) as batches:
        con.register("sqlite_batches", batches)
        reader = con.sql(
            f"SELECT yfcc_rowid AS line, {raw} AS raw, "
            f"CASE WHEN {problem} THEN 'encoding: invalid UTF-8' END AS problem, {select}, {located} "
            "FROM sqlite_batches"
        ).to_arrow_reader(100_000)
        try:
            _emit_batches(reader, sink, encoded, licenses)
        finally:
            con.unregister("sqlite_batches")


def _parse_jsonl(con, path: Path, sink: StagingSink, licenses: _Licenses) -> None:
    encoded = None
    for first_line, lines in iter_line_blocks(path, sink):
        if encoded is None:
            sample = jsonl_sample("\n".join(lines[:2000]).encode() + b"\n")
            if not sample:
                raise InputError(
                    f"{path}: its first lines are not JSON objects, so not --format yfcc-columns"
                )
            if not any("photoid" in row for row in sample):
                raise InputError(f"{path}: no photoid in its JSON lines, so not --format yfcc-columns")
            encoded = looks_url_encoded(sample)
        block = pa.table(
            {
                "line": pa.array(range(first_line, first_line + len(lines)), pa.int64()),
                "raw": pa.array(lines, pa.string()),
            }
        )
        con.register("block", block)
        try:
            records = con.sql(read_sql("ingest", "manifest_yfcc_columns_jsonl.sql")).to_arrow_table()
        finally:
            con.unregister("block")
        _emit(con, sink, records, encoded, licenses)
