"""n, a 95% interval and a basis on every re-check share of the report: "Photos no longer
available", "License drift" and its summary. One SQL copy of the interval (the macros in
sql/schema/005_stats_macros.sql, checked against pipelines.stats and known values); the basis says
whether a share speaks for the whole dataset (census), estimates it from a seeded sample
(estimate, with an interval) or only describes the photos checked (not a random sample: enrichment's
default order is by photo id, oldest first). Runs against the local Flickr server with a known truth
(tests/test_live_audit.py)."""

from __future__ import annotations

import math

import duckdb
import pytest

from pipelines.db import connect
from pipelines.enrich.run import enrich
from pipelines.resources import sql_dir
from pipelines.stats import draw_sample, wilson_interval
from tests.test_live_audit import report, world  # noqa: F401  (world: the fixture)

# The 95% Wilson score interval with continuity correction, solved from its definition
# |k/n - p| - 1/(2n) = z * sqrt(p(1-p)/n) by bisection (not from the closed form both copies use);
# 0 of 10 -> 0.3445 is also Newcombe (1998), Table I, method 4.
KNOWN = [
    (0, 10, 0.0, 0.3445372183069225),
    (5, 10, 0.20142296959860717, 0.7985770304013928),
    (10, 10, 0.6554627816930774, 1.0),
    (15, 148, 0.05977820842849814, 0.164449779364837),
    (1, 29, 0.001802640213279672, 0.19628175100975953),
]


@pytest.fixture(scope="module")
def macros():
    con = duckdb.connect()
    con.execute((sql_dir("schema") / "005_stats_macros.sql").read_text())
    yield con
    con.close()


@pytest.mark.parametrize(("k", "n", "low", "high"), KNOWN)
def test_the_sql_macros_and_python_give_the_known_intervals(macros, k, n, low, high):
    got = macros.execute("SELECT wilson_low($k, $n), wilson_high($k, $n)", {"k": k, "n": n}).fetchone()
    assert got == pytest.approx((low, high), abs=1e-12)
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=1e-12)


def test_the_sql_macros_equal_python_on_a_grid_and_n_zero_has_no_interval(macros):
    pairs = [(k, n) for n in (1, 2, 3, 7, 30, 80, 401) for k in range(n + 1)]
    got = macros.execute(
        "SELECT k, n, wilson_low(k, n), wilson_high(k, n) FROM unnest($k) AS a(k), "
        "unnest($n) AS b(n) WHERE k <= n",
        {"k": sorted({k for k, _ in pairs}), "n": sorted({n for _, n in pairs})},
    ).fetchall()
    assert len(got) == len(pairs)
    for k, n, low, high in got:
        assert (low, high) == pytest.approx(wilson_interval(k, n), abs=1e-12), (k, n)
    assert macros.execute("SELECT wilson_low(0, 0), wilson_high(0, 0)").fetchone() == (None, None)


def _declare_licenses(db_path) -> None:
    """The manifest declares CC BY (4) for every item, so the drift tables get a 'dataset faces' snapshot."""
    with connect(db_path) as con:
        con.execute("UPDATE dataset_items SET declared_license_id = 4, declared_license_raw = 'CC BY 2.0'")


