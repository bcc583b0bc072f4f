"""The published report: numbers equal independent SQL (and the generator's truth), escaping,
pseudonymous mode leaks nothing, change since last run, folder safety, SQL examples."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.db import connect
from pipelines.errors import CcauditError
from pipelines.publish.pseudonym import Pseudonymizer, assert_no_leaks, assert_no_original_values
from pipelines.publish.report import publish_report
from pipelines.publish.search_index import (
    build_search_index,
    digest,
    find_photo,
    find_user,
    photo_key,
    user_key,
)
from pipelines.report.folder import MARKER
from pipelines.report.queries import discover_queries, parse_query_file
from pipelines.resources import read_sql, sql_dir

DAY1 = datetime(2026, 3, 1, 12, 0, 0)
DAY2 = datetime(2026, 3, 8, 12, 0, 0)
XSS_TITLE = "<script>alert(1)</script>"
XSS_NICK = "<img src=x onerror=alert(2)>"
XSS_DATASET = "evil</script><script>alert(3)</script>"

# owner NSID -> (nickname, licenses of their photos); 1 = BY-NC-SA, 2 = BY-NC, 4 = BY, 5 = BY-SA, 6 = BY-ND
OWNERS = {
    "11111111@N00": ("alice_photos", [1] * 30 + [4] * 10),
    "22222222@N01": ("bob_snaps", [2] * 12 + [5] * 8),
    "33333333@N02": (XSS_NICK, [6] * 5 + [3] * 5),
    "44444444@N03": ("carol_pics", [4] * 3),
}


def insert_photos(con, owners=OWNERS, first_id=5_000_000, source="/data/yfcc_sample.tsv") -> list[int]:
    rows, photo_id = [], first_id
    for owner, (nickname, licenses) in owners.items():
        for n, license_id in enumerate(licenses):
            geotagged = n % 3 == 0
            rows.append(
                [
                    photo_id,
                    photo_id - first_id,
                    "a1b2",
                    owner,
                    nickname,
                    XSS_TITLE if photo_id == first_id else f"photo {photo_id}",
                    1.5 if geotagged else None,
                    2.5 if geotagged else None,
                    f"http://www.flickr.com/photos/{owner}/{photo_id}/",
                    f"http://farm3.staticflickr.com/2/{photo_id}_abcdef.jpg",
                    license_id,
                    n == 1,
                    source,
                    n + 1,
                ]
            )
            photo_id += 1
    con.executemany(
        """
        INSERT INTO yfcc_photos (photo_id, line_no, photo_hash, owner_nsid, owner_nickname, title, longitude,
                                 latitude, page_url_stored, download_url_stored, license_id, is_video, source_file,
                                 source_line)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    con.execute(
        """INSERT INTO ingest_runs (run_id, source_file, kind, layout, file_size, fingerprint, started_at,
                   finished_at, lines_read, rows_loaded, rows_rejected, status)
                   VALUES ('run-1', ?, 'yfcc', '25', 4096, 'f00dfeed', ?, ?, ?, ?, 1, 'loaded')""",
        [source, DAY1, DAY1, len(rows) + 1, len(rows)],
    )
    con.execute(
        "INSERT INTO ingest_rejects VALUES (?, 7, 'field_count: 24 fields (expected 25)', 'x', 'run-1')",
        [source],
    )
    return [r[0] for r in rows]


def insert_dataset(
    con, name: str, version: str, photo_ids: list, ingested_at: datetime, owner_refs: dict | None = None
) -> None:
    con.execute(
        "INSERT INTO datasets (dataset, version, format, items, ingested_at) VALUES (?, ?, 'csv', ?, ?)",
        [name, version, len(photo_ids), ingested_at],
    )
    con.executemany(
        "INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref) VALUES (?, ?, ?, ?, ?)",
        [[name, version, f"item-{i}", pid, (owner_refs or {}).get(i)] for i, pid in enumerate(photo_ids)],
    )


@pytest.fixture
def report_db(con):
    ids = insert_photos(con)
    # faces: 8 items on 6 photos, 2 items without a Flickr pointer (unauditable)
    insert_dataset(con, "faces", "1", ids[:6] + ids[:2] + [None, None], DAY1)
    return con


def read_summary(report_dir: Path) -> dict:
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def published_text(report_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(report_dir)): p.read_text(encoding="utf-8")
        for p in report_dir.rglob("*")
        if p.is_file()
    }


def query_rows(con, name: str) -> list[dict]:
    """Rows of one sql/reports query, run directly on the connection."""
    cursor = con.execute(read_sql("reports", f"{name}.sql"))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- numbers ------------------------------------------------------------------------------------


