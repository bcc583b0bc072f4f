"""Readers are never locked out: real processes, real DuckDB files, the local Flickr server.

DuckDB allows one read-write process or many read-only ones per file, never both. These tests
hold the file from another process and check who waits, for how long, and what the error says;
then run enrich for 20+ s while other processes read, report, look up, ingest, browse the edition
in Datasette and hold the edition open, and check that every API answer lands exactly once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.db import connect, lock_holder
from pipelines.errors import DatabaseLockedError
from tests.conftest import REPO
from tests.flickr_server import FlickrTestServer, person_body, photo_body
from tests.test_enrich import KEY, fill_db, serve

PY = sys.executable


def hold(db_path: Path, read_only: bool, seconds: float) -> subprocess.Popen:
    """Another process that opens the file and keeps it open; returns once it holds it."""
    code = textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(db_path)!r}, read_only={read_only})
        print("holding", flush=True)
        time.sleep({seconds})
        con.close()
    """)
    proc = subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def ccaudit(db_path: Path, *args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if k not in ("FLICKR_API_KEY", "CCAUDIT_DB")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.Popen(
        [PY, "-m", "pipelines.cli", "--db", str(db_path), *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --- who holds the file -----------------------------------------------------------------------


def test_a_reader_blocked_by_a_writer_names_it_and_its_pid(db_path):
    connect(db_path).close()
    writer = hold(db_path, read_only=False, seconds=10)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as caught:
            connect(db_path, read_only=True, lock_wait=0.5)
        waited = time.monotonic() - started
        error = caught.value
        assert (error.holder, error.pid, error.wanted_write) == ("writer", writer.pid, False)
        assert 0.3 <= waited < 3 and f"a writer (PID {writer.pid}) holds it" in str(error)
        assert "in use by another process" in str(error) and "publish-db" in str(error)
    finally:
        writer.kill()
        writer.wait()


def test_a_writer_blocked_by_a_reader_names_the_reader(db_path):
    connect(db_path).close()
    reader = hold(db_path, read_only=True, seconds=10)
    try:
        with pytest.raises(DatabaseLockedError) as caught:
            connect(db_path, lock_wait=0.3)
        assert (caught.value.holder, caught.value.pid, caught.value.wanted_write) == (
            "reader",
            reader.pid,
            True,
        )
        assert "close that read-only session" in str(caught.value)
        # Readers share the file with readers: no wait at all.
        started = time.monotonic()
        connect(db_path, read_only=True, lock_wait=0).close()
        assert time.monotonic() - started < 1
    finally:
        reader.kill()
        reader.wait()


def test_lock_holder_only_matches_lock_conflicts():
    import duckdb

    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().execute("SELECT * FROM no_such_table")
    assert lock_holder(caught.value, wanted_write=True) is None


def test_a_writer_waits_for_a_reader_to_let_go(db_path):
    connect(db_path).close()
    reader = hold(db_path, read_only=True, seconds=1.5)
    try:
        started = time.monotonic()
        with connect(db_path, lock_wait=20) as con:
            waited = time.monotonic() - started
            con.execute("INSERT INTO optouts (kind, value, requested_at) VALUES ('photo', '1', now())")
        assert 0.5 <= waited < 10
    finally:
        reader.wait(timeout=10)


def test_cli_reader_fails_in_one_line_after_the_lock_wait(db_path):
    connect(db_path).close()
    writer = hold(db_path, read_only=False, seconds=20)
    try:
        started = time.monotonic()
        proc = ccaudit(db_path, "lookup", "12345678@N00", env={"CCAUDIT_LOCK_WAIT": "1"})
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2 and out == ""
        # one line saying it waits (and for whom), one error line at the end
        waiting, error = err.splitlines()
        assert waiting.startswith("ccaudit: waiting up to 1 s") and f"a writer (PID {writer.pid})" in waiting
        assert error.startswith("ccaudit: error: database") and f"a writer (PID {writer.pid})" in error
        assert "Traceback" not in err
        assert time.monotonic() - started >= 1
    finally:
        writer.kill()
        writer.wait()


def test_bad_lock_wait_setting_is_one_line(db_path):
    connect(db_path).close()
    proc = ccaudit(db_path, "lookup", "x", env={"CCAUDIT_LOCK_WAIT": "soon"})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "CCAUDIT_LOCK_WAIT must be a number" in err and err.count("\n") == 1


def test_report_and_validate_run_while_a_journalist_holds_the_file_read_only(db_path, tmp_path):
    fill_db(db_path)
    reader = hold(db_path, read_only=True, seconds=60)
    try:
        report = ccaudit(
            db_path, "report", "--out", str(tmp_path / "reports"), env={"CCAUDIT_LOCK_WAIT": "1"}
        )
        _, err = report.communicate(timeout=120)
        assert report.returncode == 0, err
        assert (tmp_path / "reports" / "editions" / "latest" / "ccaudit-edition.duckdb").is_file()
        # validate reads read-only; storing its results needs the file: it waits for the reader, then says who.
        validate = ccaudit(db_path, "validate", env={"CCAUDIT_LOCK_WAIT": "1"})
        _, err = validate.communicate(timeout=120)
        assert validate.returncode == 2 and f"a reader (PID {reader.pid})" in err, err
    finally:
        reader.kill()
        reader.wait()
    validate = ccaudit(db_path, "validate", env={"CCAUDIT_LOCK_WAIT": "1"})
    _, err = validate.communicate(timeout=120)
    assert validate.returncode == 0, err
    with connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT run_id) FROM validation_results").fetchone()[0] == 1


# --- the acceptance run -----------------------------------------------------------------------

READER_LOOP = textwrap.dedent("""
    import json, os, sys, time
    from pipelines.db import connect
    db, stop, out = sys.argv[1:4]
    results = []
    while not os.path.exists(stop):
        started = time.monotonic()
        try:
            with connect(db, read_only=True) as con:
                opened = time.monotonic() - started
                rows = con.execute("SELECT count(*) FROM flickr_checks").fetchone()[0]
            results.append({"ok": True, "wait": opened, "rows": rows})
        except Exception as exc:
            results.append({"ok": False, "wait": time.monotonic() - started, "error": str(exc)})
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    json.dump(results, open(out, "w"))
""")

EDITION_HOLDER = textwrap.dedent("""
    import duckdb, json, os, sys, time
    stop, out = sys.argv[1:3]
    con = duckdb.connect("ccaudit-edition.duckdb", read_only=True)   # relative view paths: run from the folder
    counts = []
    print("holding", flush=True)
    while not os.path.exists(stop):
        counts.append(con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0])
        time.sleep(0.5)
    con.close()
    json.dump(counts, open(out, "w"))
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 10) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_readers_report_lookup_ingest_and_datasette_while_enrich_runs(tmp_path):
    db_path = tmp_path / "main.duckdb"
    owners = [f"{3000 + i}@N01" for i in range(20)]
    photos = {
        700000 + i: (
            4 if i % 3 else 2,
            owners[i % 20],
            photo_body(700000 + i, license="4" if i % 5 else "0", owner=owners[i % 20], title=f"garden {i}"),
        )
        for i in range(200)
    }
    fill_db(db_path, photos=photos, items=[(f"k{i}", 700000 + i, 4) for i in range(0, 200, 3)])
    with connect(db_path) as con:
        con.execute("UPDATE yfcc_photos SET title = 'garden ' || photo_id")
    lock_env = {"CCAUDIT_LOCK_WAIT": "30"}
    editions = tmp_path / "editions"
    assert ccaudit(db_path, "publish-db", "--out", str(editions)).wait(timeout=120) == 0
    stop = tmp_path / "stop"
    manifest = tmp_path / "extra.csv"
    manifest.write_text(
        "url\n" + "".join(f"https://www.flickr.com/photos/{owners[0]}/{700000 + i}/\n" for i in range(5))
    )
    port = free_port()
    with FlickrTestServer(api_key=KEY) as server:
        serve(server, photos=photos, people={nsid: person_body(nsid) for nsid in owners})
        env = {
            **lock_env,
            "FLICKR_API_KEY": KEY,
            "CCAUDIT_FLICKR_API_URL": server.url,
            "CCAUDIT_FLICKR_RATE": "36000",
        }  # 10 calls/s: 220 calls take ~22 s
        holder = subprocess.Popen(
            [PY, "-c", EDITION_HOLDER, str(stop), str(tmp_path / "held.json")],
            cwd=editions / "latest",
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "holding"
        browser = ccaudit(db_path, "serve", "--port", str(port), "--edition", str(editions))
        enrich = ccaudit(db_path, "enrich", "--quiet", "--merge-seconds", "2", env=env)
        started = time.monotonic()
        readers = subprocess.Popen(
            [PY, "-c", READER_LOOP, str(db_path), str(stop), str(tmp_path / "reads.json")],
            cwd=REPO,
            env={**os.environ, **lock_env, "PYTHONPATH": str(REPO)},
        )
        try:
            steps = {}
            for name, args in (
                ("lookup", ("lookup", owners[1], "--json")),
                ("report", ("report", "--out", str(tmp_path / "reports"))),
                (
                    "ingest",
                    (
                        "ingest",
                        "manifest",
                        "--format",
                        "csv",
                        "--dataset",
                        "extra",
                        "--url-column",
                        "url",
                        str(manifest),
                    ),
                ),
                ("optout list", ("optout", "list")),
            ):
                proc = ccaudit(db_path, *args, env=lock_env)
                out, err = proc.communicate(timeout=60)
                steps[name] = (proc.returncode, time.monotonic() - started, out, err)
            wait_for_http(f"http://127.0.0.1:{port}/-/versions.json", 60)
            facets = get_json(
                f"http://127.0.0.1:{port}/ccaudit/yfcc_photos.json?_search=garden&_facet=license_id&_size=0"
            )
            served_at = time.monotonic() - started
            out, err = enrich.communicate(timeout=120)
            enrich_seconds = time.monotonic() - started
        finally:
            stop.touch()
            readers.wait(timeout=30)
            holder.wait(timeout=30)
            browser.terminate()
            browser.wait(timeout=30)
            if enrich.poll() is None:
                enrich.kill()
        called = [int(r.params["photo_id"]) for r in server.calls("flickr.photos.getInfo")]
        people_called = [r.params["user_id"] for r in server.calls("flickr.people.getInfo")]

    assert enrich.returncode == 0, err
    assert enrich_seconds >= 20, f"enrich ran only {enrich_seconds:.1f} s"
    for name, (code, at, _out_text, err_text) in steps.items():
        assert code == 0, f"{name} failed at {at:.1f} s: {err_text}"
        assert at < enrich_seconds, f"{name} ran after enrich ended"
    assert json.loads(steps["lookup"][2])["found"]
    in_datasets = range(0, 200, 3)  # Datasette serves the photos some dataset holds (the items above)
    assert served_at < enrich_seconds and facets["filtered_table_rows_count"] == len(in_datasets)
    assert {f["value"] for f in facets["facet_results"]["license_id"]["results"]} == {
        4 if i % 3 else 2 for i in in_datasets
    }
    reads = json.loads((tmp_path / "reads.json").read_text())
    assert len(reads) >= 15 and all(r["ok"] for r in reads), [r for r in reads if not r["ok"]]
    assert max(r["wait"] for r in reads) < 30
    assert any(0 < r["rows"] < 200 for r in reads)  # merged as it went, visible to readers at once
    print(
        f"\nenrich {enrich_seconds:.1f} s; {len(reads)} reads, longest wait to open "
        f"{max(r['wait'] for r in reads):.3f} s; steps at "
        + ", ".join(f"{n} {v[1]:.1f} s" for n, v in steps.items())
        + f"; datasette at {served_at:.1f} s\n"
        + out
    )
    held = json.loads((tmp_path / "held.json").read_text())
    assert len(held) >= 20 and set(held) == {200}
    # every API answer is in flickr_checks exactly once
    with connect(db_path, read_only=True) as con:
        checks = con.execute(
            "SELECT photo_id, count(*) FROM flickr_checks GROUP BY ALL ORDER BY 1"
        ).fetchall()
        uploaders = con.execute("SELECT owner_nsid, count(*) FROM uploaders GROUP BY ALL").fetchall()
        merges = con.execute("SELECT merges FROM flickr_journal_merges").fetchall()
        extra = con.execute("SELECT count(*) FROM dataset_items WHERE dataset = 'extra'").fetchone()[0]
    assert sorted(called) == sorted(photos) and checks == [(pid, 1) for pid in sorted(photos)]
    assert sorted(people_called) == sorted(owners) and sorted(uploaders) == [(o, 1) for o in sorted(owners)]
    assert len(merges) == 1 and merges[0][0] >= 5 and extra == 5
    assert "merged into the database in" in out
    assert not list((db_path.parent / (db_path.name + ".enrich")).glob("*.jsonl"))


def test_lock_wait_setting():
    from pipelines.config import DEFAULT_LOCK_WAIT, Settings
    from pipelines.errors import ConfigError

    assert Settings.from_env(env={}).lock_wait_seconds == DEFAULT_LOCK_WAIT == 300
    assert Settings.from_env(env={"CCAUDIT_LOCK_WAIT": " 2.5 "}).lock_wait_seconds == 2.5
    for bad in ("-1", "nan", "inf", "soon"):
        with pytest.raises(ConfigError, match="CCAUDIT_LOCK_WAIT"):
            Settings.from_env(env={"CCAUDIT_LOCK_WAIT": bad})


def test_zero_lock_wait_fails_at_once(db_path, monkeypatch):
    connect(db_path).close()
    writer = hold(db_path, read_only=False, seconds=10)
    monkeypatch.setenv("CCAUDIT_LOCK_WAIT", "0")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError, match=r"waited 0\.0 s"):
            connect(db_path, read_only=True)  # the default comes from the environment
        assert time.monotonic() - started < 1
    finally:
        writer.kill()
        writer.wait()


def test_cli_ingest_opens_the_database_only_to_load(tmp_path):
    from pipelines.synth.yfcc import generate_yfcc

    data = tmp_path / "yfcc.tsv"
    generate_yfcc(data, rows=150_000, seed=5)
    db_path = tmp_path / "main.duckdb"
    connect(db_path).close()
    proc = ccaudit(db_path, "ingest", "yfcc", "--quiet", str(data))
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".ccaudit-ingest-*")) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # Staging has begun: a reader still gets in at once (the old CLI held the file from the start).
        with connect(db_path, read_only=True, lock_wait=0) as con:
            assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 0
        assert proc.poll() is None, "ingest ended before the reader tried: use a bigger file"
    finally:
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    with connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 150_000
