"""What Datasette serves of an edition, built once when the edition is published.

Datasette reads SQLite. Copying the whole edition at serve time cost 471 bytes a row and half an
hour at 100M rows, without an index. Readers browse the datasets, not the pool, so `ccaudit.db`
holds what they browse: every published table whole except `yfcc_photos`, which keeps only the
photos some dataset holds (the full pool stays in the edition's DuckDB file and Parquet), and the
published views materialised by DuckDB over the whole edition (so their counts cover the pool),
with an index on every join key and foreign keys to `licenses` (Datasette then shows license
names in facets and rows).

Safety: a downloaded edition is untrusted. The build reads only the edition's own Parquet files
named in its manifest (regular files inside the folder, for tables ccaudit's schema knows), in an
in-memory DuckDB whose file access is limited to the edition folder and locked, and defines the
views with ccaudit's own SQL (sql/schema), never with the edition's DuckDB file.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import adbc_driver_sqlite.dbapi as adbc_sqlite
import duckdb

from .. import __version__
from ..db import ccaudit_schema
from ..errors import CcauditError
from ..resources import sql_dir

SQLITE_FILE = "ccaudit.db"  # Datasette names a database after its file: /ccaudit
INFO_TABLE = "ccaudit_edition"  # one row: what this database is (read by `serve` and by readers)
EXAMPLES_DIR = "examples"  # sql/examples, shipped in every edition
BUILD_FORMAT = 2  # a database of an older format is rebuilt by `serve`
BATCH_ROWS = 100_000
MEMORY_LIMIT = "1GB"  # DuckDB spills beyond it (into the edition folder), see bench.scale

# Every other view of ccaudit's schema is materialised: computed by DuckDB over the whole edition
# (pool included), so its counts are the report's.
SQLITE_VIEWS = ("yfcc_photos_licensed",)
# Tables whose rows are cut to what readers browse: the photos some dataset holds.
CUT_TABLES = {"yfcc_photos": "photo_id IN (SELECT photo_id FROM dataset_items WHERE photo_id IS NOT NULL)"}
PRIMARY_KEYS = {"licenses": "license_id", "yfcc_photos": "photo_id"}
# Foreign keys: to licenses (facets and rows show the license name) and to the photo.
LICENSE_KEYS = {
    "yfcc_photos": ("license_id",),
    "dataset_items": ("declared_license_id",),
    "flickr_checks": ("license_id",),
    "flickr_latest_checks": ("license_id",),
    "dataset_photos": ("declared_license_id", "yfcc_license_id"),
    "flickr_license_drift": ("license_then_id", "license_now_id"),
    "dataset_license_timeline": ("yfcc_license_id", "license_now_id", "license_at_collection_id"),
    "flickr_license_history": ("old_license_id", "new_license_id"),
}
PHOTO_KEYS = (
    "dataset_items",
    "dataset_photos",
    "flickr_checks",
    "flickr_latest_checks",
    "dataset_license_timeline",
    "flickr_license_drift",
    "flickr_license_history",
    "flickr_sample_photos",
)
# Indexes on every join key (photo, owner, dataset) and on the facets offered; nothing more (each
# index of dataset_items or dataset_photos costs 1-2 s per 500K rows to build, measured at 2M).
INDEXES = {
    "yfcc_photos": (("owner_nsid",), ("license_id",)),
    "dataset_items": (("photo_id",), ("owner_ref",), ("dataset", "version")),
    "dataset_photos": (("photo_id",), ("owner",), ("dataset", "version"), ("yfcc_license_id",)),
    "datasets": (("dataset", "version"),),
    "flickr_checks": (("photo_id",), ("owner_nsid",), ("status",), ("license_id",)),
    "flickr_latest_checks": (("photo_id",), ("owner_nsid",), ("status",)),
    "uploaders": (("owner_nsid",), ("path_alias",)),
    "optouts": (("value",),),
    "optout_status": (("value",), ("dataset", "version")),
    "resolved_aliases": (("alias",), ("owner_nsid",)),
    "flickr_license_drift": (("photo_id",),),
    "dataset_license_timeline": (("photo_id",),),
    "flickr_license_history": (("photo_id",),),
    "flickr_sample_photos": (("photo_id",), ("dataset", "seed")),
    "flickr_alias_resolutions": (("alias",), ("owner_nsid",)),
}
NOCASE_INDEXES = {"dataset_items": ("owner_ref",), "uploaders": ("path_alias",)}
# Full-text search: table -> text columns (FTS5, external content: no second copy of the text).
FTS_COLUMNS = {"yfcc_photos": ("title", "user_tags", "description"), "flickr_checks": ("title",)}
# Served as SQLite views over the cut yfcc_photos (a second copy of the photos would double the file).
LICENSE_FACTS = (
    "code AS license_code",
    "name AS license_name",
    "is_license",
    "commercial_use",
    "derivatives",
    "share_alike",
    "attribution",
)
_INTEGER = (
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
    "HUGEINT",
)


@dataclass
class BuildResult:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CcauditError(f"edition {folder.name}: cannot read manifest.json: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise CcauditError(f"edition {folder.name}: manifest.json has no tables")
    return manifest


def edition_parquet(folder: Path, manifest: dict, known_tables: set[str]) -> dict[str, Path]:
    """table -> Parquet file, for the manifest's tables that ccaudit's schema knows, each a regular
    file inside the edition folder (a symlink out of it, or any other path, is refused)."""
    root = folder.resolve()
    files = {}
    for table in manifest["tables"]:
        if table not in known_tables:
            continue
        path = folder / "tables" / f"{table}.parquet"
        resolved = path.resolve()
        if not resolved.is_relative_to(root) or not resolved.is_file():
            raise CcauditError(
                f"edition {folder.name}: table {table} is not a Parquet file inside the edition "
                "folder; publish the edition again"
            )
        files[table] = resolved
    return files


def reader_connection(
    folder: Path, parquet: dict[str, Path], schema
) -> tuple[duckdb.DuckDBPyConnection, dict]:
    """In-memory DuckDB over the edition's Parquet with ccaudit's views, file access limited to the
    folder. Tables the edition lacks are empty; a view that cannot be built is skipped (why, returned)."""
    con = duckdb.connect()
    scratch = folder / f".datasette-tmp-{secrets.token_hex(4)}"
    con.execute("SET memory_limit = ?", [MEMORY_LIMIT])
    con.execute("SET temp_directory = ?", [str(scratch)])
    con.execute("SET allowed_directories = ?", [[str(folder.resolve()) + os.sep]])
    con.execute("SET enable_external_access = false")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET lock_configuration = true")
    for (table,) in schema.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1"
    ).fetchall():
        if table in parquet:
            con.execute(
                f"CREATE VIEW {_quote(table)} AS SELECT * FROM read_parquet({_literal(str(parquet[table]))})"
            )
        else:
            columns = schema.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                "ORDER BY column_index",
                [table],
            ).fetchall()
            con.execute(
                f"CREATE TABLE {_quote(table)} (" + ", ".join(f"{_quote(c)} {t}" for c, t in columns) + ")"
            )
    skipped = {}
    pending = dict(
        schema.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal "
            "AND schema_name = 'main' ORDER BY view_name"
        ).fetchall()
    )
    while pending:  # dependency order: retry until no more can be created
        progress = False
        for view, sql in list(pending.items()):
            try:
                con.execute(sql)
            except duckdb.Error as exc:
                skipped[view] = str(exc).splitlines()[0][:200]
                continue
            skipped.pop(view, None)
            del pending[view]
            progress = True
        if not progress:
            break
    return con, skipped


def _sqlite_type(kind: str) -> str:
    if (kind.startswith(_INTEGER) and not kind.endswith("]")) or kind == "BOOLEAN":
        return "INTEGER"
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return "REAL"
    return "TEXT"


def _as_sqlite(column: str, kind: str) -> str:
    """The DuckDB expression that gives SQLite a plain value: 0/1, ISO text, JSON for lists."""
    name = _quote(column)
    if kind == "BOOLEAN":
        return f"CAST({name} AS INTEGER) AS {name}"
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP")):
        return f"CAST(to_json({name}) AS VARCHAR) AS {name}"
    if _sqlite_type(kind) == "TEXT" and kind != "VARCHAR":
        return (
            f"CAST({name} AS VARCHAR) AS {name}"  # timestamps as ISO text, which SQLite's date functions read
        )
    return name


def _columns(con, name: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()


def _create_table(name: str, columns: list[tuple[str, str]]) -> str:
    parts = []
    for column, kind in columns:
        part = f"{_quote(column)} {_sqlite_type(kind)}"
        if PRIMARY_KEYS.get(name) == column:
            part += " PRIMARY KEY"
        elif column in LICENSE_KEYS.get(name, ()):
            part += " REFERENCES licenses(license_id)"
        elif column == "photo_id" and name in PHOTO_KEYS:
            part += " REFERENCES yfcc_photos(photo_id)"
        parts.append(part)
    return f"CREATE TABLE {_quote(name)} ({', '.join(parts)})"


def _served(reader, parquet: dict[str, Path], skipped: dict[str, str]) -> list[str]:
    """The edition's tables (licenses and yfcc_photos first: foreign keys point to them), then every
    ccaudit view that could be built, materialised (yfcc_photos_licensed is a SQLite view instead)."""
    first = [t for t in ("licenses", "yfcc_photos") if t in parquet]
    tables = first + sorted(t for t in parquet if t not in first)
    views = [
        r[0]
        for r in reader.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "AND schema_name = 'main' ORDER BY view_name"
        ).fetchall()
    ]
    return tables + [v for v in views if v not in parquet and v not in skipped and v not in SQLITE_VIEWS]


def _copy(reader, adbc, name: str) -> None:
    columns = _columns(reader, name)
    cursor = adbc.cursor()
    try:
        cursor.execute(_create_table(name, columns))
        where = f" WHERE {CUT_TABLES[name]}" if name in CUT_TABLES else ""
        select = ", ".join(_as_sqlite(c, t) for c, t in columns)
        order = f" ORDER BY {_quote(PRIMARY_KEYS[name])}" if name in PRIMARY_KEYS else ""
        batches = reader.sql(f"SELECT {select} FROM {_quote(name)}{where}{order}").to_arrow_reader(BATCH_ROWS)
        cursor.adbc_ingest(name, batches, mode="append")
    finally:
        cursor.close()


def _finish_sqlite(path: Path, tables: dict[str, int], info: dict) -> None:
    """Indexes, full-text search, the license view and the info row (Python's sqlite3 has FTS5)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        for table, indexes in INDEXES.items():
            if table not in tables:
                continue
            present = {r[1] for r in con.execute(f"PRAGMA table_info({_quote(table)})")}
            for columns in indexes:
                if set(columns) <= present and (table, columns[0]) not in PRIMARY_KEYS.items():
                    index = _quote(f"{table}_{'_'.join(columns)}")
                    con.execute(
                        f"CREATE INDEX {index} ON {_quote(table)} ({', '.join(map(_quote, columns))})"
                    )
            # The canned "one account's photos" query matches manifest owners as lookup does, ignoring case.
            for column in NOCASE_INDEXES.get(table, ()):
                if column in present:
                    con.execute(
                        f"CREATE INDEX {_quote(f'{table}_{column}_nocase')} ON {_quote(table)} "
                        f"({_quote(column)} COLLATE NOCASE)"
                    )
        for table, wanted in FTS_COLUMNS.items():
            searched = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(table)})") if r[1] in wanted]
            if table in tables and searched:
                fts = _quote(f"{table}_fts")
                rowid = f", content_rowid={_quote(PRIMARY_KEYS[table])}" if table in PRIMARY_KEYS else ""
                con.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(map(_quote, searched))}, "
                    f"content={_quote(table)}{rowid})"
                )
                con.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
        if "yfcc_photos" in tables and "licenses" in tables:
            facts = ", ".join(f"l.{fact}" for fact in LICENSE_FACTS)
            con.execute(
                f"CREATE VIEW yfcc_photos_licensed AS SELECT p.*, {facts} "
                "FROM yfcc_photos AS p JOIN licenses AS l ON l.license_id = p.license_id"
            )
        con.execute(f"CREATE TABLE {INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
        con.executemany(
            f"INSERT INTO {INFO_TABLE} VALUES (?, ?)", [(k, json.dumps(v)) for k, v in info.items()]
        )
        con.execute("ANALYZE")  # the query planner's statistics: joins pick the photo_id index
        con.commit()
    finally:
        con.close()


def synthetic_inputs(reader) -> list[str]:
    """Inputs written by `ccaudit generate` (it leaves IN.truth.json beside every file), judged by
    the report's rule; only at publish time, on this machine's own files."""
    files = [
        r[0]
        for r in reader.execute(
            "SELECT DISTINCT source_file FROM ingest_runs UNION SELECT DISTINCT unnest(source_files) FROM datasets "
            "WHERE source_files IS NOT NULL"
        ).fetchall()
        if r[0]
    ]
    return sorted(Path(f).name for f in files if Path(f + ".truth.json").is_file())


def build_sqlite(folder: Path, check_inputs: bool = False) -> BuildResult:
    """Write `folder/ccaudit.db` (a temporary file renamed into place: a half build is never served)."""
    manifest = read_manifest(folder)
    schema = ccaudit_schema()
    known = {
        r[0] for r in schema.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()
    }
    parquet = edition_parquet(folder, manifest, known)
    target = folder / SQLITE_FILE
    tmp = folder / f".{SQLITE_FILE}.{secrets.token_hex(4)}"
    result = BuildResult(path=target)
    reader = None
    try:
        reader, result.skipped = reader_connection(folder, parquet, schema)
        with adbc_sqlite.connect(str(tmp)) as adbc:
            for name in _served(reader, parquet, result.skipped):
                _copy(reader, adbc, name)
            adbc.commit()
        result.tables = table_counts(tmp)  # counted once here: `serve` hands them to Datasette
        pool = reader.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]  # type: ignore[index]  # count(*) returns one row
        synthetic = list(manifest.get("synthetic_inputs") or [])
        if check_inputs and not synthetic:
            synthetic = synthetic_inputs(reader)
        info = {
            "format": BUILD_FORMAT,
            "built_by": f"ccaudit {__version__}",
            "built_at": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"),
            "edition": _edition_name(folder),
            "generated_at": manifest.get("generated_at"),
            "publish_mode": manifest.get("publish_mode"),
            "synthetic": bool(synthetic or manifest.get("synthetic")),
            "synthetic_inputs": synthetic,
            "pool_photos": pool,
            "rows": result.tables,
            "views_not_built": result.skipped,
        }
        _finish_sqlite(tmp, result.tables, info)
        os.replace(tmp, target)
    except (OSError, sqlite3.Error, duckdb.Error, adbc_sqlite.Error) as exc:
        raise CcauditError(
            f"cannot build the Datasette database of edition {folder.name}: "
            f"{getattr(exc, 'strerror', None) or str(exc).splitlines()[0]}"
        ) from None
    finally:
        if reader is not None:
            reader.close()
        schema.close()
        tmp.unlink(missing_ok=True)
        for scratch in folder.glob(".datasette-tmp-*"):
            shutil.rmtree(scratch, ignore_errors=True)
    return result