def test_report_numbers_equal_independent_sql(report_db, tmp_path):
    result = publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1)
    report_dir = result.report_dir
    assert report_dir == tmp_path / "out" / "2026-03-01"
    for name in ("report.html", "report.md", "search.html", "summary.json", MARKER):
        assert (report_dir / name).is_file(), name
    summary = read_summary(report_dir)
    tables = summary["tables"]

    expected = dict(report_db.execute("SELECT license_id, count(*) FROM yfcc_photos GROUP BY 1").fetchall())
    got = {r["license_id"]: r["items"] for r in tables["yfcc_license_breakdown"]["rows"]}
    assert got == expected
    assert sum(r["share"] for r in tables["yfcc_license_breakdown"]["rows"]) == pytest.approx(1.0)

    total, forbidden, owners = report_db.execute("""
        SELECT count(*), count(*) FILTER (WHERE license_id IN (1, 2, 3)), count(DISTINCT owner_nsid)
        FROM yfcc_photos""").fetchone()
    headline = summary["headline"]
    assert headline["photos"] == total == 73
    assert headline["photographers"] == owners == 4
    assert headline["datasets"] == 1  # faces; YFCC100M is the pool, never counted as a dataset
    assert headline["forbid_commercial_share"] == pytest.approx(forbidden / total)
    # faces: 6 photos, all BY-NC-SA in YFCC100M, no credit shipped
    d_known, d_forbid = report_db.execute("""
        SELECT count(l.commercial_use), count(*) FILTER (WHERE NOT l.commercial_use)
        FROM (SELECT DISTINCT photo_id FROM dataset_items WHERE photo_id IS NOT NULL)
        JOIN yfcc_photos USING (photo_id) JOIN licenses AS l USING (license_id)""").fetchone()
    assert (d_known, d_forbid) == (6, 6)
    assert headline["derived_forbid_commercial_share"] == pytest.approx(d_forbid / d_known)
    assert headline["text"] == (
        "The one derived dataset credits no photographer; most of its traceable photos "
        "carry licenses that forbid commercial use."
    )
    assert headline["text"] in (report_dir / "report.html").read_text()
    assert result.headline == headline["text"]
    assert summary["lead"]["datasets"] == [
        (
            f"faces: {d_forbid / d_known:.1%} of its traceable photos forbid commercial use ({d_forbid} of the {d_known} "
            "whose license says); it credits no photographer."
        )
    ]
    assert summary["lead"]["pool"].startswith(
        f"The pool: YFCC100M as ingested holds {total} photos and videos "
        f"from {owners} accounts; {forbidden / total:.1%} of the {total} whose "
        "license says forbid commercial use."
    )

    uploaders = tables["yfcc_uploaders"]["rows"][0]
    assert uploaders["uploaders"] == 4
    assert uploaders["top_1pct_uploaders"] == 1  # ceil(4 / 100)
    assert uploaders["top_1pct_share"] == pytest.approx(40 / 73)
    top = tables["yfcc_top_uploaders"]["rows"]
    assert [r["owner_nsid"] for r in top] == ["11111111@N00", "22222222@N01", "33333333@N02", "44444444@N03"]
    assert top[0]["forbid_commercial_share"] == pytest.approx(30 / 40)

    media = {r["media"]: r for r in tables["yfcc_media"]["rows"]}
    videos, geotagged = report_db.execute(
        "SELECT count(*) FILTER (WHERE is_video), count(latitude) FROM yfcc_photos"
    ).fetchone()
    assert media["video"]["items"] == videos == 4
    assert media["photo"]["geotagged"] + media["video"]["geotagged"] == geotagged

    sources = {r["source"]: r for r in tables["overview_sources"]["rows"]}
    assert sources["faces 1"]["items"] == 10
    assert sources["faces 1"]["photos"] == 6
    assert sources["faces 1"]["unauditable_items"] == 2
    assert sources["YFCC100M"]["photos"] == 73

    # CSV has the same rows as summary.json
    with open(report_dir / "tables" / "yfcc_license_breakdown.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {int(r["license_id"]): int(r["items"]) for r in rows} == expected

    assert summary["findings"][:2] == [
        f"In the pool, the top 1% of uploaders (1 of 4 accounts) contributed {40 / 73:.1%} of its photos and videos.",
        (
            f"{geotagged / 73:.1%} of the pool's items ({geotagged} of 73) carry a geotag that places where the picture "
            "was taken."
        ),
    ]
    assert summary["findings"][0] in (report_dir / "report.html").read_text()
    profile = summary["datasets"][0]
    assert (profile["dataset"], profile["figures"]["items_without_pointer"], profile["catalog"]) == (
        "faces",
        2,
        None,
    )
    assert [f["kind"] for f in profile["flags"]] == ["no_attribution"]
    assert summary["provenance"]["inputs"][0]["file"] == "yfcc_sample.tsv"
    assert summary["provenance"]["inputs"][0]["rows_rejected"] == 1
    assert summary["validation"]["status"] == "not validated"
    assert summary["synthetic"] is False and summary["synthetic_notice"] is None
    assert "SYNTHETIC" not in (report_dir / "report.html").read_text()


def test_items_per_photo_counts_only_items_that_point_to_a_photo(report_db):
    # faces: 10 items, 2 of them without a Flickr pointer; the 8 others point to 6 photos
    expected = report_db.execute(
        "SELECT count(photo_id) / count(DISTINCT photo_id) FROM dataset_items"
    ).fetchone()[0]
    row = next(r for r in query_rows(report_db, "datasets_summary") if r["dataset"] == "faces")
    assert (row["items"], row["photos"]) == (10, 6)
    assert row["items_per_photo"] == pytest.approx(expected) == pytest.approx(8 / 6)


def test_forbid_commercial_share_is_over_photos_whose_commercial_use_is_known(con, tmp_path):
    # License 7 ("No known copyright restrictions") says nothing about commercial use: every report
    # that gives a "forbid commercial use" share leaves it out of the denominator.
    ids = insert_photos(con, owners={"11111111@N00": ("alice_photos", [1] * 3 + [4] * 2 + [7] * 5)})
    insert_dataset(con, "faces", "1", ids, DAY1)
    known, forbidden = con.execute("""
        SELECT count(l.commercial_use), count(*) FILTER (WHERE l.commercial_use = FALSE)
        FROM yfcc_photos JOIN licenses AS l USING (license_id)""").fetchone()
    assert (known, forbidden) == (5, 3)
    share = forbidden / known

    headline = query_rows(con, "overview_headline")[0]
    assert headline["forbid_commercial_share"] == pytest.approx(share)
    assert headline["photos_commercial_use_known"] == known
    sources = {r["source"]: r for r in query_rows(con, "overview_sources")}
    assert sources["YFCC100M"]["forbid_commercial_share"] == pytest.approx(share)
    assert sources["faces 1"]["forbid_commercial_share"] == pytest.approx(share)
    per_dataset = query_rows(con, "datasets_commercial_use")[0]
    assert per_dataset["yfcc_forbid_commercial_share"] == pytest.approx(share)
    assert (per_dataset["yfcc_forbid_commercial"], per_dataset["yfcc_commercial_use_known"]) == (
        forbidden,
        known,
    )
    profile = query_rows(con, "datasets_profile")[0]
    assert profile["forbid_commercial_share"] == pytest.approx(share)
    assert query_rows(con, "yfcc_top_uploaders")[0]["forbid_commercial_share"] == pytest.approx(share)

    result = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY1)
    expected_text = f"{share:.1%} of its traceable photos forbid commercial use ({forbidden} of the {known} whose license says)"
    for name in ("report.html", "report.md", "summary.json"):
        assert expected_text in (result.report_dir / name).read_text(), name


