"""pipelines.stats: Wilson intervals against published values, the sample key in Python and SQL,
and the coverage of the whole procedure (draw, check, interval) over many seeded samples."""

from __future__ import annotations

import math
import random

import duckdb
import pytest

from pipelines.stats import Estimate, draw_sample, sample_key, sample_key_sql, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Values from scipy.stats.binomtest(x, n).proportion_ci(method="wilson") and Newcombe (1998),
        # Table I (81/263: 0.2553-0.3662; 0/10: 0-0.2775).
        (0, 10, 0.0, 0.27753279986288926),
        (5, 10, 0.236593090512564, 0.7634069094874361),
        (2, 400, 0.0013722529547103863, 0.01804491843624316),
        (81, 263, 0.2552885198782742, 0.36620957698280004),
        (10, 10, 0.7224672001371109, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n, continuity=False)
    assert got == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Table II, method 4 (score interval with continuity correction).
        (15, 148, 0.0598, 0.1644),
        (0, 20, 0.0, 0.2005),
        (1, 29, 0.0018, 0.1963),
    ],
)
def test_continuity_corrected_wilson_matches_newcombe(successes, n, low, high):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=6e-5)


@pytest.mark.parametrize("n", [30, 100, 300, 1000])
def test_exact_coverage_is_at_least_95_percent_for_every_true_share(n):
    """Coverage computed exactly from the binomial distribution on a grid of true shares."""
    intervals = [wilson_interval(x, n) for x in range(n + 1)]
    worst = 1.0
    for step in range(1, 200):
        p = step / 200
        pmf = [math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(n + 1)]
        worst = min(worst, sum(q for q, (lo, hi) in zip(pmf, intervals, strict=True) if lo <= p <= hi))
    assert worst >= 0.95, worst


@pytest.mark.parametrize(("successes", "n"), [(0, 0), (-1, 5), (6, 5)])
def test_wilson_interval_refuses_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_estimate_is_labelled_and_a_census_has_no_width():
    sampled = Estimate(count=3, n=100, population=10_000)
    assert sampled.label == "estimate" and sampled.interval == wilson_interval(3, 100)
    whole = Estimate(count=3, n=100, population=100)
    assert whole.label == "census" and whole.interval == (0.03, 0.03)


def test_sample_key_is_the_same_in_python_and_duckdb():
    ids = [1, 42, 9_999_999_999, 5_133_463_568]
    with duckdb.connect() as con:
        got = con.execute(
            f"SELECT photo_id, {sample_key_sql()} FROM unnest($ids) AS t(photo_id) ORDER BY photo_id",
            {"ids": ids, "seed": 7},
        ).fetchall()
    assert got == [(pid, sample_key(7, pid)) for pid in sorted(ids)]


def test_a_sample_is_reproducible_extendable_and_seed_dependent():
    population = range(1_000, 6_000)
    first = draw_sample(population, 50, seed=3)
    assert first == draw_sample(reversed(population), 50, seed=3)  # order of input irrelevant
    assert draw_sample(population, 120, seed=3)[:50] == first  # a larger N extends the sample
    assert set(draw_sample(population, 50, seed=4)) != set(first)
    assert len(set(first)) == 50


@pytest.mark.parametrize(("gone", "size"), [(325, 300), (100, 200), (1_000, 400), (15, 150)])
def test_interval_covers_the_true_share_in_at_least_95_percent_of_seeded_samples(gone, size):
    """The procedure the report uses, end to end on a simulated population with a known truth:
    draw with a seed, count the 'gone' photos in the sample, compute the interval; 150 seeds."""
    rng = random.Random(20_260_401)
    population = rng.sample(range(10**6, 10**9), 5_000)
    gone_ids = set(rng.sample(population, gone))
    truth = gone / len(population)
    runs, covered, widths = 150, 0, []
    for seed in range(runs):
        sample = draw_sample(population, size, seed)
        low, high = wilson_interval(sum(pid in gone_ids for pid in sample), len(sample))
        covered += low <= truth <= high
        widths.append(high - low)
    assert covered / runs >= 0.95, (covered, runs)
    assert max(widths) < 0.15  # informative, not trivially wide
