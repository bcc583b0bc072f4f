"""Print the README's ingest performance table from bench/results.json (no number typed by hand).

    python -m bench.readme_table [bench/results.json]

One row per size and input form: ccaudit's rows/s, the baseline of the same file in the same run
(DuckDB's bare read into a table, or the bare decompressor pipe; for SQLite/JSON lines the faster
of DuckDB and Polars), the ratio, the target, database bytes per row, peak RSS and the projected
time for 100M rows, and the Airflow task path's time over the CLI's (target ≤ 1.15).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = {"plain": 1.4, "zstd": 1.4, "bz2": 1.25}
BASELINE = {
    "plain": "DuckDB read_csv → table",
    "zstd": "zstd -dc \\| DuckDB read_csv",
    "bz2": "lbzip2 -dc \\| DuckDB read_csv",
    "sqlite": "ADBC → DuckDB table",
    "jsonl-shards": "DuckDB read_json / Polars",
    "parquet": "DuckDB read_parquet",
}


def table(results: dict) -> str:
    rows = results["ingest"]
    lines = [
        (
            "| rows | input | ccaudit | baseline (same file, same run) | ratio | target "
            "| DB bytes/row (file; table data) | peak RSS | 100M rows | Airflow path / CLI |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["contender"] != "ccaudit" or not r.get("seconds"):
            continue
        allowed = ("duckdb-pipe",) if r["format"] in TARGET else ("duckdb-pipe", "polars")
        base = [
            b
            for b in rows
            if b["rows"] == r["rows"]
            and b["format"] == r["format"]
            and b.get("seconds")
            and b["contender"] in allowed
        ]
        best = min(base, key=lambda b: b["seconds"]) if base else None
        ratio = f"**{best['seconds'] / r['seconds']:.2f}×**" if best else "-"
        baseline = (
            f"{best['rows_per_s'] / 1000:.0f}K rows/s ({best['contender']}: {BASELINE[r['format']]})"
            if best
            else "-"
        )
        used = (r.get("detail") or {}).get("table_bytes_per_row")
        stored = f"{r['db_bytes_per_row']:.0f}" if r.get("db_bytes_per_row") is not None else "-"
        dag = next(
            (
                a
                for a in rows
                if a["contender"] == "airflow-tasks"
                and a["rows"] == r["rows"]
                and a["format"] == r["format"]
                and a.get("seconds")
            ),
            None,
        )
        airflow = f"{dag['seconds'] / r['seconds']:.2f}" if dag else "-"
        lines.append(
            f"| {r['rows']:,} | {r['format']} | {r['rows_per_s'] / 1000:.0f}K rows/s | {baseline} | {ratio} "
            f"| ≥ {TARGET.get(r['format'], 0.8)}× | {stored}; {used if used is not None else '-'} "
            f"| {r['peak_rss_mb'] / 1024:.2f} GB | {r['projected_100m_minutes']:.0f} min | {airflow} |"
        )
    machine = results.get("machine", {})
    lines.append("")
    lines.append(
        f"Measured {results.get('started_at', '?')} on {machine.get('cpus', '?')} CPUs, DuckDB "
        f"{machine.get('duckdb', '?')}, load average at start "
        f"{', '.join(f'{x:.1f}' for x in machine.get('load_average_at_start', []))}."
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path(__file__).resolve().parent / "results.json"
    print(table(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
