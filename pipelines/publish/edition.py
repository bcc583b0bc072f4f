"""The readers' edition: the published tables as Parquet plus a small DuckDB file of views over them.

A journalist who keeps a DuckDB session (or Polars, pandas, R) open on the main database blocks
every scheduled write. The edition is a copy they can hold open for days: each `ccaudit report`
and `ccaudit publish-db` writes a new folder, then switches the `latest` symlink to it atomically.

    editions/
      2026-12-02T0315Z/
        ccaudit-edition.duckdb   views over tables/*.parquet, with the database's COMMENTs
        tables/<table>.parquet   one file per published table
        manifest.json            tables, rows, columns, publish mode, when
        README.txt               how to open it
      2026-12-02T0315Z-2/        a second edition in the same second (concurrent runs take turns naming)
      latest -> 2026-12-02T0315Z-2

The DuckDB file is written in the oldest storage format that holds it (EDITION_STORAGE_VERSION), so
DuckDB 0.10 to 2.x and the DuckDB 1.x CLI open it (docs/duckdb-versions.md). The view paths are
relative (so the folder can be downloaded and moved): open the DuckDB file from inside the folder,
or `SET file_search_path` to it.

Pseudonymous by default, like the report and with the same keyed hashes (`publish.pseudonym`):
people columns become `u_…`/`n_…` tokens, columns that link to a person (photo page and image
URLs, the URL secrets, opt-out notes) are left out, and NSIDs or Flickr links inside any other
text become `[nsid]` / `[link]`, in the COMMENTs too. Before the switch, every text column of every
Parquet file, every comment, every view's SQL and the notes are scanned for NSIDs and personal
Flickr links; a hit refuses the edition.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .. import __version__
from ..errors import CcauditError
from ..report.folder import refuse_system_dir
from ..report.queries import require_current_schema
from .datasette_build import build_for_edition
from .pseudonym import (
    FLICKR_PERSONAL_URL_RE,
    NSID_RE,
    Pseudonymizer,
    find_description_leaks,
    find_leaks,
    load_key,
    redact_description,
)

EDITION_FILE = "ccaudit-edition.duckdb"
MARKER = ".ccaudit-edition"
LATEST = "latest"
KEEP_EDITIONS = 3  # older editions are deleted, unless a DuckDB session holds one open
# The oldest DuckDB storage format that holds an edition (views and their comments): storage 64,
# which DuckDB 0.10 to 2.x read. DuckDB 2 writes format 69 by default, which no DuckDB 1.x opens
# (docs/duckdb-versions.md lists what was checked).
EDITION_STORAGE_VERSION = "v0.10.0"
PUBLISH_MODES = ("pseudonymous", "full")

# The tables a reader gets, in this order. Not published: ingest_rejects (raw input lines name
# everyone in them) and the bookkeeping of enrichment merges. A table added later is published
# only once it is listed here with its people columns.
PUBLISHED_TABLES = (
    "licenses",
    "yfcc_photos",
    "datasets",
    "dataset_items",
    "flickr_checks",
    "uploaders",
    "optouts",
    "validation_results",
    "ingest_runs",
    "flickr_enrich_runs",
    "flickr_license_history",
    "flickr_alias_resolutions",
    "flickr_sample_photos",
)
# Columns that name a person: a keyed hash in a pseudonymous edition (the report's tokens).
PEOPLE_COLUMNS = {
    "yfcc_photos": ("owner_nsid", "owner_nickname"),
    "dataset_items": ("owner_ref", "declared_author"),
    "flickr_checks": ("owner_nsid", "owner_username", "owner_path_alias"),
    "flickr_alias_resolutions": ("alias", "owner_nsid", "username"),
    "uploaders": ("owner_nsid", "nickname", "username", "realname", "path_alias", "location"),
    "optouts": ("value",),
}
# People columns that name a person only on some rows: elsewhere the value is kept as it is. An
# opt-out of one photo holds a photo id, published in clear everywhere else in the edition, so
# optout_status can still match it; an opt-out of an account holds the NSID, which is tokened.
PERSON_ONLY_WHERE = {("optouts", "value"): "t.kind = 'user'"}
# Columns that lead straight to a person (a photo page names its uploader): left out.
LINK_COLUMNS = {
    "yfcc_photos": ("page_url", "download_url", "secret", "secret_original"),
    "dataset_items": ("source_url",),
    "optouts": ("note",),
}
# Whole Flickr links (scheme, host and path) and NSIDs inside free text, in RE2 syntax for DuckDB.
_LINK_IN_TEXT = rf"(?:https?://)?[\w.-]*(?:{FLICKR_PERSONAL_URL_RE.pattern})\S*"
_NSID_IN_TEXT = NSID_RE.pattern
_PSEUDONYM_NOTE = (
    " In a pseudonymous edition: a keyed hash (the same value always gives the same token, as in the report)."
)


@dataclass
class EditionResult:
    folder: Path
    publish_mode: str
    tables: dict[str, int] = field(default_factory=dict)
    views: list[str] = field(default_factory=list)
    skipped_views: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def summary_text(self) -> str:
        rows = sum(self.tables.values())
        lines = [
            (
                f"edition written to {self.folder} ({self.publish_mode}, {len(self.tables)} tables, "
                f"{rows:,} rows, {len(self.views)} views, {self.seconds:.1f} s)"
            ),
            f"latest: {self.folder.parent / LATEST} -> {self.folder.name}",
            f"open it: cd {self.folder.parent / LATEST} && duckdb -readonly {EDITION_FILE}",
        ]
        lines += [f"  view {name} not published: {why}" for name, why in self.skipped_views.items()]
        return "\n".join(lines)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con, table: str) -> list[tuple[str, str, str | None]]:
    return con.execute(
        """
        SELECT column_name, data_type, comment FROM duckdb_columns()
        WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index""",
        [table],
    ).fetchall()


def _comment(con, name: str) -> str | None:
    row = con.execute(
        """
        SELECT comment FROM duckdb_tables() WHERE table_name = $n AND schema_name = 'main'
        UNION ALL SELECT comment FROM duckdb_views() WHERE view_name = $n AND schema_name = 'main'""",
        {"n": name},
    ).fetchone()
    return row[0] if row else None


def _select_list(
    table: str, columns: list[tuple[str, str, str | None]], pseudonymous: bool, token_function: str = ""
) -> tuple[str, str]:
    """The SELECT list that publishes `table`, and the joins that map people columns to tokens."""
    if not pseudonymous:
        return ", ".join(_quote(c) for c, _, _ in columns), ""
    people = PEOPLE_COLUMNS.get(table, ())
    links = LINK_COLUMNS.get(table, ())
    parts, joins = [], []
    for i, (name, kind, _) in enumerate(columns):
        column = f"t.{_quote(name)}"
        if name in links:
            continue
        if name in people:
            # Token each distinct value once (Python HMAC), not each row.
            joins.append(
                f"LEFT JOIN (SELECT v, {token_function}(v) AS token FROM "
                f"(SELECT DISTINCT CAST({_quote(name)} AS VARCHAR) AS v FROM {_quote(table)} "
                f"WHERE {_quote(name)} IS NOT NULL)) AS m{i} ON m{i}.v = CAST({column} AS VARCHAR)"
            )
            token = f"m{i}.token"
            if (table, name) in PERSON_ONLY_WHERE:
                token = f"CASE WHEN {PERSON_ONLY_WHERE[table, name]} THEN {token} ELSE CAST({column} AS VARCHAR) END"
            parts.append(f"{token} AS {_quote(name)}")
        elif kind == "VARCHAR":
            parts.append(f"{_redacted(column)} AS {_quote(name)}")
        elif kind == "VARCHAR[]":
            parts.append(f"list_transform({column}, lambda x: {_redacted('x')}) AS {_quote(name)}")
        else:
            parts.append(f"{column} AS {_quote(name)}")
    return ", ".join(parts), " ".join(joins)


def _redacted(expression: str) -> str:
    return (
        f"regexp_replace(regexp_replace({expression}, {_literal(_LINK_IN_TEXT)}, '[link]', 'gi'), "
        f"{_literal(_NSID_IN_TEXT)}, '[nsid]', 'gi')"
    )


_NOT_TEXT = (
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "UBIGINT",
    "DOUBLE",
    "FLOAT",
    "BOOLEAN",
    "DATE",
    "TIMESTAMP",
    "DECIMAL",
)


def _leaks(con, parquet: Path, columns: list[tuple[str, str, str | None]]) -> list[str]:
    """NSIDs and personal Flickr links left in any non-numeric column of a published file: the
    safety net behind the tokens and the redaction (the report's patterns, scanned in SQL)."""
    found = []
    for name, kind, _ in columns:
        if kind.startswith(_NOT_TEXT) and not kind.endswith("]"):
            continue
        text = f"CAST({_quote(name)} AS VARCHAR)"
        row = con.execute(
            f"SELECT {text} FROM read_parquet(?) WHERE regexp_matches({text}, ?, 'i') "
            f"OR regexp_matches({text}, ?, 'i') LIMIT 1",
            [str(parquet), _NSID_IN_TEXT, FLICKR_PERSONAL_URL_RE.pattern],
        ).fetchone()
        if row:
            found += find_leaks(row[0]) or [row[0]]
    return found


def _edition_id(now: datetime, base: Path) -> str:
    stamp = now.strftime("%Y-%m-%dT%H%M%SZ")
    for n in range(1, 1000):
        name = stamp if n == 1 else f"{stamp}-{n}"
        if not os.path.lexists(base / name):
            return name
    raise CcauditError(f"too many editions at {stamp} in {base}")


def _check_latest(base: Path) -> None:
    """`latest` must be ccaudit's link (or absent): a real folder or file there is someone's, never replaced."""
    latest = base / LATEST
    if os.path.lexists(latest) and not latest.is_symlink():
        kind = "folder" if latest.is_dir() else "file"
        raise CcauditError(
            f"{latest} is a {kind}, not the link ccaudit keeps to the newest edition: "
            "move it away, then publish again"
        )


def _switch_latest(base: Path, name: str) -> None:
    """Point `latest` at the new edition atomically (rename of a fresh symlink over the old one)."""
    tmp = base / f".{LATEST}.{secrets.token_hex(4)}"
    os.symlink(name, tmp)
    try:
        os.replace(tmp, base / LATEST)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()


@contextmanager
def _turn(base: Path):
    """Hold a lock on the editions folder itself (no lock file among the editions): one publisher
    at a time names, switches and prunes."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _place(tmp: Path, base: Path, now: datetime, keep: int) -> Path:
    """Rename the finished edition into place under a name no other edition has, point `latest` at
    it and prune old ones, all in one turn: concurrent runs get -2, -3 … as report folders do."""
    with _turn(base):
        _check_latest(base)
        folder = base / _edition_id(now, base)
        os.rename(tmp, folder)
        try:
            _switch_latest(base, folder.name)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)  # never announced: nothing half published
            raise
        _prune(base, keep)
    return folder


def in_use(folder: Path) -> bool:
    """True while a DuckDB session holds the edition's file open (DuckDB keeps a shared lock on it)."""
    try:
        fd = os.open(folder / EDITION_FILE, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also drops the probe's lock
    return False


def _prune(base: Path, keep: int) -> None:
    """Delete editions older than the last `keep`, except any that a DuckDB session holds open."""
    # Hidden folders are editions still being written (by this or another run): never pruned.
    ours = sorted(
        (
            p
            for p in base.iterdir()
            if not p.name.startswith(".") and p.is_dir() and not p.is_symlink() and (p / MARKER).is_file()
        ),
        key=lambda p: p.name,
    )
    current = (base / LATEST).resolve()
    for old in ours[:-keep] if keep > 0 else []:
        if old.resolve() != current and not in_use(old):
            shutil.rmtree(old, ignore_errors=True)


def latest_edition(base: Path) -> Path:
    """The folder `base/latest` points to (or `base` itself when it is an edition)."""
    base = Path(base)
    if (base / MARKER).is_file():
        return base
    latest = base / LATEST
    if not (latest / MARKER).is_file():
        raise CcauditError(f"no edition in {base}: run `ccaudit publish-db` (or `ccaudit report`) first")
    return latest.resolve()


def publish_edition(
    con: duckdb.DuckDBPyConnection,
    base: Path,
    publish_mode: str = "pseudonymous",
    now: datetime | None = None,
    keep: int = KEEP_EDITIONS,
) -> EditionResult:
    """Write a new edition under `base` from the database behind `con` (read-only is enough)."""
    if publish_mode not in PUBLISH_MODES:
        raise CcauditError(f"publish mode must be one of {', '.join(PUBLISH_MODES)}, got {publish_mode!r}")
    started = time.monotonic()
    now = now or datetime.now(UTC).replace(tzinfo=None)
    base = Path(base)
    refuse_system_dir(base)  # the report's rule: never write editions into / or a system folder
    require_current_schema(con)  # an older database's edition would lack columns and views
    # The key before the folder: a key that cannot be read is named as such, not as the folder's fault.
    pseudonymizer = Pseudonymizer(load_key(con)) if publish_mode == "pseudonymous" else None
    try:
        base.mkdir(parents=True, exist_ok=True)
        _check_latest(base)  # before the slow part; checked again when switching
        tmp = base / f".edition.tmp-{secrets.token_hex(4)}"
        (tmp / "tables").mkdir(parents=True)
    except OSError as exc:
        raise CcauditError(f"cannot write an edition into {base}: {exc.strerror or exc}") from None
    result = EditionResult(folder=tmp, publish_mode=publish_mode)
    try:
        published = _write_tables(con, tmp, pseudonymizer, result)
        _write_edition_db(con, tmp, published, pseudonymizer is not None, result)
        _write_notes(tmp, result, published, now)
        build_for_edition(tmp)  # what Datasette serves, and the SQL examples (publish/datasette_build.py)
        if pseudonymizer:
            _check_descriptions(tmp)  # after the build: its metadata is scanned too
        result.folder = _place(tmp, base, now, keep)
    except OSError as exc:
        raise CcauditError(f"cannot write an edition into {base}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _write_tables(con, folder: Path, pseudonymizer: Pseudonymizer | None, result: EditionResult) -> dict:
    """One Parquet file per published table; in a pseudonymous edition each is scanned for leaks."""
    cursor = con.cursor()
    # The report's keyed hash as a SQL function, under a name of its own (the catalog is shared).
    token_function = f"ccaudit_token_{secrets.token_hex(4)}"
    pseudonymous = pseudonymizer is not None
    try:
        if pseudonymizer is not None:
            cursor.create_function(
                token_function, pseudonymizer.token, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR")
            )
        cursor.execute("SET enable_progress_bar = false")
        published: dict[str, list[tuple[str, str, str | None]]] = {}
        for table in PUBLISHED_TABLES:
            columns = _columns(cursor, table)
            if not columns:
                continue
            select, joins = _select_list(table, columns, pseudonymous, token_function)
            parquet = folder / "tables" / f"{table}.parquet"
            cursor.execute(
                f"COPY (SELECT {select} FROM {_quote(table)} AS t {joins}) TO {_literal(str(parquet))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            kept = [c for c in columns if not (pseudonymous and c[0] in LINK_COLUMNS.get(table, ()))]
            if pseudonymous:
                leaks = _leaks(cursor, parquet, kept)
                if leaks:
                    raise CcauditError(
                        f"pseudonymous edition not written: {table} still contains {leaks[0]!r}; "
                        "add the column to edition.PEOPLE_COLUMNS or LINK_COLUMNS"
                    )
            published[table] = kept
            result.tables[table] = cursor.execute(
                "SELECT count(*) FROM read_parquet(?)", [str(parquet)]
            ).fetchone()[0]
        return published
    finally:
        if pseudonymous:
            with suppress(duckdb.Error):
                cursor.remove_function(token_function)
        cursor.close()


def _open_edition_db(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The edition's DuckDB file, attached in the oldest storage format that holds it (written) or as it is (read)."""
    con = duckdb.connect()
    option = "READ_ONLY" if read_only else f"STORAGE_VERSION {_literal(EDITION_STORAGE_VERSION)}"
    con.execute(f"ATTACH {_literal(str(path))} AS edition ({option})")
    con.execute("USE edition")
    return con


def _write_edition_db(
    source, folder: Path, published: dict, pseudonymous: bool, result: EditionResult
) -> None:
    """Views over the Parquet files, then the database's own views, all with their COMMENTs (in a
    pseudonymous edition with NSIDs and links to a person replaced, as in the tables' text)."""
    views = source.execute("""
        SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
        ORDER BY view_name""").fetchall()
    edition = _open_edition_db(folder / EDITION_FILE)

    def comment(kind: str, name: str, text: str | None) -> None:
        text = (redact_description(text) if pseudonymous and text else text or "").strip()
        if text:
            edition.execute(f"COMMENT ON {kind} {name} IS {_literal(text)}")

    try:
        # Views bind when created: resolve the relative paths against the edition folder.
        edition.execute("SET file_search_path = ?", [str(folder)])
        for table, columns in published.items():
            edition.execute(
                f"CREATE VIEW {_quote(table)} AS SELECT * FROM read_parquet('tables/{table}.parquet')"
            )
            text = _comment(source, table) or ""
            dropped = [c for c in LINK_COLUMNS.get(table, ())] if pseudonymous else []
            if dropped:
                text += (
                    f" This pseudonymous edition leaves out {', '.join(dropped)} (they lead to the person)."
                )
            if pseudonymous and (table in PEOPLE_COLUMNS or table in LINK_COLUMNS):  # not on licenses & co.
                text += " NSIDs and Flickr links inside text are replaced by [nsid] and [link]."
            comment("VIEW", _quote(table), text)
            for name, _, text in columns:
                note = _PSEUDONYM_NOTE if pseudonymous and name in PEOPLE_COLUMNS.get(table, ()) else ""
                comment("COLUMN", f"{_quote(table)}.{_quote(name)}", (text or "") + note)
        _copy_views(source, edition, dict(views), result, comment)
    finally:
        edition.close()


def _copy_views(source, edition, pending: dict[str, str], result: EditionResult, comment) -> None:
    """The database's views, in dependency order: retry until no more can be created."""
    while pending:
        progress = False
        for view, sql in list(pending.items()):
            try:
                edition.execute(sql)
            except duckdb.Error as exc:
                result.skipped_views[view] = str(exc).splitlines()[0][:200]
                continue
            result.skipped_views.pop(view, None)
            del pending[view]
            progress = True
            result.views.append(view)
            comment("VIEW", _quote(view), _comment(source, view))
            present = {c for c, _, _ in _columns(edition, view)}  # a pseudonymous view lacks the link columns
            for name, _, text in _columns(source, view):
                if name in present:
                    comment("COLUMN", f"{_quote(view)}.{_quote(name)}", text)
        if not progress:
            break


def _check_descriptions(folder: Path) -> None:
    """The pseudonymous edition's last check: no NSID and no link to a person in any comment, any
    view's SQL or the notes beside the files (what Datasette's metadata is made from)."""
    con = _open_edition_db(folder / EDITION_FILE, read_only=True)
    try:
        texts = con.execute("""
            SELECT 'the comment on ' || table_name, comment FROM duckdb_tables() WHERE database_name = 'edition'
            UNION ALL SELECT 'the comment on ' || view_name, comment FROM duckdb_views() WHERE database_name = 'edition'
            UNION ALL SELECT 'the SQL of view ' || view_name, sql FROM duckdb_views() WHERE database_name = 'edition'
            UNION ALL SELECT 'the comment on ' || table_name || '.' || column_name, comment FROM duckdb_columns()
                WHERE database_name = 'edition'""").fetchall()
    finally:
        con.close()
    texts += [
        (note.name, note.read_text(encoding="utf-8"))
        for note in sorted(folder.iterdir())
        if note.is_file() and note.suffix in (".json", ".txt")
    ]
    for where, text in texts:
        leaks = find_description_leaks(text or "")
        if leaks:
            raise CcauditError(f"pseudonymous edition not written: {where} contains {leaks[0]!r}")


def _write_notes(folder: Path, result: EditionResult, published: dict, now: datetime) -> None:
    manifest = {
        "created_by": "ccaudit",
        "version": __version__,
        "generated_at": now.isoformat(sep=" ", timespec="seconds"),
        "publish_mode": result.publish_mode,
        "database_file": EDITION_FILE,
        "tables": {
            t: {"rows": result.tables[t], "file": f"tables/{t}.parquet", "columns": [c for c, _, _ in cols]}
            for t, cols in published.items()
        },
        "views": result.views,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / MARKER).write_text(json.dumps({"created_by": "ccaudit", "version": __version__}) + "\n")
    (folder / "README.txt").write_text(
        f"ccaudit edition of {manifest['generated_at']} UTC ({result.publish_mode}).\n\n"
        f"DuckDB:  cd into this folder, then  duckdb -readonly {EDITION_FILE}   (DuckDB 0.10 or later)\n"
        f"         (or from elsewhere: SET file_search_path = '<this folder>';)\n"
        "Polars:  pl.scan_parquet('tables/yfcc_photos.parquet')\n"
        "pandas:  pd.read_parquet('tables/licenses.parquet')\n"
        "R:       arrow::open_dataset('tables/yfcc_photos.parquet')\n\n"
        "Every table and column is described: SELECT table_name, column_name, comment FROM duckdb_columns();\n"
        "Holding this file open never blocks ccaudit: each new edition is a new folder.\n",
        encoding="utf-8",
    )