def test_sections_without_data_say_so(con, tmp_path):
    result = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY1)
    summary = read_summary(result.report_dir)
    assert summary["tables"]["yfcc_license_breakdown"]["status"] == "no_data"
    assert "yfcc_photos is empty" in summary["tables"]["yfcc_license_breakdown"]["message"]
    assert not [t for t, v in summary["tables"].items() if v["status"] == "error"]
    html = (result.report_dir / "report.html").read_text()
    # what the gap means for the conclusions, not a table name
    assert (
        "No data yet: YFCC100M (the pool) has not been ingested, so dataset photos cannot be matched" in html
    )
    assert "flickr_checks is empty" not in html
    assert result.headline.startswith("No photos ingested yet")


def test_validation_results_appear(report_db, tmp_path):
    report_db.execute("""
        INSERT INTO validation_results VALUES
        ('v1', TIMESTAMP '2026-02-01', 'yfcc_photos', 'yfcc_photos', 'expect_column_values_to_not_be_null',
         'owner_nsid', TRUE, TRUE, 0, 73, NULL),
        ('v2', TIMESTAMP '2026-02-02', 'yfcc_photos', 'yfcc_photos', 'expect_column_values_to_be_between',
         'latitude', FALSE, FALSE, 3, 73, NULL)""")
    summary = read_summary(
        publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1).report_dir
    )
    validation = summary["validation"]
    assert validation["run_id"] == "v2"  # the latest run only
    assert (validation["expectations"], validation["failed"], validation["critical_failed"]) == (1, 1, 0)
    assert validation["status"] == "passed with warnings"
    assert validation["results"][0]["unexpected_count"] == 3


# --- synthetic data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    generate = pytest.importorskip("pipelines.synth.yfcc")
    ingest = pytest.importorskip("pipelines.ingest.yfcc")
    folder = tmp_path_factory.mktemp("generated")
    data = folder / "yfcc_synthetic.tsv"
    truth = generate.generate_yfcc(data, rows=6000, seed=11, bad_lines=3).truth
    con = connect(folder / "gen.duckdb")
    ingest.ingest_yfcc(con, [data], progress=False)
    result = publish_report(con, folder / "out", publish_mode="full", now=DAY1)
    yield con, truth, result
    con.close()


