"""Live-side audit integrity against the local Flickr server with a known truth: sampled re-checks
with intervals, license at collection time from license histories, no repeated or too fast calls."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.db import connect
from pipelines.enrich.run import enrich
from pipelines.resources import read_sql
from pipelines.stats import draw_sample, wilson_interval
from tests.flickr_server import FlickrTestServer, fail_body, history_body, person_body, photo_body

KEY = "live-audit-test-key-4d2b8e"
FAST_RATE = 3_600_000.0
COLLECTED = date(2019, 1, 1)
BEFORE, AFTER = 1496275200, 1612137600  # 2017-06-01 and 2021-02-01 (UTC epochs)
DELETED_OWNER = "9999@N01"


def truth(population: int = 300, seed: int = 5) -> dict[int, dict]:
    """Per photo: status on Flickr, YFCC100M license, license at collection and now, history."""
    rng = random.Random(seed)
    photos = {}
    for i in range(population):
        pid = 5_000_000 + i * 7
        roll = rng.random()
        fact = {
            "owner": f"{1000 + i % 20}@N01",
            "yfcc": 4,
            "status": "ok",
            "history": (),
            "then": 4,
            "now": 4,
        }
        if roll < 0.08:
            fact.update(status="not_found", then=None, now=None)
        elif roll < 0.12:
            fact.update(status="user_deleted", owner=DELETED_OWNER, then=None, now=None)
        elif roll < 0.27:  # BY -> BY-NC before the dataset collected it
            fact.update(history=((BEFORE, 4, 2),), then=2, now=2)
        elif roll < 0.37:  # BY -> All Rights Reserved after
            fact.update(history=((AFTER, 4, 0),), then=4, now=0)
        photos[pid] = fact
    return photos


def build(db_path: Path, server: FlickrTestServer, photos: dict) -> None:
    with connect(db_path) as con:
        con.executemany(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file,"
            " source_line) VALUES (?, ?, 'nick', ?, FALSE, 'test.tsv', ?)",
            [(pid, f["owner"], f["yfcc"], i) for i, (pid, f) in enumerate(photos.items())],
        )
        con.execute(
            "INSERT INTO datasets (dataset, version, format, items, ingested_at, collected_on)"
            " VALUES ('faces', 'v1', 'csv', ?, now(), ?)",
            [len(photos), COLLECTED],
        )
        con.executemany(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES ('faces', 'v1', ?, ?)",
            [(str(pid), pid) for pid in photos],
        )
    for pid, f in photos.items():
        if f["status"] == "not_found":
            server.add_photo(pid, fail_body(1, "Photo not found"))
        elif f["status"] == "user_deleted":
            server.add_photo(pid, fail_body(5, "User deleted"))
        else:
            server.add_photo(pid, photo_body(pid, license=str(f["now"]), owner=f["owner"]))
            server.add_history(pid, history_body(*f["history"]))
    for owner in {f["owner"] for f in photos.values()}:
        server.add_person(
            owner, fail_body(5, "User deleted") if owner == DELETED_OWNER else person_body(owner)
        )


@pytest.fixture
def world(db_path):
    photos = truth()
    with FlickrTestServer(api_key=KEY) as server:
        build(db_path, server, photos)
        settings = Settings(
            db_path=db_path, flickr_api_url=server.url, flickr_rate_per_hour=FAST_RATE, flickr_api_key=KEY
        )
        yield settings, server, photos


def report(db_path: Path, name: str) -> list[dict]:
    with connect(db_path, read_only=True) as con:
        cursor = con.execute(read_sql("reports", f"{name}.sql"))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def checked_ids(server, method: str = "flickr.photos.getInfo") -> list[int]:
    return [int(r.params["photo_id"]) for r in server.calls(method)]


def test_a_seeded_sample_is_checked_in_sample_order_and_estimates_carry_n_and_an_interval(world):
    settings, server, photos = world
    result = enrich(settings, sample=80, seed=11)
    sample = draw_sample(photos, 80, 11)
    # exactly the sample, in sample order (every prefix is itself a uniform sample), each once
    assert checked_ids(server) == sample
    assert result.sample_drawn == 80 and result.status == "complete"
    ok = [pid for pid in sample if photos[pid]["status"] == "ok"]
    assert sorted(checked_ids(server, "flickr.photos.licenses.getLicenseHistory")) == sorted(ok)

    rows = {r["figure"]: r for r in report(settings.db_path, "enrichment_sample_estimates")}
    gone = sum(photos[pid]["status"] != "ok" for pid in sample)
    row = rows["no longer available (not found or owner deleted)"]
    assert (row["dataset"], row["seed"], row["population"], row["checked"], row["photos"], row["basis"]) == (
        "faces",
        11,
        300,
        80,
        gone,
        "estimate",
    )
    assert (row["share_low"], row["share_high"]) == pytest.approx(wilson_interval(gone, 80), abs=1e-12)
    true_share = sum(f["status"] != "ok" for f in photos.values()) / len(photos)
    assert row["share_low"] <= true_share <= row["share_high"]
    changed = sum(photos[pid]["status"] == "ok" and photos[pid]["now"] != 4 for pid in sample)
    assert rows["license changed since YFCC100M"]["photos"] == changed
    assert rows["uploader account deleted"]["photos"] == sum(
        photos[pid]["status"] == "user_deleted" for pid in sample
    )

    # the published report carries the same figures with n, interval and label
    import json

    from pipelines.publish.report import publish_report

    with connect(settings.db_path, read_only=True) as con:
        folder = publish_report(con, settings.db_path.parent / "report").report_dir
    published = json.loads((folder / "summary.json").read_text())["tables"]["enrichment_sample_estimates"][
        "rows"
    ]
    gone_row = next(r for r in published if r["figure"].startswith("no longer available"))
    assert (gone_row["checked"], gone_row["photos"], gone_row["basis"]) == (80, gone, "estimate")
    assert (
        gone_row["share_low"] == pytest.approx(row["share_low"])
        and "estimate" in (folder / "report.html").read_text()
    )


def test_the_same_seed_extends_the_sample_without_repeating_a_call(world):
    settings, server, photos = world
    enrich(settings, sample=50, seed=11)
    enrich(settings, sample=90, seed=11)
    calls = checked_ids(server)
    assert calls == draw_sample(photos, 90, 11)  # the first 50, then the next 40: no photo twice
    people = [r.params["user_id"] for r in server.calls("flickr.people.getInfo")]
    assert len(people) == len(set(people))
    with connect(settings.db_path, read_only=True) as con:
        ranks = con.execute("SELECT photo_id FROM flickr_sample_photos ORDER BY sample_rank").fetchall()
    assert [r[0] for r in ranks] == draw_sample(photos, 90, 11)
    before = len(server.calls())
    again = enrich(settings, sample=90, seed=11, max_age_days=30)  # within --max-age: nothing to ask
    assert len(server.calls()) == before and again.api_calls == 0
    assert report(settings.db_path, "enrichment_sample_estimates")[0]["checked"] == 90


def test_checking_every_photo_is_a_census(world):
    settings, _server, photos = world
    enrich(settings, dataset="faces")
    rows = report(settings.db_path, "enrichment_sample_estimates")
    census = [r for r in rows if r["basis"] == "census"]
    assert census and all(r["share_low"] == r["share"] == r["share_high"] for r in census)
    gone = next(r for r in census if r["figure"].startswith("no longer available"))
    assert gone["photos"] == sum(f["status"] != "ok" for f in photos.values()) and gone["checked"] == 300


def test_license_at_collection_matches_the_histories(world):
    settings, _server, photos = world
    enrich(settings, sample=120, seed=2)
    sample = draw_sample(photos, 120, 2)
    with connect(settings.db_path, read_only=True) as con:
        names = dict(
            con.execute("SELECT license_id, name FROM licenses WHERE license_id IN (0, 2, 4)").fetchall()
        )
    expected: dict[tuple, int] = {}
    for pid in sample:
        f = photos[pid]
        if f["status"] != "ok":
            continue
        direction = "unchanged" if f["then"] == f["now"] else "more restrictive"
        key = (names[f["yfcc"]], names[f["then"]], names[f["now"]], direction, f["then"] != f["yfcc"])
        expected[key] = expected.get(key, 0) + 1
    rows = report(settings.db_path, "enrichment_license_at_collection")
    got = {
        (
            r["license_yfcc"],
            r["license_at_collection"],
            r["license_now"],
            r["direction"],
            r["changed_before_collection"],
        ): r["photos"]
        for r in rows
    }
    assert got == expected
    assert {r["collected_on"] for r in rows} == {COLLECTED}
    # all three kinds are present in this sample, so the comparison is not vacuous
    assert {k[3] for k in expected} == {"unchanged", "more restrictive"} and any(k[4] for k in expected)


def test_no_window_of_calls_exceeds_the_rate_limit(world):
    settings, server, _photos = world
    limit = 36_000.0  # 10 calls a second, burst 5 (see pipelines.flickr.ratelimit)
    enrich(
        Settings(
            db_path=settings.db_path,
            flickr_api_url=settings.flickr_api_url,
            flickr_rate_per_hour=limit,
            flickr_api_key=KEY,
        ),
        sample=12,
        seed=1,
    )
    times = sorted(r.time for r in server.calls())
    assert len(times) >= 20
    burst, rate = 5, (limit - 5) / 3600
    for i in range(len(times)):
        for j in range(i, len(times)):
            # calls arriving in [t_i, t_j] <= burst + rate * window (+1 for arrival jitter on localhost)
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1, (i, j)


def test_history_rows_record_an_empty_history_as_such(world):
    settings, _server, photos = world
    enrich(settings, sample=30, seed=4)
    with connect(settings.db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT photo_id, changes, change_index, changed_at, old_license_id, new_license_id"
            " FROM flickr_license_history ORDER BY photo_id"
        ).fetchall()
    expected = []
    for pid in sorted(draw_sample(photos, 30, 4)):
        f = photos[pid]
        if f["status"] != "ok":
            continue  # a photo Flickr no longer serves has no history to ask for
        if not f["history"]:
            expected.append((pid, 0, None, None, None, None))
        for when, old, new in f["history"]:
            expected.append((pid, 1, 1, datetime.fromtimestamp(when, UTC).replace(tzinfo=None), old, new))
    assert rows == expected
    assert {r[1] for r in rows} == {0, 1}  # both kinds occur: the check is not vacuous


# --- owners known only by path alias -----------------------------------------------------------

ALIASES = {"sunny_days": "2001@N02", "Mountain-Walker": "2002@N02"}  # what lookupUser answers
PROFILED = ("old_friend", "2003@N02")  # an alias an uploader profile already carries: never asked
GONE_ALIAS = "vanished_user"  # lookupUser: User not found
CHECKED = ("Checked_Alias", "2004@N02")  # an alias a photos.getInfo answer already named: never asked


@pytest.fixture
def alias_world(db_path):
    with FlickrTestServer(api_key=KEY) as server:
        refs = [*ALIASES, PROFILED[0], GONE_ALIAS, "3000@N03", CHECKED[0]]
        with connect(db_path) as con:
            con.execute(
                "INSERT INTO datasets (dataset, version, format, items, ingested_at)"
                " VALUES ('ffhq', 'v1', 'ffhq', ?, now())",
                [2 * len(refs)],
            )
            con.executemany(
                "INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref)"
                " VALUES ('ffhq', 'v1', ?, ?, ?)",
                [(f"{i}-{k}", 7_000_000 + 10 * i + k, ref) for i, ref in enumerate(refs) for k in (0, 1)],
            )
            con.execute(
                "INSERT INTO uploaders (owner_nsid, path_alias, status, fetched_at)"
                " VALUES (?, ?, 'ok', now())",
                [PROFILED[1], PROFILED[0]],
            )
            con.execute(
                "INSERT INTO flickr_checks (photo_id, checked_at, status, owner_nsid, owner_path_alias)"
                " VALUES (1, now(), 'ok', ?, ?)",
                [CHECKED[1], CHECKED[0].lower()],
            )
        for alias, nsid in ALIASES.items():
            server.add_alias(
                alias.lower(), {"user": {"id": nsid, "username": {"_content": alias}}, "stat": "ok"}
            )
        settings = Settings(
            db_path=db_path, flickr_api_url=server.url, flickr_rate_per_hour=FAST_RATE, flickr_api_key=KEY
        )
        yield settings, server


def test_path_aliases_resolve_once_and_feed_owners_lookup_and_counts(alias_world):
    from pipelines.lookup.answer import lookup

    settings, server = alias_world
    result = enrich(settings, dataset="ffhq")
    asked = sorted(r.params["url"] for r in server.calls("flickr.urls.lookupUser"))
    assert asked == sorted(
        f"https://www.flickr.com/photos/{a}/" for a in ("sunny_days", "mountain-walker", GONE_ALIAS)
    )
    assert dict(result.aliases) == {"ok": 2, "not_found": 1}
    # the photos are gone (the server has none): their owners come from the resolved aliases, so the
    # owner accounts are still checked (the profiled one was fetched just now: fresh, not asked)
    assert sorted(r.params["user_id"] for r in server.calls("flickr.people.getInfo")) == [
        "2001@N02",
        "2002@N02",
        "2004@N02",
        "3000@N03",
    ]
    with connect(settings.db_path, read_only=True) as con:
        owners = dict(
            con.execute("SELECT photo_id, owner FROM dataset_photos WHERE photo_id % 10 = 0").fetchall()
        )
        unresolved = dict(con.execute(read_sql("reports", "overview_photographers.sql")).fetchall())[
            "unresolved path aliases (listed, not added)"
        ]
        answer = lookup(con, "flickr.com/photos/Mountain-Walker/")
    assert owners == {
        7_000_000: "2001@N02",
        7_000_010: "2002@N02",
        7_000_020: "2003@N02",
        7_000_030: GONE_ALIAS,
        7_000_040: "3000@N03",
        7_000_050: "2004@N02",
    }
    assert unresolved == 1  # the alias Flickr does not know, counted as such
    assert answer.found and [a.nsid for a in answer.accounts] == ["2002@N02"]
    # within --max-age nothing is asked again, not even the alias that found no one
    before = len(server.calls("flickr.urls.lookupUser"))
    enrich(settings, dataset="ffhq")
    assert len(server.calls("flickr.urls.lookupUser")) == before


# --- the collection date, and the CLI ----------------------------------------------------------


def test_collected_on_is_stored_at_ingest_and_a_bad_date_is_one_error_line(tmp_path):
    from tests.test_hardening import run_cli

    db = tmp_path / "cli.duckdb"
    manifest = tmp_path / "faces.csv"
    manifest.write_text("id\n5000000\n5000007\n")
    done = run_cli(
        "ingest",
        "manifest",
        "--format",
        "csv",
        "--dataset",
        "faces",
        "--id-column",
        "id",
        "--collected-on",
        "2019-01-01",
        str(manifest),
        db=db,
    )
    assert done.returncode == 0, done.stderr
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT collected_on FROM latest_datasets").fetchall() == [(COLLECTED,)]
    bad = run_cli(
        "ingest",
        "manifest",
        "--format",
        "csv",
        "--dataset",
        "faces",
        "--id-column",
        "id",
        "--collected-on",
        "2019-13-01",
        str(manifest),
        db=db,
    )
    assert bad.returncode == 2 and "expected a date YYYY-MM-DD" in bad.stderr
    with connect(db, read_only=True) as con:  # nothing lost
        assert con.execute("SELECT collected_on FROM latest_datasets").fetchall() == [(COLLECTED,)]


def _ffhq_crawled(path: Path, crawled: list) -> Path:
    """An FFHQ manifest whose items were crawled on these dates (None: no date_crawled field)."""
    import json

    doc = {}
    for i, when in enumerate(crawled):
        meta = {
            "photo_url": f"https://www.flickr.com/photos/someone/{5_000_000 + 7 * i}/",
            "country": "",
            "license": "Attribution License",
            "license_url": "https://creativecommons.org/licenses/by/2.0/",
        }
        if when is not None:
            meta["date_crawled"] = when
        doc[str(i)] = {"category": "training", "metadata": meta}
    path.write_text(json.dumps(doc))
    return path


def test_collected_on_falls_back_to_the_latest_crawl_date_in_the_manifest(db_path, tmp_path, monkeypatch):
    """flag > catalogue > the manifest's own latest date_crawled; implausible dates never count."""
    import dataclasses

    from pipelines import catalog
    from pipelines.ingest.manifests import ingest_manifest

    manifest = _ffhq_crawled(
        tmp_path / "ffhq.json",
        [
            "2018-10-10",
            "2018-11-02",
            "2018-11-02T23:59:00",
            None,
            "",
            "not a date",
            "2018-13-40",
            "1999-12-31",  # before Flickr existed
            "2999-01-01",  # after today
            "2018-09-30",
        ],
    )
    undated = _ffhq_crawled(tmp_path / "undated.json", [None, "garbage"])

    def source(dataset: str) -> tuple:
        return con.execute(
            "SELECT collected_on, collected_on_source FROM latest_datasets WHERE dataset = ?", [dataset]
        ).fetchone()

    with connect(db_path) as con:
        result = ingest_manifest(con, "ffhq", dataset="ffhq", paths=[manifest])  # catalogue: no date
        assert source("ffhq") == (date(2018, 11, 2), "manifest")
        assert (result.collected_on, result.collected_on_source) == ("2018-11-02", "manifest")
        assert "collected on 2018-11-02 (the latest crawl date in the manifest)" in result.summary_text()
        ingest_manifest(con, "ffhq", dataset="ffhq", paths=[manifest], collected_on=COLLECTED)
        assert source("ffhq") == (COLLECTED, "flag")
        ingest_manifest(con, "ffhq", dataset="no-dates", paths=[undated])
        assert source("no-dates") == (None, None)
        ingest_manifest(
            con,
            "csv",
            dataset="faces-csv",
            paths=[_write(tmp_path / "f.csv", "id\n5000000\n")],
            id_column="id",
        )
        assert source("faces-csv") == (None, None)
        real_entry = catalog.entry_for
        dated = dataclasses.replace(real_entry("ffhq"), collected_on=date(2018, 9, 1))
        monkeypatch.setattr(catalog, "entry_for", lambda name: dated if name == "ffhq" else real_entry(name))
        ingest_manifest(con, "ffhq", dataset="ffhq", paths=[manifest])
        assert source("ffhq") == (date(2018, 9, 1), "catalogue")
        monkeypatch.undo()
        # the report's license-at-collection table says where its date came from
        ingest_manifest(con, "ffhq", dataset="ffhq", paths=[manifest])
        con.execute(
            "INSERT INTO flickr_license_history (photo_id, fetched_at, status, changes, change_index, "
            "changed_at, old_license_id, new_license_id, new_license_raw) VALUES "
            "(5000000, now(), 'ok', 1, 0, TIMESTAMP '2018-11-01', 4, 2, '2')"
        )
        cursor = con.execute(read_sql("reports", "enrichment_license_at_collection.sql"))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    assert [(r["dataset"], r["collected_on"], r["collected_on_source"], r["photos"]) for r in rows] == [
        ("ffhq", date(2018, 11, 2), "manifest", 1)
    ]


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_enrich_sample_from_the_command_line(world):
    from tests.test_hardening import run_cli

    settings, server, photos = world
    done = run_cli(
        "enrich",
        "--sample",
        "25",
        "--seed",
        "9",
        "--quiet",
        db=settings.db_path,
        env={
            "FLICKR_API_KEY": KEY,
            "CCAUDIT_FLICKR_API_URL": server.url,
            "CCAUDIT_FLICKR_RATE": str(FAST_RATE),
        },
    )
    assert done.returncode == 0, done.stderr
    assert "sample of 25 per dataset, seed 9" in done.stdout and KEY not in done.stdout + done.stderr
    assert checked_ids(server) == draw_sample(photos, 25, 9)


