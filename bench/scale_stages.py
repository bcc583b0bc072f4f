"""Stages of `python -m bench.scale` that the CLI does not offer on their own, run as a child process each.

    python -m bench.scale_stages report       --db DB --out DIR --result FILE
    python -m bench.scale_stages search_index --db DB --out DIR --result FILE
    python -m bench.scale_stages lookup       --db DB --count 100 --result FILE

`ccaudit report` writes the report, builds the search index inside it and publishes the edition in
one command. Here `report` is the library call `publish_report` (the report as written, the edition is
`ccaudit publish-db`, a stage of its own) with the search-index build timed where it happens (the
real function, wrapped, not replaced), so the report's own seconds can be told apart;
`search_index` is that index built and written again alone, as the report does it. `lookup` picks
100 queries from the database (busiest accounts first) and times each answer as `ccaudit lookup`
builds it (read_text, the queries, the text), one read-only connection for all, as one process serves them.
Each writes a small JSON result to FILE for the parent, which measures the process itself.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time
from pathlib import Path

from pipelines.db import connect

QUERY_MIX = {
    "busiest_nsid": 5,
    "busiest_name": 5,
    "nsid": 20,
    "name": 15,
    "page_url": 15,
    "static_url": 10,
    "short_url": 10,
    "photo_id": 10,
    "absent": 10,
}


def run_report(db: Path, out: Path) -> dict:
    from pipelines.publish import report as publish

    inside = []
    real = publish.build_search_index

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - started)

    publish.build_search_index = timed
    with connect(db, read_only=True) as con:
        result = publish.publish_report(
            con, out_dir=out
        )  # the report as `ccaudit report` writes it, no edition
    slowest = sorted(result.tables, key=lambda t: -t.seconds)[:5]
    return {
        "report_seconds": round(result.seconds, 3),
        "search_index_seconds_inside": round(sum(inside), 3),
        "tables": len(result.tables),
        "failed_tables": [t.name for t in result.tables if t.status == "error"],
        "query_seconds": round(sum(t.seconds for t in result.tables), 3),
        "slowest_queries": {t.name: round(t.seconds, 3) for t in slowest},
    }


def run_search_index(db: Path, out: Path) -> dict:
    from pipelines.publish.search_index import PHOTO_LIMIT, build_search_index, split_search_index

    with connect(db, read_only=True) as con:
        page, files = split_search_index(
            build_search_index(con, salt=secrets.token_hex(16), photo_limit=PHOTO_LIMIT)
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "search-index-page.json").write_text(json.dumps(page))
    sizes = []
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        (out / name).write_bytes(data)
        sizes.append(len(data))
    page_bytes = len(json.dumps(page).encode())
    return {
        "photo_limit": PHOTO_LIMIT,
        "photo_entries": page.get("photo_entries"),
        "accounts": page.get("accounts"),
        "shard_files": len(sizes),
        "page_index_bytes": page_bytes,
        "index_bytes": sum(sizes),
        "median_shard_bytes": statistics.median(sizes) if sizes else None,
        "max_shard_bytes": max(sizes, default=None),
    }


def pick_queries(con, count: int) -> list[tuple[str, str]]:
    """(kind, text) pairs: the busiest accounts, random ones, names, links of every form, dataset photos, absent ones."""
    from pipelines.flickr.urls import encode_base58

    mix = {k: max(1, round(v * count / 100)) for k, v in QUERY_MIX.items()}
    busiest = con.execute(
        "SELECT owner_nsid, any_value(owner_nickname) FROM yfcc_photos GROUP BY owner_nsid "
        "ORDER BY count(*) DESC, owner_nsid LIMIT ?",
        [mix["busiest_nsid"]],
    ).fetchall()
    photos = con.execute(
        "SELECT photo_id, owner_nsid, owner_nickname, page_url, download_url FROM yfcc_photos "
        "USING SAMPLE reservoir(200 ROWS) REPEATABLE (7)"
    ).fetchall()
    items = [
        r[0]
        for r in con.execute(
            "SELECT photo_id FROM dataset_items WHERE photo_id IS NOT NULL "
            "USING SAMPLE reservoir(50 ROWS) REPEATABLE (7)"
        ).fetchall()
    ]
    queries = [("busiest_nsid", n) for n, _ in busiest] + [
        ("busiest_name", name) for _, name in busiest if name
    ]
    queries += [("nsid", p[1]) for p in photos[: mix["nsid"]]]
    queries += [("name", p[2]) for p in photos[20 : 20 + mix["name"]] if p[2]]
    queries += [
        ("page_url", p[3] or f"https://www.flickr.com/photos/{p[1]}/{p[0]}/")
        for p in photos[40 : 40 + mix["page_url"]]
    ]
    queries += [("static_url", p[4]) for p in photos[60 : 60 + mix["static_url"]] if p[4]]
    queries += [
        ("short_url", f"https://flic.kr/p/{encode_base58(p[0])}") for p in photos[80 : 80 + mix["short_url"]]
    ]
    queries += [("photo_id", str(i)) for i in items[: mix["photo_id"]]]
    queries += [
        ("absent", f"{99000000 + k}@N07" if k % 2 else str(90_000_000_000 + k)) for k in range(mix["absent"])
    ]
    return queries[:count]


def run_lookups(db: Path, count: int) -> dict:
    from pipelines.lookup.answer import run_lookup

    with connect(db, read_only=True) as con:
        started = time.perf_counter()
        queries = pick_queries(con, count)
        picked = time.perf_counter() - started
        timings, found = [], 0
        for kind, text in queries:
            started = time.perf_counter()
            run = run_lookup(con, [text])
            run.as_text()
            timings.append((time.perf_counter() - started, kind, text))
            found += run.found
    seconds = sorted(t for t, _, _ in timings)
    slowest = max(timings)
    return {
        "queries": len(timings),
        "found": found,
        "pick_seconds": round(picked, 3),
        "p50": round(statistics.median(seconds), 4),
        "p95": round(seconds[max(0, round(0.95 * len(seconds)) - 1)], 4),
        "max": round(slowest[0], 4),
        "slowest_kind": slowest[1],
        "busiest_seconds": [round(t, 4) for t, kind, _ in timings if kind == "busiest_nsid"],
        "max_by_kind": {
            k: round(max((t for t, kind, _ in timings if kind == k), default=0), 4) for k in QUERY_MIX
        },
        "cli_queries": [text for _, kind, text in timings if kind in ("busiest_nsid", "page_url")][:3],
        "kinds": {k: sum(1 for _, kind, _ in timings if kind == k) for k in QUERY_MIX},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("report", "search_index", "lookup"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.stage == "report":
        result = run_report(args.db, args.out)
    elif args.stage == "search_index":
        result = run_search_index(args.db, args.out)
    else:
        result = run_lookups(args.db, args.count)
    args.result.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
