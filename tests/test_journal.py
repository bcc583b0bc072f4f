"""The enrich journal never loses or doubles an answer: damaged lines, wrong shapes, renamed copies,
journals of other databases and of older versions, and a journal folder that cannot be used."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.db import connect
from pipelines.enrich.journal import Journal, journal_dir, read_journal, recover_journals
from tests.flickr_server import FlickrTestServer

KEY = "journal-test-key-3b9d1f"
RUN = "enrich-20261207T120000-abc123"


def record(seq: int, photo_id: int, run: str = RUN, **extra) -> dict:
    return {
        "seq": seq,
        "table": "flickr_checks",
        "row": {
            "photo_id": photo_id,
            "checked_at": "2026-12-07T12:00:00",
            "status": "ok",
            "license_id": 4,
            "run_id": run,
            **extra,
        },
    }


def header(run: str = RUN, database: str | None = None) -> dict:
    return {
        "journal": "ccaudit-enrich",
        "format": 2,
        "run_id": run,
        "database_id": database,
        "created_at": "2026-12-07T12:00:00",
    }


def write_lines(path: Path, lines: list) -> None:
    """Each item a dict/list (written as JSON) or bytes (written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.writelines(
            line if isinstance(line, bytes) else json.dumps(line).encode() + b"\n" for line in lines
        )


def checks(db: Path) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute("SELECT photo_id, run_id FROM flickr_checks ORDER BY photo_id, run_id").fetchall()


def db_id(db: Path) -> str:
    with connect(db, read_only=True) as con:
        return con.execute("SELECT value FROM ccaudit_meta WHERE key = 'database_id'").fetchone()[0]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "audit.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def enrich_cli(db, monkeypatch, capsys):
    """`ccaudit enrich` (a database without photos: it recovers journals, then has nothing to ask)."""
    with FlickrTestServer(api_key=KEY) as server:
        monkeypatch.setenv("FLICKR_API_KEY", KEY)
        monkeypatch.setenv("CCAUDIT_FLICKR_API_URL", server.url)

        def run() -> tuple[int, str]:
            code = main(["enrich", "--db", str(db), "--quiet"])
            return code, capsys.readouterr().err

        yield run


def recover(db: Path) -> int:
    with connect(db) as con:
        return recover_journals(con, journal_dir(db))


# --- damaged and wrong-shaped lines -------------------------------------------------------------

DAMAGED = {
    "garbage": b"this is not json\n",
    "truncated-object": b'{"seq": 50, "table": "flickr_checks", "row": {"photo_id": 5\n',
    "bom": b'\xef\xbb\xbf{"seq": 50, "table": "flickr_checks", "row": {}}\n',
    "nul-bytes": b"\x00\x00\x00\x00\n",
    "invalid-utf8": b'{"seq": 50, "table": "\xff\xfe"}\n',
    "empty": b"\n",
}
WRONG_SHAPE = {
    "list": [1, 2],
    "number": 42,
    "string": "flickr_checks",
    "null": None,
    "no-seq": {"table": "flickr_checks", "row": record(1, 9)["row"]},
    "seq-text": {"seq": "50", "table": "flickr_checks", "row": record(1, 9)["row"]},
    "seq-bool": {"seq": True, "table": "flickr_checks", "row": record(1, 9)["row"]},
    "unknown-table": {"seq": 50, "table": "yfcc_photos", "row": {"photo_id": 9}},
    "row-list": {"seq": 50, "table": "flickr_checks", "row": [9, "ok"]},
    "unknown-column": record(50, 9, drop_table=1),
    "photo-id-text": record(50, "nine"),
    "photo-id-huge": record(50, 10**30),
    "license-over-int32": record(50, 9, license_id=2**40),
    "photo-id-bool": record(50, True),
    "nested-title": record(50, 9, title={"_content": "x"}),
    "bad-time": {
        "seq": 50,
        "table": "flickr_checks",
        "row": {**record(1, 9)["row"], "checked_at": "yesterday"},
    },
    "missing-status": {
        "seq": 50,
        "table": "flickr_checks",
        "row": {k: v for k, v in record(1, 9)["row"].items() if k != "status"},
    },
    "lone-surrogate": record(50, 9, title="\ud800"),
    "time-with-zone": {
        "seq": 50,
        "table": "flickr_checks",
        "row": {**record(1, 9)["row"], "checked_at": "0001-01-01T00:00:00+14:00"},
    },
}


@pytest.mark.parametrize(
    "bad",
    list(DAMAGED.values()) + list(WRONG_SHAPE.values()),
    ids=[f"damaged-{k}" for k in DAMAGED] + [f"shape-{k}" for k in WRONG_SHAPE],
)
def test_a_bad_line_is_set_aside_and_every_other_answer_merges_once(db, bad, enrich_cli):
    folder = journal_dir(db)
    lines = [header(database=db_id(db))] + [record(i, 1000 + i) for i in range(1, 50)]
    lines.insert(10, bad)  # line 11 of the file
    lines += [record(i, 1000 + i) for i in range(50, 100)]
    write_lines(folder / f"{RUN}.jsonl", lines)
    for _attempt in range(2):  # never a crash, and the second run adds nothing
        code, err = enrich_cli()
        assert code == 0, err
        assert "Traceback" not in err
    assert checks(db) == [(1000 + i, RUN) for i in range(1, 100)]
    quarantined = [
        json.loads(line) for line in (folder / "quarantine" / f"{RUN}.jsonl.lines").read_text().splitlines()
    ]
    assert [q["line"] for q in quarantined] == [11]
    assert not list(folder.glob("*.jsonl"))


@pytest.mark.parametrize("with_header", [True, False], ids=["journal", "old-format-journal"])
def test_damage_wrong_shape_and_a_renamed_copy_together(db, enrich_cli, with_header):
    """The issue's case: 99 answers, a damaged line, a [1, 2] line, and a copy under another name."""
    folder = journal_dir(db)
    lines = [record(i, 7000 + i) for i in range(1, 100)]
    lines.insert(9, b"\x00garbage{\n")
    lines.insert(50, [1, 2])
    if with_header:
        lines.insert(0, header(database=db_id(db)))
    write_lines(folder / f"{RUN}.jsonl", lines)
    write_lines(folder / f"{RUN} (copy).jsonl", lines)
    for _ in range(2):
        code, err = enrich_cli()
        assert code == 0 and "Traceback" not in err, err
    assert checks(db) == [(7000 + i, RUN) for i in range(1, 100)]


def test_the_report_of_set_aside_lines_is_one_line(db, caplog):
    folder = journal_dir(db)
    write_lines(folder / f"{RUN}.jsonl", [header(), record(1, 1), b"oops\n", [1, 2], record(2, 2)])
    assert recover(db) == 2
    said = [r.getMessage() for r in caplog.records if "not merged" in r.getMessage()]
    assert len(said) == 1 and "\n" not in said[0]
    assert "1 damaged and 1 wrong-shaped line(s)" in said[0] and "lines 3, 4" in said[0]


def test_rows_of_one_journal_with_different_columns_keep_every_value(db):
    """Arrow reads a batch's columns from its first row: a later row's extra column must not vanish."""
    folder = journal_dir(db)
    write_lines(
        folder / f"{RUN}.jsonl", [header(), record(1, 1), record(2, 2, title="second", media="photo")]
    )
    assert recover(db) == 2
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT photo_id, title, media FROM flickr_checks ORDER BY 1").fetchall() == [
            (1, None, None),
            (2, "second", "photo"),
        ]


