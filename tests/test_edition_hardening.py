"""Hardening of the edition and the report (issue 24: items 10, 11, 15 and 16's report part).

Concurrent publishers, a `latest` that is not ccaudit's link, a pseudonym key that cannot be read or
created, NSIDs in every place a pseudonymous output carries text, and a report on a database an
older ccaudit wrote. Each with the reported case and its class.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.db import connect, migrate
from pipelines.errors import CcauditError
from pipelines.publish.edition import EDITION_FILE, LATEST, MARKER, publish_edition
from pipelines.publish.pseudonym import KEY_FILE_NAME, find_description_leaks
from tests.conftest import REPO
from tests.test_edition import demo_db, parquet_strings  # noqa: F401 - the module's synthetic audit

FAKE_NSID = "48600101146@N01"


def cli(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CCAUDIT_PSEUDONYM_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def one_error_line(run: subprocess.CompletedProcess) -> str:
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("ccaudit: error:"), run.stderr
    return lines[0]


@pytest.fixture
def copy_of_demo(demo_db, tmp_path) -> Path:  # noqa: F811
    folder = tmp_path / "db"
    folder.mkdir()
    for path in demo_db.parent.iterdir():
        if path.is_file() and path.name.startswith(("ccaudit.duckdb", KEY_FILE_NAME)):
            shutil.copy(path, folder / path.name)
    return folder / demo_db.name


# --- 10: concurrent publish-db into one folder ------------------------------------------------------


def test_concurrent_publishers_all_succeed_with_unique_names(demo_db, tmp_path):  # noqa: F811
    base = tmp_path / "editions"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "--db", str(demo_db), "publish-db", "--out", str(base)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    assert [code for code, _ in results] == [0, 0, 0], results
    editions = sorted(p.name for p in base.iterdir() if p.name != LATEST)
    assert len(editions) == 3 and all((base / name / MARKER).is_file() for name in editions), editions
    assert (base / LATEST).resolve().name == editions[-1]  # the newest, whoever finished last
    assert not [p for p in base.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("kind", ["folder", "file", "folder with an edition inside"])
def test_latest_that_is_not_our_link_is_refused_before_anything_is_written(demo_db, tmp_path, kind):  # noqa: F811
    base = tmp_path / "editions"
    base.mkdir()
    latest = base / LATEST
    if kind == "file":
        latest.write_text("mine")
    else:
        latest.mkdir()
        (latest / "notes.txt").write_text("mine")
        if "edition" in kind:
            (latest / MARKER).write_text("{}")
    run = cli("--db", str(demo_db), "publish-db", "--out", str(base))
    line = one_error_line(run)
    assert f"{latest} is a {'file' if kind == 'file' else 'folder'}, not the link" in line
    assert sorted(p.name for p in base.iterdir()) == [LATEST]  # no new edition, no stray .latest.* link
    assert (latest / "notes.txt").is_file() if kind != "file" else latest.read_text() == "mine"


# --- 11: the pseudonym key ---------------------------------------------------------------------------


def _loop(path: Path) -> None:
    path.symlink_to(path.name + ".other")
    (path.parent / (path.name + ".other")).symlink_to(path.name)


BROKEN_KEYS = {
    "a folder": lambda path: path.mkdir(),
    "a symlink loop": _loop,
    "a dangling symlink": lambda path: path.symlink_to(path.parent / "gone" / "key"),
    "a FIFO": lambda path: os.mkfifo(path),
    "a device": lambda path: path.symlink_to("/dev/zero"),
    "a huge file": lambda path: path.write_bytes(b"k" * 1_000_000),
    "an empty file": lambda path: path.write_bytes(b""),
    "a short file": lambda path: path.write_bytes(b"0123456789"),
}


@pytest.mark.parametrize("kind", BROKEN_KEYS)
def test_a_key_that_cannot_be_read_is_one_line_naming_the_key(copy_of_demo, tmp_path, kind):
    key = copy_of_demo.parent / KEY_FILE_NAME
    key.unlink(missing_ok=True)
    BROKEN_KEYS[kind](key)
    for verb, out in (("report", tmp_path / "reports"), ("publish-db", tmp_path / "editions")):
        line = one_error_line(cli("--db", str(copy_of_demo), verb, "--out", str(out), timeout=60))
        assert "pseudonym key file" in line and str(key) in line and "editions" not in line.split(str(key))[0]
        assert not out.exists(), f"{verb} created {out} before it found the key unusable"


def test_a_key_that_cannot_be_created_in_a_read_only_folder(copy_of_demo, tmp_path):
    """The reported case: the database's folder is read-only, so the key file cannot be created."""
    (copy_of_demo.parent / KEY_FILE_NAME).unlink(missing_ok=True)
    folder = copy_of_demo.parent
    if os.geteuid() == 0:  # root ignores permissions: make the folder immutable instead, where allowed
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode != 0:
            pytest.skip("cannot make a folder read-only here (root without chattr)")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = ["chmod", "755", str(folder)]
    try:
        for verb, out in (("report", tmp_path / "reports"), ("publish-db", tmp_path / "editions")):
            line = one_error_line(cli("--db", str(copy_of_demo), verb, "--out", str(out), timeout=60))
            assert (
                line.startswith("ccaudit: error: cannot create the pseudonym key file")
                and "CCAUDIT_PSEUDONYM_KEY" in line
            )
            assert not out.exists()
    finally:
        subprocess.run(undo, check=True)


# --- 15: no NSID in any pseudonymous output ---------------------------------------------------------


