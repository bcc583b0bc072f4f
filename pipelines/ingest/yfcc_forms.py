"""The forms YFCC100M metadata is held in besides the Webscope TSV, recognised from their content.

- `sqlite`: the Multimedia Commons file `yfcc100m_dataset.sql` (table `yfcc100m_dataset`, the 23
  columns `photoid, uid, unickname, ...`), read as Arrow batches through ADBC's SQLite driver
  (DuckDB's own SQLite extension is not installable offline for DuckDB 2.0), never row by row.
- `jsonl`: JSON lines with those column names, plain or compressed, e.g. one of the 4096 gzip
  shards (`000.gz` ... `fff.gz`) the `yfcc100m` downloader writes, with a computed `key` (the
  hash), or a re-published subset's metadata.
- `parquet`: a Parquet file with those column names (re-hosted subsets, CommonCatalog splits).

Every form becomes the same query `yfcc_raw` (raw fields as text, one row per record
with its locator) that sql/ingest/yfcc_stage.sql types and checks, so the schema, normalisation,
rejects and duplicate rule are the ones of the TSV. Locators (ingest_rejects.line_no and
yfcc_photos.source_line): the line in the file (TSV, JSON lines, each shard its own source file),
the SQLite rowid, or the 1-based Parquet row number.

Whether free text is URL-encoded differs between copies and is detected per file
(`looks_url_encoded`), not assumed: the Webscope TSV always is (a raw TAB or newline could not
appear otherwise); in the other forms encoded text never holds a raw space or a character outside
the encoder's alphabet, while decoded text does.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa

from ..errors import InputError

TSV, JSONL, PARQUET, SQLITE = "tsv", "jsonl", "parquet", "sqlite"
SQLITE_MAGIC = b"SQLite format 3\x00"
PARQUET_MAGIC = b"PAR1"
SQLITE_TABLE = "yfcc100m_dataset"

# The Multimedia Commons column names, in the order of the 23-field layout, and the raw field
# each becomes (see yfcc_raw_tsv.sql); `key` is the downloader's hash column.
COLUMNS = {
    "photoid": "photo_id_raw",
    "uid": "owner_nsid",
    "unickname": "nickname_raw",
    "datetaken": "taken_raw",
    "dateuploaded": "uploaded_raw",
    "capturedevice": "device_raw",
    "title": "title_raw",
    "description": "description_raw",
    "usertags": "user_tags_raw",
    "machinetags": "machine_tags_raw",
    "longitude": "longitude_raw",
    "latitude": "latitude_raw",
    "accuracy": "accuracy_raw",
    "pageurl": "page_url",
    "downloadurl": "download_url",
    "licensename": "license_name_raw",
    "licenseurl": "license_url_raw",
    "serverid": "server_id",
    "farmid": "farm_id",
    "secret": "secret",
    "secretoriginal": "secret_original",
    "ext": "extension",
    "marker": "marker",
    "key": "photo_hash",
}
REQUIRED = ("photoid", "uid", "licensename", "licenseurl", "marker")
TEXT_COLUMNS = ("unickname", "capturedevice", "title", "description", "usertags", "machinetags")
SAMPLE_ROWS = 2000

_GLOB_CHARS = re.compile(r"[*?\[]")
# What URL-encoding (Java URLEncoder / quote_plus, as YFCC100M used) leaves unescaped; tags keep
# their separating commas. A raw space, quote, non-ASCII letter ... means decoded text.
_ENCODED_ALPHABET = re.compile(r"[A-Za-z0-9._*~+%,-]*")


# --- which files -----------------------------------------------------------------------------------


def expand_paths(paths: Sequence) -> list:
    """Folders become their files (sorted, hidden files skipped) and unmatched globs their matches."""
    expanded = []
    for path in paths:
        text = str(path)
        if text == "-":
            expanded.append(path)
        elif Path(text).is_dir():
            files = sorted(p for p in Path(text).iterdir() if not p.name.startswith(".") and not p.is_dir())
            if not files:
                raise InputError(f"{text} is a folder with no files to ingest")
            expanded.extend(files)
        elif not Path(text).exists() and _GLOB_CHARS.search(text):
            matches = sorted(Path(m) for m in glob.glob(text) if not Path(m).is_dir())
            if not matches:
                raise InputError(f"{text}: no file matches")
            expanded.extend(matches)
        else:
            expanded.append(path)
    return expanded


def container_form(magic: bytes) -> str | None:
    """sqlite or parquet from a file's first bytes; None for text (TSV or JSON lines, maybe compressed)."""
    if magic.startswith(SQLITE_MAGIC):
        return SQLITE
    if magic.startswith(PARQUET_MAGIC):
        return PARQUET
    return None


