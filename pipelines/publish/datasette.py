"""`ccaudit serve`: the edition in Datasette, for people who browse rather than write SQL.

What is served, `ccaudit.db`, is built once when the edition is published (datasette_build: the
datasets, their items and photos, every published table and view, indexed). `serve` only starts
Datasette on it, immutable, on 127.0.0.1: it never touches the main database, and never writes into
the edition (a read-only or downloaded edition serves as it is). An edition published without the
database (an older ccaudit) gets it built on first serve, by the same safe build.

Datasette runs inside this process: nothing from the current folder is imported (a `datasette.py`
or `json.py` beside a downloaded edition stays inert), the socket is bound before anything is
announced (a busy port is one error line; `--port 0` announces the port the system chose), and the
table and column descriptions and canned queries come from ccaudit itself, never from the edition.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sqlite3
import sys
from pathlib import Path

from ..db import ccaudit_schema
from ..errors import CcauditError
from ..resources import sql_dir
from .datasette_build import (
    FTS_COLUMNS,
    INFO_TABLE,
    PRIMARY_KEYS,
    SQLITE_FILE,
    build_info,
    build_sqlite,
    table_counts,
)
from .edition import EDITION_FILE, LINK_COLUMNS, PEOPLE_COLUMNS, latest_edition

DATABASE_NAME = "ccaudit"
# Columns offered as facets when a table opens.
FACETS = {
    "yfcc_photos": ["license_id", "is_video"],
    "dataset_items": ["dataset", "declared_license_id"],
    "dataset_photos": ["dataset", "yfcc_license_id", "in_yfcc"],
    "optout_status": ["dataset", "kind"],
    "flickr_checks": ["status", "license_id"],
    "flickr_latest_checks": ["status", "license_id"],
    "uploaders": ["status"],
    "datasets": ["format"],
}
LABEL_COLUMNS = {"licenses": "name", "yfcc_photos": "title"}
# View columns that name a person (the tables' own are edition.PEOPLE_COLUMNS): keyed hashes in a
# pseudonymous edition, because the tables they come from hold keyed hashes.
VIEW_PEOPLE_COLUMNS = {
    "yfcc_photos_licensed": ("owner_nsid", "owner_nickname"),
    "dataset_photos": ("owner", "owner_ref", "owner_nickname"),
    "flickr_latest_checks": ("owner_nsid", "owner_username", "owner_path_alias"),
    "resolved_aliases": ("alias", "owner_nsid"),
    "optout_status": ("value",),
}
PSEUDONYM_NOTE = (
    "In this pseudonymous edition: a keyed hash (u_… for an account, n_… for a name, p_… for a photo "
    "id; the same value always gives the same token, as in the report)."
)
REDACTION_NOTE = " In this pseudonymous edition NSIDs and Flickr links inside text read [nsid] and [link]."
INFO_DESCRIPTION = (
    "What this Datasette database is: which edition, built when and how, synthetic or not, rows per table."
)
INFO_COLUMNS = {
    "key": "What is described: format, built_by, built_at, edition, generated_at, publish_mode, synthetic, "
    "synthetic_inputs, pool_photos, rows (per table), views_not_built.",
    "value": "Its value, as JSON.",
}
# Suggested facets try every column of a table on every page (3.6 s per page of yfcc_photos at 300K
# rows, measured); the configured facets (FACETS) stay, and any column can be faceted with ?_facet=.
# Facets run on indexed columns, so they get the time a query gets.
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 5000, "suggest_facets": False}


def people_columns(table: str) -> tuple[str, ...]:
    return PEOPLE_COLUMNS.get(table, ()) + VIEW_PEOPLE_COLUMNS.get(table, ())


def canned_queries() -> dict[str, dict]:
    """sql/datasette/NN_name.sql -> Datasette canned queries (title and description from the header)."""
    queries = {}
    for path in sorted(sql_dir("datasette").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        header = {
            k.strip(): v.strip()
            for k, _, v in (
                line[3:].partition(":")
                for line in text.splitlines()
                if line.startswith("-- ") and ":" in line[:20]
            )
        }
        body = "\n".join(line for line in text.splitlines() if not line.startswith("-- "))
        queries[path.stem.split("_", 1)[1]] = {
            "sql": body.strip(),
            "title": header.get("title", path.stem),
            "description": header.get("description", ""),
        }
    return queries


def _served_columns(database: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(f"file:{database}?mode=ro&immutable=1", uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        fts = {n for n in names if any(n.startswith(f"{t}_fts") for t in FTS_COLUMNS)}
        return {n: [r[1] for r in con.execute(f'PRAGMA table_info("{n}")')] for n in names if n not in fts}
    finally:
        con.close()


def _table_entry(schema, table: str, columns: list[str], pseudonymous: bool) -> dict:
    row = schema.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = $n UNION ALL "
        "SELECT comment FROM duckdb_views() WHERE view_name = $n",
        {"n": table},
    ).fetchone()
    comments = dict(
        schema.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?", [table]
        ).fetchall()
    )
    if table == INFO_TABLE:
        row, comments = (INFO_DESCRIPTION,), INFO_COLUMNS
    description = (row[0] if row else "") or ""
    people = people_columns(table)
    if pseudonymous and (people or table in LINK_COLUMNS):
        description += REDACTION_NOTE
        dropped = [c for c in LINK_COLUMNS.get(table, ()) if c not in columns]
        if dropped:
            description += f" Left out here: {', '.join(dropped)} (they lead to the person)."
    described = {}
    for column in columns:
        text = comments.get(column) or ""
        if pseudonymous and column in people:
            text += " " + PSEUDONYM_NOTE
        described[column] = text.strip()
    entry: dict = {"description": description.strip(), "columns": described}
    if table in FTS_COLUMNS:
        entry["fts_table"] = f"{table}_fts"
        if table in PRIMARY_KEYS:
            entry["fts_pk"] = PRIMARY_KEYS[table]
    if table in FACETS:
        entry["facets"] = [f for f in FACETS[table] if f in columns]
    if table in LABEL_COLUMNS:
        entry["label_column"] = LABEL_COLUMNS[table]
    return entry


def datasette_metadata(edition: Path, database: Path | None = None) -> dict:
    """Title, description, every served table's and column's description (ccaudit's own COMMENTs),
    facets, search and the canned queries."""
    database = database or edition / SQLITE_FILE
    info = build_info(database) or {}
    pseudonymous = info.get("publish_mode") == "pseudonymous"
    schema = ccaudit_schema()
    try:
        tables = {
            t: _table_entry(schema, t, cols, pseudonymous) for t, cols in _served_columns(database).items()
        }
    finally:
        schema.close()
    cut = info.get("rows", {}).get("yfcc_photos")
    title = f"ccaudit edition {info.get('edition', edition.name)}"
    notice = ""
    if info.get("synthetic"):
        title += " (SYNTHETIC DATA)"
        notice = (
            "SYNTHETIC DATA: built from data generated by `ccaudit generate`, not from real Flickr data; its "
            "numbers describe nobody. "
        )
    description = (
        f"{notice}Audit data of Creative Commons image datasets drawn from Flickr: edition of "
        f"{info.get('generated_at', '?')} UTC ({info.get('publish_mode', '?')}). Served here: the derived datasets, "
        f"their items and photos, uploaders, licenses, opt-outs and their status, and every published table and "
        f"view. yfcc_photos holds only the {cut if cut is not None else '?'} YFCC100M photos some dataset holds, of "
        f"{info.get('pool_photos', '?')} in the pool: the full pool is in the edition's DuckDB file ({EDITION_FILE}) "
        f"and tables/yfcc_photos.parquet. The views' figures cover the whole pool. Full-text search covers photo "
        f"titles, user tags and descriptions. This data describes licenses; it is not legal advice."
    )
    if tables.get("yfcc_photos") is not None:
        tables["yfcc_photos"]["description"] += (
            f" Here only the photos some dataset holds ({cut} of "
            f"{info.get('pool_photos', '?')}); the full pool is in {EDITION_FILE}."
        )
    return {
        "title": title,
        "description": description,
        "databases": {
            DATABASE_NAME: {"description": description, "tables": tables, "queries": canned_queries()}
        },
    }


def ensure_database(edition: Path) -> Path:
    """The edition's Datasette database; built now (safely, from its Parquet) when it lacks one of
    this ccaudit's format, which needs a writable folder."""
    database = edition / SQLITE_FILE
    if build_info(database) is not None:
        return database
    if not os.access(edition, os.W_OK):  # serve never writes into an edition it can serve as it is
        raise CcauditError(
            f"edition {edition.name} has no Datasette database of this ccaudit version and its folder "
            f"is read-only: run `ccaudit publish-db` again, or copy the folder somewhere writable"
        )
    build_sqlite(edition)  # one error line of its own when it cannot
    return database


def listen(host: str, port: int) -> socket.socket:
    """The bound, listening socket (port 0: the system picks one); one error line when it cannot."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError) as exc:
        sock.close()
        why = (
            "the port is in use"
            if getattr(exc, "errno", None) == errno.EADDRINUSE
            else (getattr(exc, "strerror", None) or str(exc))
        )
        raise CcauditError(f"cannot serve on {host}:{port}: {why}; choose another with --port") from None
    return sock


def _without_current_folder() -> None:
    """Drop the current folder from the import path (the '' entry of `python -c`, or the folder of
    `python -m`), so a datasette.py or json.py beside the edition is never imported. The folder
    holding ccaudit itself stays (a checkout run with `python -m pipelines.cli`)."""
    own = str(Path(__file__).resolve().parents[2])
    here = os.path.realpath(os.getcwd())

    def foreign(entry: str) -> bool:
        real = os.path.realpath(entry or ".")
        return (entry in ("", ".") or real == here) and real != own

    sys.path[:] = [entry for entry in sys.path if not foreign(entry)]


def datasette_app(edition: Path, metadata: dict, counts: dict[str, int]):
    """Datasette on the edition's database, named by its file name only (so /-/databases.json shows
    no path of this machine): the process works from inside the edition folder."""
    _without_current_folder()
    try:
        from datasette.app import Datasette
    except ImportError:
        raise CcauditError(
            "Datasette is not installed: pip install datasette (or pip install ccaudit)"
        ) from None
    os.chdir(edition)
    _without_current_folder()
    size = (edition / SQLITE_FILE).stat().st_size
    inspect = {
        DATABASE_NAME: {
            "hash": f"{edition.name}-{size}",
            "size": size,
            "file": SQLITE_FILE,
            "tables": {t: {"count": n} for t, n in counts.items()},
        }
    }
    return Datasette(immutables=[SQLITE_FILE], metadata=metadata, inspect_data=inspect, settings=SETTINGS)


def serve(edition_dir: Path, port: int = 8001, host: str = "127.0.0.1") -> int:
    """Serve the latest edition until Ctrl-C (or SIGTERM)."""
    edition = latest_edition(edition_dir)
    database = ensure_database(edition)
    metadata = datasette_metadata(edition, database)
    info = build_info(database) or {}
    counts = {**info["rows"], INFO_TABLE: len(info)} if info.get("rows") else table_counts(database)
    ds = datasette_app(edition, metadata, counts)
    sock = listen(host, port)
    try:
        import uvicorn

        asyncio.run(ds.invoke_startup())
        config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
        real_port = sock.getsockname()[1]
        print(
            f"serving edition {edition.name} on http://{host}:{real_port}/{DATABASE_NAME} (Ctrl-C stops)",
            flush=True,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