def _edition_name(folder: Path) -> str:
    """The edition's name, also while it is being written into `.NAME.tmp-XXXX`."""
    name = folder.name
    return name[1 : name.rindex(".tmp-")] if name.startswith(".") and ".tmp-" in name else name


def table_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'%_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: con.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0] for n in names}
    finally:
        con.close()


def build_info(path: Path) -> dict | None:
    """The info row of a built database; None when it is missing, unreadable or of an older format."""
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            info = {k: json.loads(v) for k, v in con.execute(f"SELECT key, value FROM {INFO_TABLE}")}
        finally:
            con.close()
    except (sqlite3.Error, ValueError):
        return None
    return info if info.get("format") == BUILD_FORMAT else None


def copy_examples(folder: Path) -> None:
    """sql/examples into the edition: questions a journalist would ask, runnable on its DuckDB file."""
    target = folder / EXAMPLES_DIR
    target.mkdir(exist_ok=True)
    for path in sorted(sql_dir("examples").glob("*.sql")):
        shutil.copyfile(path, target / path.name)


def build_for_edition(folder: Path) -> BuildResult:
    """The publish step (called by publish_edition on the edition's folder before it is switched
    to): the examples, and the Datasette database, built once."""
    try:
        copy_examples(folder)
    except OSError as exc:
        raise CcauditError(f"cannot copy the SQL examples into the edition: {exc.strerror or exc}") from None
    return build_sqlite(folder, check_inputs=True)
