"""`ccaudit enrich` against the local Flickr server: selection, history, resumption, reports, key safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.db import connect
from pipelines.enrich.run import Journal, enrich, journal_dir, merge_journal
from pipelines.errors import CcauditError, ConfigError, DatabaseLockedError, InputError
from pipelines.flickr.client import FlickrApiKeyError, FlickrClient
from pipelines.resources import read_sql, sql_dir
from tests.conftest import REPO
from tests.flickr_server import FlickrTestServer, Reply, fail_body, history_body, person_body, photo_body

KEY = "enrich-test-key-7f3a9c1e5b"
FAST_RATE = 3_600_000.0

# photo_id: (YFCC license or None if not in YFCC100M, owner, what Flickr says now)
A, B, C, D, E = "1001@N01", "1002@N01", "1003@N01", "1004@N01", "1005@N01"
PHOTOS = {
    101: (4, A, photo_body(101, license="4", owner=A)),  # unchanged
    102: (2, A, photo_body(102, license="0", owner=A)),  # BY-NC -> All Rights Reserved
    103: (4, B, photo_body(103, license=2, owner=B)),  # BY -> BY-NC (license as a number)
    104: (1, C, fail_body(1, "Photo not found")),  # gone
    105: (5, D, fail_body(5, "User deleted")),
    106: (None, E, photo_body(106, license="11", owner=E)),  # only in a dataset
    107: (5, B, photo_body(107, license="5", owner=B)),
}
PEOPLE = {
    A: person_body(A, "alice", ispro=1, count=40),
    B: person_body(B, "bob"),
    C: person_body(C, "carol"),
    D: fail_body(5, "User deleted"),
    E: person_body(E, "eve"),
}
# License histories of the dataset photos Flickr still serves (epoch, old, new): 102 went BY-NC -> ARR
# on 2020-06-01, 103 BY -> BY-NC on 2016-03-01, 106 never changed.
HISTORIES = {
    102: history_body((1590969600, 2, 0)),
    103: history_body((1456790400, 4, 2)),
    106: history_body(),
}
# dataset "faces": two faces from photo 102, one each from 103, 104, 106 (declared license)
FACES = [("102_0", 102, 2), ("102_1", 102, 2), ("103_0", 103, 4), ("104_0", 104, 1), ("106_0", 106, 4)]


def fill_db(db_path: Path, photos: dict = PHOTOS, items: list = FACES) -> None:
    with connect(db_path) as con:
        con.executemany(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file,"
            " source_line) VALUES (?, ?, ?, ?, FALSE, 'test.tsv', ?)",
            [
                (pid, owner, f"nick-{owner}", lic, i)
                for i, (pid, (lic, owner, _)) in enumerate(photos.items())
                if lic is not None
            ],
        )
        con.execute(
            "INSERT INTO datasets (dataset, version, format, items, ingested_at)"
            " VALUES ('faces', 'v1', 'csv', ?, now())",
            [len(items)],
        )
        con.executemany(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id, declared_license_id)"
            " VALUES ('faces', 'v1', ?, ?, ?)",
            items,
        )


def serve(
    server: FlickrTestServer, photos: dict = PHOTOS, people: dict = PEOPLE, histories: dict = HISTORIES
) -> None:
    for pid, (_, _, body) in photos.items():
        server.add_photo(pid, body)
    for pid, body in histories.items():
        server.add_history(pid, body)
    for nsid, body in people.items():
        server.add_person(nsid, body)


@pytest.fixture
def server():
    with FlickrTestServer(api_key=KEY) as srv:
        serve(srv)
        yield srv


@pytest.fixture
def settings(db_path, server) -> Settings:
    fill_db(db_path)
    return Settings(
        db_path=db_path, flickr_api_url=server.url, flickr_rate_per_hour=FAST_RATE, flickr_api_key=KEY
    )


def rows(db_path: Path, sql: str, params=None) -> list[tuple]:
    with connect(db_path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def photo_ids_called(server) -> list[int]:
    return [int(r.params["photo_id"]) for r in server.calls("flickr.photos.getInfo")]


# --- one full run -----------------------------------------------------------------------------


def test_enrich_checks_dataset_photos_first_and_records_history(settings, server):
    result = enrich(settings)
    assert photo_ids_called(server) == [102, 103, 104, 106, 101, 105, 107]
    checks = rows(
        settings.db_path,
        "SELECT photo_id, status, license_id, owner_nsid, error_code, license_raw"
        " FROM flickr_checks ORDER BY photo_id",
    )
    assert checks == [
        (101, "ok", 4, A, None, "4"),
        (102, "ok", 0, A, None, "0"),
        (103, "ok", 2, B, None, "2"),
        (104, "not_found", None, None, 1, None),
        (105, "user_deleted", None, None, 5, None),
        (106, "ok", 11, E, None, "11"),
        (107, "ok", 5, B, None, "5"),
    ]
    # one people.getInfo per uploader; for photos that are gone the YFCC100M owner is used
    assert sorted(r.params["user_id"] for r in server.calls("flickr.people.getInfo")) == [A, B, C, D, E]
    people = rows(
        settings.db_path,
        "SELECT owner_nsid, status, username, is_pro, photo_count, nickname"
        " FROM uploaders ORDER BY owner_nsid",
    )
    assert people[0] == (A, "ok", "alice", True, 40, f"nick-{A}")
    assert people[3] == (D, "user_deleted", None, None, None, f"nick-{D}")
    assert (result.status, result.stop_reason, result.pending_at_start) == (
        "complete",
        "nothing left to check",
        7,
    )
    assert dict(result.photos) == {"ok": 5, "not_found": 1, "user_deleted": 1}
    assert dict(result.uploaders) == {"ok": 4, "user_deleted": 1}
    # + one license history per dataset photo Flickr still serves (102, 103, 106), none for 104 (gone)
    assert sorted(
        int(r.params["photo_id"]) for r in server.calls("flickr.photos.licenses.getLicenseHistory")
    ) == [102, 103, 106]
    assert result.api_calls == 15 == len(server.calls())
    history = rows(
        settings.db_path,
        "SELECT photo_id, status, changes, change_index, changed_at, old_license_id,"
        " new_license_id FROM flickr_license_history ORDER BY photo_id",
    )
    assert history == [
        (102, "ok", 1, 1, datetime(2020, 6, 1), 2, 0),
        (103, "ok", 1, 1, datetime(2016, 3, 1), 4, 2),
        (106, "ok", 0, None, None, None, None),
    ]
    summary = result.summary_text()
    assert "photos checked: 7 of 7 pending (5 ok, 1 not_found, 1 user_deleted, 0 error)" in summary
    assert result.as_dict()["photos"] == {"ok": 5, "not_found": 1, "user_deleted": 1, "error": 0}
    run = rows(
        settings.db_path, "SELECT status, photos_checked, api_calls, ok, not_found FROM flickr_enrich_runs"
    )
    assert run == [("complete", 7, 15, 5, 1)]


def test_rerun_within_max_age_makes_no_calls(settings, server):
    enrich(settings)
    before = len(server.calls())
    again = enrich(settings, max_age_days=30)
    assert (again.status, again.pending_at_start, again.photos_checked) == ("complete", 0, 0)
    assert len(server.calls()) == before


def test_max_age_zero_rechecks_and_appends_history(settings, server):
    enrich(settings)
    server.add_photo(101, photo_body(101, license="0", owner=A))  # the owner changed the license
    second = enrich(settings, max_age_days=0)
    assert second.photos_checked == 7 and second.resumed_run_id is None
    history = rows(
        settings.db_path, "SELECT license_id FROM flickr_checks WHERE photo_id = 101 ORDER BY checked_at"
    )
    assert history == [(4,), (0,)]
    assert rows(settings.db_path, "SELECT license_id FROM flickr_latest_checks WHERE photo_id = 101") == [
        (0,)
    ]


def test_limit_then_continue_the_pass_without_duplicates(settings, server):
    first = enrich(settings, limit=3, max_age_days=0)
    assert (first.status, first.stop_reason, first.photos_checked) == ("partial", "limit reached", 3)
    assert "run `ccaudit enrich` again" in first.summary_text()
    second = enrich(settings, max_age_days=0)  # max-age 0 would recheck all: the pass prevents it
    assert second.resumed_run_id == first.run_id and second.photos_checked == 4
    assert second.status == "complete"
    counts = rows(settings.db_path, "SELECT photo_id, count(*) FROM flickr_checks GROUP BY ALL ORDER BY 1")
    assert counts == [(pid, 1) for pid in sorted(PHOTOS)]
    assert sorted(photo_ids_called(server)) == sorted(PHOTOS)


def test_dataset_filter(settings, server):
    result = enrich(settings, dataset="faces")
    assert photo_ids_called(server) == [102, 103, 104, 106]
    assert result.pending_at_start == 4 and result.status == "complete"
    with pytest.raises(InputError, match=r"no items of dataset 'nope'.*known: faces"):
        enrich(settings, dataset="nope")


def test_errors_are_recorded_and_retried_by_the_next_pass(settings, server):
    server.add_faults("flickr.photos.getInfo", 103, *[Reply(status=503) for _ in range(5)])
    client = FlickrClient.from_settings(settings, max_attempts=2, backoff_base=0.01)
    first = enrich(settings, client=client)
    assert first.photos["error"] == 1 and first.status == "complete"
    error = rows(settings.db_path, "SELECT attempts, error_detail FROM flickr_checks WHERE status = 'error'")
    assert error == [(2, "gave up after 2 attempts: HTTP 503")]
    second = enrich(settings, client=FlickrClient.from_settings(settings, max_attempts=2, backoff_base=0.01))
    assert second.photos_checked == 1 and photo_ids_called(server)[-1] == 103  # only the error is retried


def test_deadline_stops_before_a_call_would_start(settings, server):
    slow = Settings(
        db_path=settings.db_path, flickr_api_url=server.url, flickr_rate_per_hour=3600, flickr_api_key=KEY
    )
    result = enrich(slow, deadline_seconds=0.5)  # the first token would arrive after ~1 s
    assert (result.status, result.stop_reason, result.api_calls) == ("partial", "deadline reached", 0)
    assert server.calls() == []


def test_unknown_license_is_kept_raw_and_reported(settings, server):
    server.add_photo(101, photo_body(101, license="42", owner=A))
    result = enrich(settings)
    assert result.unknown_licenses == 1 and "license id ccaudit does not know" in result.summary_text()
    assert rows(
        settings.db_path, "SELECT license_id, license_raw FROM flickr_checks WHERE photo_id = 101"
    ) == [(None, "42")]


# --- the key ----------------------------------------------------------------------------------


def test_without_key_enrich_explains_how_to_get_one(db_path):
    with pytest.raises(ConfigError, match=r"FLICKR_API_KEY.*https://www.flickr.com/services/apps/create/"):
        enrich(Settings(db_path=db_path))


def test_rejected_key_stops_the_run(settings, server):
    bad = Settings(
        db_path=settings.db_path,
        flickr_api_url=server.url,
        flickr_rate_per_hour=FAST_RATE,
        flickr_api_key="not-the-right-key",
    )
    with pytest.raises(FlickrApiKeyError):
        enrich(bad)
    assert len(server.calls()) == 1
    assert rows(settings.db_path, "SELECT status FROM flickr_enrich_runs") == [("failed",)]
    assert rows(settings.db_path, "SELECT count(*) FROM flickr_checks") == [(0,)]


def cli(db_path: Path, env_extra: dict, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("FLICKR_API_KEY", "CCAUDIT_DB")}
    env.update(env_extra)
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "--db", str(db_path), "enrich", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_without_key_exits_nonzero_with_one_line(db_path):
    proc = cli(db_path, {})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and out == ""
    assert err.strip().count("\n") == 0 and "services/apps/create" in err and "Traceback" not in err


def test_cli_with_rejected_key_exits_nonzero_without_leaking_it(db_path, server):
    fill_db(db_path)
    proc = cli(
        db_path,
        {
            "FLICKR_API_KEY": "wrong-key-abcdef123",
            "CCAUDIT_FLICKR_API_URL": server.url,
            "CCAUDIT_FLICKR_RATE": "3600000",
        },
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "rejected the API key" in err and "Traceback" not in err
    assert "wrong-key-abcdef123" not in out + err


# --- crash and resume (kill -9 mid-run) -------------------------------------------------------


def _database_bytes(db_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*") if p.is_file())


@pytest.mark.slow
@pytest.mark.parametrize("merge_seconds", ["30", "0.5"], ids=["all-journaled", "partly-merged"])
def test_kill_9_mid_run_then_resume_without_duplicates(db_path, merge_seconds):
    many = {
        900000 + i: (
            4 if i % 3 else 2,
            f"{2000 + i % 7}@N01",
            photo_body(900000 + i, license="4", owner=f"{2000 + i % 7}@N01"),
        )
        for i in range(60)
    }
    fill_db(db_path, photos=many, items=[(f"k{i}", 900000 + i, 4) for i in range(0, 60, 4)])
    env = {"FLICKR_API_KEY": KEY, "CCAUDIT_FLICKR_RATE": "3600000"}
    with FlickrTestServer(api_key=KEY) as server:
        serve(
            server, photos=many, people={f"{2000 + i}@N01": person_body(f"{2000 + i}@N01") for i in range(7)}
        )
        for pid in many:  # slow answers so that the run is still busy when it is killed
            server.add_faults("flickr.photos.getInfo", pid, Reply(delay=0.03))
        env["CCAUDIT_FLICKR_API_URL"] = server.url
        first = cli(db_path, env, "--quiet", "--merge-seconds", merge_seconds)
        deadline = time.monotonic() + 30
        while len(server.calls("flickr.photos.getInfo")) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        out1, err1 = first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL
        calls_before_kill = len(server.calls("flickr.photos.getInfo"))
        assert 20 <= calls_before_kill < 60
        merged = [r[0] for r in rows(db_path, "SELECT photo_id FROM flickr_checks")]
        watermark = dict(rows(db_path, "SELECT run_id, merged_seq FROM flickr_journal_merges"))
        journaled = [
            r["row"]["photo_id"]
            for p in journal_dir(db_path).glob("*.jsonl")
            for r in Journal.read(p)
            if r["table"] == "flickr_checks" and r["seq"] > watermark.get(p.stem, 0)
        ]
        answers = merged + journaled
        assert len(answers) == len(set(answers))  # no duplicates
        if merge_seconds == "30":
            assert (
                journaled and not merged
            )  # killed between journal and merge: all of it waits in the journal
        else:
            assert merged  # merged as it went; the rest (if any) waits in the journal
        assert calls_before_kill - 1 <= len(answers) <= calls_before_kill  # at most the call in flight lost

        second = cli(db_path, env, "--quiet")
        out2, err2 = second.communicate(timeout=60)
        assert second.returncode == 0, err2
        assert "continued the pass of run" in out2 and "complete" in out2

    per_photo = rows(db_path, "SELECT photo_id, count(*) FROM flickr_checks GROUP BY ALL ORDER BY 1")
    assert per_photo == [(pid, 1) for pid in sorted(many)]  # all checked, exactly once
    assert len(server.calls("flickr.photos.getInfo")) <= 60 + 1  # re-asked at most the lost one
    owners = rows(db_path, "SELECT owner_nsid, count(*) FROM uploaders GROUP BY ALL")
    assert len(owners) == 7 and all(n == 1 for _, n in owners)
    runs = rows(db_path, "SELECT status FROM flickr_enrich_runs ORDER BY started_at")
    assert runs == [("interrupted",), ("complete",)]
    for text in (out1, err1, out2, err2):
        assert KEY not in text
    assert KEY.encode() not in _database_bytes(db_path)


def test_key_not_in_database_after_errors(settings, server):
    server.add_faults("flickr.photos.getInfo", 101, Reply(action="reset"), Reply(action="reset"))
    enrich(settings, client=FlickrClient.from_settings(settings, max_attempts=2, backoff_base=0.01))
    details = rows(settings.db_path, "SELECT error_detail FROM flickr_checks WHERE photo_id = 101")
    assert "ConnectionError" in details[0][0] and KEY not in details[0][0]
    assert KEY.encode() not in _database_bytes(settings.db_path)


# --- reports ----------------------------------------------------------------------------------

REPORTS = sorted(p.name for p in sql_dir("reports").glob("enrichment_*.sql"))


def report(db_path: Path, name: str) -> list[dict]:
    with connect(db_path, read_only=True) as con:
        cursor = con.execute(read_sql("reports", name))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.parametrize("name", REPORTS)
def test_report_headers(name):
    header = {}
    for line in read_sql("reports", name).splitlines():
        if not line.startswith("-- "):
            break
        key, _, value = line[3:].partition(":")
        header[key.strip()] = value.strip()
    assert header["section"] == "enrichment" and header["title"] and header["description"]
    assert "flickr_checks" in header["requires"] and int(header["order"]) > 0


def test_reports_count_drift_availability_and_deleted_uploaders(settings):
    enrich(settings)
    drift = {
        (r["snapshot"], r["license_then"], r["license_now"]): (r["change"], r["photos"])
        for r in report(settings.db_path, "enrichment_license_drift.sql")
    }
    assert drift[("YFCC100M", "CC BY-NC 2.0", "All Rights Reserved")] == ("now All Rights Reserved", 1)
    assert drift[("YFCC100M", "CC BY 2.0", "CC BY-NC 2.0")] == ("now forbids commercial use", 1)
    assert drift[("YFCC100M", "CC BY 2.0", "CC BY 2.0")] == ("unchanged", 1)
    assert drift[("YFCC100M", "CC BY-SA 2.0", "CC BY-SA 2.0")] == ("unchanged", 1)
    assert drift[("dataset faces", "CC BY 2.0", "CC BY 4.0")] == ("changed", 1)
    assert len(drift) == 7  # + faces: 102 BY-NC -> ARR, 103 BY -> BY-NC

    summary = {r["snapshot"]: r for r in report(settings.db_path, "enrichment_drift_summary.sql")}
    assert (
        summary["YFCC100M"]["photos_available"],
        summary["YFCC100M"]["license_changed"],
        summary["YFCC100M"]["now_all_rights_reserved"],
        summary["YFCC100M"]["now_forbids_commercial_use"],
    ) == (4, 2, 1, 1)  # 102 BY-NC -> ARR never allowed commercial use; 103 BY -> BY-NC withdrew it
    assert summary["dataset faces"]["license_changed"] == 3

    unavailable = {r["dataset"]: r for r in report(settings.db_path, "enrichment_unavailable.sql")}
    faces = unavailable["faces"]
    assert (faces["photos_checked"], faces["available"], faces["not_found"], faces["user_deleted"]) == (
        4,
        3,
        1,
        0,
    )
    yfcc = unavailable["YFCC100M (all photos)"]
    assert (yfcc["photos_checked"], yfcc["not_found"], yfcc["user_deleted"]) == (6, 1, 1)

    deleted = report(settings.db_path, "enrichment_deleted_uploaders.sql")
    assert [(r["owner_nsid"], r["nickname"], r["yfcc_photos"], r["dataset_items"]) for r in deleted] == [
        (D, f"nick-{D}", 1, 0)
    ]

    coverage = {r["dataset"]: r for r in report(settings.db_path, "enrichment_coverage.sql")}
    assert (
        coverage["faces"]["photos"],
        coverage["faces"]["photos_checked"],
        coverage["faces"]["pct_checked"],
    ) == (4, 4, 100.0)
    assert coverage["YFCC100M (all photos)"]["photos"] == 6
    assert coverage["faces"]["first_check"] <= coverage["faces"]["last_check"]


def add_version(db_path: Path, version: str, items: list) -> None:
    """A later version of dataset "faces" (ingested after v1); items are (item_key, photo_id, declared license)."""
    with connect(db_path) as con:
        con.execute(
            "INSERT INTO datasets (dataset, version, format, items, ingested_at)"
            " VALUES ('faces', ?, 'csv', ?, now() + INTERVAL 1 HOUR)",
            [version, len(items)],
        )
        con.executemany(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id, declared_license_id)"
            " VALUES ('faces', ?, ?, ?, ?)",
            [(version, *item) for item in items],
        )


def test_drift_counts_each_photo_once_from_the_latest_dataset_version(settings):
    enrich(settings)
    # v2 declares 103 as BY-SA (v1 said BY), drops 104, adds 107, and declares two licenses for 106's faces.
    add_version(
        settings.db_path,
        "v2",
        [("102_0", 102, 2), ("103_0", 103, 5), ("106_0", 106, 4), ("106_1", 106, 6), ("107_0", 107, 5)],
    )
    summary = {r["snapshot"]: r for r in report(settings.db_path, "enrichment_drift_summary.sql")}
    faces = summary["dataset faces"]
    # available now: 102 (BY-NC -> ARR), 103 (BY-SA -> BY-NC), 106 (BY, the lower id -> BY 4.0), 107 unchanged
    assert (
        faces["photos_available"],
        faces["license_changed"],
        faces["now_all_rights_reserved"],
        faces["now_forbids_commercial_use"],
    ) == (4, 3, 1, 1)
    drift = [
        r
        for r in report(settings.db_path, "enrichment_license_drift.sql")
        if r["snapshot"] == "dataset faces"
    ]
    assert sum(r["photos"] for r in drift) == faces["photos_available"]
    assert {(r["license_then"], r["license_now"]): r["photos"] for r in drift} == {
        ("CC BY-NC 2.0", "All Rights Reserved"): 1,
        ("CC BY-SA 2.0", "CC BY-NC 2.0"): 1,
        ("CC BY 2.0", "CC BY 4.0"): 1,
        ("CC BY-SA 2.0", "CC BY-SA 2.0"): 1,
    }


def test_deleted_uploaders_count_items_of_the_latest_dataset_version(settings):
    enrich(settings)
    with connect(settings.db_path) as con:  # v1 holds one face from 105, whose owner D deleted the account
        con.execute(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES ('faces', 'v1', '105_0', 105)"
        )
    add_version(settings.db_path, "v2", [("105_0", 105, None), ("105_1", 105, None), ("102_0", 102, 2)])
    deleted = report(settings.db_path, "enrichment_deleted_uploaders.sql")
    assert [(r["owner_nsid"], r["yfcc_photos"], r["dataset_items"], r["datasets"]) for r in deleted] == [
        (D, 1, 2, 1)
    ]


def test_coverage_before_and_after_a_partial_run(settings):
    enrich(settings, limit=2)
    coverage = {r["dataset"]: r for r in report(settings.db_path, "enrichment_coverage.sql")}
    assert (coverage["faces"]["photos_checked"], coverage["faces"]["pct_checked"]) == (2, 50.0)
    assert coverage["YFCC100M (all photos)"]["photos_checked"] == 2  # 102 and 103 are in YFCC100M too


# --- the journal ------------------------------------------------------------------------------


def journal_rows(db_path: Path) -> list[tuple]:
    return rows(db_path, "SELECT photo_id, run_id FROM flickr_checks ORDER BY photo_id")


def test_merging_a_journal_twice_adds_nothing_and_a_torn_line_is_ignored(settings, tmp_path):
    folder = tmp_path / "journal"
    folder.mkdir()
    journal = Journal(folder, "run-x")
    for pid in (101, 102, 103):
        journal.append(
            "flickr_checks",
            {"photo_id": pid, "checked_at": datetime(2026, 1, 1), "status": "ok", "run_id": "run-x"},
        )
    journal.close()
    with open(journal.path, "ab") as handle:  # a kill -9 in the middle of a write
        handle.write(b'{"seq":4,"table":"flickr_checks","row":{"photo_id":104')
    assert [r["row"]["photo_id"] for r in Journal.read(journal.path)] == [101, 102, 103]
    with connect(settings.db_path) as con:
        assert merge_journal(con, journal.path, "run-x") == 3
        assert merge_journal(con, journal.path, "run-x") == 0  # e.g. killed after COMMIT, before unlink
    assert journal_rows(settings.db_path) == [(101, "run-x"), (102, "run-x"), (103, "run-x")]
    assert rows(settings.db_path, "SELECT checked_at FROM flickr_checks LIMIT 1") == [(datetime(2026, 1, 1),)]
    assert rows(settings.db_path, "SELECT merged_seq, merges FROM flickr_journal_merges") == [(3, 1)]


def test_merges_during_the_run_and_the_journal_is_gone_at_the_end(settings, server):
    result = enrich(settings, merge_every=2)
    assert result.merges >= 4 and 0 < result.merge_seconds_max < 5
    # 7 photos + 5 people + 3 license histories
    assert rows(settings.db_path, "SELECT merged_seq FROM flickr_journal_merges") == [(15,)]
    assert not list(journal_dir(settings.db_path).glob("*.jsonl"))
    assert "merged into the database in" in result.summary_text()


def test_a_client_exception_is_an_error_row_not_a_stop(settings, server, monkeypatch):
    client = FlickrClient.from_settings(settings)
    real = client.photo_info

    def photo_info(photo_id, deadline=None):
        if int(photo_id) == 103:
            raise ValueError(f"unreadable answer for {photo_id} (key {KEY})")
        return real(photo_id, deadline=deadline)

    monkeypatch.setattr(client, "photo_info", photo_info)
    result = enrich(settings, client=client)
    assert result.status == "complete" and result.photos["error"] == 1 and result.photos_checked == 7
    detail = rows(settings.db_path, "SELECT status, error_detail FROM flickr_checks WHERE photo_id = 103")
    assert detail[0][0] == "error" and "ValueError: unreadable answer for 103" in detail[0][1]
    assert KEY not in detail[0][1]


def test_final_merge_blocked_by_a_reader_keeps_the_answers_for_the_next_run(settings, server):
    """A journalist opens the file read-only once the run has started and keeps it beyond the lock wait."""
    connect(settings.db_path).close()
    code = (
        f"import duckdb, sys; c = duckdb.connect({str(settings.db_path)!r}, read_only=True); "
        "print('holding', flush=True); sys.stdin.readline()"
    )
    blocked = replace(settings, lock_wait_seconds=0.5)
    client = FlickrClient.from_settings(blocked)
    real = client.photo_info
    holder = {}

    def hold_when_running(*args, **kwargs):  # the first API call: the run's start is already written
        if "proc" not in holder:
            holder["proc"] = subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            assert holder["proc"].stdout.readline().strip() == "holding"
        return real(*args, **kwargs)

    client.photo_info = hold_when_running
    try:
        with pytest.raises(DatabaseLockedError, match=r"a reader \(PID \d+\).*15 answer\(s\) are safe in"):
            enrich(blocked, client=client)  # 7 photos + 5 uploaders journaled, none merged
        assert rows(settings.db_path, "SELECT count(*) FROM flickr_checks") == [(0,)]
    finally:
        holder["proc"].kill()
        holder["proc"].wait()
    assert len(list(journal_dir(settings.db_path).glob("*.jsonl"))) == 1
    again = enrich(settings)  # merges the kept answers first, then has nothing left to ask
    assert again.photos_checked == 0 and again.pending_at_start == 0
    assert rows(settings.db_path, "SELECT photo_id, count(*) FROM flickr_checks GROUP BY ALL ORDER BY 1") == [
        (pid, 1) for pid in sorted(PHOTOS)
    ]
    assert len(rows(settings.db_path, "SELECT * FROM uploaders")) == 5
    assert not list(journal_dir(settings.db_path).glob("*.jsonl"))


def test_a_second_enrich_on_the_same_database_is_refused(settings, server):
    from pipelines.enrich.run import _enrich_lock

    with _enrich_lock(journal_dir(settings.db_path)):
        code = (
            "import sys; from pipelines.enrich.run import _enrich_lock; from pathlib import Path\n"
            f"with _enrich_lock(Path({str(journal_dir(settings.db_path))!r})): pass"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
        )
    assert (
        done.returncode != 0
        and f"another `ccaudit enrich` is running on this database (PID {os.getpid()})" in done.stderr
    )
    with (
        pytest.raises(CcauditError, match="another `ccaudit enrich`"),
        _enrich_lock(journal_dir(settings.db_path)),
        _enrich_lock(journal_dir(settings.db_path)),
    ):
        pass