def text_form(head: bytes) -> str:
    """tsv or jsonl from the first decompressed bytes (a UTF-8 BOM is allowed before either)."""
    return JSONL if head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"{") else TSV


# --- URL-encoding ------------------------------------------------------------------------------------


def looks_url_encoded(rows: list[dict]) -> bool:
    """Whether the free text of these sample records is URL-encoded (see the module docstring).

    Decoded when more than 1% of the non-empty text values hold a character that encoding would
    have escaped (a space above all); encoded otherwise, also when there is no text to judge
    (the published form). Values that are not strings (a number, a list, an object in a text
    field of a JSON line) say nothing about the encoding: they are left out here, and the stage
    rejects their records.
    """
    values = [
        value
        for row in rows
        for name in TEXT_COLUMNS
        if isinstance(value := row.get(name), str) and value != ""
    ]
    if not values:
        return True
    raw = sum(1 for value in values if not _ENCODED_ALPHABET.fullmatch(value))
    return raw * 100 <= len(values)


class DuplicateKey(ValueError):
    """A JSON object names a key twice (the stage rejects such records, see yfcc_raw_jsonl.sql)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise DuplicateKey
    return found


def jsonl_sample(head: bytes, limit: int = SAMPLE_ROWS) -> list[dict]:
    """The JSON objects among the first `limit` complete lines of `head` (for the URL-encoding
    check); lines that are not an object, or repeat a key, are left out as the stage rejects them."""
    rows = []
    for line in head.split(b"\n")[:-1][:limit]:
        try:
            value = json.loads(line.removeprefix(b"\xef\xbb\xbf"), object_pairs_hook=_unique_keys)
        except ValueError:  # also DuplicateKey
            continue
        if isinstance(value, dict):
            rows.append(value)
    return rows


def usual_key_order(rows: list[dict]) -> list[str]:
    """The keys most sample records have, in their order: a record with exactly these keys names
    none twice, so the stage checks only the others for a repeated key (yfcc_raw_jsonl.sql)."""
    orders = Counter(tuple(row) for row in rows)
    return list(orders.most_common(1)[0][0]) if orders else []


# --- SQLite files ---------------------------------------------------------------------------------


def sqlite_uri(path: Path) -> str:
    """A read-only SQLite URI naming exactly `path`.

    A URI gives `%`, `#`, `?` and spaces a meaning, so every byte of the (absolute) path other than
    letters, digits, `/` and `-._~` is percent-escaped: `yfcc%20copy.sql` opens that file, not
    `yfcc copy.sql`, and `data#1.sql` does not become `data`. Bytes, not text, so a name that is
    not UTF-8 still names its file.
    """
    return "file:" + quote(os.fsencode(Path(path).absolute()), safe="/") + "?mode=ro"


# --- Parquet and SQLite as yfcc_raw --------------------------------------------------------------------


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_columns(path: Path, present: list[str], what: str) -> dict[str, str]:
    """{YFCC column name: actual name} (case-insensitive); InputError naming what is missing."""
    by_lower = {name.lower(): name for name in present}
    missing = [name for name in REQUIRED if name not in by_lower]
    if missing:
        raise InputError(
            f"{path}: not a YFCC100M metadata file: the {what} has no column {', '.join(missing)} "
            f"(for a derived dataset with only some YFCC columns use `ingest manifest --format yfcc-columns`)"
        )
    return {name: by_lower[name] for name in COLUMNS if name in by_lower}


def raw_select_sql(relation: str, columns: dict[str, str], locator: str, *, blob: bool) -> str:
    """The yfcc_raw query (see yfcc_stage.sql) over `relation` whose YFCC columns are named in `columns`.

    `blob`: the columns are BLOB (SQLite text may hold invalid UTF-8); a value that is not UTF-8
    makes the record an `encoding` reject instead of failing the file.
    """

    def text(name: str) -> str:
        if name not in columns:
            return "''"
        column = _quote_identifier(columns[name])
        return f"coalesce(try(decode({column})), '')" if blob else f"coalesce(CAST({column} AS VARCHAR), '')"

    fields = ",\n       ".join(f"{text(name)} AS {raw}" for name, raw in COLUMNS.items())
    present = [_quote_identifier(columns[name]) for name in COLUMNS if name in columns]
    record = (
        "json_object("
        + ", ".join(f"{sql_string(n)}, {_quote_identifier(c)}" for n, c in columns.items())
        + ")"
    )
    if blob:
        bad_utf8 = " OR ".join(f"({c} IS NOT NULL AND try(decode({c})) IS NULL)" for c in present)
        record = (
            "json_object("
            + ", ".join(
                f"{sql_string(n)}, coalesce(try(decode({_quote_identifier(c)})), '(not UTF-8)')"
                for n, c in columns.items()
            )
            + ")"
        )
        problem = f"CASE WHEN {bad_utf8} THEN 'encoding: invalid UTF-8' END"
    else:
        problem = "NULL::VARCHAR"
    return (
        f"SELECT {locator} AS source_line, CAST({record} AS VARCHAR) AS line, {problem} AS shape_problem,\n"
        f"       NULL::VARCHAR AS line_no_raw,\n       {fields}\nFROM {relation}"
    )


def raw_view_sql(select: str) -> str:
    """The view yfcc_raw (what yfcc_stage.sql reads) as `select`, a query of raw_select_sql."""
    return f"CREATE OR REPLACE TEMP VIEW yfcc_raw AS\n{select}"


def parquet_columns(con, path: Path) -> dict[str, str]:
    try:
        names = [
            row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        ]
    except Exception as exc:  # noqa: BLE001 - duckdb.Error: a damaged or foreign Parquet file
        raise InputError(
            f"{path}: cannot read the Parquet file: {str(exc).strip().splitlines()[0]}"
        ) from None
    return _check_columns(path, names, "Parquet file")


def parquet_select_sql(path: Path, columns: dict[str, str]) -> str:
    relation = f"read_parquet({sql_string(str(path))}, file_row_number = true)"
    return raw_select_sql(relation, columns, "file_row_number + 1", blob=False)


def parquet_sample(con, path: Path, columns: dict[str, str]) -> list[dict]:
    names = [columns[name] for name in TEXT_COLUMNS if name in columns]
    if not names:
        return []
    select = ", ".join(
        f"CAST({_quote_identifier(n)} AS VARCHAR) AS {_quote_identifier(n.lower())}" for n in names
    )
    rows = con.execute(f"SELECT {select} FROM read_parquet(?) LIMIT {SAMPLE_ROWS}", [str(path)]).fetchall()
    keys = [n.lower() for n in names]
    return [dict(zip(keys, row, strict=False)) for row in rows]


def sqlite_columns(path: Path) -> dict[str, str]:
    """Column names of the yfcc100m_dataset table (read with Python's sqlite3: schema only)."""
    import sqlite3

    try:
        con = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            rows = con.execute(f"PRAGMA table_info({SQLITE_TABLE})").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot read the SQLite file: {exc}") from None
    if not rows:
        raise InputError(
            f"{path}: a SQLite file without the table {SQLITE_TABLE} (the Multimedia Commons "
            "YFCC100M file has it)"
        )
    return _check_columns(path, [row[1] for row in rows], f"table {SQLITE_TABLE}")


def sqlite_sample(path: Path, columns: dict[str, str]) -> list[dict]:
    import sqlite3

    names = [columns[name] for name in TEXT_COLUMNS if name in columns]
    if not names:
        return []
    con = sqlite3.connect(sqlite_uri(path), uri=True)
    con.text_factory = lambda data: data.decode("utf-8", "replace")
    try:
        rows = con.execute(
            f"SELECT {', '.join(map(_quote_identifier, names))} FROM {SQLITE_TABLE} LIMIT {SAMPLE_ROWS}"
        ).fetchall()
    finally:
        con.close()
    keys = [n.lower() for n in names]
    return [dict(zip(keys, row, strict=False)) for row in rows]


class SqliteBatches:
    """`with SqliteBatches(path, columns) as reader:` an Arrow RecordBatchReader of the table.

    Every column comes as BLOB (its text bytes, whatever SQLite stored: integer, real or text), plus
    the rowid as the locator, in rowid order, streamed in batches by ADBC's SQLite driver.

    The batches are typed as declared here (rowid int64, every column binary), never by the first
    values: ADBC infers each column's type from its first batch, so a column that is NULL in every
    row of it (a subset without geotags) would become int64 and the next batch would fail. A first
    row with a value of each declared type is put before the table's rows and dropped again.
    """

    BATCH_ROWS = 65_536

    def __init__(self, path: Path, columns: dict[str, str]):
        self.path = path
        self.columns = columns
        self.schema = pa.schema([("yfcc_rowid", pa.int64())] + [(c, pa.binary()) for c in columns.values()])

    def __enter__(self) -> pa.RecordBatchReader:
        try:
            import adbc_driver_sqlite.dbapi as adbc_sqlite
        except ImportError:
            raise InputError(
                "reading a SQLite file needs the Python package adbc-driver-sqlite "
                "(pip install adbc-driver-sqlite)"
            ) from None
        self._con = adbc_sqlite.connect(sqlite_uri(self.path))
        self._cursor = self._con.cursor()
        # An older driver without the option keeps its default batch size.
        with contextlib.suppress(Exception):
            self._cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(self.BATCH_ROWS)})
        names = [_quote_identifier(c) for c in self.columns.values()]
        typed_row = ", ".join(["0 AS yfcc_rowid", *(f"X'' AS {name}" for name in names)])
        select = ", ".join(f"CAST({name} AS BLOB) AS {name}" for name in names)
        # SQLite runs the arms of UNION ALL in order: the typed row comes first, then the table by rowid.
        self._cursor.execute(
            f"SELECT {typed_row} UNION ALL SELECT * FROM "
            f"(SELECT rowid AS yfcc_rowid, {select} FROM {SQLITE_TABLE} ORDER BY rowid)"
        )
        return pa.RecordBatchReader.from_batches(
            self.schema, self._without_typed_row(self._cursor.fetch_record_batch())
        )

    def _without_typed_row(self, reader) -> Iterator[pa.RecordBatch]:
        first = True
        for batch in reader:
            if first:
                if batch.schema != self.schema:  # the driver did not take the declared types
                    raise InputError(
                        f"{self.path}: cannot read the SQLite file: columns typed "
                        f"{batch.schema.types}, expected integer rowid and BLOB columns"
                    )
                batch, first = batch.slice(1), False
            if batch.num_rows:
                yield batch

    def __exit__(self, *exc) -> None:
        try:
            self._cursor.close()
        finally:
            self._con.close()
