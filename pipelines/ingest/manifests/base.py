"""Shared machinery of the manifest adapters: reading inputs, staging items to Parquet, loading.

An adapter is one module that declares `FORMAT = ManifestFormat(name, description, options)` and
defines `parse(path, sink, **options)`; the package finds it by that declaration (formats.py), so
the CLI's --format choices and flags come from it. An adapter only knows its format: it reads one manifest file and calls `sink.item(...)` for every
item and `sink.reject(...)` for every line it cannot read. The sink streams both to Parquet in
batches (memory stays flat however long the manifest), so parsing needs no database and can run
in parallel Airflow tasks; `load_staged` then moves the Parquet files into DuckDB in one
transaction, as the single writer.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from ...errors import InputError
from ...textsafe import check_name  # noqa: F401  (re-exported)
from ..decompress import LineGuard, open_checked

BATCH_ROWS = 100_000
RAW_LINE_LIMIT = 10_000  # characters of a rejected line kept in ingest_rejects.raw_line
LINE_LIMIT = 4 << 20  # bytes: a longer line is rejected whole (as the YFCC path does)
FIELD_LIMIT = 4096  # characters of one item field (key, URL, author, ...): longer is a reject
REASON_LIMIT = 500  # characters of a reject reason (reasons may quote the input)
BOM = "\ufeff"

ITEM_SCHEMA = pa.schema(
    [
        ("item_key", pa.string()),
        ("photo_id", pa.int64()),
        ("owner_ref", pa.string()),
        ("declared_license_id", pa.int32()),
        ("declared_license_raw", pa.string()),
        ("declared_author", pa.string()),
        ("source_url", pa.string()),
        ("source_line", pa.int64()),
        ("group_ref", pa.string()),
    ]
)
# What an item's manifest record itself says about the photo, staged only: the load counts them per
# dataset version (datasets.items_with_coordinates, items_with_place_name, collected_on) and never
# stores a value. NULL = the record has no such field (most formats have none).
FACT_SCHEMA = pa.schema(
    [
        ("has_coordinates", pa.bool_()),  # a longitude and latitude in range (yfcc-columns)
        ("has_place_name", pa.bool_()),  # a non-empty place name such as FFHQ's country
        ("crawled_on", pa.date32()),  # when the dataset fetched the photo (FFHQ's date_crawled)
    ]
)
REJECT_SCHEMA = pa.schema([("line_no", pa.int64()), ("reason", pa.string()), ("raw_line", pa.string())])
# What the Parquet files hold: the above plus the manifest file each row came from (constant per
# file, dictionary-encoded), so loading needs no join to find it.
_FILE_FIELDS = [("file_index", pa.int32()), ("source_file", pa.string())]
_ROW_SCHEMA = pa.schema(list(ITEM_SCHEMA) + list(FACT_SCHEMA))
STAGED_ITEM_SCHEMA = pa.schema(list(_ROW_SCHEMA) + [pa.field(n, t) for n, t in _FILE_FIELDS])
STAGED_REJECT_SCHEMA = pa.schema(list(REJECT_SCHEMA) + [pa.field(n, t) for n, t in _FILE_FIELDS])

# Flickr opened in February 2004: a dataset cannot have fetched a photo from it before.
FLICKR_OPENED = date(2004, 2, 10)


def crawl_date(value: object) -> date | None:
    """The date a manifest says an item was fetched (`2018-10-10`, or an ISO timestamp starting with
    one); None when absent, unreadable, before Flickr existed or after today (UTC), so a bad value
    never becomes a dataset's collection date."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return None
    try:
        found = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return found if FLICKR_OPENED <= found <= datetime.now(UTC).date() else None


def default_version() -> str:
    return datetime.now(UTC).date().isoformat()


def open_binary(path: Path) -> IO[bytes]:
    """Open a manifest as a stream, decompressed by its magic bytes (bz2, gzip, xz, zstd) through a
    checking decompressor: a corrupt or truncated archive raises InputError, never a short read."""
    return open_checked(path)


def open_text(path: Path) -> IO[str]:
    """Text stream for whole-document formats (JSON); a leading BOM is dropped, bad UTF-8 stops the
    file with a clear error (see JsonStream)."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors="strict", newline="")


def _too_long(line_no: int, size: int, head: bytes, sink: StagingSink) -> None:
    sink.reject(
        line_no,
        f"too_long: line of {size:,} bytes or more (limit {LINE_LIMIT:,})",
        head[:RAW_LINE_LIMIT].decode("utf-8", errors="replace"),
    )


def iter_lines(path: Path, sink: StagingSink) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without newline) for each non-blank line; bad UTF-8 and lines
    over LINE_LIMIT are rejected (see iter_line_blocks)."""
    for first_line, lines in iter_line_blocks(path, sink):
        for offset, text in enumerate(lines):
            text = text.rstrip("\r")
            if text.strip():
                yield first_line + offset, text