def test_a_torn_last_line_is_the_answer_in_flight_not_damage(db):
    folder = journal_dir(db)
    write_lines(folder / f"{RUN}.jsonl", [header(), record(1, 1), b'{"seq": 2, "table": "flick'])
    journal = read_journal(folder / f"{RUN}.jsonl")
    assert [r["seq"] for r in journal.records] == [1] and not journal.set_aside
    assert recover(db) == 1


# --- identity: copies, other databases, older journals -----------------------------------------


def test_a_renamed_copy_is_not_merged_twice(db):
    folder = journal_dir(db)
    lines = [header(database=db_id(db))] + [record(i, 2000 + i) for i in range(1, 31)]
    write_lines(folder / f"{RUN}.jsonl", lines)
    write_lines(folder / f"{RUN} (copy).jsonl", lines)
    write_lines(folder / "renamed-by-hand.jsonl", lines[:21])
    assert recover(db) == 30
    write_lines(folder / "found-later.jsonl", lines)  # a copy that turns up after the original merged
    assert recover(db) == 0
    assert checks(db) == [(2000 + i, RUN) for i in range(1, 31)]


def test_a_copy_with_more_lines_adds_only_the_new_ones(db):
    folder = journal_dir(db)
    lines = [header(database=db_id(db))] + [record(i, 3000 + i) for i in range(1, 21)]
    write_lines(folder / "early-copy.jsonl", lines[:11])
    assert recover(db) == 10
    write_lines(folder / f"{RUN}.jsonl", lines)
    assert recover(db) == 10
    assert len(checks(db)) == 20


