"""Hostile input, end to end (issue 13): every case gives one line `ccaudit: error: …` (exit 2) or a
per-line reject, leaves the database as it was, and keeps the Flickr API key out of every output,
log and table. The client-level cases live in test_flickr_client.py, manifest parsing in
test_manifests.py; here the CLI and `enrich` run for real against tests/flickr_server.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.db import connect
from pipelines.enrich.run import enrich
from tests.conftest import REPO
from tests.flickr_server import FlickrTestServer, Reply, person_body, photo_body

KEY = "HardenKey0123456789abcdefXYZ"
FAST_RATE = 3_600_000.0
OWNER = "1001@N01"


def run_cli(
    *args: str,
    db: Path | None = None,
    env: dict | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("FLICKR_API_KEY", "CCAUDIT_DB")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    argv = [sys.executable, "-m", "pipelines.cli", *args]
    if db is not None:
        argv[3:3] = ["--db", str(db)]
    return subprocess.run(
        argv,
        check=False,
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    err = proc.stderr.strip()
    assert err.startswith("ccaudit: error: ") and "\n" not in err and "Traceback" not in err, err[-2000:]
    for needle in needles:
        assert needle in err, err


def table_dump(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (the database 'as it was' for before/after comparisons)."""
    with connect(db_path, read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def assert_key_nowhere(db_path: Path, key: str, *texts: str) -> None:
    """Not in any text given, not in any VARCHAR of any table (any letter case), not in the files."""
    for text in texts:
        assert key.lower() not in text.lower()
    with connect(db_path, read_only=True) as con:
        columns = con.execute("""SELECT table_name, column_name FROM duckdb_columns()
                                 WHERE data_type = 'VARCHAR' AND NOT internal""").fetchall()
        for table, column in columns:
            hits = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE contains(lower("{column}"), lower(?))', [key]
            ).fetchone()[0]
            assert hits == 0, f"{table}.{column} holds the key"
    for path in db_path.parent.glob(db_path.name + "*"):
        if path.is_file():
            data = path.read_bytes().lower()
            assert key.lower().encode() not in data, path


# --- item 3 + 5: enrich against the local Flickr server ---------------------------------------


def _fill(db_path: Path, photo_ids: list[int]) -> None:
    with connect(db_path) as con:
        con.executemany(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file,"
            " source_line) VALUES (?, ?, 'nick', 4, FALSE, 'test.tsv', ?)",
            [(pid, OWNER, i) for i, pid in enumerate(photo_ids)],
        )


@pytest.fixture
def flickr():
    with FlickrTestServer(api_key=KEY) as server:
        server.add_person(OWNER, person_body(OWNER, "alice"))
        yield server


def _settings(db_path: Path, server: FlickrTestServer) -> Settings:
    return Settings(
        db_path=db_path, flickr_api_url=server.url, flickr_rate_per_hour=FAST_RATE, flickr_api_key=KEY
    )


def _checks(db_path: Path) -> dict[int, tuple]:
    with connect(db_path, read_only=True) as con:
        return {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT photo_id, status, error_detail, license_id FROM flickr_checks ORDER BY photo_id"
            ).fetchall()
        }


MALFORMED_PHOTOS = {  # stat=ok answers of the wrong shape: each is recorded as an error for its photo
    11: {"stat": "ok", "photo": {"id": "11", "owner": "notadict", "license": "4"}},
    12: {"stat": "ok", "photo": "notadict"},
    13: {"stat": "ok", "photo": [1, 2, 3]},
    14: {"stat": "ok", "photo": {"id": "14", "owner": ["a"], "license": "4"}},
}


def test_malformed_answers_are_recorded_and_enrichment_goes_on(db_path, flickr):
    """Item 5: one malformed answer no longer blocks every later photo (and every re-run)."""
    good = [10, 15]
    _fill(db_path, sorted([*MALFORMED_PHOTOS, *good]))
    for pid, body in MALFORMED_PHOTOS.items():
        flickr.add_photo(pid, body)
    for pid in good:
        flickr.add_photo(pid, photo_body(pid, license="4", owner=OWNER))
    result = enrich(_settings(db_path, flickr))
    checks = _checks(db_path)
    assert set(checks) == {*MALFORMED_PHOTOS, *good}
    for pid in MALFORMED_PHOTOS:
        status, detail, _ = checks[pid]
        assert status == "error" and detail.startswith("malformed answer"), (pid, checks[pid])
    assert checks[10] == ("ok", None, 4) and checks[15] == ("ok", None, 4)
    assert result.status == "complete" and result.photos["error"] == len(MALFORMED_PHOTOS)
    assert len(flickr.calls("flickr.photos.getInfo", 11)) == 1  # a malformed answer is not retried


