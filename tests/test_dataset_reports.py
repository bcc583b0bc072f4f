"""The datasets_* report queries reproduce the ground truth of synthetic manifests.

A generated YFCC100M sample is ingested with the real YFCC ingest, manifests are drawn from it
by `generate_manifests` (whose truth is counted while writing, by its own reader of the YFCC
file) and ingested with the real adapters; each report query must give the truth's numbers.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from pipelines.resources import read_sql, sql_dir

ROWS, SEED = 20_000, 7


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from pipelines.db import connect
    from pipelines.ingest.manifests import ingest_manifest
    from pipelines.ingest.yfcc import ingest_yfcc
    from pipelines.synth.manifests import generate_manifests
    from pipelines.synth.yfcc import generate_yfcc

    folder = tmp_path_factory.mktemp("world")
    yfcc = generate_yfcc(folder / "yfcc.tsv.zst", rows=ROWS, seed=SEED, bad_lines=12)
    specs = generate_manifests(yfcc.path, folder / "manifests", seed=SEED)
    con = connect(folder / "world.duckdb")
    ingest_yfcc(con, [yfcc.path], progress=False)
    results = {
        spec.dataset: ingest_manifest(
            con,
            spec.format,
            dataset=spec.dataset,
            version=spec.version,
            paths=list(spec.paths),
            **spec.options,
        )
        for spec in specs
    }
    yield con, {spec.dataset: spec.truth for spec in specs}, results
    con.close()


def report(con, name: str) -> list[dict]:
    cursor = con.execute(read_sql("reports", f"{name}.sql"))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_every_dataset_report_has_a_header():
    for path in sorted(sql_dir("reports").glob("datasets_*.sql")):
        header = [line for line in path.read_text().splitlines() if line.startswith("-- ")]
        keys = {line[3:].split(":", 1)[0] for line in header}
        assert {"title", "section", "order", "description"} <= keys, path.name
        assert "-- section: datasets" in header, path.name


def test_ingest_results_match_truth(world):
    _, truth, results = world
    for name, t in truth.items():
        assert results[name].items == t["items"], name
        assert results[name].rejected == 0, name
        assert results[name].auditable == t["auditable"], name
        assert results[name].matched_photos == t.get("matched_photos", 0), name


def test_summary(world):
    con, truth, _ = world
    rows = {r["dataset"]: r for r in report(con, "datasets_summary")}
    assert set(rows) == set(truth)
    for name, t in truth.items():
        row = rows[name]
        assert (row["items"], row["photos"], row["auditable"]) == (
            t["items"],
            t["distinct_photos"],
            t["auditable"],
        )
        if t["auditable"]:
            assert row["matched_photos"] == t["matched_photos"], name
            assert row["matched_share"] == pytest.approx(t["matched_share"], abs=1e-6)
            assert row["geotagged_share"] == pytest.approx(t["geotagged_photos"] / t["matched_photos"])
            assert row["uploaders"] == t["uploaders"], name


def test_license_breakdown(world):
    con, truth, _ = world
    rows = report(con, "datasets_license_breakdown")
    for name, t in truth.items():
        if not t["auditable"]:
            continue
        yfcc = {
            r["license_code"]: r["photos"]
            for r in rows
            if r["dataset"] == name and r["license_source"] == "yfcc100m"
        }
        expected = {_code(con, int(k)): v for k, v in t["licenses"].items()}
        assert yfcc == expected, name
        declared = {
            r["license_code"]: r["photos"]
            for r in rows
            if r["dataset"] == name and r["license_source"] == "declared"
        }
        assert declared == {_code(con, int(k)): v for k, v in t["declared_licenses"].items()}, name
        shares = [r["share"] for r in rows if r["dataset"] == name and r["license_source"] == "yfcc100m"]
        assert sum(shares) == pytest.approx(1.0)


def _code(con, license_id: int) -> str:
    return con.execute("SELECT code FROM licenses WHERE license_id = ?", [license_id]).fetchone()[0]


def test_commercial_use(world):
    con, truth, _ = world
    rows = {r["dataset"]: r for r in report(con, "datasets_commercial_use")}
    for name, t in truth.items():
        if not t["auditable"]:
            assert name not in rows
            continue
        forbid = t["matched_photos"] - t["commercial_use_allowed"]  # the generator uses CC 2.0 licenses only
        assert rows[name]["yfcc_forbid_commercial"] == forbid, name
        assert rows[name]["yfcc_commercial_use_known"] == t["matched_photos"], name
        assert rows[name]["yfcc_forbid_commercial_share"] == pytest.approx(forbid / t["matched_photos"])


def test_top_uploaders(world):
    con, truth, _ = world
    rows = report(con, "datasets_top_uploaders")
    for name, t in truth.items():
        if not t["auditable"]:
            continue
        got = [[r["owner"], r["photos"]] for r in rows if r["dataset"] == name]
        assert got == t["top_uploaders"], name


def test_overlap_matrix(world):
    con, truth, _ = world
    cells = {(r["dataset_a"], r["dataset_b"]): r["photos_in_common"] for r in report(con, "datasets_overlap")}
    auditable = sorted(n for n, t in truth.items() if t["auditable"])
    assert len(cells) == len(auditable) ** 2
    for name in auditable:
        assert cells[(name, name)] == truth[name]["distinct_photos"]
    shares = {
        (r["dataset_a"], r["dataset_b"]): r["share_of_smaller"] for r in report(con, "datasets_overlap")
    }
    for a, b in combinations(auditable, 2):
        expected = truth[a]["overlaps"].get(f"{a}|{b}", 0)
        assert cells[(a, b)] == cells[(b, a)] == expected, (a, b)
        smaller = min(truth[a]["distinct_photos"], truth[b]["distinct_photos"])
        assert shares[(a, b)] == shares[(b, a)] == pytest.approx(expected / smaller), (a, b)
    assert any(truth[a]["overlaps"].get(f"{a}|{b}", 0) for a, b in combinations(auditable, 2))


def test_license_mismatches(world):
    con, truth, _ = world
    rows = report(con, "datasets_license_mismatches")
    assert (
        sum(r["photos"] for r in rows if r["dataset"] == "ffhq")
        == truth["ffhq"]["declared_license_mismatches"]
        > 0
    )
    assert {r["dataset"] for r in rows} == {"ffhq"}


def test_attribution(world):
    con, truth, _ = world
    rows = {r["dataset"]: r for r in report(con, "datasets_attribution")}
    assert rows["ffhq"]["verdict"] == "author and license for every item"
    assert rows["ffhq"]["items_with_both"] == truth["ffhq"]["items"]
    for name in ("megaface", "clip_yfcc15m", "dif", "fairface"):
        assert rows[name]["verdict"] == "no attribution shipped" and rows[name]["items_with_both"] == 0


def test_unauditable_and_concentration(world):
    con, truth, _ = world
    unauditable = report(con, "datasets_unauditable")
    assert [(r["dataset"], r["items"], r["items_without_photo_id"]) for r in unauditable] == [
        ("fairface", truth["fairface"]["items"], truth["fairface"]["items"])
    ]
    concentration = {r["dataset"]: r for r in report(con, "datasets_uploader_concentration")}
    for name, t in truth.items():
        if t["auditable"]:
            row, top = concentration[name], t["top_uploaders"]
            assert (row["uploaders"], row["photos_with_owner"]) == (t["uploaders"], t["photos_with_owner"])
            assert row["top1_share"] == pytest.approx(top[0][1] / t["photos_with_owner"])
    assert report(con, "datasets_unrecognised_licenses") == []