def test_generated_report_matches_truth_and_says_synthetic(generated):
    _, truth, result = generated
    summary = read_summary(result.report_dir)
    tables = summary["tables"]
    licenses = {str(r["license_id"]): r["items"] for r in tables["yfcc_license_breakdown"]["rows"]}
    assert licenses == {k: v for k, v in truth["licenses"].items() if v}
    commercial = {r["commercial_use"]: r["items"] for r in tables["yfcc_commercial_use"]["rows"]}
    assert commercial["allows commercial use"] == truth["commercial_use_allowed"]
    uploaders = tables["yfcc_uploaders"]["rows"][0]
    assert uploaders["uploaders"] == truth["distinct_uploaders"]
    assert uploaders["top_1pct_uploaders"] == truth["top_1pct_uploaders"]["uploaders"]
    assert uploaders["top_1pct_items"] == truth["top_1pct_uploaders"]["rows"]
    top = tables["yfcc_top_uploaders"]["rows"][0]
    assert [top["owner_nsid"], top["items"]] == list(truth["top_uploaders"][0])
    media = {r["media"]: r for r in tables["yfcc_media"]["rows"]}
    assert media["photo"]["items"] == truth["photos"] and media["video"]["items"] == truth["videos"]
    assert media["photo"]["geotagged"] + media["video"]["geotagged"] == truth["geotagged"]
    rejects = sum(r["lines"] for r in tables["quality_rejects"]["rows"])
    assert rejects == truth["bad_lines"]

    # The first line of every human-readable output says the data is synthetic.
    html = (result.report_dir / "report.html").read_text()
    assert html.splitlines()[0].startswith("<!-- SYNTHETIC DATA")
    body = html.split("<body>", 1)[1].lstrip()
    assert body.startswith('<div class="banner" id="synthetic"')
    assert (result.report_dir / "report.md").read_text().startswith("> **SYNTHETIC DATA")
    assert (result.report_dir / "search.html").read_text().startswith("<!-- SYNTHETIC DATA")
    raw = (result.report_dir / "summary.json").read_text()
    assert raw.splitlines()[0].startswith('{ "synthetic_notice": "SYNTHETIC DATA')
    assert summary["synthetic"] is True
    assert any(line.startswith("SYNTHETIC DATA") for line in result.summary_text().splitlines()[:3])


def test_generated_markup_titles_never_reach_html_unescaped(generated):
    """A guard for every report file, present and future: the generator plants titles with markup."""
    con, truth, result = generated
    planted = con.execute("SELECT count(*) FROM yfcc_photos WHERE title LIKE '%<%'").fetchone()[0]
    assert planted == truth["markup_titles"] > 0
    for name, text in published_text(result.report_dir).items():
        if name.endswith(".html"):
            assert "<script>alert" not in text, name


# --- escaping -----------------------------------------------------------------------------------


def test_markup_from_data_is_escaped_everywhere(report_db, tmp_path):
    insert_dataset(report_db, XSS_DATASET, "1", [5_000_000], DAY1)
    report_dir = publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1).report_dir
    html = (report_dir / "report.html").read_text()
    assert XSS_NICK not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert XSS_DATASET not in html and "evil&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in html
    # Only our own script elements, none from data; the inline JSON index cannot close its element.
    search = (report_dir / "search.html").read_text()
    assert search.count("<script") == 2 and search.count("</script>") == 2
    index_json = search.split('id="ccaudit-index">', 1)[1].split("</script>", 1)[0]
    assert "<" not in index_json and ">" not in index_json
    assert XSS_DATASET in json.loads(index_json)["sources"][0] or any(
        XSS_DATASET in s for s in json.loads(index_json)["sources"]
    )
    md = (report_dir / "report.md").read_text()
    assert XSS_NICK not in md and "&lt;img src=x onerror=alert(2)&gt;" in md
    assert "<script>" not in md
    # machine-readable files keep the data exactly (JSON escapes '<' as \u003c, which parses back)
    summary = read_summary(report_dir)
    nicks = {r["owner_nickname"] for r in summary["tables"]["yfcc_top_uploaders"]["rows"]}
    assert XSS_NICK in nicks
    assert "<" not in (report_dir / "summary.json").read_text()


# --- pseudonymous mode --------------------------------------------------------------------------