def test_a_seeded_sample_gives_estimates_with_n_and_intervals(world):  # noqa: F811
    settings, _server, photos = world
    _declare_licenses(settings.db_path)
    enrich(settings, sample=60, seed=3)
    sample = draw_sample(photos, 60, 3)
    gone = sum(photos[pid]["status"] != "ok" for pid in sample)
    available = [pid for pid in sample if photos[pid]["status"] == "ok"]
    changed = sum(photos[pid]["now"] != 4 for pid in available)
    low, high = wilson_interval(gone, 60)

    unavailable = {r["dataset"]: r for r in report(settings.db_path, "enrichment_unavailable")}
    faces = unavailable["faces"]
    assert (faces["population"], faces["photos_checked"], faces["basis"]) == (300, 60, "estimate")
    assert faces["pct_unavailable"] == round(100 * gone / 60, 2)
    # percentages rounded outwards to 0.01 points: the printed interval holds the exact one
    assert (faces["pct_unavailable_low"], faces["pct_unavailable_high"]) == (
        math.floor(10_000 * low) / 100,
        math.ceil(10_000 * high) / 100,
    )
    true_gone = 100 * sum(f["status"] != "ok" for f in photos.values()) / len(photos)
    assert faces["pct_unavailable_low"] <= true_gone <= faces["pct_unavailable_high"]
    # YFCC100M as a whole was never sampled: its share describes the checked photos only
    yfcc = unavailable["YFCC100M (all photos)"]
    assert (
        yfcc["photos_checked"],
        yfcc["basis"],
        yfcc["pct_unavailable_low"],
        yfcc["pct_unavailable_high"],
    ) == (60, "not a random sample", None, None)

    summary = {r["snapshot"]: r for r in report(settings.db_path, "enrichment_drift_summary")}
    dataset = summary["dataset faces"]
    low, high = wilson_interval(changed, len(available))
    assert (dataset["photos_available"], dataset["license_changed"], dataset["basis"]) == (
        len(available),
        changed,
        "estimate",
    )
    assert (dataset["pct_changed_low"], dataset["pct_changed_high"]) == (
        math.floor(10_000 * low) / 100,
        math.ceil(10_000 * high) / 100,
    )
    assert (
        summary["YFCC100M"]["basis"] == "not a random sample"
        and summary["YFCC100M"]["pct_changed_low"] is None
    )

    pairs = [
        r for r in report(settings.db_path, "enrichment_license_drift") if r["snapshot"] == "dataset faces"
    ]
    assert sum(r["photos"] for r in pairs) == len(available)
    for row in pairs:
        assert (row["photos_available"], row["basis"]) == (len(available), "estimate")
        assert row["share"] == pytest.approx(row["photos"] / len(available))
        assert (row["share_low"], row["share_high"]) == pytest.approx(
            wilson_interval(row["photos"], len(available)), abs=1e-12
        )


def test_checks_in_the_default_order_are_not_a_random_sample(world):  # noqa: F811
    """A seeded sample plus photos checked by id: neither a sample nor a census, so no interval."""
    settings, _server, _photos = world
    _declare_licenses(settings.db_path)
    enrich(settings, sample=40, seed=3)
    enrich(settings, dataset="faces", limit=25)  # the lowest photo ids not yet checked
    faces = {r["dataset"]: r for r in report(settings.db_path, "enrichment_unavailable")}["faces"]
    assert (faces["photos_checked"], faces["basis"]) == (65, "not a random sample")
    assert faces["pct_unavailable"] is not None
    assert faces["pct_unavailable_low"] is None and faces["pct_unavailable_high"] is None
    dataset = {r["snapshot"]: r for r in report(settings.db_path, "enrichment_drift_summary")}[
        "dataset faces"
    ]
    assert dataset["basis"] == "not a random sample" and dataset["pct_changed_low"] is None
    for row in report(settings.db_path, "enrichment_license_drift"):
        assert row["basis"] == "not a random sample" and row["share_low"] is None and row["share"] is not None


def test_checking_every_photo_is_a_census_with_exact_shares(world):  # noqa: F811
    settings, _server, photos = world
    _declare_licenses(settings.db_path)
    enrich(settings)  # every dataset photo, then the rest of YFCC100M
    gone = sum(f["status"] != "ok" for f in photos.values())
    for row in report(settings.db_path, "enrichment_unavailable"):
        assert (row["population"], row["photos_checked"], row["basis"]) == (300, 300, "census")
        assert (
            row["pct_unavailable_low"]
            == row["pct_unavailable"]
            == row["pct_unavailable_high"]
            == round(100 * gone / 300, 2)
        )
    for row in report(settings.db_path, "enrichment_drift_summary"):
        assert (
            row["basis"] == "census"
            and row["pct_changed_low"] == row["pct_changed"] == row["pct_changed_high"]
        )
    for row in report(settings.db_path, "enrichment_license_drift"):
        assert row["basis"] == "census" and row["share_low"] == row["share"] == row["share_high"]