def test_hostile_field_values_do_not_stop_enrichment(db_path, flickr):
    """The class behind item 5: wrong types and absurd values inside an otherwise good answer."""
    bodies = {
        21: photo_body(21, license="9" * 5000, owner=OWNER),  # 5000-digit license
        22: photo_body(22, license=10**30, owner=OWNER, dateuploaded=10**40),  # past BIGINT
        23: photo_body(23, title="\ud800 lone surrogate \x00 NUL", owner=OWNER),
        24: photo_body(24, title="x" * 1_000_000, owner=OWNER),  # a megabyte of title
        25: photo_body(25, license={"deep": [[[{}]]]}, ispublic=[1], owner=OWNER),
    }
    _fill(db_path, sorted(bodies))
    for pid, body in bodies.items():
        flickr.add_photo(pid, body)
    result = enrich(_settings(db_path, flickr))
    assert result.status == "complete" and result.photos_checked == len(bodies)
    with connect(db_path, read_only=True) as con:
        rows = dict(con.execute("SELECT photo_id, length(title) FROM flickr_checks").fetchall())
    assert set(rows) == set(bodies) and rows[24] <= 4096


def test_deeply_nested_or_huge_number_answers_are_errors_not_crashes(db_path, flickr):
    _fill(db_path, [31, 32])
    flickr.add_photo(31, '{"stat":"ok","photo":' + "[" * 100_000 + "]" * 100_000 + "}")
    flickr.add_photo(32, '{"stat":"ok","photo":{"id":' + "7" * 10_000 + "}}")
    client_options = {"max_attempts": 2, "backoff_base": 0.0, "backoff_max": 0.0}
    from pipelines.flickr.client import FlickrClient

    result = enrich(
        _settings(db_path, flickr), client=FlickrClient(KEY, flickr.url, FAST_RATE, **client_options)
    )
    checks = _checks(db_path)
    assert result.status == "complete" and {checks[31][0], checks[32][0]} == {"error"}


def test_key_echoed_in_any_case_never_reaches_the_database_or_logs(db_path, flickr, caplog, capfd):
    """Item 3: 200 non-JSON bodies, an error message and an ok answer that echo the key (as is,
    upper, lower, swapped case) are redacted before anything is stored or logged."""
    import logging

    from pipelines.flickr.client import FlickrClient

    caplog.set_level(logging.DEBUG)
    _fill(db_path, [41, 42, 43, 44])
    flickr.add_photo(41, f"<html>Gateway says api_key={KEY} and {KEY.upper()} hmm</html>")
    flickr.add_photo(42, {"stat": "fail", "code": 2, "message": f"key {KEY.lower()} lacks permission"})
    flickr.add_photo(43, photo_body(43, title=f"my key is {KEY.swapcase()}", owner=OWNER))
    flickr.add_photo(44, f"{KEY.upper()} " + "x" * 100)  # the key right at the start of the excerpt
    flickr.add_person(OWNER, f"<p>{KEY.upper()}</p>")
    client = FlickrClient(KEY, flickr.url, FAST_RATE, max_attempts=2, backoff_base=0.01, backoff_max=0.01)
    enrich(_settings(db_path, flickr), client=client)
    checks = _checks(db_path)
    assert checks[41][0] == "error" and "not JSON" in checks[41][1] and "***" in checks[41][1]
    assert checks[42][0] == "error" and "***" in checks[42][1]
    assert checks[43][0] == "ok" and checks[44][0] == "error" and "***" in checks[44][1]
    assert "retrying" in caplog.text  # the warnings that quote the bodies were logged, redacted
    out, err = capfd.readouterr()
    assert_key_nowhere(db_path, KEY, caplog.text, out, err)