def test_pseudonymous_report_leaks_no_nsid_nickname_or_url(report_db, tmp_path):
    result = publish_report(report_db, tmp_path / "out", now=DAY1)
    assert result.publish_mode == "pseudonymous"
    secrets_in_data = set()
    for nsid, nickname, page, download in report_db.execute(
        "SELECT owner_nsid, owner_nickname, page_url, download_url FROM yfcc_photos"
    ).fetchall():
        secrets_in_data.update({nsid, nickname, page, download, page.removeprefix("http://")})
    files = published_text(result.report_dir)
    assert {"report.html", "report.md", "search.html", "summary.json"} <= set(files)
    assert any(name.startswith("tables/") for name in files)
    for name, text in files.items():
        for secret in secrets_in_data:
            assert secret not in text, (name, secret)
        assert not re.search(r"\d+@N\d\d", text), name
        assert "staticflickr.com/" not in text and "flickr.com/photos/" not in text, name

    top = read_summary(result.report_dir)["tables"]["yfcc_top_uploaders"]["rows"]
    assert all(re.fullmatch(r"u_[0-9a-f]{12}", r["owner_nsid"]) for r in top)
    assert all(re.fullmatch(r"n_[0-9a-f]{12}", r["owner_nickname"]) for r in top)
    # stable: the same key (kept beside the database, not in the report) gives the same pseudonyms
    key_file = (
        Path(
            report_db.execute(
                "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()[0]
        ).parent
        / ".ccaudit-pseudonym-key"
    )
    assert key_file.is_file() and not list(result.report_dir.rglob(".ccaudit-pseudonym-key"))
    again = publish_report(report_db, tmp_path / "out", now=DAY1)
    assert again.report_dir.name == "2026-03-01-2"
    assert read_summary(again.report_dir)["tables"]["yfcc_top_uploaders"]["rows"] == top


def test_pseudonym_key_from_environment(report_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CCAUDIT_PSEUDONYM_KEY", "k" * 32)
    first = read_summary(publish_report(report_db, tmp_path / "a", now=DAY1).report_dir)
    monkeypatch.setenv("CCAUDIT_PSEUDONYM_KEY", "j" * 32)
    second = read_summary(publish_report(report_db, tmp_path / "b", now=DAY1).report_dir)
    names = [r["owner_nsid"] for r in first["tables"]["yfcc_top_uploaders"]["rows"]]
    assert names != [r["owner_nsid"] for r in second["tables"]["yfcc_top_uploaders"]["rows"]]


def test_safety_net_refuses_leaks():
    with pytest.raises(CcauditError, match="still contains '12345678@N00'"):
        assert_no_leaks("report.html", "<td>12345678@N00</td>")
    with pytest.raises(CcauditError, match="flickr"):
        assert_no_leaks("report.md", "see https://www.flickr.com/photos/someone/123/")
    assert_no_leaks("report.html", "license 7: https://www.flickr.com/commons/usage/")  # names no one
    pseudonymizer = Pseudonymizer(b"0" * 32)
    assert pseudonymizer.token("12345678@n00") == pseudonymizer.token("12345678@N00")
    assert pseudonymizer.token("bob_snaps").startswith("n_")
    assert pseudonymizer.token("42").startswith("p_")
    with pytest.raises(CcauditError, match="another table pseudonymises"):
        assert_no_original_values("table x", ["ok", "bob_snaps"], pseudonymizer.replaced)


def test_search_index_is_hashed_and_finds_people(report_db, tmp_path):
    report_dir = publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1).report_dir
    search = (report_dir / "search.html").read_text()
    index = json.loads(search.split('id="ccaudit-index">', 1)[1].split("</script>", 1)[0])
    assert "11111111@N00" not in search  # hashed even in the full edition
    salt = index["salt"]
    assert find_user(index, digest(salt, user_key("11111111@n00"))) == {"YFCC100M": 40, "faces 1": 8}
    assert find_photo(index, digest(salt, photo_key("05000000"))) == ["YFCC100M", "faces 1"]
    assert find_photo(index, digest(salt, photo_key(5_000_050))) == ["YFCC100M"]
    assert find_photo(index, digest(salt, photo_key(1))) == []
    assert find_user(index, digest(salt, user_key("99999999@N00"))) == {}
    assert index["photo_entries"] == 73 and index["yfcc_photos_indexed"]
    # over the size limit, photos only in YFCC100M are left out, dataset photos stay findable
    small = build_search_index(report_db, salt="s", photo_limit=10)
    assert not small["yfcc_photos_indexed"] and small["photo_entries"] == 6
    assert find_photo(small, digest("s", photo_key(5_000_001))) == ["YFCC100M", "faces 1"]
    assert find_photo(small, digest("s", photo_key(5_000_050))) == []


# --- change since the last report ---------------------------------------------------------------


def test_change_section_shows_the_deltas(report_db, tmp_path):
    out = tmp_path / "out"
    first = publish_report(report_db, out, publish_mode="full", now=DAY1)
    before = read_summary(first.report_dir)
    # Bob deletes his BY-NC photos, a new dataset appears, faces loses two items.
    report_db.execute("DELETE FROM yfcc_photos WHERE owner_nsid = '22222222@N01' AND license_id = 2")
    insert_dataset(report_db, "megafaces", "2", [5_000_001, 5_000_002], DAY2)
    report_db.execute(
        "DELETE FROM dataset_items WHERE dataset = 'faces' AND item_key IN ('item-8', 'item-9')"
    )
    report_db.execute("UPDATE datasets SET items = 8 WHERE dataset = 'faces'")
    report_db.execute(
        """INSERT INTO ingest_runs (run_id, source_file, kind, started_at, lines_read, rows_loaded,
                         rows_rejected, fingerprint) VALUES ('run-2', '/data/megafaces.csv', 'manifest:csv', ?, 2, 2, 0,
                         'beef')""",
        [DAY2],
    )
    second = publish_report(report_db, out, publish_mode="full", now=DAY2)
    changes = read_summary(second.report_dir)["changes"]
    assert changes["previous_generated_at"] == before["generated_at"]
    assert changes["sources_added"] == ["megafaces 2"] and changes["sources_removed"] == []
    assert changes["inputs_changed"] == ["megafaces.csv"]
    faces = next(c for c in changes["sources_changed"] if c["source"] == "faces 1")
    assert (faces["items_delta"], faces["unauditable_items_delta"]) == (-2, -2)
    assert changes["headline"]["photos"]["delta"] == -12
    moves = {(m["source"], m["license"]): m["points"] for m in changes["license_share_moves"]}
    assert moves[("YFCC100M", "CC BY-NC 2.0")] == pytest.approx(0 - 12 / 73)
    assert moves[("YFCC100M", "CC BY-NC-SA 2.0")] == pytest.approx(30 / 61 - 30 / 73)
    html = (second.report_dir / "report.html").read_text()
    assert "megafaces 2" in html.split('id="changes"', 1)[1]
    assert "-16.44 pp" in html  # BY-NC lost 12 of 73 photos
    assert "photos -12" in second.summary_text()
    md = (second.report_dir / "report.md").read_text()
    assert "| YFCC100M | CC BY-NC 2.0 | 16.4% | 0% | -16.44 pp |" in md


def test_flickr_deletions_since_last_report(report_db, tmp_path):
    out = tmp_path / "out"
    report_db.execute(
        "INSERT INTO flickr_checks (photo_id, checked_at, status) VALUES (5000000, ?, 'ok'), "
        "(5000001, ?, 'ok')",
        [DAY1, DAY1],
    )
    publish_report(report_db, out, publish_mode="full", now=DAY1)
    report_db.execute(
        "INSERT INTO flickr_checks (photo_id, checked_at, status, error_code) VALUES "
        "(5000000, ?, 'not_found', 1)",
        [DAY2],
    )
    changes = read_summary(publish_report(report_db, out, publish_mode="full", now=DAY2).report_dir)[
        "changes"
    ]
    assert changes["flickr"]["gone_photos"] == {"before": 0, "now": 1, "delta": 1}
    assert changes["flickr"]["gone_since_previous"]["now"] == 1


def test_gone_count_skips_failed_checks_like_the_unavailable_table(report_db, tmp_path):
    report_db.executemany(
        "INSERT INTO flickr_checks (photo_id, checked_at, status) VALUES (?, ?, ?)",
        [
            (5000000, DAY1 - timedelta(days=2), "ok"),
            (5000000, DAY1 - timedelta(days=1), "not_found"),
            (5000000, DAY1 - timedelta(hours=1), "error"),  # no answer: the photo is still gone
            (5000001, DAY1 - timedelta(days=1), "ok"),
            (5000002, DAY1 - timedelta(days=1), "error"),  # never answered: not a checked photo
        ],
    )
    summary = read_summary(
        publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1).report_dir
    )
    yfcc = next(
        r
        for r in summary["tables"]["enrichment_unavailable"]["rows"]
        if r["dataset"] == "YFCC100M (all photos)"
    )
    assert summary["metrics"]["flickr"] == {
        "checked_photos": yfcc["photos_checked"],
        "gone_photos": yfcc["not_found"] + yfcc["user_deleted"],
    }
    assert (yfcc["photos_checked"], yfcc["not_found"]) == (2, 1)
    assert (
        "1 of 2 photos re-checked on Flickr are gone (deleted, made private, or their account closed)."
        in summary["findings"]
    )


