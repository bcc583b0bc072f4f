"""Benchmark `ccaudit lookup` on the bench database: by NSID, nickname, photo URL and photo id.

    python -m bench.bench_lookup --db bench/data/ccaudit_5000000.duckdb

With `bench/run.py`, `run(ctx)` uses `ctx.db_path` (the database of the largest ingested size) and
returns {name, value, unit, note} rows. Each figure is the median of several warm runs, opened
read-only as a journalist's session would. Target (issue 7): lookup by NSID <= 200 ms at 5M rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

REPEAT = 7


def _median_ms(fn, repeat: int = REPEAT) -> float:
    fn()  # warm the buffer cache and DuckDB's catalog
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def bench_database(db_path: Path) -> list[dict]:
    from pipelines.db import connect
    from pipelines.lookup.answer import lookup

    con = connect(db_path, read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
        # A typical uploader (median photo count) and the busiest one: the latter builds the biggest answer.
        typical, busiest = con.execute("""
            WITH per_owner AS (SELECT owner_nsid, count(*) AS n FROM yfcc_photos GROUP BY owner_nsid)
            SELECT (SELECT owner_nsid FROM per_owner ORDER BY n, owner_nsid
                    LIMIT 1 OFFSET (SELECT count(*) // 2 FROM per_owner)),
                   (SELECT owner_nsid FROM per_owner ORDER BY n DESC, owner_nsid LIMIT 1)""").fetchone()
        photo_id, nickname, page_url = con.execute(
            "SELECT photo_id, owner_nickname, page_url FROM yfcc_photos WHERE owner_nsid = ? LIMIT 1",
            [typical],
        ).fetchone()
        queries = {
            "lookup_nsid_typical": typical,
            "lookup_nsid_busiest": busiest,
            "lookup_nickname": nickname,
            "lookup_photo_url": page_url,
            "lookup_photo_id": str(photo_id),
        }
        out = []
        for name, query in queries.items():
            found = lookup(con, query).found
            out.append(
                {
                    "name": name,
                    "value": _median_ms(lambda q=query: lookup(con, q)),
                    "unit": "ms",
                    "note": f"{rows:,} rows; found={found}"
                    + ("; target <= 200 ms" if "nsid" in name else ""),
                }
            )
        return out
    finally:
        con.close()


def run(ctx=None) -> list[dict]:
    db_path = getattr(ctx, "db_path", None)
    if not db_path:
        return [{"name": "skipped", "value": None, "unit": "", "note": "no bench database was kept"}]
    return bench_database(Path(db_path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    print(json.dumps(bench_database(parser.parse_args().db), indent=2))


if __name__ == "__main__":
    main()