def iter_line_blocks(
    path: Path, sink: StagingSink, block_bytes: int = 8 << 20
) -> Iterator[tuple[int, list[str]]]:
    """(line number of the first line, lines) in blocks, for adapters that parse columnwise.

    Lines keep their positions (blank lines stay as ''), so line numbers are exact. A line over
    LINE_LIMIT bytes is never held whole: the YFCC ingest's LineGuard skips it and it is rejected
    here with its length and first bytes; a line with invalid UTF-8 is rejected too. Both are
    handed on as ''.
    """
    guard = LineGuard(LINE_LIMIT)
    next_line, rest, reported = 1, b"", 0
    with open_binary(path) as handle:
        at_start = True
        while True:
            guarded, eof = [rest], False
            while sum(map(len, guarded)) < block_bytes:
                chunk = handle.read(
                    min(block_bytes, guard.chunk_size)
                )  # the guard's reads: at most its limit
                if at_start and chunk:  # a BOM may arrive split over the first reads of a tiny block size
                    if len(chunk) < len(BOM.encode()) and BOM.encode().startswith(chunk):
                        chunk += handle.read(len(BOM.encode()) - len(chunk))
                    at_start = False
                    if chunk.startswith(BOM.encode()):
                        chunk = chunk.removeprefix(BOM.encode()) or handle.read(
                            min(block_bytes, guard.chunk_size)
                        )
                if not chunk:
                    eof = True
                    guarded.append(guard.finish())
                    break
                guarded.append(guard.feed(chunk))
            data = b"".join(guarded)
            if eof:  # the whole rest; a final newline ends the last line, it does not start one
                raw_lines, rest = data.split(b"\n"), b""
                if not raw_lines[-1]:
                    raw_lines.pop()
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                raw_lines, rest = data[:cut].split(b"\n"), data[cut + 1 :]
            for line_no, length, prefix in guard.long_lines[reported:]:
                _too_long(line_no, length, prefix, sink)
                raw_lines[line_no - next_line] = b""  # the placeholder: the line keeps its number
            reported = len(guard.long_lines)
            if raw_lines:
                yield next_line, _decode_lines(raw_lines, next_line, sink)
                next_line += len(raw_lines)
            if eof:
                return


def _decode_lines(raw_lines: list[bytes], first_line: int, sink: StagingSink) -> list[str]:
    try:
        text = b"\n".join(raw_lines).decode("utf-8")
        lines = text.split("\n")
    except UnicodeDecodeError:
        lines = []
        for offset, raw in enumerate(raw_lines):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                sink.reject(
                    first_line + offset,
                    f"encoding: invalid UTF-8 at byte {exc.start}",
                    raw.decode("utf-8", errors="replace"),
                )
                lines.append("")
    return [line.removesuffix("\r") for line in lines]


@dataclass
class StagedFile:
    source_file: str
    file_index: int
    items_path: str
    rejects_path: str
    items: int
    rejects: int
    unknown_licenses: int
    file_size: int
    fingerprint: str
    started_at: str
    staged_at: str

    @property
    def lines_read(self) -> int:
        return self.items + self.rejects