def test_gone_since_previous_counts_only_photos_available_at_the_previous_report(report_db, tmp_path):
    out = tmp_path / "out"
    before = [
        (5000000, DAY1 - timedelta(days=3), "ok"),
        (5000000, DAY1 - timedelta(days=2), "not_found"),  # already gone at the first report
        (5000001, DAY1 - timedelta(days=1), "ok"),
        (5000002, DAY1 - timedelta(days=1), "ok"),
        (5000002, DAY1 - timedelta(hours=1), "error"),  # still ok as far as anyone knew
        (5000003, DAY1 - timedelta(days=1), "ok"),
    ]
    after = [
        (5000000, DAY2 - timedelta(hours=1), "not_found"),
        (5000001, DAY2 - timedelta(hours=1), "not_found"),  # newly gone
        (5000002, DAY2 - timedelta(hours=1), "user_deleted"),  # newly gone
        (5000003, DAY2 - timedelta(hours=1), "error"),  # no answer: not gone
    ]
    insert = "INSERT INTO flickr_checks (photo_id, checked_at, status) VALUES (?, ?, ?)"
    report_db.executemany(insert, before)
    publish_report(report_db, out, publish_mode="full", now=DAY1)
    report_db.executemany(insert, after)
    metrics = read_summary(publish_report(report_db, out, publish_mode="full", now=DAY2).report_dir)[
        "metrics"
    ]
    assert metrics["flickr"] == {"checked_photos": 4, "gone_photos": 3, "gone_since_previous": 2}


# --- opt-outs in the report ---------------------------------------------------------------------


def test_optouts_checked_against_later_versions(report_db, tmp_path):
    # alice (40 photos; 8 items in faces v1, ingested DAY1) asked on DAY1 - 1 day: not honoured.
    report_db.execute("INSERT INTO optouts VALUES ('user', '11111111@N00', TIMESTAMP '2026-02-28', NULL)")
    # a photo opted out after faces v1 was ingested: no later version yet.
    report_db.execute("INSERT INTO optouts VALUES ('photo', '5000003', TIMESTAMP '2026-03-02', NULL)")
    # carol's photos are in no dataset: nothing to honour (issue 23: never "honoured" by a dataset that never held them).
    report_db.execute("INSERT INTO optouts VALUES ('user', '44444444@N03', TIMESTAMP '2026-02-01', NULL)")
    summary = read_summary(
        publish_report(report_db, tmp_path / "out", publish_mode="full", now=DAY1).report_dir
    )
    rows = {r["value"]: r for r in summary["tables"]["optouts_status"]["rows"]}
    assert rows["11111111@N00"]["status"] == "still distributed"
    assert rows["11111111@N00"]["items_still_present"] == 8
    assert rows["11111111@N00"]["still_in"] == "faces 1"
    assert rows["5000003"]["status"] == "not yet checked"
    assert rows["44444444@N03"]["status"] == "never held"
    assert summary["metrics"]["optouts"] == {
        "requests": 3,
        "honoured": 0,
        "never_held": 1,
        "still_distributed": 1,
        "not_yet_checked": 1,
        "items_still_present": 8,
    }