def test_cli_prints_no_key_in_any_case(db_path, flickr):
    """The same through `ccaudit enrich` in a subprocess: stdout, stderr and the file."""
    _fill(db_path, [42, 43])
    flickr.add_photo(42, {"stat": "fail", "code": 2, "message": f"key {KEY.lower()} lacks permission"})
    flickr.add_photo(43, photo_body(43, title=f"my key is {KEY.upper()}", owner=OWNER))
    flickr.add_person(OWNER, {"stat": "ok", "person": "api_key=" + KEY.upper()})  # malformed, echoing
    proc = run_cli(
        "enrich",
        db=db_path,
        env={"FLICKR_API_KEY": KEY, "CCAUDIT_FLICKR_API_URL": flickr.url, "CCAUDIT_FLICKR_RATE": "3600000"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "malformed answer" in proc.stderr  # logged once, as a warning
    assert_key_nowhere(db_path, KEY, proc.stdout, proc.stderr)


def test_redirects_are_not_followed_with_the_key(db_path, flickr):
    """Item 3: a redirect to another host/port never receives api_key=, and is recorded as an error."""
    with FlickrTestServer(api_key=KEY) as elsewhere:
        elsewhere.add_photo(51, photo_body(51, owner=OWNER))
        _fill(db_path, [51, 52])
        flickr.add_faults("flickr.photos.getInfo", 51, Reply(status=302, headers={"Location": elsewhere.url}))
        flickr.add_faults(
            "flickr.photos.getInfo",
            52,
            Reply(status=307, headers={"Location": f"{elsewhere.url}?api_key={KEY}"}),
        )
        flickr.add_photo(52, photo_body(52, owner=OWNER))
        enrich(_settings(db_path, flickr))
        assert elsewhere.calls() == []
    checks = _checks(db_path)
    assert checks[51][0] == "error" and "redirect" in checks[51][1] and "not followed" in checks[51][1]
    assert checks[52][0] == "error"
    assert_key_nowhere(db_path, KEY)


# --- item 8: names matched whole, through the CLI ----------------------------------------------


@pytest.mark.parametrize("name", ["evil\n", "evil\r\n", "ev il", "évil", "evil\x1b[2J", "ｅvil"])
def test_cli_rejects_names_with_trailing_or_hidden_characters(tmp_path, name):
    manifest = tmp_path / "ids.txt"
    manifest.write_text("101\n")
    db = tmp_path / "db.duckdb"
    proc = run_cli("ingest", "manifest", "--format", "flickr30k", "--dataset", name, str(manifest), db=db)
    assert_one_line_error(proc, "must be 1-100")
    assert "\x1b" not in proc.stderr
    proc = run_cli(
        "ingest",
        "manifest",
        "--format",
        "flickr30k",
        "--dataset",
        "ok",
        "--dataset-version",
        name,
        str(manifest),
        db=db,
    )
    assert_one_line_error(proc, "must be 1-100")
    proc = run_cli("enrich", "--dataset", name, db=db, env={"FLICKR_API_KEY": "k"})
    assert_one_line_error(proc, "must be 1-100")
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM datasets").fetchone()[0] == 0


def test_error_lines_escape_what_they_quote(tmp_path):
    """A file name with a newline and an escape sequence still gives one line, no raw ESC."""
    path = tmp_path / "evil\nccaudit: error: forged\x1b[2J.txt"
    path.write_text("101\n")
    proc = run_cli(
        "ingest", "manifest", "--format", "pipa", "--dataset", "d", str(path), db=tmp_path / "db.duckdb"
    )
    assert_one_line_error(proc, "\\n", "\\x1b")


# --- item 4: lookup of a hostile flic.kr code ----------------------------------------------------


@pytest.mark.parametrize("code", ["z" * 12, "z" * 5000, "2" * 100_000])
def test_lookup_of_an_overlong_short_code_is_no_traceback(tmp_path, code):
    db = tmp_path / "db.duckdb"
    connect(db).close()
    proc = run_cli("lookup", f"https://flic.kr/p/{code}", db=db)
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    assert "too long for a photo id" in proc.stdout + proc.stderr


# --- item 13: --out refuses the root and system folders ------------------------------------------


@pytest.mark.parametrize("out", ["/", "/etc", "/usr/share", "/tmp/../", "//", "/proc/self"])
def test_report_refuses_system_folders(tmp_path, out):
    db = tmp_path / "db.duckdb"
    connect(db).close()
    before = set(os.listdir("/"))
    proc = run_cli("report", "--out", out, db=db)
    assert_one_line_error(proc, "system folder")
    assert set(os.listdir("/")) == before


def test_report_refuses_a_symlink_to_the_root(tmp_path):
    db = tmp_path / "db.duckdb"
    connect(db).close()
    link = tmp_path / "looks-harmless"
    link.symlink_to("/")
    proc = run_cli("report", "--out", str(link), db=db)
    assert_one_line_error(proc, "system folder")


# --- item 7: ordinary words as nicknames do not block the pseudonymous report ---------------------

COMMON_WORD_NICKNAMES = ["user", "photo", "faces", "ok", "error", "CC BY 2.0", "YFCC100M", "csv", "v1"]


def _report_db(db_path: Path, nicknames: list[str]) -> None:
    from datetime import datetime

    from pipelines.optout import add_optout

    with connect(db_path) as con:
        rows = []
        for n, nick in enumerate(nicknames):
            for k in range(30 - n):  # every nickname is a top uploader
                rows.append((7_000_000 + n * 100 + k, f"{5000 + n}@N00", nick, 1 + k % 6, n * 100 + k))
        con.executemany(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file,"
            " source_line) VALUES (?, ?, ?, ?, FALSE, '/data/yfcc.tsv', ?)",
            rows,
        )
        for dataset in ("faces", "user"):  # datasets named like top uploaders' nicknames
            con.execute(
                "INSERT INTO datasets (dataset, version, format, items, ingested_at) VALUES (?, 'v1', 'csv', 5, ?)",
                [dataset, datetime(2026, 1, 2)],
            )
            con.executemany(
                "INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref) "
                "VALUES (?, 'v1', ?, ?, ?)",
                [(dataset, f"k{i}", rows[i][0], rows[i][1]) for i in range(5)],
            )
        add_optout(con, "user", "5000@N00", note="user asked by mail")
        add_optout(con, "photo", str(rows[1][0]))


def test_common_word_nicknames_do_not_block_the_pseudonymous_report(db_path, tmp_path):
    _report_db(db_path, COMMON_WORD_NICKNAMES)
    proc = run_cli("report", "--out", str(tmp_path / "out"), db=db_path)
    assert proc.returncode == 0, proc.stderr
    folder = next(
        p for p in (tmp_path / "out").iterdir() if p.name != "editions"
    )  # the report, not its edition
    summary = json.loads((folder / "summary.json").read_text())
    top = summary["tables"]["yfcc_top_uploaders"]["rows"]
    assert top and all(str(r["owner_nickname"]).startswith("n_") for r in top)
    assert all(str(r["owner_nsid"]).startswith("u_") for r in top)
    text = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
    assert "5000@N00" not in text and "5001@N00" not in text


def test_a_clear_name_in_a_person_column_is_still_refused():
    """The safety net stays for what it is for: a nickname published unmarked in a people column."""
    from pipelines.errors import CcauditError
    from pipelines.publish.pseudonym import Pseudonymizer, assert_no_original_values

    pseudonymizer = Pseudonymizer(b"0" * 32)
    pseudonymizer.token("user")
    pseudonymizer.token("12345678@N00")
    assert_no_original_values("t", [["user", 3]], pseudonymizer.replaced, columns=["kind", "n"])
    assert_no_original_values("t", [["user"]], pseudonymizer.replaced, columns=["dataset"])
    with pytest.raises(CcauditError, match="pseudonymises"):
        assert_no_original_values("t", [["user"]], pseudonymizer.replaced, columns=["uploader_nickname"])
    with pytest.raises(CcauditError, match="pseudonymises"):  # an NSID is a leak in any column
        assert_no_original_values("t", [["12345678@N00"]], pseudonymizer.replaced, columns=["dataset"])


# --- item 6: disk full, for real, on a small tmpfs -------------------------------------------------


@pytest.fixture
def small_fs(tmp_path):
    """A 16 MB tmpfs (needs root and mount permission; skipped with the reason otherwise)."""
    mount_point = tmp_path / "small-fs"
    mount_point.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command: cannot make a small file system to fill")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount permission): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill_up(folder: Path, leave_bytes: int = 0) -> Path:
    """A ballast file that takes all the free space but `leave_bytes`."""
    ballast = folder / "ballast"
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with ballast.open("wb") as out:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 20)
        try:
            while remaining > 0:
                out.write(chunk[: min(len(chunk), remaining)])
                remaining -= min(len(chunk), remaining)
            out.flush()
        except OSError:  # ENOSPC a little early: the file system keeps some for itself
            pass
    return ballast


@pytest.mark.slow
def test_disk_full_during_a_load_is_one_line_and_keeps_the_data(small_fs, tmp_path):
    db = small_fs / "db.duckdb"
    first = tmp_path / "first.txt"
    first.write_text("".join(f"{100 + i}\n" for i in range(50)))
    assert (
        run_cli(
            "ingest", "manifest", "--format", "flickr30k", "--dataset", "keep", str(first), db=db
        ).returncode
        == 0
    )
    assert run_cli("optout", "add", "--photo", "101", db=db).returncode == 0
    before = table_dump(db)
    big = tmp_path / "big.tsv"
    with big.open("w") as out:
        for i in range(400_000):
            out.write(f"{i}\t{10_000_000 + i}\th{i:x}\n")
    ballast = _fill_up(small_fs, leave_bytes=1 << 20)
    proc = run_cli("ingest", "manifest", "--format", "clip-subset", "--dataset", "big", str(big), db=db)
    assert_one_line_error(proc, "disk full at ", str(small_fs))
    proc = run_cli("optout", "add", "--photo", "102", db=db)  # and with (almost) nothing left
    assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr
    ballast.unlink()
    after = table_dump(db)
    after["optouts"] = [r for r in after["optouts"] if r[1] != "102"]
    assert {k: v for k, v in after.items() if k != "ingest_runs"} == {
        k: v for k, v in before.items() if k != "ingest_runs"
    }
    new_runs = [r for r in after["ingest_runs"] if r not in before["ingest_runs"]]
    assert all("failed" in str(r) for r in new_runs)  # at most a failed-run note, never a 'loaded' one


def test_zero_bytes_free_read_write_commands_say_disk_full(small_fs):
    db = small_fs / "db.duckdb"
    assert run_cli("optout", "add", "--photo", "5", db=db).returncode == 0
    _fill_up(small_fs)
    for args in (("optout", "add", "--photo", "6"), ("validate",)):
        assert_one_line_error(run_cli(*args, db=db), "disk full at ", str(small_fs))
    assert_one_line_error(
        run_cli("optout", "add", "--photo", "7", db=small_fs / "new.duckdb"), "disk full at "
    )
    listing = run_cli("optout", "list", db=db)  # reading needs no space
    assert listing.returncode == 0 and "photo  5" in listing.stdout


def test_disk_full_while_staging_in_the_temporary_folder(small_fs, tmp_path):
    """Staged Parquet goes to TMPDIR: a full TMPDIR is the same one line, and names it."""
    db = tmp_path / "db.duckdb"
    big = tmp_path / "big.tsv"
    with big.open("w") as out:
        for i in range(300_000):
            out.write(f"{i}\t{10_000_000 + i}\th{i:x}\n")
    _fill_up(small_fs, leave_bytes=256 << 10)
    proc = run_cli(
        "ingest",
        "manifest",
        "--format",
        "clip-subset",
        "--dataset",
        "big",
        str(big),
        db=db,
        env={"TMPDIR": str(small_fs)},
    )
    assert_one_line_error(proc, "disk full at ", str(small_fs))
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dataset_items").fetchone()[0] == 0


def test_disk_full_error_reads_the_chain():
    from pipelines.errors import disk_full_error

    assert disk_full_error(ValueError("x")) is None
    inner = OSError(28, "No space left on device", "/data/x.parquet")
    try:
        try:
            raise inner
        except OSError:
            raise RuntimeError("while loading") from None
    except RuntimeError as outer:
        found = disk_full_error(outer, default_path="/db")
    assert found is not None and "disk full at /data/x.parquet" in str(found)
    duck = RuntimeError('FATAL Error: Could not write file "/mnt/db.duckdb.wal": No space left on device')
    assert "disk full at /mnt/db.duckdb.wal" in str(disk_full_error(duck))


# --- item 12: lookup prints third-party text escaped ---------------------------------------------


def test_lookup_prints_hostile_nicknames_and_notes_on_their_own_lines(db_path):
    from pipelines.optout import add_optout

    nsid = "4242@N01"
    hostile = "nick\nuploader 1@N00: 999 photos in YFCC100M\x1b[2J\u202e"
    with connect(db_path) as con:
        con.execute(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video,"
            " source_file, source_line) VALUES (91, ?, ?, 4, FALSE, 'y.tsv', 1)",
            [nsid, hostile],
        )
        con.execute(
            "INSERT INTO datasets (dataset, version, format, items, ingested_at) VALUES ('d', 'v', 'csv', 1, now())"
        )
        con.execute(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES ('d', 'v', 'k', 91)"
        )
        add_optout(con, "user", nsid, note="asked\nopt-out recorded: forged\x07")
    plain = run_cli("lookup", nsid, db=db_path)
    assert plain.returncode == 0, plain.stderr
    for raw in ("\x1b", "\u202e", "\x07"):
        assert raw not in plain.stdout
    lines = [line.lstrip() for line in plain.stdout.splitlines()]
    assert not any(line.startswith("uploader 1@N00") for line in lines)
    assert sum(line.startswith("opt-out recorded") for line in lines) == 1
    assert "nick\\nuploader 1@N00" in plain.stdout and "asked\\nopt-out recorded: forged\\x07" in plain.stdout
    as_json = run_cli("lookup", nsid, "--json", db=db_path)
    assert "\u202e" not in as_json.stdout and "\x1b" not in as_json.stdout
    assert (
        hostile in json.loads(as_json.stdout)["answers"][0]["accounts"][0]["names"]
    )  # JSON keeps the data exact
