"""The readers' edition (`ccaudit publish-db`, and after each report) and `ccaudit serve`."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.config import Settings
from pipelines.db import connect
from pipelines.errors import CcauditError
from pipelines.publish import edition as edition_module
from pipelines.publish.edition import EDITION_FILE, KEEP_EDITIONS, LATEST, publish_edition
from pipelines.publish.pseudonym import FLICKR_PERSONAL_URL_RE, NSID_RE
from pipelines.publish.report import publish_report
from tests.conftest import REPO
from tests.test_concurrency import free_port, get_json, wait_for_http

NSID = "48600101146@N01"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A small synthetic audit (YFCC sample, five dataset manifests, an opt-out, validation) plus
    API checks whose titles hide an NSID and a photo link."""
    from pipelines.demo import run_demo

    folder = tmp_path_factory.mktemp("edition")
    db_path = folder / "ccaudit.duckdb"
    run_demo(Settings(db_path=db_path), folder / "demo", rows=3000)
    with connect(db_path) as con:
        photo, owner = con.execute(
            "SELECT photo_id, owner_nsid FROM yfcc_photos ORDER BY photo_id LIMIT 1"
        ).fetchone()
        con.execute(
            """INSERT INTO flickr_checks (photo_id, checked_at, status, license_id, owner_nsid, owner_username,
                       title) VALUES (?, now(), 'ok', 4, ?, 'someone', ?)""",
            [photo, owner, f"see https://www.flickr.com/photos/someone/{photo}/ by {NSID}"],
        )
        con.execute(
            """INSERT INTO uploaders (owner_nsid, nickname, username, realname, location, status, fetched_at)
                       VALUES (?, 'nick', 'someone', 'Some One', 'Paris', 'ok', now())""",
            [owner],
        )
    return db_path


def parquet_strings(folder: Path) -> list[str]:
    values = []
    con = duckdb.connect()
    for path in (folder / "tables").glob("*.parquet"):
        relation = con.sql(f"SELECT * FROM read_parquet('{path}')")
        for row in relation.fetchall():
            values += [v for v in row if isinstance(v, str)]
    return values


