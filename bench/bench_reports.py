"""Benchmark the report: time every sql/reports query and the whole build on a bench database.

    python bench/bench_reports.py --db bench/data/bench.duckdb            # an existing database
    python bench/bench_reports.py --rows 1000000                         # generate, ingest, then time

With `bench/run.py`, `run(ctx)` returns {name, value, unit, note} rows (using `ctx.db_path` when the
context has one); on its own the script prints one JSON document. The build itself runs in both
publish modes because pseudonymisation and the leak scan cost time too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench_database(db_path: Path, repeat: int = 3) -> dict:
    from pipelines.db import connect
    from pipelines.publish.report import publish_report
    from pipelines.publish.search_index import build_search_index
    from pipelines.report.queries import discover_queries, run_query

    con = connect(db_path, read_only=True)  # as the Airflow report task opens it
    try:
        rows = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
        items = con.execute("SELECT count(*) FROM dataset_items").fetchone()[0]
        queries = {}
        for query in discover_queries():
            seconds, table = _timed(lambda q=query: run_query(con, q), repeat)
            queries[query.name] = {
                "seconds": round(seconds, 4),
                "status": table.status,
                "rows": len(table.rows),
            }
        index_seconds, index = _timed(lambda: build_search_index(con, salt="bench"), 1)
        builds = {}
        with tempfile.TemporaryDirectory(prefix="ccaudit-bench-report-") as out:
            for mode in ("full", "pseudonymous"):
                seconds, result = _timed(lambda m=mode: publish_report(con, Path(out), publish_mode=m), 1)
                size = sum(p.stat().st_size for p in result.report_dir.rglob("*") if p.is_file())
                builds[mode] = {
                    "seconds": round(seconds, 3),
                    "bytes": size,
                    "search_html_bytes": (result.report_dir / "search.html").stat().st_size,
                }
    finally:
        con.close()
    return {
        "yfcc_rows": rows,
        "dataset_items": items,
        "queries": queries,
        "queries_total_seconds": round(sum(q["seconds"] for q in queries.values()), 3),
        "slowest_query": max(queries, key=lambda name: queries[name]["seconds"]) if queries else None,
        "search_index_seconds": round(index_seconds, 3),
        "search_index_entries": {"accounts": index["accounts"], "photos": index["photo_entries"]},
        "build": builds,
    }


def make_database(folder: Path, rows: int, seed: int = 1) -> Path:
    """A bench database from the generators: YFCC100M-format rows plus the derived manifests."""
    from pipelines.db import connect
    from pipelines.ingest.manifests import ingest_manifest
    from pipelines.ingest.yfcc import ingest_yfcc
    from pipelines.synth.manifests import generate_manifests
    from pipelines.synth.yfcc import generate_yfcc

    data = folder / "bench_yfcc.tsv.zst"
    generate_yfcc(data, rows=rows, seed=seed)
    db_path = folder / "bench_reports.duckdb"
    con = connect(db_path)
    try:
        ingest_yfcc(con, [data], progress=False)
        for spec in generate_manifests(data, folder / "manifests", seed=seed):
            ingest_manifest(
                con,
                spec.format,
                dataset=spec.dataset,
                version=spec.version,
                paths=list(spec.paths),
                **spec.options,
            )
    finally:
        con.close()
    return db_path


def as_rows(result: dict) -> list[dict]:
    """The bench/run.py row format: one {name, value, unit, note} per measurement."""
    size = f"{result['yfcc_rows']:,} YFCC100M rows, {result['dataset_items']:,} dataset items"
    rows = [
        {
            "name": f"report_query_{name}",
            "value": q["seconds"],
            "unit": "s",
            "note": f"{q['status']}, {q['rows']} rows; {size}",
        }
        for name, q in result["queries"].items()
    ]
    rows.append(
        {
            "name": "report_queries_total",
            "value": result["queries_total_seconds"],
            "unit": "s",
            "note": f"slowest: {result['slowest_query']}; {size}",
        }
    )
    rows.append(
        {
            "name": "report_search_index",
            "value": result["search_index_seconds"],
            "unit": "s",
            "note": f"{result['search_index_entries']['accounts']:,} accounts, "
            f"{result['search_index_entries']['photos']:,} photos",
        }
    )
    for mode, build in result["build"].items():
        rows.append(
            {
                "name": f"report_build_{mode}",
                "value": build["seconds"],
                "unit": "s",
                "note": f"{build['bytes']:,} bytes published (search.html {build['search_html_bytes']:,}); {size}",
            }
        )
    return rows


def run(ctx=None, rows: int = 200_000) -> list[dict]:
    """Entry point for bench/run.py: the context's database (`ctx.db_path`) or a generated one."""
    db_path = getattr(ctx, "db_path", None)
    if db_path and Path(db_path).exists():
        return as_rows(bench_database(Path(db_path)))
    with tempfile.TemporaryDirectory(prefix="ccaudit-bench-reports-") as tmp:
        return as_rows(bench_database(make_database(Path(tmp), rows)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing ccaudit database to report on")
    parser.add_argument("--rows", type=int, default=200_000, help="rows to generate when --db is not given")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (the median is kept)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate into DIR and keep it (reuse it later with --db DIR/bench_reports.duckdb)",
    )
    args = parser.parse_args(argv)
    if args.db:
        result = bench_database(args.db, args.repeat)
    elif args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        db_path = make_database(args.keep, args.rows)
        result = {
            "setup_seconds": round(time.perf_counter() - started, 1),
            **bench_database(db_path, args.repeat),
        }
    else:
        with tempfile.TemporaryDirectory(prefix="ccaudit-bench-") as tmp:
            started = time.perf_counter()
            db_path = make_database(Path(tmp), args.rows)
            setup = time.perf_counter() - started
            result = {"setup_seconds": round(setup, 1), **bench_database(db_path, args.repeat)}
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
