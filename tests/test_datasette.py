"""`ccaudit serve` and the Datasette database built when an edition is published.

Real parts throughout: a demo world in DuckDB, real editions, the SQLite file Datasette serves,
and the real Datasette on 127.0.0.1. Canned answers are compared with the report's own queries
(sql/reports) and with `ccaudit lookup` on the main database.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.db import ccaudit_schema, connect
from pipelines.errors import CcauditError
from pipelines.lookup.answer import lookup
from pipelines.publish.datasette import canned_queries, datasette_metadata, ensure_database
from pipelines.publish.datasette_build import INFO_TABLE, SQLITE_FILE, build_sqlite
from pipelines.publish.edition import EDITION_FILE, PUBLISHED_TABLES, publish_edition
from pipelines.publish.pseudonym import FLICKR_PERSONAL_URL_RE, NSID_RE
from pipelines.resources import read_sql
from tests.conftest import REPO
from tests.test_concurrency import get_json, wait_for_http

PHOTO_OPTOUT_AT = "2020-01-01 00:00:00"
JOIN_SQL = (
    "SELECT i.dataset, count(*) AS n FROM dataset_items AS i JOIN yfcc_photos AS p ON p.photo_id = i.photo_id "
    "GROUP BY i.dataset"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A demo audit plus a photo opt-out (made before every dataset was ingested), published as a
    full and as a pseudonymous edition."""
    from pipelines.demo import run_demo

    folder = tmp_path_factory.mktemp("datasette")
    db_path = folder / "ccaudit.duckdb"
    run_demo(Settings(db_path=db_path), folder / "demo", rows=3000)
    with connect(db_path) as con:
        photo = con.execute("SELECT min(photo_id) FROM dataset_items WHERE dataset = 'dif'").fetchone()[0]
        con.execute("INSERT INTO optouts VALUES ('photo', ?, ?, 'test')", [str(photo), PHOTO_OPTOUT_AT])
    with connect(db_path, read_only=True) as con:
        full = publish_edition(con, folder / "full", publish_mode="full").folder
        pseudo = publish_edition(con, folder / "pseudo").folder
    return {"db": db_path, "full": full, "pseudo": pseudo, "folder": folder}