def test_pseudonymous_edition_opens_from_its_folder_with_the_same_comments(demo_db, tmp_path):
    with connect(demo_db, read_only=True) as con:
        result = publish_edition(con, tmp_path / "editions")
        comments = {
            (t, c): text
            for t, c, text in con.execute(
                "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL"
            ).fetchall()
        }
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in result.tables}
    folder = result.folder
    assert (tmp_path / "editions" / LATEST).resolve() == folder and folder.name in result.summary_text()
    assert result.tables == counts and counts["yfcc_photos"] == 3000 and "ingest_rejects" not in result.tables
    # Another process opens the small DuckDB file read-only from inside the folder (relative views).
    code = textwrap.dedent(f"""
        import duckdb, json
        con = duckdb.connect({EDITION_FILE!r}, read_only=True)
        print(json.dumps({{
            "photos": con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0],
            "dataset_photos": con.execute("SELECT count(*) FROM dataset_photos").fetchone()[0],
            "columns": con.execute("SELECT table_name, column_name, comment FROM duckdb_columns()").fetchall(),
            "owners": con.execute("SELECT count(DISTINCT owner_nsid) FROM yfcc_photos").fetchone()[0],
        }}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path / "editions" / LATEST,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["photos"] == 3000 and seen["dataset_photos"] > 0
    published = {(t, c): text for t, c, text in seen["columns"]}
    assert published[("yfcc_photos", "title")] == comments[("yfcc_photos", "title")]
    assert published[("yfcc_photos", "owner_nsid")].startswith(comments[("yfcc_photos", "owner_nsid")])
    assert "keyed hash" in published[("yfcc_photos", "owner_nsid")]
    assert ("yfcc_photos", "page_url") not in published and ("flickr_latest_checks", "status") in published
    with connect(demo_db, read_only=True) as con:
        assert (
            seen["owners"] == con.execute("SELECT count(DISTINCT owner_nsid) FROM yfcc_photos").fetchone()[0]
        )
    # No NSID and no link to a person anywhere in the published files.
    strings = parquet_strings(folder)
    assert not [v for v in strings if NSID_RE.search(v) or FLICKR_PERSONAL_URL_RE.search(v)]
    assert any("[link]" in v and "[nsid]" in v for v in strings)  # the check's title, redacted
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["publish_mode"] == "pseudonymous" and manifest["tables"]["yfcc_photos"]["rows"] == 3000


def test_edition_tokens_are_the_report_tokens(demo_db, tmp_path):
    with connect(demo_db, read_only=True) as con:
        report = publish_report(con, tmp_path / "reports")
        report.edition_dir = publish_edition(
            con, tmp_path / "reports" / "editions", now=report.generated_at
        ).folder
    assert report.edition_dir == (tmp_path / "reports" / "editions" / LATEST).resolve()
    with open(report.report_dir / "tables" / "yfcc_top_uploaders.csv", newline="") as handle:
        report_tokens = {row["owner_nsid"] for row in csv.DictReader(handle)}
    edition_tokens = {
        r[0]
        for r in duckdb.sql(
            f"SELECT DISTINCT owner_nsid FROM read_parquet('{report.edition_dir}/tables/yfcc_photos.parquet')"
        ).fetchall()
    }
    assert report_tokens and report_tokens <= edition_tokens


def test_full_edition_keeps_people_and_links(demo_db, tmp_path):
    with connect(demo_db, read_only=True) as con:
        result = publish_edition(con, tmp_path / "editions", publish_mode="full")
        nsids = {r[0] for r in con.execute("SELECT DISTINCT owner_nsid FROM yfcc_photos").fetchall()}
    published = duckdb.sql(
        f"SELECT owner_nsid, page_url FROM read_parquet('{result.folder}/tables/yfcc_photos.parquet')"
    ).fetchall()
    assert {r[0] for r in published} == nsids and all(r[1] for r in published)


def test_a_held_edition_survives_new_editions_and_old_ones_are_pruned(demo_db, tmp_path):
    base = tmp_path / "editions"
    with connect(demo_db, read_only=True) as con:
        first = publish_edition(con, base).folder
        second = publish_edition(con, base).folder
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({EDITION_FILE!r}, read_only=True)
        print(con.execute("SELECT count(*) FROM licenses").fetchone()[0], flush=True)
        sys.stdin.readline()
        print(con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0], flush=True)
    """),
        ],
        cwd=first,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "17"
        assert edition_module.in_use(first) and not edition_module.in_use(second)
        later = []
        with connect(demo_db, read_only=True) as con:
            for _ in range(KEEP_EDITIONS):
                later.append(publish_edition(con, base).folder)
        assert (base / LATEST).resolve() == later[-1]
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "3000"  # the held edition was kept and still reads
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    names = sorted(p.name for p in base.iterdir() if p.name != LATEST)
    assert names == sorted([first.name] + [f.name for f in later])  # `second` pruned, `first` was held
    with connect(demo_db, read_only=True) as con:
        newest = publish_edition(con, base).folder
    names = sorted(p.name for p in base.iterdir() if p.name != LATEST)
    assert names == sorted([f.name for f in later[1:]] + [newest.name])  # released: pruned now
    assert not [p for p in base.iterdir() if p.name.startswith(".")]  # no temporary folder or link left


def test_a_leak_refuses_the_edition_and_keeps_the_previous_one(demo_db, tmp_path, monkeypatch):
    base = tmp_path / "editions"
    with connect(demo_db, read_only=True) as con:
        good = publish_edition(con, base).folder
        # A redaction that misses links (a bug) is caught by the scan with the report's own patterns.
        monkeypatch.setattr(edition_module, "_LINK_IN_TEXT", "never matches this")
        with pytest.raises(
            CcauditError,
            match=r"pseudonymous edition not written: yfcc_photos still contains "
            "'flickr.com/photos'",
        ):
            publish_edition(con, base)
    assert (base / LATEST).resolve() == good
    assert sorted(p.name for p in base.iterdir()) == sorted([good.name, LATEST])


def test_cli_publish_db(demo_db, tmp_path, capsys):
    assert main(["--db", str(demo_db), "publish-db", "--out", str(tmp_path / "ed")]) == 0
    out = capsys.readouterr().out
    assert "edition written to" in out and (tmp_path / "ed" / LATEST / EDITION_FILE).is_file()
    assert main(["--db", str(tmp_path / "missing.duckdb"), "publish-db", "--out", str(tmp_path / "ed")]) == 2
    assert main(["serve", "--edition", str(tmp_path / "nothing-here"), "--port", "1"]) == 2
    assert "no edition in" in capsys.readouterr().err