class StagingSink:
    """Collects one file's items and rejects and writes them to Parquet in batches."""

    def __init__(self, items_path: Path, rejects_path: Path, file_index: int = 0, source_file: str = ""):
        self.items_path, self.rejects_path = items_path, rejects_path
        self.file_index, self.source_file = file_index, source_file
        self._items: list[tuple] = []
        self._rejects: list[tuple] = []
        self._item_writer = pq.ParquetWriter(items_path, STAGED_ITEM_SCHEMA, compression="zstd")
        self._reject_writer = pq.ParquetWriter(rejects_path, STAGED_REJECT_SCHEMA, compression="zstd")
        self.items = 0
        self.rejects = 0
        self.unknown_licenses = 0

    def item(
        self,
        item_key: str,
        photo_id: int | None,
        owner_ref: str | None = None,
        license_id: int | None = None,
        license_raw: str | None = None,
        author: str | None = None,
        source_url: str | None = None,
        line: int | None = None,
        group_ref: str | None = None,
        has_coordinates: bool | None = None,
        has_place_name: bool | None = None,
        crawled_on: date | None = None,
    ) -> None:
        for name, value in (
            ("item_key", item_key),
            ("owner_ref", owner_ref),
            ("license", license_raw),
            ("author", author),
            ("source_url", source_url),
            ("group_ref", group_ref),
        ):
            if value is not None and len(value) > FIELD_LIMIT:
                self.reject(
                    line, f"too_long: {name} of {len(value):,} characters (limit {FIELD_LIMIT:,})", value
                )
                return
        if license_raw is not None and license_id is None:
            self.unknown_licenses += 1
        self._items.append(
            (
                item_key,
                photo_id,
                owner_ref,
                license_id,
                license_raw,
                author,
                source_url,
                line,
                group_ref,
                has_coordinates,
                has_place_name,
                crawled_on,
            )
        )
        self.items += 1
        if len(self._items) >= BATCH_ROWS:
            self._flush_items()

    def item_table(self, table: pa.Table) -> None:
        """Write a block of items already in ITEM_SCHEMA (columnwise adapters), with any FACT_SCHEMA
        columns the format has (the others are NULL)."""
        self._flush_items()
        facts = [
            table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
            for f in FACT_SCHEMA
        ]
        rows = table.select(ITEM_SCHEMA.names).cast(ITEM_SCHEMA).columns + facts
        self._item_writer.write_table(self._tagged(rows, STAGED_ITEM_SCHEMA))
        self.items += table.num_rows

    def reject(self, line_no: int | None, reason: str, raw: str | None) -> None:
        if len(reason) > REASON_LIMIT:
            reason = reason[:REASON_LIMIT] + "..."
        self._rejects.append((line_no, reason, None if raw is None else raw[:RAW_LINE_LIMIT]))
        self.rejects += 1
        if len(self._rejects) >= BATCH_ROWS:
            self._flush_rejects()

    def _flush_items(self) -> None:
        if self._items:
            columns = list(zip(*self._items, strict=True))
            self._item_writer.write_table(
                self._tagged(
                    [pa.array(col, type=f.type) for col, f in zip(columns, _ROW_SCHEMA, strict=True)],
                    STAGED_ITEM_SCHEMA,
                )
            )
            self._items.clear()

    def _flush_rejects(self) -> None:
        if self._rejects:
            columns = list(zip(*self._rejects, strict=True))
            self._reject_writer.write_table(
                self._tagged(
                    [pa.array(col, type=f.type) for col, f in zip(columns, REJECT_SCHEMA, strict=True)],
                    STAGED_REJECT_SCHEMA,
                )
            )
            self._rejects.clear()

    def _tagged(self, columns: list, schema: pa.Schema) -> pa.Table:
        rows = len(columns[0])
        tags = [
            pa.repeat(pa.scalar(self.file_index, pa.int32()), rows),
            pa.repeat(pa.scalar(self.source_file), rows),
        ]
        return pa.Table.from_arrays(list(columns) + tags, schema=schema)

    def close(self) -> None:
        self._flush_items()
        self._flush_rejects()
        self._item_writer.close()
        self._reject_writer.close()


@dataclass
class StagedManifest:
    """A manifest parsed to Parquet, ready for `load_staged_manifest`. JSON-serialisable for XCom."""

    format: str
    dataset: str
    version: str
    run_id: str
    auditable: bool
    work_dir: str
    files: list[StagedFile] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(f.items for f in self.files)

    @property
    def rejects(self) -> int:
        return sum(f.rejects for f in self.files)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StagedManifest:
        values = dict(data)
        values["files"] = [StagedFile(**f) for f in values.get("files", [])]
        return cls(**values)


@dataclass
class FileResult:
    source_file: str
    lines_read: int
    rows_loaded: int
    rows_rejected: int


@dataclass
class ManifestResult:
    dataset: str
    version: str
    format: str
    run_id: str
    auditable: bool
    items: int
    photos: int
    matched_photos: int  # photos that YFCC100M (as ingested) holds
    owners: int  # distinct owners the manifest itself names
    rejected: int
    duplicates: int
    unknown_licenses: int
    replaced: bool
    files: list[FileResult] = field(default_factory=list)
    items_with_coordinates: int | None = None  # None: the manifest has no coordinate field
    items_with_place_name: int | None = None
    collected_on: str | None = None  # ISO date the dataset took its photos, when known
    collected_on_source: str | None = None  # flag, catalogue or manifest

    def as_dict(self) -> dict:
        return asdict(self)

    def summary_text(self) -> str:
        named = (
            f"{self.owners:,} uploaders named by the manifest"
            if self.owners
            else "no uploader named by the manifest"
        )
        what = (
            f"{self.items:,} items, {self.photos:,} distinct photos ({self.matched_photos:,} in YFCC100M), {named}"
            if self.auditable
            else f"{self.items:,} items, no Flickr pointer (not auditable)"
        )
        text = (
            f"dataset {self.dataset} {self.version} ({self.format}): {what}; "
            f"{self.rejected:,} rejected from {len(self.files)} file(s)"
        )
        if self.duplicates:
            text += f" ({self.duplicates:,} duplicate items)"
        if self.unknown_licenses:
            text += f"; {self.unknown_licenses:,} declared licenses not recognised"
        if self.items_with_coordinates:
            text += f"; {self.items_with_coordinates:,} items carry coordinates in the manifest itself"
        if self.items_with_place_name:
            text += f"; {self.items_with_place_name:,} items name a place (country) in the manifest itself"
        if self.collected_on_source == "manifest":
            text += f"; collected on {self.collected_on} (the latest crawl date in the manifest)"
        if self.replaced:
            text += "; replaced the earlier load of this version"
        return text