def test_a_journal_of_another_database_is_refused(db, caplog):
    folder = journal_dir(db)
    write_lines(folder / f"{RUN}.jsonl", [header(database="0" * 32), record(1, 4001)])
    assert recover(db) == 0
    assert checks(db) == []
    assert (folder / "refused" / f"{RUN}.jsonl").exists() and not (folder / f"{RUN}.jsonl").exists()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "written for another database" in said and "0" * 32 in said and db_id(db) in said


def test_an_old_format_journal_and_its_copy_merge_exactly_once(db):
    """Journals written before the identity line (2026-12-02 .. 2026-12-07): keyed by their rows' run id."""
    folder = journal_dir(db)
    old = [record(i, 5000 + i, run="enrich-20261202T010203-0ld000") for i in range(1, 6)]
    write_lines(folder / "enrich-20261202T010203-0ld000.jsonl", old)
    write_lines(folder / "enrich-20261202T010203-0ld000 (copy).jsonl", old)
    assert recover(db) == 5
    write_lines(folder / "moved-back.jsonl", old)
    assert recover(db) == 0
    assert len(checks(db)) == 5


def test_our_own_journal_names_its_run_and_database(db, tmp_path):
    folder = journal_dir(db)
    folder.mkdir()
    journal = Journal(folder, RUN, database_id=db_id(db))
    journal.append("flickr_checks", record(1, 6001)["row"])
    journal.close()
    found = read_journal(journal.path)
    assert found.header["run_id"] == RUN and found.database_id == db_id(db) and found.identity == RUN
    assert [r["seq"] for r in found.records] == [1]


# --- the folder ---------------------------------------------------------------------------------


def test_a_journal_folder_that_is_a_file_is_one_line(db):
    journal_dir(db).write_text("not a folder")
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "enrich", "--db", str(db), "--quiet"],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "FLICKR_API_KEY": KEY, "CCAUDIT_FLICKR_API_URL": "http://127.0.0.1:9/"},
        )
        err = proc.stderr.strip()
        assert proc.returncode == 2 and err.startswith("ccaudit: error: ") and "\n" not in err, err
        assert "enrich journal folder" in err and "is a file" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders: run as a normal user")
def test_a_read_only_journal_folder_is_one_line(db):
    folder = journal_dir(db)
    folder.mkdir()
    shutil.copy(__file__, folder / "unrelated")
    folder.chmod(0o500)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "enrich", "--db", str(db), "--quiet"],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "FLICKR_API_KEY": KEY, "CCAUDIT_FLICKR_API_URL": "http://127.0.0.1:9/"},
        )
    finally:
        folder.chmod(0o700)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and err.startswith("ccaudit: error: ") and "\n" not in err, err
    assert "enrich journal folder" in err


def test_a_journal_folder_whose_lock_cannot_be_opened_is_one_line(db):
    """What a read-only folder does to root too: the lock file cannot be opened for writing."""
    (journal_dir(db) / "enrich.lock").mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "enrich", "--db", str(db), "--quiet"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "FLICKR_API_KEY": KEY, "CCAUDIT_FLICKR_API_URL": "http://127.0.0.1:9/"},
    )
    err = proc.stderr.strip()
    assert proc.returncode == 2 and err.startswith("ccaudit: error: ") and "\n" not in err, err
    assert "enrich journal folder" in err and "enrich.lock" in err