def test_serve_answers_a_faceted_search_with_descriptions(demo_db, tmp_path):
    with connect(demo_db, read_only=True) as con:
        folder = publish_edition(con, tmp_path / "editions").folder
        # Datasette serves the photos some dataset holds (the whole pool stays in DuckDB/Parquet).
        tag, expected = con.execute("""
            SELECT tag, count(DISTINCT photo_id) FROM (SELECT photo_id, unnest(string_split(user_tags, ',')) AS tag
            FROM yfcc_photos SEMI JOIN dataset_items USING (photo_id)) WHERE tag SIMILAR TO '[a-z]+'
            GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchone()
        by_license = dict(
            con.execute(
                """SELECT license_id, count(*) FROM yfcc_photos SEMI JOIN dataset_items USING (photo_id)
            WHERE list_contains(string_split(user_tags, ','), ?) GROUP BY 1""",
                [tag],
            ).fetchall()
        )
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "serve",
            "--port",
            str(port),
            "--edition",
            str(tmp_path / "editions"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/-/versions.json", 60)
        answer = get_json(
            f"http://127.0.0.1:{port}/ccaudit/yfcc_photos.json?_search={tag}&_facet=license_id&_size=0"
        )
        metadata = get_json(f"http://127.0.0.1:{port}/-/metadata.json")
    finally:
        server.terminate()
        server.wait(timeout=30)
    # FTS matches tokens: a tag that appears as a whole word in tags (and maybe titles) of at least these photos
    assert answer["filtered_table_rows_count"] >= expected
    facet = {f["value"]: f["count"] for f in answer["facet_results"]["license_id"]["results"]}
    assert all(facet.get(k, 0) >= v for k, v in by_license.items())
    table = metadata["databases"]["ccaudit"]["tables"]["yfcc_photos"]
    assert "YFCC100M" in table["description"] and "keyed hash" in table["columns"]["owner_nsid"]
    assert (folder / "ccaudit.db").is_file()


def test_publish_db_refuses_system_folders(tmp_path):
    from pipelines.db import connect

    db = tmp_path / "e.duckdb"
    connect(db).close()
    for out in ("/", "/etc", "/usr/../etc/ccaudit"):
        run = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "--db", str(db), "publish-db", "--out", out],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 2 and run.stderr.startswith("ccaudit: error: --out"), (out, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1
    assert not os.path.exists("/etc/ccaudit")


def duckdb_cli() -> Path | None:
    """The DuckDB command-line program from PyPI's duckdb-cli (the dev extra), beside this Python or on PATH."""
    import shutil

    beside = Path(sys.executable).parent / "duckdb"
    return beside if beside.is_file() else (Path(found) if (found := shutil.which("duckdb")) else None)


def test_the_duckdb_1x_cli_opens_the_edition_and_every_view(demo_db, tmp_path):
    """Journalists install `pip install duckdb-cli` (1.5.x): it reads storage formats 64 to 68, not the
    69 that DuckDB 2 writes by default. The edition is written in the oldest format that holds it."""
    cli = duckdb_cli()
    if cli is None:
        pytest.skip("the DuckDB CLI is not installed: pip install duckdb-cli (in the dev extra)")
    version = subprocess.run(
        [str(cli), "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    if not version.startswith("v1."):
        pytest.skip(f"the DuckDB CLI here is {version.strip()}; this test needs a 1.x (duckdb-cli>=1.5,<2)")
    with connect(demo_db, read_only=True) as con:
        result = publish_edition(con, tmp_path / "editions")
    folder = tmp_path / "editions" / LATEST
    assert (
        duckdb.connect(str(folder / EDITION_FILE), read_only=True)
        .execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE NOT internal")
        .fetchone()[0]
        == "v1.0.0+"
    )

    def cli_rows(sql: str) -> list[str]:
        done = subprocess.run(
            [str(cli), "-readonly", EDITION_FILE, "-noheader", "-list", "-c", sql],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0 and not done.stderr, (sql, done.stderr)
        return done.stdout.splitlines()

    assert cli_rows("select count(*) from yfcc_photos") == [str(result.tables["yfcc_photos"])]
    # Every view (the tables' and the database's own) answers in the old CLI as in this DuckDB.
    names = [*result.tables, *result.views]
    assert len(names) >= 20 and not result.skipped_views
    old = cli_rows("; ".join(f"select '{name}', count(*) from {name}" for name in names))
    with duckdb.connect(str(folder / EDITION_FILE), read_only=True) as new:
        new.execute("SET file_search_path = ?", [str(folder)])
        expected = [f"{name}|{new.execute(f'SELECT count(*) FROM {name}').fetchone()[0]}" for name in names]
    assert old == expected
    # The comments travel too: the CLI reads the same descriptions.
    assert cli_rows(
        "select comment from duckdb_columns() where table_name = 'yfcc_photos' and column_name = 'owner_nsid'"
    )[0].startswith("Uploader's Flickr account id")


def test_the_parquet_files_read_in_pyarrow_and_polars(demo_db, tmp_path):
    import polars as pl
    import pyarrow.parquet as pq

    with connect(demo_db, read_only=True) as con:
        folder = publish_edition(con, tmp_path / "editions").folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]
    for table, entry in manifest["tables"].items():
        path = folder / entry["file"]
        arrow = pq.read_table(path)
        frame = pl.read_parquet(path)
        assert arrow.num_rows == frame.height == entry["rows"], table
        assert arrow.column_names == frame.columns == entry["columns"], table
    photos = pl.scan_parquet(folder / "tables" / "yfcc_photos.parquet").select(
        pl.col("owner_nsid").n_unique()
    )
    assert photos.collect().item() > 1


def test_a_new_main_database_opens_in_the_duckdb_1x_cli_too(tmp_path):
    """Created in DuckDB 1.5's storage format (db.MAIN_STORAGE_VERSION): same size and speed as 2.0's
    here, and the 1.5 CLI reads it. Databases created before keep the format they were written in."""
    cli = duckdb_cli()
    if cli is None:
        pytest.skip("the DuckDB CLI is not installed: pip install duckdb-cli (in the dev extra)")
    db = tmp_path / "new.duckdb"
    with connect(db) as con:
        licenses = con.execute("SELECT count(*) FROM licenses").fetchone()[0]
        assert (
            con.execute(
                "SELECT tags['storage_version'] FROM duckdb_databases() "
                "WHERE database_name = current_database()"
            ).fetchone()[0]
            == "v1.5.0+"
        )
    done = subprocess.run(
        [
            str(cli),
            "-readonly",
            str(db),
            "-noheader",
            "-list",
            "-c",
            "select count(*) from licenses; select count(*) from yfcc_photos_licensed",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.split() == [str(licenses), "0"], done.stderr


def test_pseudonymous_edition_keeps_photo_optouts_matchable_and_the_note_where_it_applies(demo_db, tmp_path):
    """An opt-out of one photo holds a photo id (public everywhere in the edition): published as it is,
    so optout_status can match it; an account's opt-out is tokened. The [nsid]/[link] note is on the
    tables that hold people or free text only, not on licenses."""
    from pipelines.optout import add_optout

    db = tmp_path / "optouts.duckdb"
    shutil.copyfile(demo_db, db)
    with connect(db) as con:
        photo, owner = con.execute(
            "SELECT photo_id, owner_ref FROM dataset_items WHERE photo_id IS NOT NULL "
            "AND owner_ref LIKE '%@N%' ORDER BY photo_id LIMIT 1"
        ).fetchone()
        add_optout(con, "photo", str(photo), requested_at=datetime(2000, 1, 1))
        add_optout(con, "user", owner, requested_at=datetime(2000, 1, 1))
    with connect(db, read_only=True) as con:
        folder = publish_edition(con, tmp_path / "editions").folder
    values = dict(
        duckdb.sql(f"SELECT value, kind FROM read_parquet('{folder}/tables/optouts.parquet')").fetchall()
    )
    assert values.get(str(photo)) == "photo" and owner not in values
    edition = duckdb.connect(str(folder / EDITION_FILE), read_only=True)
    edition.execute("SET file_search_path = ?", [str(folder)])
    comments = dict(
        edition.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()
    )
    assert "[nsid]" not in comments["licenses"] and "[nsid]" in comments["yfcc_photos"]
    # Every dataset was ingested after the (backdated) requests: the photo's opt-out is still
    # distributed, and the edition's view says so exactly as the database's does.
    query = "SELECT dataset, version, items FROM optout_status WHERE kind = 'photo' ORDER BY ALL"
    in_edition = edition.execute(query).fetchall()
    edition.close()
    with connect(db, read_only=True) as con:
        assert in_edition == con.execute(query).fetchall() and in_edition
