"""`ccaudit serve`: the edition in Datasette, for people who browse rather than write SQL.

Datasette reads SQLite, so the first serve of an edition copies its published tables into
`ccaudit.db` inside the edition folder (streamed in Arrow batches, written to a
temporary file and renamed, so a half copy is never served), with full-text search over photo
titles and tags, and writes the table and column descriptions (the database's COMMENTs) as
Datasette metadata. Datasette then serves that file immutable on 127.0.0.1: it never touches the
main database, so it runs happily while enrich, ingest or a report write.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import sys
from pathlib import Path

import duckdb

from .edition import EDITION_FILE, latest_edition
from ..errors import CcauditError

SQLITE_FILE = "ccaudit.db"   # Datasette names a database after its file: /ccaudit
METADATA_FILE = "datasette-metadata.json"
DATABASE_NAME = "ccaudit"
# Full-text search: table -> text columns indexed (FTS5, external content, so no second copy).
FTS_COLUMNS = {"yfcc_photos": ("title", "user_tags", "description"), "flickr_checks": ("title",)}
# Columns offered as facets when a table opens.
FACETS = {"yfcc_photos": ["license_id", "is_video"], "dataset_items": ["dataset", "declared_license_id"],
          "flickr_checks": ["status", "license_id"], "uploaders": ["status"], "datasets": ["format"]}
BATCH_ROWS = 50_000
_SQLITE_TYPES = {"BIGINT": "INTEGER", "INTEGER": "INTEGER", "SMALLINT": "INTEGER", "TINYINT": "INTEGER",
                 "BOOLEAN": "INTEGER", "DOUBLE": "REAL", "FLOAT": "REAL"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_sqlite(column: str, kind: str) -> str:
    name = _quote(column)
    if kind in _SQLITE_TYPES or kind == "VARCHAR":
        return f"CAST({name} AS INTEGER)" if kind == "BOOLEAN" else name
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP")):
        return f"CAST(to_json({name}) AS VARCHAR)"
    return f"CAST({name} AS VARCHAR)"  # timestamps as ISO text, which SQLite's date functions read


def build_sqlite(edition: Path) -> Path:
    """The edition's SQLite copy (built once per edition; editions never change)."""
    target = edition / SQLITE_FILE
    if target.is_file():
        return target
    tmp = edition / f".{SQLITE_FILE}.{secrets.token_hex(4)}"
    source = duckdb.connect(str(edition / EDITION_FILE), read_only=True)
    sqlite = sqlite3.connect(tmp)
    try:
        source.execute("SET file_search_path = ?", [str(edition)])
        source.execute("SET enable_progress_bar = false")
        manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
        for table in manifest["tables"]:
            columns = source.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                                     "ORDER BY column_index", [table]).fetchall()
            sqlite.execute(f"CREATE TABLE {_quote(table)} ("
                           + ", ".join(f"{_quote(c)} {_SQLITE_TYPES.get(t, 'TEXT')}" for c, t in columns) + ")")
            insert = (f"INSERT INTO {_quote(table)} VALUES ({', '.join('?' * len(columns))})")
            # Convert in SQL (timestamps to ISO text, lists to JSON, booleans to 0/1) so that rows
            # reach sqlite3 as plain Python values, column by column.
            select = ", ".join(_as_sqlite(c, t) for c, t in columns)
            reader = source.sql(f"SELECT {select} FROM {_quote(table)}").to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                sqlite.executemany(insert, zip(*(column.to_pylist() for column in batch.columns)))
            if table in FTS_COLUMNS:
                present = [c for c in FTS_COLUMNS[table] if c in {name for name, _ in columns}]
                fts = f"{table}_fts"
                sqlite.execute(f'CREATE VIRTUAL TABLE {_quote(fts)} USING fts5({", ".join(map(_quote, present))}, '
                               f'content="{table}")')
                sqlite.execute(f"INSERT INTO {_quote(fts)} ({_quote(fts)}) VALUES ('rebuild')")
            for facet in FACETS.get(table, []):
                if facet in {name for name, _ in columns}:
                    sqlite.execute(f"CREATE INDEX {_quote(f'{table}_{facet}')} ON {_quote(table)} ({_quote(facet)})")
        sqlite.commit()
        sqlite.close()
        os.replace(tmp, target)
    except (OSError, sqlite3.Error, duckdb.Error) as exc:
        raise CcauditError(f"cannot build the SQLite copy of edition {edition}: {exc}") from None
    finally:
        source.close()
        sqlite.close()
        tmp.unlink(missing_ok=True)
    return target


def datasette_metadata(edition: Path) -> dict:
    """Table and column descriptions from the edition's COMMENTs, plus search and facets."""
    con = duckdb.connect(str(edition / EDITION_FILE), read_only=True)
    try:
        manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
        tables = {}
        for table in manifest["tables"]:
            row = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ?", [table]).fetchone()
            columns = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? "
                                       "AND comment IS NOT NULL ORDER BY column_index", [table]).fetchall())
            entry: dict = {"description": (row[0] if row else "") or "", "columns": columns}
            if table in FTS_COLUMNS:
                entry["fts_table"] = f"{table}_fts"
            if table in FACETS:
                entry["facets"] = [f for f in FACETS[table] if f in columns or f in manifest["tables"][table]["columns"]]
            tables[table] = entry
    finally:
        con.close()
    mode = manifest["publish_mode"]
    return {
        "title": "ccaudit edition",
        "description": (f"Audit data of Creative Commons image datasets drawn from Flickr, edition of "
                        f"{manifest['generated_at']} UTC ({mode})."),
        "databases": {DATABASE_NAME: {"tables": tables}},
    }


def prepare(edition_dir: Path) -> tuple[Path, Path]:
    """Build (once) the SQLite copy and write the metadata; returns both paths."""
    edition = latest_edition(edition_dir)
    database = build_sqlite(edition)
    metadata = edition / METADATA_FILE
    metadata.write_text(json.dumps(datasette_metadata(edition), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return database, metadata


def datasette_command(database: Path, metadata: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    # -i: immutable, so Datasette counts once and never locks; the name in URLs is /ccaudit.
    return [sys.executable, "-m", "datasette", "serve", "-i", str(database), "--host", host, "--port", str(port),
            "--metadata", str(metadata), "--setting", "sql_time_limit_ms", "5000"]


def serve(edition_dir: Path, port: int = 8001) -> int:
    """Become Datasette on 127.0.0.1 (exec: signals reach it, and no child is left behind)."""
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise CcauditError("Datasette is not installed: pip install datasette (or pip install ccaudit)") from None
    database, metadata = prepare(edition_dir)
    command = datasette_command(database, metadata, port)
    print(f"serving {database.parent} on http://127.0.0.1:{port}/{DATABASE_NAME} (Ctrl-C stops)", flush=True)
    os.execv(command[0], command)
    return 1  # not reached