# --- privacy exposure --------------------------------------------------------------------------


def test_privacy_exposure_counts_geotags_by_accuracy_and_never_prints_a_coordinate(db_path, tmp_path):
    from pipelines.ingest.manifests import ingest_manifest
    from pipelines.publish.report import publish_report

    # photo id: (latitude, longitude, accuracy) in YFCC100M; None = not geotagged
    geo = {
        8001: (47.622562, -122.288368, 16),
        8002: (51.501234, -0.141987, 14),
        8003: (48.856613, 2.352222, 11),
        8004: (40.416775, -3.703790, 6),
        8005: None,
        8006: (35.689487, 139.691711, 3),
    }
    with connect(db_path) as con:
        con.executemany(
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, license_id, is_video, latitude, longitude, accuracy,"
            " source_file, source_line) VALUES (?, '1@N01', 4, FALSE, ?, ?, ?, 't.tsv', 1)",
            [(pid, *(g or (None, None, None))) for pid, g in geo.items()],
        )
    faces = tmp_path / "faces.csv"
    faces.write_text("id\n8001\n8002\n8003\n8004\n8005\n")
    others = tmp_path / "others.csv"
    others.write_text("id\n8001\n8006\n")
    with connect(db_path) as con:
        ingest_manifest(con, "csv", dataset="ffhq", paths=[faces], id_column="id")  # catalogue: face crops
        ingest_manifest(
            con, "csv", dataset="my-photos", paths=[others], id_column="id"
        )  # not in the catalogue
        rows = {
            r[0]: r[1:] for r in con.execute(read_sql("reports", "datasets_privacy_exposure.sql")).fetchall()
        }
        report_dir = publish_report(con, tmp_path / "out").report_dir  # pseudonymous
        full_dir = publish_report(con, tmp_path / "full", publish_mode="full").report_dir
    #          face, photos, in yfcc, geotagged, street, city, region-, unknown, share,
    #          then manifest items, of which with coordinates / a place name (a CSV has neither field)
    assert rows["ffhq"] == (True, 5, 5, 4, 2, 1, 1, 0, 0.8, 5, None, None)
    assert rows["my-photos"] == (None, 2, 2, 2, 1, 0, 1, 0, 1.0, 2, None, None)
    assert rows["all face datasets (each photo once)"] == (True, 5, 5, 4, 2, 1, 1, 0, 0.8, None, None, None)
    for folder in (report_dir, full_dir):
        published = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
        assert "datasets_privacy_exposure" in published
        for g in filter(None, geo.values()):
            assert str(g[0]) not in published and str(g[1]) not in published