def test_optout_matches_owner_named_by_manifest(con, tmp_path):
    insert_dataset(
        con, "pipa", "1", [777, 778, None], DAY2, owner_refs={0: "55555555@N05", 2: "55555555@N05"}
    )
    con.execute("INSERT INTO optouts VALUES ('user', '55555555@N05', ?, NULL)", [DAY1])
    summary = read_summary(publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir)
    row = summary["tables"]["optouts_status"]["rows"][0]
    assert (row["items_still_present"], row["status"]) == (2, "still distributed")


# --- the folder ---------------------------------------------------------------------------------


def test_refuses_a_folder_ccaudit_did_not_create(report_db, tmp_path):
    out = tmp_path / "out"
    (out / "2026-03-01").mkdir(parents=True)
    (out / "2026-03-01" / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(CcauditError, match="not created by ccaudit"):
        publish_report(report_db, out, now=DAY1)
    assert [p.name for p in (out / "2026-03-01").iterdir()] == ["holiday.jpg"]
    assert sorted(p.name for p in out.iterdir()) == ["2026-03-01"]  # no temporary folder left behind


def test_out_dir_may_be_any_existing_folder(report_db, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = publish_report(report_db, tmp_path, now=DAY1)
    assert result.report_dir == tmp_path / "2026-03-01"
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_builds_from_a_read_only_connection(report_db, db_path, tmp_path):
    report_db.close()  # the Airflow report task opens the database read-only
    with connect(db_path, read_only=True) as con:
        result = publish_report(con, tmp_path / "out", now=DAY1)
    assert read_summary(result.report_dir)["headline"]["photos"] == 73


def test_cli_report(report_db, db_path, tmp_path, capsys):
    report_db.close()
    code = main(["--db", str(db_path), "report", "--out", str(tmp_path / "r"), "--publish-mode", "full"])
    out = capsys.readouterr().out
    assert code == 0
    assert "report written to" in out and "The one derived dataset credits no photographer" in out
    (tmp_path / "afile").write_text("x")
    assert main(["--db", str(db_path), "report", "--out", str(tmp_path / "afile")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_cli_report_into_an_unusable_folder_says_so_in_one_line(report_db, db_path, tmp_path, capsys):
    report_db.close()
    (tmp_path / "afile").write_text("x")
    unusable = [tmp_path / "afile" / "sub"]  # a folder under a file: NotADirectoryError
    if Path("/proc/self").is_dir():
        unusable += [
            Path("/proc/x"),  # cannot be created: FileNotFoundError
            Path("/proc/self"),
        ]  # exists, but nothing can be written in it
    for out in unusable:
        assert main(["--db", str(db_path), "report", "--out", str(out), "--publish-mode", "full"]) == 2, out
        err = capsys.readouterr().err
        assert err.startswith("ccaudit: error: ") and err.count("\n") == 1, err
        assert str(out) in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "x"


# --- report query files -------------------------------------------------------------------------


def test_every_report_query_has_a_valid_header():
    queries = discover_queries()
    names = {q.name for q in queries}
    assert {"overview_headline", "yfcc_license_breakdown", "yfcc_top_uploaders", "optouts_status"} <= names
    for query in queries:
        assert query.title and query.description, query.name
        assert query.section in ("overview", "yfcc", "datasets", "enrichment", "optouts", "quality"), (
            query.name
        )


def test_header_parser_reads_every_key(tmp_path):
    path = tmp_path / "x_example.sql"
    path.write_text(
        "-- title: T\n-- section: yfcc\n-- order: 5\n-- description: one\n-- description: two\n"
        "-- chart: stacked label=a series=b value=c\n-- requires: yfcc_photos, datasets\n"
        "-- sensitive: Owner_NSID\nSELECT 1;\n"
    )
    query = parse_query_file(path)
    assert (query.title, query.section, query.order, query.description) == ("T", "yfcc", 5.0, "one two")
    assert query.chart.kind == "stacked" and query.chart.options == {
        "label": "a",
        "series": "b",
        "value": "c",
    }
    assert query.requires == ("yfcc_photos", "datasets") and query.sensitive == ("owner_nsid",)
    path.write_text("-- title: T\n-- chart: pie label=a\nSELECT 1;\n")
    with pytest.raises(CcauditError, match="chart kind 'pie'"):
        parse_query_file(path)


def example_files() -> list[Path]:
    return sorted(sql_dir("examples").glob("*.sql"))


def test_there_are_journalist_examples():
    assert len(example_files()) >= 5


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_every_sql_example_runs(report_db, path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("-- Question:"), "each example starts with the question it answers"
    cursor = report_db.execute(text)
    assert cursor.description, f"{path.name} returns no columns"
    cursor.fetchall()


def test_examples_answer_on_a_sample(report_db):
    answered = [p.name for p in example_files() if report_db.execute(p.read_text()).fetchall()]
    assert len(answered) >= 5, answered


# --- charts ---------------------------------------------------------------------------------------


def _table_result(chart: str, columns: list[str], rows: list[list]):
    from pipelines.report.queries import ReportQuery, TableResult, parse_chart

    query = ReportQuery(
        name="t", sql="SELECT 1", title="T <b>", section="yfcc", order=1, chart=parse_chart(chart, "test")
    )
    return TableResult(query, "ok", columns, rows)


@pytest.mark.parametrize(
    "chart, columns, rows",
    [
        ("bar label=k value=n", ["k", "n"], [[XSS_TITLE, 3], ["b", 5]]),
        ("hbar label=k value=share", ["k", "share"], [[XSS_TITLE, 0.25], ["b", 0.75]]),
        (
            "stacked label=k series=s value=n",
            ["k", "s", "n"],
            [[XSS_TITLE, "CC BY 2.0", 3], [XSS_TITLE, "x", 1]],
        ),
        ("stacked label=k value=a,b", ["k", "a", "b"], [[XSS_TITLE, 1, 2], ["z", 0, 4]]),
        ("line label=x value=y", ["x", "y"], [[1, 0.5], [10, 0.7], [1000, 1.0]]),
        (
            "line label=x value=y series=s",
            ["x", "y", "s"],
            [[1, 2, XSS_TITLE], [2, 3, XSS_TITLE], [1, 1, "b"]],
        ),
        (
            "heatmap x=a y=b value=n",
            ["a", "b", "n"],
            [[XSS_TITLE, "b", 3], ["b", XSS_TITLE, 3], ["b", "b", 9]],
        ),
    ],
)
def test_every_chart_kind_draws_well_formed_escaped_html(chart, columns, rows):
    from xml.etree import ElementTree

    from pipelines.report.chart_base import Colours
    from pipelines.report.charts import chart_for

    drawn = chart_for(_table_result(chart, columns, rows), Colours({"CC BY 2.0": "by"}))
    assert drawn is not None
    root = ElementTree.fromstring(f"<div>{drawn}</div>")  # raises on markup that is not well formed
    assert "<script>" not in str(drawn) and "<b>" not in str(drawn)
    # caption and description are plain text, so the templates escape them (Markup would not be)
    assert type(drawn.caption) is str and type(drawn.description) is str
    assert XSS_TITLE not in str(drawn)
    # every chart draws marks, and its description carries the data for readers who cannot see it
    marks = [
        e
        for e in root.iter()
        if (e.get("class") or "").split()[0:1] in (["bar-fill"], ["seg"], ["dot"])
        or (e.tag == "td" and "background" in (e.get("style") or ""))
    ]
    assert marks
    from pipelines.report.formatting import format_value

    shown = [
        format_value(v, c)
        for row in rows
        for v, c in zip(row, columns, strict=False)
        if isinstance(v, (int, float))
    ]
    assert sum(value in drawn.description for value in shown) >= len(rows) - 1, drawn.description


def test_bars_are_sorted_by_value_with_a_scale_and_small_groups_at_their_size():
    from pipelines.report.chart_base import Colours
    from pipelines.report.charts import chart_for

    drawn = str(
        chart_for(
            _table_result(
                "hbar label=k value=share count=n of=d",
                ["k", "share", "n", "d"],
                [["a", 0.2, 2, 10], ["b", 0.9, 9, 10], ["c", 0.5, 5, 10]],
            ),
            Colours(),
        )
    )
    assert drawn.index(">b<") < drawn.index(">c<") < drawn.index(">a<")
    assert "90.0% · 9 of 10" in drawn and ">0%<" in drawn and ">100%<" in drawn  # value labels and an axis
    stacked = str(
        chart_for(
            _table_result(
                "stacked label=k series=s value=photos",
                ["k", "s", "photos"],
                [["big", "CC BY 2.0", 300], ["big", "CC BY-NC 2.0", 700], ["tiny", "CC BY-NC 2.0", 3]],
            ),
            Colours({"CC BY 2.0": "by", "CC BY-NC 2.0": "by-nc"}),
        )
    )
    assert "width:0.300%" in stacked or "width:1.000%" in stacked  # 3 photos drawn at their size, not as 100%
    assert "only 3 photos: drawn at its size" in stacked
    assert "70.0% of 1,000 forbid" in stacked


def test_a_new_chart_kind_is_one_registered_function():
    """The header parser, the error message and chart_for all read CHART_KINDS: one function adds a kind."""
    from markupsafe import Markup

    from pipelines.report.chart_base import CHART_KINDS, Chart, Colours, chart_kind
    from pipelines.report.charts import chart_for

    assert set(CHART_KINDS) == {"bar", "hbar", "stacked", "line", "heatmap"}
    try:

        @chart_kind("dots")
        def dots(table, spec, context):
            return Chart(Markup("".join('<span class="dot"></span>' for _ in table.rows)), "dots", "dots")

        assert (
            str(chart_for(_table_result("dots label=k", ["k"], [["a"], ["b"]]), Colours())).count("dot") == 2
        )
        with pytest.raises(ValueError, match="registered twice"):
            chart_kind("dots")(dots)
    finally:
        CHART_KINDS.pop("dots", None)
    with pytest.raises(
        CcauditError, match="chart kind 'dots' is not one of bar, hbar, stacked, line, heatmap"
    ):
        _table_result("dots label=k", ["k"], [["a"]])


def test_chart_that_names_a_missing_column_is_left_out():
    from pipelines.report.chart_base import Colours
    from pipelines.report.charts import chart_for

    assert chart_for(_table_result("bar label=nope value=n", ["k", "n"], [["a", 1]]), Colours()) is None
