"""Benchmark search.html's sharded index at CLIP scale: build, size on disk, and queries in Chromium.

    python -m bench.bench_search --photos 15000000 [--queries 40] [--keep DIR]

Generates a database in DuckDB directly (N YFCC100M-like photos by N/170 uploaders, every photo in one
derived dataset the size of OpenAI's CLIP subset, a fifth of them in a second one), builds the
search index as `ccaudit report` does, writes the page and its shard files, serves them from
127.0.0.1 and drives headless Chromium through `--queries` lookups (photo ids, NSIDs, absent ids),
each on a fresh page so every shard is fetched cold. Reports: index build time, total index size
and file count, bytes fetched and wall time per query in the browser, and, as the baseline in the
same run, `ccaudit lookup`'s own time for the same queries on the same database.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import secrets
import statistics
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PHOTOS_PER_UPLOADER = 170  # YFCC100M: 100M rows / 581,099 uploaders
FIRST_PHOTO_ID = 10_000_000


def make_database(path: Path, photos: int):
    from pipelines.db import connect

    con = connect(path)
    users = max(photos // PHOTOS_PER_UPLOADER, 1)
    con.execute(f"""
        INSERT INTO yfcc_photos (photo_id, owner_nsid, owner_nickname, license_id, is_video, source_file, source_line)
        SELECT {FIRST_PHOTO_ID} + i * 7, (10000000 + hash(i) % {users})::VARCHAR || '@N00',
               'user' || (hash(i) % {users})::VARCHAR, 1 + i % 6, false, 'bench', i
        FROM range({photos}) t(i)""")
    con.execute("""
        INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref)
        SELECT 'clip-yfcc15m', 'bench', photo_id::VARCHAR, photo_id, NULL FROM yfcc_photos""")
    con.execute("""
        INSERT INTO dataset_items (dataset, version, item_key, photo_id, owner_ref)
        SELECT 'megaface', 'bench', photo_id::VARCHAR || '_' || f, photo_id, owner_nsid
        FROM yfcc_photos, range(2) r(f) WHERE photo_id % 5 = 0""")
    con.execute("""
        INSERT INTO datasets (dataset, version, format, items, ingested_at)
        SELECT dataset, version, 'bench', count(*), now() FROM dataset_items GROUP BY ALL""")
    return con


def write_report(con, out: Path, photo_limit: int) -> dict:
    from pipelines.publish.search_index import build_search_index, split_search_index
    from pipelines.report.render import _environment

    started = time.perf_counter()
    page, files = split_search_index(
        build_search_index(con, salt=secrets.token_hex(16), photo_limit=photo_limit)
    )
    built = time.perf_counter() - started
    html = (
        _environment(True)
        .get_template("search.html.j2")
        .render(search_index=page, generated_at="bench", synthetic_notice=None)
    )
    (out / "search.html").write_text(html)
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    written = time.perf_counter() - started
    sizes = [len(t.encode()) for t in files.values()]
    return {
        "page": page,
        "build_s": built,
        "build_and_write_s": written,
        "files": len(files),
        "index_bytes": sum(sizes),
        "page_bytes": len(html.encode()),
        "median_file_bytes": statistics.median(sizes) if sizes else 0,
        "max_file_bytes": max(sizes, default=0),
    }


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def browser_queries(out: Path, queries: list[str]) -> list[dict]:
    from tests.browser_support import Browser, find_chromium

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search.html"
    browser = Browser(find_chromium())
    results = []
    try:
        for query in queries:
            browser.open(url)  # a fresh page: nothing cached in the page, every shard fetched cold
            found = browser.evaluate(
                "(async () => { const t0 = performance.now(); const a = await ccauditAnswer("
                + json.dumps(query)
                + "); return [performance.now() - t0, ccauditBytesFetched, a.map(x => x.found)]; })()",
                await_promise=True,
            )
            results.append({"query": query, "ms": found[0], "bytes": found[1], "found": found[2]})
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
    return results


def cli_queries(con, queries: list[str]) -> list[float]:
    from pipelines.lookup.answer import lookup_text

    times = []
    for query in queries:
        started = time.perf_counter()
        lookup_text(con, query)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the database and report here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ccaudit-bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = make_database(work / "bench.duckdb", args.photos)
    generated = time.perf_counter() - started
    out = work / "report"
    out.mkdir(exist_ok=True)
    report = write_report(con, out, photo_limit=0)  # dataset photos only, as for the full YFCC100M
    rng = random.Random(7)
    ids = [FIRST_PHOTO_ID + 7 * rng.randrange(args.photos) for _ in range(args.queries // 2)]
    nsids = [
        r[0]
        for r in con.execute("SELECT DISTINCT owner_nsid FROM yfcc_photos USING SAMPLE 20 ROWS").fetchall()
    ]
    queries = (
        [str(i) for i in ids]
        + nsids[: args.queries // 4]
        + [str(FIRST_PHOTO_ID + 7 * rng.randrange(args.photos) + 3) for _ in range(args.queries // 4)]
    )
    browser = browser_queries(out, queries)
    cli = cli_queries(con, queries)
    con.close()
    page = report.pop("page")
    summary = {
        "photos": args.photos,
        "generate_db_s": round(generated, 1),
        **{k: round(v, 1) if isinstance(v, float) else v for k, v in report.items()},
        "photo_entries": page["photo_entries"],
        "accounts": page["accounts"],
        "shard_chars": page["shard_chars"],
        "profiles": len(page["profiles"]),
        "query_bytes_median": statistics.median(r["bytes"] for r in browser),
        "query_bytes_max": max(r["bytes"] for r in browser),
        "query_ms_median_chromium": round(statistics.median(r["ms"] for r in browser), 1),
        "query_ms_max_chromium": round(max(r["ms"] for r in browser), 1),
        "baseline_ccaudit_lookup_ms_median": round(statistics.median(cli), 1),
        "found_photo_queries": sum(all(r["found"]) for r in browser[: len(ids)]),
        "photo_queries": len(ids),
        "found_absent_queries": sum(
            any(r["found"]) for r in browser[len(ids) + len(nsids[: args.queries // 4]) :]
        ),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