def _edition_texts(folder: Path) -> list[str]:
    """Everything a reader gets as text: Parquet strings, every comment and view SQL, the notes, and
    the Datasette metadata built from them."""
    from pipelines.publish.datasette import datasette_metadata

    con = duckdb.connect(str(folder / EDITION_FILE), read_only=True)
    texts = [
        row[0] or ""
        for row in con.execute("""
        SELECT comment FROM duckdb_tables() UNION ALL SELECT comment FROM duckdb_views() WHERE NOT internal
        UNION ALL SELECT sql FROM duckdb_views() WHERE NOT internal
        UNION ALL SELECT comment FROM duckdb_columns()""").fetchall()
    ]
    con.close()
    texts += [p.read_text() for p in folder.iterdir() if p.suffix in (".json", ".txt")]
    texts.append(json.dumps(datasette_metadata(folder), ensure_ascii=False))
    return texts + parquet_strings(folder)


def test_the_pseudonymous_edition_has_no_nsid_anywhere(demo_db, tmp_path):  # noqa: F811
    """The reported case: the owner_nsid column comment carried a real-looking NSID into every
    pseudonymous edition and Datasette's metadata."""
    with connect(demo_db, read_only=True) as con:
        folder = publish_edition(con, tmp_path / "editions").folder
        assert not find_description_leaks(
            " ".join(
                r[0] or ""
                for r in con.execute(
                    "SELECT comment FROM duckdb_columns() UNION ALL SELECT comment FROM duckdb_tables()"
                ).fetchall()
            )
        )
    leaks = [t for t in _edition_texts(folder) if find_description_leaks(t)]
    assert not leaks, leaks[:3]


# Every place a database can carry a description into an edition, with an NSID or a link to a person.
PLANTED = {
    "table comment": f"COMMENT ON TABLE datasets IS 'first seen at {FAKE_NSID}'",
    "column comment": f"COMMENT ON COLUMN yfcc_photos.owner_nsid IS 'e.g. {FAKE_NSID}'",
    "people column comment": "COMMENT ON COLUMN uploaders.nickname IS 'see flickr.com/photos/someone/5/'",
    "view comment": f"COMMENT ON VIEW latest_datasets IS 'ask {FAKE_NSID}'",
    "view column comment": "COMMENT ON COLUMN flickr_latest_checks.status IS 'https://flic.kr/p/abc'",
}


@pytest.mark.parametrize("place", PLANTED)
def test_an_nsid_in_any_description_is_redacted(copy_of_demo, tmp_path, place):
    with connect(copy_of_demo, migrate_schema=False) as con:
        con.execute(PLANTED[place])
    with connect(copy_of_demo, read_only=True) as con:
        folder = publish_edition(con, tmp_path / "editions").folder
        full = publish_edition(con, tmp_path / "full", publish_mode="full").folder
    texts = _edition_texts(folder)
    assert not [t for t in texts if find_description_leaks(t)]
    assert any("[nsid]" in t or "[link]" in t for t in texts[:-1])  # the description is kept, redacted
    # A full edition is the database as it is: the planted text is there (so the test plants for real).
    assert any(find_description_leaks(t) for t in _edition_texts(full))


def test_an_nsid_in_a_view_definition_refuses_the_edition(copy_of_demo, tmp_path):
    with connect(copy_of_demo, migrate_schema=False) as con:
        con.execute(
            f"CREATE VIEW one_uploader AS SELECT photo_id FROM yfcc_photos WHERE owner_nsid = '{FAKE_NSID}'"
        )
    with (
        connect(copy_of_demo, read_only=True) as con,
        pytest.raises(CcauditError, match=f"the SQL of view one_uploader contains '{FAKE_NSID}'"),
    ):
        publish_edition(con, tmp_path / "editions")
    assert not (tmp_path / "editions" / LATEST).exists()
    assert not [p for p in (tmp_path / "editions").iterdir()]  # nothing half written


# --- 16: report on a database an older ccaudit wrote ---------------------------------------------------


def _schema_tables() -> list[str]:
    con = duckdb.connect()
    migrate(con)
    return [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]


def test_report_on_an_older_database_is_one_line_not_a_failed_table(copy_of_demo, tmp_path):
    """The reported case: a column added since (flickr_checks.owner_path_alias came with 070a)."""
    with connect(copy_of_demo, migrate_schema=False) as con:
        con.execute("ALTER TABLE flickr_checks DROP COLUMN owner_path_alias")
    line = one_error_line(cli("--db", str(copy_of_demo), "report", "--out", str(tmp_path / "out")))
    assert "was written by an older ccaudit" in line and "flickr_checks.owner_path_alias" in line
    assert "ccaudit migrate" in line and not (tmp_path / "out").exists()


@pytest.mark.parametrize("table", _schema_tables())
def test_report_refuses_a_database_without_any_table_of_todays_schema(copy_of_demo, tmp_path, table):
    from pipelines.publish.report import publish_report

    if table == "licenses":
        pytest.skip("without licenses it is not a ccaudit database at all (connect refuses it)")
    with connect(copy_of_demo, migrate_schema=False) as con:
        con.execute(f'DROP TABLE "{table}" CASCADE')
    # Without the version table itself, the read-only open already refuses it (no version recorded).
    with (
        pytest.raises(
            CcauditError, match=rf"older ccaudit .*(e\.g\. {table}\.|before schema versions were recorded)"
        ),
        connect(copy_of_demo, read_only=True) as con,
    ):
        publish_report(con, tmp_path / "out")
    assert not (tmp_path / "out").exists()
