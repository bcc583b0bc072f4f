"""Benchmark enrichment against the local Flickr server (tests/flickr_server.py).

    python -m bench.bench_enrich [--photos 2000] [--window 30]

1. Throughput with a rate limit too high to bind: bare client calls/s (HTTP + JSON + parsing)
   and `enrich` checks/s (the same plus one committed DuckDB row per answer and the selection
   queries), giving the overhead per call that ccaudit adds to Flickr's latency.
2. Utilisation of a real 3600/h limit: `enrich` with a deadline of `--window` seconds while
   work is pending; calls the server received / calls the limit allows in that window.

With bench/run.py, `run(ctx)` returns rows {name, value, unit, note}; on its own it prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

KEY = "bench-key-not-a-real-one"
OWNERS = 50


def _database(folder: Path, photos: int) -> Path:
    from pipelines.db import connect

    db_path = folder / "bench_enrich.duckdb"
    with connect(db_path) as con:
        con.execute(
            """
            INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file,
                                     source_line)
            SELECT 5000000000 + i, (10000 + i % $owners)::VARCHAR || '@N01', 'nick', 4, FALSE, 'bench.tsv', i
            FROM range($n) t(i)""",
            {"n": photos, "owners": OWNERS},
        )
    return db_path


def _server(api_key: str):
    from tests.flickr_server import FlickrTestServer, person_body, photo_body

    server = FlickrTestServer(api_key=api_key).start()
    server.set_body("flickr.photos.getInfo", None, photo_body(1, license="2", owner="10000@N01"))
    server.set_body("flickr.people.getInfo", None, person_body("10000@N01"))
    return server


def bench_throughput(folder: Path, photos: int) -> list[dict]:
    from pipelines.config import Settings
    from pipelines.enrich.run import enrich
    from pipelines.flickr.client import FlickrClient

    server = _server(KEY)
    try:
        client = FlickrClient(KEY, server.url, 1e9)
        calls = min(photos, 2000)
        started = time.perf_counter()
        for i in range(calls):
            assert client.photo_info(5000000000 + i).ok
        client_seconds = time.perf_counter() - started
        client.close()

        settings = Settings(
            db_path=_database(folder, photos),
            flickr_api_url=server.url,
            flickr_rate_per_hour=1e9,
            flickr_api_key=KEY,
        )
        result = enrich(settings, max_age_days=30)
        assert result.photos_checked == photos and result.status == "complete"
    finally:
        server.stop()
    client_rate = calls / client_seconds
    enrich_rate = result.api_calls / result.seconds
    return [
        {
            "name": "flickr_client_calls_per_s",
            "value": round(client_rate, 1),
            "unit": "calls/s",
            "note": f"{calls} photos.getInfo against 127.0.0.1, HTTP keep-alive, parse included",
        },
        {
            "name": "flickr_client_ms_per_call",
            "value": round(1000 / client_rate, 3),
            "unit": "ms",
            "note": "client-side cost of one call (local server, no network latency)",
        },
        {
            "name": "enrich_calls_per_s",
            "value": round(enrich_rate, 1),
            "unit": "calls/s",
            "note": f"{photos} photos + {result.uploaders_fetched} uploaders, one committed row per answer",
        },
        {
            "name": "enrich_ms_per_call",
            "value": round(1000 / enrich_rate, 3),
            "unit": "ms",
            "note": "ccaudit overhead per API call (HTTP + parse + DuckDB commit + selection); Flickr's own "
            "latency comes on top, the 3600/h limit allows one call per second",
        },
    ]


def bench_utilisation(folder: Path, window: float, rate: float = 3600.0) -> list[dict]:
    from pipelines.config import Settings
    from pipelines.enrich.run import enrich

    server = _server(KEY)
    try:
        settings = Settings(
            db_path=_database(folder / "util", 10_000),
            flickr_api_url=server.url,
            flickr_rate_per_hour=rate,
            flickr_api_key=KEY,
        )
        started = time.monotonic()
        result = enrich(settings, deadline_seconds=window)
        elapsed = time.monotonic() - started
        times = [r.time - started for r in server.calls()]
    finally:
        server.stop()
    allowed = rate * window / 3600
    # Between the first and the last call: the bucket's sustained pace, without the one interval
    # a run waits at its start (the bucket starts empty so back-to-back runs stay under the limit).
    steady = (len(times) - 1) / (times[-1] - times[0]) * 3600 if len(times) > 1 else 0.0
    return [
        {
            "name": "enrich_rate_limit_utilisation",
            "value": round(100 * len(times) / allowed, 1),
            "unit": "%",
            "note": f"{len(times)} calls in a {window:g}s deadline run at {rate:g}/h (the limit allows "
            f"{allowed:g}); run took {elapsed:.1f}s, status {result.status}",
        },
        {
            "name": "enrich_sustained_calls_per_hour",
            "value": round(steady),
            "unit": "calls/h",
            "note": f"pace between first and last call under CCAUDIT_FLICKR_RATE={rate:g} "
            f"({100 * steady / rate:.2f}% of it; bucket burst 5, refill L-5 per hour)",
        },
    ]


def run(ctx=None, photos: int = 2000, window: float = 30.0) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="ccaudit-bench-enrich-") as tmp:
        folder = Path(tmp)
        (folder / "util").mkdir()
        return bench_throughput(folder, photos) + bench_utilisation(folder, window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=2000, help="photos for the throughput run")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of the 3600/h utilisation run")
    args = parser.parse_args(argv)
    rows = run(None, photos=args.photos, window=args.window)
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
