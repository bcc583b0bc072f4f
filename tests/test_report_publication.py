"""The report as a publication: dataset identity and license-conflict flags, the lead and its limits in
every format, a Frictionless Data Package that validates, the exact SQL in the folder, and a trend
across editions. Numbers are checked against independent SQL on a real DuckDB file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.errors import CcauditError
from pipelines.publish.report import publish_report
from pipelines.report import build as build_module
from pipelines.resources import sql_dir
from tests.test_report import DAY1, DAY2, insert_dataset, insert_photos, read_summary

AUTHOR = "A. Photographer"


def insert_items(
    con, dataset: str, version: str, rows: list[tuple], ingested_at, auditable: bool = True
) -> None:
    """rows: (photo_id, declared_license_id, declared_author)."""
    con.execute(
        "INSERT INTO datasets (dataset, version, format, items, auditable, ingested_at) "
        "VALUES (?, ?, 'csv', ?, ?, ?)",
        [dataset, version, len(rows), auditable, ingested_at],
    )
    con.executemany(
        "INSERT INTO dataset_items (dataset, version, item_key, photo_id, declared_license_id, declared_license_raw,"
        " declared_author) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            [dataset, version, f"item-{i}", pid, lic, None if lic is None else str(lic), author]
            for i, (pid, lic, author) in enumerate(rows)
        ],
    )


@pytest.fixture
def world(con):
    # licenses by photo index: 0-29 BY-NC-SA, 30-39 BY, 40-51 BY-NC, 52-59 BY-SA, 60-64 BY-ND, 65-69 BY-NC-ND, 70-72 BY
    ids = insert_photos(con)
    # FFHQ declares CC BY (4) for photos YFCC100M records as BY-NC (2) and as BY-SA (5), and credits everyone
    insert_items(con, "ffhq", "v1", [(pid, 4, AUTHOR) for pid in ids[40:44] + ids[52:55] + ids[30:33]], DAY1)
    # MegaFace crops NoDerivs photos and credits nobody
    insert_items(con, "megaface", "v1", [(pid, None, None) for pid in ids[60:70] + ids[0:5]], DAY1)
    # FairFace has no pointer back to Flickr
    insert_items(con, "fairface", "v1", [(None, None, None)] * 4, DAY1, auditable=False)
    return con, ids


def test_dataset_identity_and_license_conflicts_equal_independent_sql(world, tmp_path):
    con, _ = world
    result = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2)
    summary = read_summary(result.report_dir)
    profiles = {p["dataset"]: p for p in summary["datasets"]}
    assert set(profiles) == {"ffhq", "megaface", "fairface"}  # YFCC100M is the pool, never a dataset

    more_rights, sa_dropped = con.execute("""
        SELECT count(*) FILTER (WHERE NOT y.commercial_use AND d.commercial_use),
               count(*) FILTER (WHERE y.share_alike AND NOT d.share_alike)
        FROM dataset_items AS i
        JOIN yfcc_photos AS p USING (photo_id)
        JOIN licenses AS y ON y.license_id = p.license_id
        JOIN licenses AS d ON d.license_id = i.declared_license_id
        WHERE i.dataset = 'ffhq'""").fetchone()
    assert (more_rights, sa_dropped) == (4, 3)
    ffhq = profiles["ffhq"]
    assert ffhq["catalog"]["publisher"] == "NVIDIA" and ffhq["catalog"]["year"] == 2019
    flags = {f["kind"]: f.get("count") for f in ffhq["flags"]}
    assert flags == {"declares_more_rights": more_rights, "sharealike_dropped": sa_dropped}

    nd, cc = con.execute("""
        SELECT count(*) FILTER (WHERE NOT l.derivatives), count(*)
        FROM (SELECT DISTINCT photo_id FROM dataset_items WHERE dataset = 'megaface')
        JOIN yfcc_photos USING (photo_id) JOIN licenses AS l USING (license_id)""").fetchone()
    assert (nd, cc) == (10, 15)
    megaface = {f["kind"]: f.get("count") for f in profiles["megaface"]["flags"]}
    assert megaface == {"noderivs_in_face_crops": nd, "no_attribution": 15}

    assert [f["kind"] for f in profiles["fairface"]["flags"]] == ["unauditable"]
    assert profiles["fairface"]["figures"]["items"] == 4

    html = (result.report_dir / "report.html").read_text()
    for text in (
        "Flickr-Faces-HQ (FFHQ), NVIDIA, 2019:",
        "https://github.com/NVlabs/ffhq-dataset",
        f"{nd} NoDerivs photos ({nd / cc:.1%}) are cut into face crops",
        f"it declares a commercial-use license for {more_rights} photos that YFCC100M records as forbidding it",
        f"it drops ShareAlike on {sa_dropped}",
        "FairFace, Karkkainen and Joo, UCLA, 2019:</strong> its 4 items carry no pointer back to Flickr",
        "not auditable: 4 items, no pointer back to Flickr",
    ):  # in the charts too, never a silent gap
        assert text in html, text
    # headline: derived datasets only, with the count of those crediting nobody
    assert summary["headline"]["datasets"] == 3
    assert result.headline.startswith("2 of 3 derived datasets credit no photographer")


def test_catalogue_key_recorded_at_ingest_is_used_when_the_column_exists(con, tmp_path):
    ids = insert_photos(con)
    insert_dataset(con, "our-crops", "1", ids[60:65], DAY1)
    summary = read_summary(publish_report(con, tmp_path / "a", publish_mode="full", now=DAY1).report_dir)
    assert summary["datasets"][0]["catalog"] is None  # an unknown name: no entry, said so
    html = (tmp_path / "a" / "2026-03-01" / "report.html").read_text()
    assert "no published removal route" in html

    con.execute("ALTER TABLE datasets ADD COLUMN IF NOT EXISTS catalog_entry VARCHAR")
    con.execute("UPDATE datasets SET catalog_entry = 'megaface' WHERE dataset = 'our-crops'")
    summary = read_summary(publish_report(con, tmp_path / "b", publish_mode="full", now=DAY1).report_dir)
    profile = summary["datasets"][0]
    assert profile["catalog"]["key"] == "megaface"
    assert [f["kind"] for f in profile["flags"]] == ["noderivs_in_face_crops", "no_attribution"]


def test_lead_limits_and_search_link_in_html_and_markdown(world, tmp_path):
    con, _ = world
    report_dir = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir
    summary = read_summary(report_dir)
    html = (report_dir / "report.html").read_text()
    markdown = (report_dir / "report.md").read_text()
    limits = summary["lead"]["limits"]
    assert any("not proof of a violation" in item for item in limits)
    assert "This report describes licenses; it is not legal advice." in limits
    assert any("no photo has been re-checked on Flickr yet" in item for item in limits)
    for text in (html, markdown):
        assert "What this shows and does not show" in text
        assert "search.html" in text
        for item in limits:
            assert item.replace("'", "&#39;") in text or item in text
        for sentence in summary["lead"]["datasets"]:
            name, rest = sentence.split(": ", 1)
            assert name in text and rest in text
    # the lead comes before any table, in both formats
    assert html.index('id="lead"') < html.index('id="limits"') < html.index("<table")
    assert markdown.index("What this shows") < markdown.index("| ---")
    assert 'role="alert"' not in html


def test_every_table_ships_its_exact_sql_and_the_snapshot_date(world, tmp_path):
    con, _ = world
    report_dir = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir
    summary = read_summary(report_dir)
    shipped = sorted(p.name for p in (report_dir / "sql" / "reports").glob("*.sql"))
    assert shipped == sorted(p.name for p in sql_dir("reports").glob("*.sql"))
    for path in sql_dir("reports").glob("*.sql"):
        assert (report_dir / "sql" / "reports" / path.name).read_text() == path.read_text(encoding="utf-8")
    html = (report_dir / "report.html").read_text()
    assert 'href="sql/reports/datasets_profile.sql"' in html
    last_upload = con.execute("SELECT max(uploaded_at)::DATE FROM yfcc_photos").fetchone()[0]
    snapshot = summary["provenance"]["snapshot"]
    assert snapshot["yfcc_last_upload"] == (last_upload.isoformat() if last_upload else None)
    assert summary["units"]["share"].startswith("fraction from 0 to 1")


def test_photographer_count_is_one_reconciled_figure(world, tmp_path):
    con, _ = world
    con.execute(
        "INSERT INTO datasets (dataset, version, format, items, ingested_at) VALUES ('extra', '1', 'csv', 2, ?)",
        [DAY1],
    )
    con.execute(
        "INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref) VALUES "
        "('extra', '1', 'a', 9000001, '99999999@N05'), ('extra', '1', 'b', 9000002, 'some_alias')"
    )
    summary = read_summary(publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir)
    rows = {r["counted"]: r["accounts"] for r in summary["tables"]["overview_photographers"]["rows"]}
    pool = con.execute("SELECT count(DISTINCT owner_nsid) FROM yfcc_photos").fetchone()[0]
    assert rows["accounts in the pool (YFCC100M)"] == pool
    assert rows["plus accounts named only by a dataset manifest"] == 1
    assert rows["unresolved path aliases (listed, not added)"] == 1
    assert (
        rows["photographers (the figure used throughout)"] == summary["headline"]["photographers"] == pool + 1
    )


def test_datapackage_validates_with_frictionless(world, tmp_path):
    frictionless = pytest.importorskip("frictionless", reason="pip install frictionless (the dev extra)")
    con, _ = world
    report_dir = publish_report(con, tmp_path / "out", now=DAY2).report_dir  # pseudonymous: hashed ids too
    descriptor = json.loads((report_dir / "datapackage.json").read_text())
    csvs = sorted(str(p.relative_to(report_dir)) for p in (report_dir / "tables").glob("*.csv"))
    assert sorted(r["path"] for r in descriptor["resources"]) == csvs
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["description"] and field["type"], (resource["name"], field)
            if field["name"].endswith("_share") and field["type"] == "number":
                assert field["unit"] == "fraction" and "fraction from 0 to 1" in field["description"]
    report = frictionless.validate(str(report_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    cli = Path(sys.executable).with_name("frictionless")
    if cli.exists():  # the same check a reader runs: `frictionless validate datapackage.json`
        done = subprocess.run(
            [str(cli), "validate", "datapackage.json"],
            cwd=report_dir,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_two_editions_in_a_row_draw_a_trend(world, tmp_path):
    con, ids = world
    out = tmp_path / "out"
    first = publish_report(con, out, publish_mode="full", now=DAY1).report_dir
    assert 'id="trend-' not in (first / "report.html").read_text()
    # an unreadable summary in a folder of ours is skipped, not fatal
    junk = out / "2026-02-01"
    junk.mkdir()
    (junk / ".ccaudit-report").write_text("{}")
    (junk / "summary.json").write_text("{not json")
    insert_items(con, "ffhq", "v2", [(pid, 4, AUTHOR) for pid in ids[40:50]], DAY2)
    second = publish_report(con, out, publish_mode="full", now=DAY2).report_dir
    html = (second / "report.html").read_text()
    assert 'id="trend-derived_items"' in html and 'id="trend-derived_forbid_commercial_share"' in html
    items = [con.execute("SELECT sum(items) FROM latest_datasets").fetchone()[0]]
    summary = read_summary(second)
    before = read_summary(first)["metrics"]["edition"]["derived_items"]
    assert before == 10 + 15 + 4 and summary["metrics"]["edition"]["derived_items"] == items[0] == 10 + 15 + 4
    # ffhq v2 has 10 items like v1, but 10 NC photos: the share that forbids commercial use moved
    share_before = read_summary(first)["metrics"]["edition"]["derived_forbid_commercial_share"]
    share_now = summary["metrics"]["edition"]["derived_forbid_commercial_share"]
    assert share_now != share_before
    assert f"{(share_now - share_before) * 100:+.1f} percentage points since 2026-03-01" in html
    markdown = (second / "report.md").read_text()
    assert "### Editions over time" in markdown and markdown.count("| 2026-03-0") >= 2


def test_a_renamed_query_fails_loudly_instead_of_dropping_a_finding(world, tmp_path, monkeypatch):
    con, _ = world
    real = build_module.discover_queries
    monkeypatch.setattr(
        build_module, "discover_queries", lambda: [q for q in real() if q.name != "datasets_profile"]
    )
    with pytest.raises(CcauditError, match="report queries missing: datasets_profile"):
        publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2)
    assert not (tmp_path / "out" / "2026-03-08").exists()


def test_report_folder_copies_are_self_contained(world, tmp_path):
    """Moving the folder keeps every link inside it working (no link to the repository checkout)."""
    con, _ = world
    report_dir = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir
    moved = shutil.copytree(report_dir, tmp_path / "elsewhere")
    html = (moved / "report.html").read_text()
    import re

    for href in set(re.findall(r'href="([^"#:]+)"', html)):
        assert (moved / href).exists(), href


def test_commercial_use_is_measured_in_one_direction_everywhere(world, tmp_path):
    """Every share about commercial use is the share that forbids it: no table, CSV or JSON field
    measures the opposite direction under a similar name."""
    import re

    con, _ = world
    report_dir = publish_report(con, tmp_path / "out", publish_mode="full", now=DAY2).report_dir
    summary = read_summary(report_dir)
    columns = {c for table in summary["tables"].values() for c in table["columns"]}
    opposite = [
        c for c in columns if re.search(r"allow\w*commercial|commercial\w*share", c) and "forbid" not in c
    ]
    assert opposite == []
    keys = set(re.findall(r'"(\w*commercial\w*)":', (report_dir / "summary.json").read_text()))
    allowed_names = {
        "commercial_use",
        "dataset_allows_commercial",
        "datasets_commercial_use",
        "yfcc_commercial_use",
    }
    assert keys and not [
        k for k in keys if "forbid" not in k and not k.endswith("_known") and k not in allowed_names
    ]
    html = (report_dir / "report.html").read_text()
    assert "Forbids commercial use" in html and "Commercial use per dataset" not in html


def test_a_dataset_released_for_commercial_use_on_nc_photos_is_flagged(con, tmp_path):
    # the catalogue says FairFace's own terms (CC BY 4.0) allow commercial use; give it traceable NC photos
    ids = insert_photos(con)
    insert_dataset(con, "fairface", "2", ids[0:6] + ids[30:34], DAY1)
    forbid = con.execute("""SELECT count(*) FROM yfcc_photos JOIN licenses USING (license_id)
                            WHERE photo_id IN (SELECT photo_id FROM dataset_items) AND NOT commercial_use""").fetchone()[
        0
    ]
    assert forbid == 6
    summary = read_summary(publish_report(con, tmp_path / "out", publish_mode="full", now=DAY1).report_dir)
    flag = next(f for f in summary["datasets"][0]["flags"] if f["kind"] == "commercial_release_of_nc_photos")
    assert flag["count"] == forbid
    assert flag["text"] == (
        f"released for commercial use, but {forbid} of its 10 photos (60.0%) carry licenses that "
        "forbid commercial use"
    )


def test_limits_state_when_licenses_were_recorded():
    from pipelines.report.findings import limits

    rechecked = limits(
        {
            "yfcc_last_upload": "2014-02-01",
            "yfcc_released": 2014,
            "flickr_first_check": "2026-03-01",
            "flickr_last_check": "2026-03-08",
            "flickr_photos_checked": 12,
        },
        synthetic=False,
    )
    assert (
        "Licenses are as YFCC100M recorded them when Yahoo compiled it (photos uploaded up to 2014-02-01; "
        "released 2014), and for photos re-checked on Flickr, as Flickr showed them between 2026-03-01 and "
        "2026-03-08."
    ) in rechecked
    assert rechecked[-1] == "This report describes licenses; it is not legal advice."
    assert limits({"yfcc_released": 2014}, synthetic=True)[0].startswith(
        "This edition is built from synthetic data"
    )


def test_every_table_a_finding_reads_exists():
    from pipelines.report.findings import FINDING_TABLES
    from pipelines.report.queries import discover_queries

    assert set(FINDING_TABLES) <= {q.name for q in discover_queries()}
    # and the code reads no report table by name that is not declared
    import re

    code = "".join(p.read_text() for p in Path(build_module.__file__).parent.glob("*.py"))
    named = set(re.findall(r'table\(tables, "([a-z_0-9]+)"\)', code))
    assert named <= set(FINDING_TABLES), named - set(FINDING_TABLES)