_MAX_PHOTO_ID = 2**63 - 1


def photo_id_from(text: str) -> int | None:
    """A Flickr photo id from its decimal text, or None when the text is not one."""
    if not text.isdigit() or not text.isascii() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= _MAX_PHOTO_ID else None


@dataclass(frozen=True)
class FormatOption:
    """One option of a format: `name` is parse()'s keyword and the DAG's `options` key; the CLI flag is
    --name-with-dashes."""

    name: str
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class ManifestFormat:
    """What an adapter module declares about itself: its --format name, one line on what it reads
    (README's table and --help), and the options its parse() takes."""

    name: str
    description: str
    options: tuple[FormatOption, ...] = ()

    @property
    def option_names(self) -> frozenset[str]:
        return frozenset(option.name for option in self.options)


def auditable(**options) -> bool:
    """Default for adapters: every format except a pointer-less CSV points back to Flickr."""
    return True


def sniff_delimiter(path: Path) -> str:
    """The most frequent of , TAB ; | in the first line (',' when none occurs)."""
    with open_binary(path) as handle:
        first = handle.readline(1 << 16).decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def csv_rows(
    path: Path, sink: StagingSink, delimiter: str | None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, iterator of (line number, fields)) for a delimited file with a header row.

    Quoted fields may span lines (the line number is where the record ends). Rows with bad
    UTF-8 or broken quoting are rejected here, so adapters only see well-formed rows.
    """
    import csv

    csv.field_size_limit(RAW_LINE_LIMIT * 100)
    delimiter = _delimiter(delimiter) if delimiter else sniff_delimiter(path)
    stream = io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="surrogateescape", newline="")
    too_long: dict[int, int] = {}  # line number -> characters, for lines skipped unread
    reader = csv.reader(_capped_lines(stream, too_long), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        stream.close()
        raise InputError(f"{path}: empty file (expected a header row)") from None
    except csv.Error as exc:
        stream.close()
        raise InputError(f"{path}: cannot read the header row: {exc}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        with stream:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    sink.reject(reader.line_num, f"parse: {exc}", None)
                    continue
                if reader.line_num in too_long:
                    sink.reject(
                        reader.line_num,
                        f"too_long: line of {too_long.pop(reader.line_num):,} characters "
                        f"or more (limit {LINE_LIMIT:,})",
                        None,
                    )
                    continue
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                try:
                    delimiter.join(row).encode("utf-8")
                except UnicodeEncodeError as exc:
                    sink.reject(
                        reader.line_num,
                        f"encoding: invalid UTF-8 at character {exc.start}",
                        delimiter.join(row).encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                    )
                    continue
                yield reader.line_num, row

    return header, rows()


def _capped_lines(stream: IO[str], too_long: dict[int, int]) -> Iterator[str]:
    """The lines of a text stream for csv.reader, none longer than LINE_LIMIT characters: a longer
    one is skipped in pieces (never held whole), noted in `too_long` and replaced by an empty line,
    so line numbers stay exact and the row becomes a too_long reject."""
    line_no = 0
    while line := stream.readline(LINE_LIMIT + 1):
        line_no += 1
        if len(line) > LINE_LIMIT and not line.endswith("\n"):
            size = len(line)
            while (rest := stream.readline(1 << 20)) and not rest.endswith("\n"):
                size += len(rest)
            too_long[line_no] = size + len(rest)
            yield "\n"
            continue
        yield line


def _delimiter(text: str) -> str:
    value = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(text, text)
    if len(value) != 1:
        raise InputError(f"--delimiter must be one character (or '\\t'), got {text!r}")
    return value


def header_index(path: Path, header: list[str], column: str) -> int:
    """Position of a named column (exact, then case-insensitive); a clear error when absent."""
    if column in header:
        return header.index(column)
    folded = [h.lower() for h in header]
    if column.lower() in folded:
        return folded.index(column.lower())
    raise InputError(f"{path}: no column {column!r}; the header has {', '.join(repr(h) for h in header)}")