def report_rows(db: Path, name: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        relation = con.sql(read_sql("reports", f"{name}.sql"))
        return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def canned(folder: Path, name: str, **params) -> list[dict]:
    """A canned query run as Datasette runs it: its SQL on the served SQLite file, parameters bound."""
    con = sqlite3.connect(f"file:{folder / SQLITE_FILE}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(canned_queries()[name]["sql"], params)]
    finally:
        con.close()


def sqlite_objects(path: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        con.close()


# --- what is built ----------------------------------------------------------------------------------------


def test_the_edition_carries_every_published_table_and_view_indexed_with_only_dataset_photos(world):
    objects = sqlite_objects(world["full"] / SQLITE_FILE)
    schema = ccaudit_schema()
    views = {
        r[0] for r in schema.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    schema.close()
    manifest = json.loads((world["full"] / "manifest.json").read_text())
    assert set(manifest["tables"]) | views | {INFO_TABLE} <= set(objects)
    assert {"dataset_photos", "optout_status", "latest_datasets", "yfcc_photos_licensed"} <= set(objects)
    with connect(world["db"], read_only=True) as con:
        dataset_photos = con.execute(
            "SELECT count(DISTINCT photo_id) FROM dataset_items SEMI JOIN yfcc_photos USING (photo_id)"
        ).fetchone()[0]
        pool = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
        per_view = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in views}
    lite = sqlite3.connect(world["full"] / SQLITE_FILE)
    try:
        assert lite.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == dataset_photos < pool
        # The views are the database's views over the whole edition, row for row.
        # (yfcc_photos_licensed follows yfcc_photos: the dataset photos only.)
        assert {v: lite.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in views} == per_view | {
            "yfcc_photos_licensed": dataset_photos
        }
        # Every join key is indexed: the natural join runs on indexes, not scans.
        plan = " ".join(
            r[3]
            for r in lite.execute(
                "EXPLAIN QUERY PLAN SELECT i.dataset, p.title FROM dataset_items AS i "
                "JOIN yfcc_photos AS p ON p.photo_id = i.photo_id WHERE i.owner_ref = 'x'"
            )
        )
        assert "USING INDEX dataset_items_owner_ref" in plan and "INTEGER PRIMARY KEY" in plan, plan
        indexed = {
            (t, r[2])
            for t in (
                "dataset_items",
                "dataset_photos",
                "flickr_checks",
                "optout_status",
                "uploaders",
                "yfcc_photos",
            )
            for idx in lite.execute(f"PRAGMA index_list({t})")
            for r in lite.execute(f"PRAGMA index_info({idx[1]})")
        }
        assert {
            ("dataset_items", "photo_id"),
            ("dataset_photos", "photo_id"),
            ("dataset_photos", "owner"),
            ("yfcc_photos", "owner_nsid"),
            ("flickr_checks", "photo_id"),
            ("uploaders", "owner_nsid"),
            ("optout_status", "value"),
        } <= indexed
        keys = {
            (t, r[3], r[2])
            for t in ("yfcc_photos", "dataset_photos", "dataset_items")
            for r in lite.execute(f"PRAGMA foreign_key_list({t})")
        }
        assert {
            ("yfcc_photos", "license_id", "licenses"),
            ("dataset_photos", "yfcc_license_id", "licenses"),
            ("dataset_items", "declared_license_id", "licenses"),
        } <= keys
    finally:
        lite.close()
    assert sorted(p.name for p in (world["full"] / "examples").glob("*.sql")) == sorted(
        p.name for p in (REPO / "sql" / "examples").glob("*.sql")
    )


# --- canned answers equal the report's ---------------------------------------------------------------------


def test_canned_answers_equal_the_reports_numbers(world):
    folder, db = world["full"], world["db"]
    profile = {r["dataset"]: r for r in report_rows(db, "datasets_profile")}
    shares = {r["dataset"]: r for r in canned(folder, "commercial_use_per_dataset")}
    assert set(shares) == set(profile)
    for name, row in profile.items():
        assert (
            shares[name]["photos"],
            shares[name]["photos_commercial_use_known"],
            shares[name]["photos_forbid_commercial"],
        ) == (row["photos"], row["photos_commercial_use_known"], row["photos_forbid_commercial"]), name
        assert shares[name]["forbid_commercial_share"] == pytest.approx(row["forbid_commercial_share"])
    summary = {r["dataset"]: r["uploaders"] for r in report_rows(db, "datasets_summary")}
    assert {r["dataset"]: r["photographers"] for r in canned(folder, "photographers_per_dataset")} == summary
    top = report_rows(db, "datasets_top_uploaders")
    for dataset in {r["dataset"] for r in top}:
        expected = [(r["rank"], r["owner"], r["photos"], r["items"]) for r in top if r["dataset"] == dataset]
        got = canned(folder, "top_uploaders", dataset=dataset)[: len(expected)]
        assert [(r["rank"], r["owner"], r["photos"], r["items"]) for r in got] == expected, dataset
        assert got[0]["photo_share"] == pytest.approx(
            top[[r["dataset"] for r in top].index(dataset)]["photo_share"]
        )
    status = report_rows(db, "optouts_status")
    rows = canned(folder, "optouts_still_distributed")
    assert {r["kind"] for r in status if r["status"] == "still distributed"} == {"user", "photo"}
    for request in status:
        mine = [r for r in rows if (r["kind"], r["value"]) == (request["kind"], request["value"])]
        assert (len(mine), sum(r["items"] for r in mine)) == (
            request["versions_still_distributing"],
            request["items_still_present"],
        ), request


def test_one_accounts_photos_equal_lookup(world):
    with connect(world["db"], read_only=True) as con:
        accounts = [
            r[0]
            for r in con.execute("""
            SELECT owner FROM dataset_photos WHERE owner IS NOT NULL GROUP BY owner
            ORDER BY count(DISTINCT dataset) DESC, count(*) DESC, owner LIMIT 5""").fetchall()
        ]
        accounts += [
            r[0]
            for r in con.execute(  # accounts only a manifest names
                "SELECT DISTINCT owner FROM dataset_photos WHERE NOT in_yfcc AND owner IS NOT NULL ORDER BY 1 LIMIT 3"
            ).fetchall()
        ]
        answers = {a: lookup(con, a) for a in accounts}
    for account, answer in answers.items():
        expected = {
            (d.dataset, d.version): (d.items, d.photos, sorted(d.photo_ids))
            for a in answer.accounts
            for d in a.datasets
        }
        got = {
            (r["dataset"], r["version"]): (
                r["items"],
                r["photos"],
                sorted(int(x) for x in (r["photo_ids"] or "").split(",") if x),
            )
            for r in canned(world["full"], "account_photos", account=account)
        }
        assert got == expected and got, account


def test_a_pseudonymous_edition_answers_alike_and_names_no_one(world):
    folder, db = world["pseudo"], world["db"]
    profile = {r["dataset"]: r["photos_forbid_commercial"] for r in report_rows(db, "datasets_profile")}
    assert {
        r["dataset"]: r["photos_forbid_commercial"] for r in canned(folder, "commercial_use_per_dataset")
    } == profile
    summary = {r["dataset"]: r["uploaders"] for r in report_rows(db, "datasets_summary")}
    assert {r["dataset"]: r["photographers"] for r in canned(folder, "photographers_per_dataset")} == summary
    top = [r for r in report_rows(db, "datasets_top_uploaders") if r["dataset"] == "dif"]
    assert [r["photos"] for r in canned(folder, "top_uploaders", dataset="dif")[: len(top)]] == [
        r["photos"] for r in top
    ]
    users = [r for r in report_rows(db, "optouts_status") if r["kind"] == "user"]
    rows = [r for r in canned(folder, "optouts_still_distributed") if r["kind"] == "user"]
    assert sum(r["items"] for r in rows) == sum(r["items_still_present"] for r in users) > 0
    # An opt-out of one photo names a public photo id, kept as it is: it matches as in the report.
    photos = [r for r in report_rows(db, "optouts_status") if r["kind"] == "photo"]
    assert sum(
        r["items"] for r in canned(folder, "optouts_still_distributed") if r["kind"] == "photo"
    ) == sum(r["items_still_present"] for r in photos)
    assert all(r["value"].startswith("u_") for r in rows)
    token = rows[0]["value"]  # the account, as this edition names it: its photos answer alike
    with connect(db, read_only=True) as con:
        answer = lookup(con, users[0]["value"])
    assert {(r["dataset"], r["items"]) for r in canned(folder, "account_photos", account=token)} == {
        (d.dataset, d.items) for a in answer.accounts for d in a.datasets
    }
    # No NSID and no personal link in any text cell of the served file, nor in its metadata.
    lite = sqlite3.connect(folder / SQLITE_FILE)
    try:
        for name, kind in sqlite_objects(folder / SQLITE_FILE).items():
            if kind != "table" or "_fts" in name:
                continue
            for row in lite.execute(f'SELECT * FROM "{name}"'):
                leaks = [
                    v
                    for v in row
                    if isinstance(v, str) and (NSID_RE.search(v) or FLICKR_PERSONAL_URL_RE.search(v))
                ]
                assert not leaks, (name, leaks[:1])
    finally:
        lite.close()
    metadata = datasette_metadata(folder)
    text = json.dumps(metadata)
    assert not NSID_RE.findall(text)


# --- serving -----------------------------------------------------------------------------------------------


def start_serve(
    edition: Path, cwd: Path, port: int = 0, launcher: tuple[str, ...] = ("-P", "-m", "pipelines.cli")
):
    """`ccaudit serve` as a console script runs it (-P: the current folder is not on the path)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, *launcher, "serve", "--port", str(port), "--edition", str(edition)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def announced_port(server: subprocess.Popen, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    line = server.stdout.readline()
    assert line.startswith("serving edition "), (
        line,
        server.stderr.read() if server.poll() is not None else "",
    )
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    wait_for_http(f"http://127.0.0.1:{port}/-/versions.json", max(1.0, deadline - time.monotonic()))
    return port


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_serve_answers_the_readers_questions(world, tmp_path):
    server = start_serve(world["full"], tmp_path)
    try:
        port = announced_port(server)  # --port 0: the port the system chose, not :0
        base = f"http://127.0.0.1:{port}"
        databases = get_json(f"{base}/-/databases.json")
        facet = get_json(f"{base}/ccaudit/yfcc_photos.json?_facet=license_id&_size=0")
        database = get_json(f"{base}/ccaudit.json")
        metadata = get_json(f"{base}/-/metadata.json")
        started = time.monotonic()
        joined = get_json(
            f"{base}/ccaudit.json?" + urllib.parse.urlencode({"sql": JOIN_SQL, "_shape": "array"})
        )
        join_seconds = time.monotonic() - started
        shares = get_json(f"{base}/ccaudit/commercial_use_per_dataset.json?_shape=array")
        optouts = get_json(f"{base}/ccaudit/optout_status.json?_shape=array")
    finally:
        stop(server)
    assert [d["path"] for d in databases] == [SQLITE_FILE]  # no path of this machine
    labels = {r["value"]: r["label"] for r in facet["facet_results"]["license_id"]["results"]}
    assert labels and all(label and label != str(value) for value, label in labels.items())  # license names
    served = {t["name"] for t in database["tables"]} | {v["name"] for v in database["views"]}
    assert {"dataset_photos", "optout_status", "latest_datasets", "yfcc_photos_licensed"} <= served
    tables = metadata["databases"]["ccaudit"]["tables"]
    assert set(tables) == served
    undescribed = [(t, c) for t, entry in tables.items() for c, text in entry["columns"].items() if not text]
    assert not undescribed and all(entry["description"] for entry in tables.values())
    lite = sqlite3.connect(world["full"] / SQLITE_FILE)
    try:
        for name in served:  # Datasette's metadata describes every column it serves
            assert set(tables[name]["columns"]) == {
                r[1] for r in lite.execute(f'PRAGMA table_info("{name}")')
            }, name
    finally:
        lite.close()
    assert "SYNTHETIC" in metadata["title"] and "full pool" in metadata["description"]
    assert joined and join_seconds < 1.0
    assert shares == canned(world["full"], "commercial_use_per_dataset")
    assert {(r["dataset"], r["items"]) for r in optouts} == {
        (r["dataset"], r["items"]) for r in canned(world["full"], "optouts_still_distributed")
    }


MODULES = ("datasette", "json", "uvicorn", "sqlite3", "asyncio", "h11", "click", "jinja2", "hashlib")


def plant_modules(folder: Path, marker: Path) -> None:
    for name in MODULES:
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write('{name} ')\nraise SystemExit(9)\n"
        )


def test_serve_runs_no_code_from_the_current_folder_or_the_edition(world, tmp_path):
    edition = tmp_path / "edition"
    shutil.copytree(world["full"], edition)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    marker = tmp_path / "ran"
    plant_modules(downloads, marker)
    plant_modules(edition, marker)
    for launcher, cwd in (
        (("-P", "-m", "pipelines.cli"), downloads),
        (("-c", "import sys; from pipelines.cli import main; sys.exit(main())"), tmp_path),
    ):
        server = start_serve(edition, cwd, launcher=launcher)
        try:
            port = announced_port(server)
            assert get_json(f"http://127.0.0.1:{port}/ccaudit/licenses.json?_shape=array&_size=1")
        finally:
            stop(server)
        assert not marker.exists(), marker.read_text()


def test_a_busy_port_is_one_error_line_and_nothing_is_announced(world, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        server = start_serve(world["full"], tmp_path, port=port)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 2 and "serving" not in out, out
    assert (
        err.startswith("ccaudit: error: cannot serve on 127.0.0.1:") and len(err.strip().splitlines()) == 1
    ), err


def test_serve_never_writes_into_the_edition(world, tmp_path):
    edition = tmp_path / "readonly"
    shutil.copytree(world["full"], edition)
    before = {p: p.stat().st_mtime_ns for p in edition.rglob("*")}
    for path in [edition, *edition.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        server = start_serve(edition, tmp_path)
        try:
            port = announced_port(server)
            assert get_json(f"http://127.0.0.1:{port}/ccaudit/dataset_photos.json?_size=1")["rows"]
        finally:
            stop(server)
        assert {p: p.stat().st_mtime_ns for p in edition.rglob("*")} == before
    finally:
        for path in [edition, *edition.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_an_edition_without_the_database_gets_it_built_or_one_error_line(world, tmp_path):
    edition = tmp_path / "older"
    shutil.copytree(world["full"], edition)
    (edition / SQLITE_FILE).unlink()
    assert ensure_database(edition) == edition / SQLITE_FILE  # an older edition: built on first serve
    (edition / SQLITE_FILE).unlink()
    if os.geteuid() == 0:
        pytest.skip("running as root: a read-only folder is still writable, the refusal cannot be shown")
    edition.chmod(0o555)
    try:
        run = subprocess.run(
            check=False,
            args=[sys.executable, "-m", "pipelines.cli", "serve", "--port", "0", "--edition", str(edition)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    finally:
        edition.chmod(0o755)
    assert run.returncode == 2 and run.stderr.startswith(
        "ccaudit: error: edition older has no Datasette database"
    )
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


# --- a crafted edition reads nothing outside itself ----------------------------------------------------------


def crafted(world, tmp_path: Path) -> Path:
    edition = tmp_path / "crafted"
    shutil.copytree(world["full"], edition)
    (edition / SQLITE_FILE).unlink()
    return edition


def test_a_crafted_editions_views_are_not_used(world, tmp_path):
    edition = crafted(world, tmp_path)
    con = duckdb.connect(str(edition / EDITION_FILE))
    try:  # the edition's own DuckDB file defines its views over local files
        for view in ("dataset_photos", "optout_status", "latest_datasets", "passwd"):
            con.execute(
                f"CREATE OR REPLACE VIEW {view} AS SELECT content AS dataset FROM read_text('/etc/passwd')"
            )
    finally:
        con.close()
    manifest = json.loads((edition / "manifest.json").read_text())
    manifest["views"] = [*manifest.get("views", []), "passwd"]
    manifest["tables"]["passwd"] = {"rows": 1, "file": "/etc/passwd", "columns": ["x"]}
    manifest["tables"]["licenses"]["file"] = "/etc/passwd"
    (edition / "manifest.json").write_text(json.dumps(manifest))
    build_sqlite(edition)
    lite = sqlite3.connect(edition / SQLITE_FILE)
    try:
        names = {r[0] for r in lite.execute("SELECT name FROM sqlite_master")}
        assert "passwd" not in names
        datasets = {r[0] for r in lite.execute("SELECT dataset FROM dataset_photos")}
        assert not [d for d in datasets if "root:" in d] and datasets
        assert lite.execute("SELECT count(*) FROM licenses").fetchone()[0] == 17
    finally:
        lite.close()


@pytest.mark.parametrize("target", ["/etc/passwd", "outside.parquet"])
def test_a_crafted_tables_file_outside_the_edition_is_refused(world, tmp_path, target):
    edition = crafted(world, tmp_path)
    outside = tmp_path / "outside.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS license_id) TO '{outside}' (FORMAT parquet)")
    link = edition / "tables" / "licenses.parquet"
    link.unlink()
    link.symlink_to(target if target.startswith("/") else outside)
    with pytest.raises(CcauditError, match="table licenses is not a Parquet file inside the edition folder"):
        build_sqlite(edition)
    assert not (edition / SQLITE_FILE).exists()


def test_the_build_cannot_read_local_files_even_through_ccaudits_own_sql(world, tmp_path):
    """DuckDB's file access is limited to the edition folder and locked: a file outside it is
    unreadable to any SQL the build runs."""
    from pipelines.publish.datasette_build import edition_parquet, read_manifest, reader_connection

    edition = crafted(world, tmp_path)
    schema = ccaudit_schema()
    known = {r[0] for r in schema.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    reader, skipped = reader_connection(
        edition, edition_parquet(edition, read_manifest(edition), known), schema
    )
    try:
        assert not skipped
        for sql in (
            "SELECT * FROM read_text('/etc/passwd')",
            "SELECT * FROM read_csv('/etc/hostname')",
            f"SELECT * FROM read_parquet('{edition}/../../outside.parquet')",
            "SET enable_external_access = true",
            "ATTACH '/tmp/x.duckdb'",
        ):
            with pytest.raises(duckdb.Error):
                reader.execute(sql).fetchall()
    finally:
        reader.close()
        schema.close()
    assert set(PUBLISHED_TABLES) >= set(json.loads((edition / "manifest.json").read_text())["tables"])


# --- the SQL examples ship in the edition and work on a pseudonymous one --------------------------------------


def test_the_shipped_examples_run_on_a_pseudonymous_edition(world):
    folder = world["pseudo"]
    examples = sorted((folder / "examples").glob("*.sql"))
    assert examples and all(
        not NSID_RE.search(p.read_text()) for p in examples
    )  # nothing filters on a clear NSID
    con = duckdb.connect(str(folder / EDITION_FILE), read_only=True)
    try:
        con.execute("SET file_search_path = ?", [str(folder)])
        answered = {p.name: con.execute(p.read_text()).fetchall() for p in examples}
    finally:
        con.close()
    assert answered["09_photographer_in_datasets.sql"], "the example picks an account that this edition names"
    assert answered["09_photographer_in_datasets.sql"][0][0].startswith("u_")
    assert len([name for name, rows in answered.items() if rows]) >= len(examples) - 1, answered


def test_only_a_generated_world_is_marked_synthetic(tmp_path):
    from tests.conftest import build_generated_world

    con, _, _, _ = build_generated_world(tmp_path, "world.duckdb", rows=300, seed=5)
    try:
        generated = publish_edition(con, tmp_path / "generated", publish_mode="full").folder
        for truth in tmp_path.rglob("*.truth.json"):  # the generator's mark beside every file it writes
            truth.unlink()
        real = publish_edition(con, tmp_path / "real", publish_mode="full").folder
    finally:
        con.close()
    marked, unmarked = datasette_metadata(generated), datasette_metadata(real)
    assert "SYNTHETIC DATA" in marked["title"] and marked["description"].startswith("SYNTHETIC DATA")
    assert "SYNTHETIC" not in unmarked["title"] + unmarked["description"]
