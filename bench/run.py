"""Ingest benchmark: ccaudit end to end against the bare tools, on generated YFCC100M files.

    make bench                                   # 1M and 5M rows: bz2, zstd, plain, SQLite, JSON-lines shards
    python -m bench.run --quick                  # 200K rows
    python -m bench.run --rows 2000000 --formats bz2 plain --contenders ccaudit duckdb-pipe

For each size and format, every contender runs as its own process on the same file (the page
cache is warmed first), and its wall time, CPU time and peak RSS come from the OS (`wait4`):
- `ccaudit`: `ccaudit ingest yfcc FILE` into a fresh database (the CLI path, all checks on);
- `airflow-tasks`: the same file through ccaudit_ingest_yfcc's task bodies (plan, stage, load) in one
  process: the Airflow path's work without the scheduler (target: within 15% of the CLI);
- `duckdb-pipe`: the bare `lbzip2 -dc | duckdb read_csv(/dev/stdin) → table` pipe (`zstd -dc |`
  for zstd; DuckDB reading the file itself for plain), explicit VARCHAR columns, no typing;
- `polars`: `scan_csv → sink_parquet` (plain only: Polars cannot stream bz2/zstd CSV), and
  `scan_ndjson → sink_parquet` for the JSON-lines shards;
- for the other forms (written by `generate yfcc --format`, the same rows) `duckdb-pipe` is the bare
  read of the same file into a DuckDB table: ADBC Arrow batches for SQLite, `read_json` for the
  shards, `read_parquet`;
- `pandas`: chunked `read_csv` → Parquet (skipped above --pandas-max-rows, it is slow).
Generated data is cached under bench/data/ (gitignored). Results: a table on stdout and
bench/results.json. Modules bench/bench_*.py exposing `run(ctx) -> list[dict]` are run after
(ctx.db_path is the ccaudit database of the largest size) and their rows printed too.
"""

from __future__ import annotations

import argparse
import bz2
import importlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
FULL_ROWS = 100_000_000
FORMATS = ("bz2", "zstd", "plain", "sqlite", "jsonl-shards", "parquet")
DEFAULT_FORMATS = ("bz2", "zstd", "plain", "sqlite", "jsonl-shards")
CONTENDERS = ("ccaudit", "airflow-tasks", "duckdb-pipe", "polars", "pandas")
SUFFIX = {
    "bz2": ".tsv.bz2",
    "zstd": ".tsv.zst",
    "plain": ".tsv",
    "sqlite": ".sqlite",
    "jsonl-shards": ".jsonl-shards",
    "parquet": ".parquet",
}
FORMS = ("sqlite", "jsonl-shards", "parquet")  # written by `generate yfcc --format`, the same rows


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Row:
    rows: int
    format: str
    contender: str
    seconds: float | None = None
    rows_per_s: float | None = None
    ratio_to_pipe: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    db_bytes_per_row: float | None = None
    projected_100m_minutes: float | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)


# --- data ---------------------------------------------------------------------------------------


def _tool(*names: str) -> str | None:
    return next((name for name in names if shutil.which(name)), None)


def ensure_data(data_dir: Path, rows: int, formats: list[str]) -> dict[str, Path]:
    """Generated plain file for `rows` (seed 0) plus its compressed copies, cached in data_dir."""
    from pipelines.synth.yfcc import generate_yfcc

    data_dir.mkdir(parents=True, exist_ok=True)
    plain = data_dir / f"yfcc_{rows}.tsv"
    if not plain.exists():
        print(f"generating {rows:,} rows -> {plain}", file=sys.stderr, flush=True)
        generate_yfcc(plain, rows=rows, seed=0)
    files = {"plain": plain}
    for fmt in formats:
        if fmt in FORMS:
            target = data_dir / f"yfcc_{rows}{SUFFIX[fmt]}"
            if not target.exists():
                print(f"generating {rows:,} rows as {fmt} -> {target.name}", file=sys.stderr, flush=True)
                generate_yfcc(target, rows=rows, seed=0, form=fmt, progress=False)
            files[fmt] = target
            continue
        if fmt == "plain":
            continue
        target = data_dir / f"yfcc_{rows}{SUFFIX[fmt]}"
        if not target.exists():
            print(f"compressing {plain.name} -> {target.name}", file=sys.stderr, flush=True)
            _compress(plain, target, fmt)
        files[fmt] = target
    return {fmt: files[fmt] for fmt in formats}


def _compress(plain: Path, target: Path, fmt: str) -> None:
    partial = target.with_name(target.name + ".partial")
    with open(plain, "rb") as src, open(partial, "wb") as out:
        if fmt == "bz2" and (tool := _tool("lbzip2", "pbzip2")):
            subprocess.run([tool, "-9", "-c"], stdin=src, stdout=out, check=True)
        elif fmt == "bz2":
            compressor = bz2.BZ2Compressor(9)
            while chunk := src.read(1 << 20):
                out.write(compressor.compress(chunk))
            out.write(compressor.flush())
        elif _tool("zstd"):
            subprocess.run(["zstd", "-q", "-3", "-T0", "-c"], stdin=src, stdout=out, check=True)
        else:
            import zstandard

            zstandard.ZstdCompressor(level=3, threads=-1, write_checksum=True).copy_stream(src, out)
    os.replace(partial, target)


def _warm(path: Path) -> None:
    """Read the file (or the folder's files) once so every contender starts with it in the page cache."""
    for item in sorted(path.iterdir()) if path.is_dir() else [path]:
        with open(item, "rb") as handle:
            while handle.read(8 << 20):
                pass


# --- running one contender -----------------------------------------------------------------------


def measure(command: list[str], timeout: float) -> Measured:
    """Run a command; wall time, and CPU time and peak RSS of it and its children from wait4()."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            process.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def _command(contender: str, fmt: str, path: Path, work: Path) -> tuple[list[str] | None, str]:
    python = sys.executable
    if contender == "ccaudit":
        return [
            python,
            "-m",
            "pipelines.cli",
            "ingest",
            "yfcc",
            "--quiet",
            "--db",
            str(work / "ccaudit.duckdb"),
            str(path),
        ], ""
    if contender == "airflow-tasks":
        return [
            python,
            "-m",
            "bench._contenders",
            "airflow-tasks",
            str(path),
            str(work / "ccaudit.duckdb"),
        ], "DAG task bodies: stage + load"
    if contender == "duckdb-pipe":
        db = str(work / "pipe.duckdb")
        if fmt in FORMS:  # the fastest bare read of the same file by DuckDB (ADBC for SQLite)
            return [python, "-m", "bench._contenders", f"duckdb-{fmt}", str(path), db], {
                "sqlite": "ADBC Arrow batches -> DuckDB table",
                "jsonl-shards": "DuckDB read_json -> table",
                "parquet": "DuckDB read_parquet -> table",
            }[fmt]
        if fmt == "plain":
            return [
                python,
                "-m",
                "bench._contenders",
                "duckdb-pipe",
                str(path),
                db,
            ], "DuckDB reads the file itself"
        decompressor = {"bz2": _bz2_decompressor(), "zstd": ["zstd", "-dcq"]}[fmt]
        if decompressor is None or not shutil.which(decompressor[0]):
            return None, f"no {fmt} command-line decompressor on PATH"
        script = '"$@" < "$0" | "$PY" -m bench._contenders duckdb-pipe - "$DB"'
        return ["env", f"PY={python}", f"DB={db}", "sh", "-c", script, str(path), *decompressor], " ".join(
            decompressor
        )
    if contender == "polars":
        if fmt == "jsonl-shards":
            return [
                python,
                "-m",
                "bench._contenders",
                "polars-jsonl",
                str(path),
                str(work / "polars.parquet"),
            ], "scan_ndjson -> sink_parquet"
        if fmt != "plain":
            return None, "n/a: Polars cannot stream bz2/zstd CSV"
        return [python, "-m", "bench._contenders", "polars", str(path), str(work / "polars.parquet")], ""
    if contender == "pandas":
        if fmt in FORMS:
            return None, "n/a"
        return [python, "-m", "bench._contenders", "pandas", str(path), str(work / "pandas.parquet")], ""
    raise ValueError(contender)


def _bz2_decompressor() -> list[str] | None:
    tool = _tool("lbzip2", "pbzip2", "bzip2")
    if tool is None:
        return None
    threads = str(max(2, os.cpu_count() or 2))
    return {
        "lbzip2": ["lbzip2", "-dc", "-n", threads],
        "pbzip2": ["pbzip2", "-dc", f"-p{threads}"],
        "bzip2": ["bzip2", "-dc"],
    }[tool]


_STAGE_LOAD = re.compile(r"stage ([\d.]+) s, load ([\d.]+) s")


def run_contender(contender: str, fmt: str, path: Path, rows: int, args, keep_db: Path | None) -> Row:
    row = Row(rows=rows, format=fmt, contender=contender)
    if contender == "pandas" and rows > args.pandas_max_rows:
        row.note = f"skipped: pandas above {args.pandas_max_rows:,} rows takes too long (--pandas-max-rows)"
        return row
    with tempfile.TemporaryDirectory(prefix=f"bench-{contender}-", dir=args.work_dir) as tmp:
        work = Path(tmp)
        command, note = _command(contender, fmt, path, work)
        if command is None:
            row.note = note
            return row
        print(f"  {rows:>11,} {fmt:<5} {contender:<12}", end=" ", file=sys.stderr, flush=True)
        result = measure(command, args.timeout)
        print(f"{result.seconds:7.1f} s", file=sys.stderr, flush=True)
        if result.returncode != 0:
            row.note = f"failed (exit {result.returncode}): {result.stderr.strip().splitlines()[-1:]}"
            return row
        row.seconds = round(result.seconds, 2)
        row.rows_per_s = round(rows / result.seconds)
        row.cpu_seconds = round(result.cpu_seconds, 1)
        row.peak_rss_mb = round(result.peak_rss_mb)
        row.projected_100m_minutes = round(FULL_ROWS / row.rows_per_s / 60, 1)
        row.note = note
        db = work / ("ccaudit.duckdb" if contender in ("ccaudit", "airflow-tasks") else "pipe.duckdb")
        if db.exists():
            row.db_bytes_per_row = round(db.stat().st_size / rows, 1)
            if contender == "ccaudit":
                row.detail["table_bytes_per_row"] = _used_bytes_per_row(db, rows)
        if contender == "ccaudit":
            if match := _STAGE_LOAD.search(result.stdout):
                row.detail.update(stage_seconds=float(match[1]), load_seconds=float(match[2]))
                row.note = f"stage {match[1]} s + load {match[2]} s"
            if keep_db is not None:
                shutil.copyfile(db, keep_db)
    return row


def _used_bytes_per_row(db: Path, rows: int) -> float | None:
    """Bytes per row in the database's used blocks (the file also holds free blocks DuckDB keeps)."""
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            _, _, block_size, _, used, *_ = con.execute("PRAGMA database_size").fetchone()
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - a detail only
        return None
    return round(block_size * used / rows, 1)


# --- report -------------------------------------------------------------------------------------


def _fmt(value, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'rows':>11} {'format':<6} {'contender':<12} {'seconds':>8} {'rows/s':>9} {'x pipe':>6} "
        f"{'cpu s':>7} {'RSS MB':>7} {'B/row':>6} {'100M min':>8}  note"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.rows:>11,} {r.format:<6} {r.contender:<12} {_fmt(r.seconds, '8.1f'):>8} "
            f"{_fmt(r.rows_per_s, ',d'):>9} {_fmt(r.ratio_to_pipe, '.2f'):>6} {_fmt(r.cpu_seconds, '.1f'):>7} "
            f"{_fmt(r.peak_rss_mb, ',.0f'):>7} {_fmt(r.db_bytes_per_row, '.0f'):>6} "
            f"{_fmt(r.projected_100m_minutes, '.0f'):>8}  {r.note}"
        )


def targets(rows: list[Row]) -> list[dict]:
    """The issue's targets (issue 14), checked against what was measured (no target is assumed met).

    Ratios are against the baseline of the same file in the same run: DuckDB's bare read_csv into
    a table (plain), the bare `zstd -dc | duckdb` / `lbzip2 -dc | duckdb` pipe, and for the other
    forms the faster of DuckDB's and Polars' bare read of the same file.
    """
    checks = []
    ours = [r for r in rows if r.contender == "ccaudit" and r.seconds]
    for r in ours:
        floor = {"plain": 1.4, "zstd": 1.4, "bz2": 1.25}.get(r.format, 0.8)
        baselines = [
            b
            for b in rows
            if b.rows == r.rows
            and b.format == r.format
            and b.seconds
            and b.contender
            in (("duckdb-pipe",) if r.format in ("plain", "zstd", "bz2") else ("duckdb-pipe", "polars"))
        ]
        if baselines:
            best = min(baselines, key=lambda b: b.seconds)
            ratio = round(best.seconds / r.seconds, 2)
            checks.append(
                {
                    "target": f"{r.format} >= {floor}x {best.contender} ({r.rows:,} rows)",
                    "measured": ratio,
                    "met": ratio >= floor,
                }
            )
        if r.db_bytes_per_row is not None:
            checks.append(
                {
                    "target": f"database <= 100 bytes/row ({r.format}, {r.rows:,} rows)",
                    "measured": r.db_bytes_per_row,
                    "met": r.db_bytes_per_row <= 100,
                }
            )
        checks.append(
            {
                "target": f"peak RSS <= 1.5 GB ({r.format}, {r.rows:,} rows)",
                "measured": r.peak_rss_mb,
                "met": r.peak_rss_mb <= 1536,
            }
        )
    for r in ours:  # the Airflow path within 15% of the CLI path on the same file
        dag = next(
            (
                a
                for a in rows
                if a.contender == "airflow-tasks" and a.rows == r.rows and a.format == r.format and a.seconds
            ),
            None,
        )
        if dag:
            slower = round(dag.seconds / r.seconds, 2)
            checks.append(
                {
                    "target": f"Airflow task path <= 1.15x the CLI ({r.format}, {r.rows:,} rows)",
                    "measured": slower,
                    "met": slower <= 1.15,
                }
            )
    by_format: dict[str, list[Row]] = {}
    for r in ours:
        by_format.setdefault(r.format, []).append(r)
    for fmt, runs in by_format.items():
        if len(runs) > 1:
            small, large = min(runs, key=lambda r: r.rows), max(runs, key=lambda r: r.rows)
            growth = large.peak_rss_mb / small.peak_rss_mb
            checks.append(
                {
                    "target": f"RSS flat with size ({fmt}: {small.rows:,} -> {large.rows:,} rows)",
                    "measured": round(growth, 2),
                    "met": growth <= 1.25,
                }
            )
    return checks


def run_extra_modules(ctx) -> list[dict]:
    rows = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        name = f"bench.{path.stem}"
        print(f"running {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(name)
            if not hasattr(module, "run"):  # a long stand-alone benchmark: run it with python -m
                rows.append(
                    {
                        "module": path.stem,
                        "name": "skipped",
                        "value": None,
                        "unit": "",
                        "note": f"stand-alone: python -m {name} (see its --help)",
                    }
                )
                continue
            for row in module.run(ctx) or []:
                rows.append({"module": path.stem, **row})
        except Exception as exc:  # noqa: BLE001 - one module failing must not lose the others' numbers
            rows.append(
                {
                    "module": path.stem,
                    "name": "error",
                    "value": None,
                    "unit": "",
                    "note": f"{type(exc).__name__}: {exc}",
                }
            )
        rows.append(
            {
                "module": path.stem,
                "name": "module_seconds",
                "value": round(time.perf_counter() - started, 1),
                "unit": "s",
                "note": "",
            }
        )
    return rows


def machine() -> dict:
    import duckdb

    tools = {name: shutil.which(name) is not None for name in ("lbzip2", "pbzip2", "zstd")}
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
        "tools": tools,
        "load_average_at_start": os.getloadavg(),
    }


# --- entry point --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark ccaudit's YFCC100M ingest against the bare tools."
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000, 5_000_000], help="sizes (default 1M 5M)"
    )
    parser.add_argument("--quick", action="store_true", help="one size of 200K rows")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(DEFAULT_FORMATS))
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--pandas-max-rows", type=int, default=1_000_000, help="skip pandas above this size")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data", help="cache of generated files")
    parser.add_argument("--work-dir", type=Path, default=None, help="where contenders write (default: temp)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per contender run")
    parser.add_argument("--no-extra", action="store_true", help="skip the bench/bench_*.py modules")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = [200_000]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    info = machine()
    rows: list[Row] = []
    largest = max(args.rows)
    keep_db = args.data_dir / f"ccaudit_{largest}.duckdb"
    for size in sorted(args.rows):
        files = ensure_data(args.data_dir, size, args.formats)
        for fmt, path in files.items():
            _warm(path)
            group = [
                run_contender(
                    contender,
                    fmt,
                    path,
                    size,
                    args,
                    keep_db if (size == largest and fmt == "plain" and contender == "ccaudit") else None,
                )
                for contender in args.contenders
            ]
            pipe = next((r for r in group if r.contender == "duckdb-pipe" and r.seconds), None)
            for r in group:
                if pipe and r.seconds:
                    r.ratio_to_pipe = round(pipe.seconds / r.seconds, 2)
            rows.extend(group)
    print()
    print_table(rows)
    checks = targets(rows)
    print()
    for check in checks:
        print(f"{'MET ' if check['met'] else 'MISS'}  {check['target']}: {check['measured']}")
    extra = []
    if not args.no_extra:
        ctx = SimpleNamespace(
            db_path=keep_db if keep_db.exists() else None, args=args, rows=largest, data_dir=args.data_dir
        )
        extra = run_extra_modules(ctx)
        if extra:
            print()
            for item in extra:
                value = item.get("value")
                print(
                    f"{item['module']:<16} {item.get('name', ''):<36} {_fmt(value):>12} {item.get('unit', ''):<6} "
                    f"{item.get('note', '')}"
                )
    result = {
        "machine": info,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "args": {k: str(v) for k, v in vars(args).items()},
        "ingest": [r.__dict__ for r in rows],
        "targets": checks,
        "extra": extra,
    }
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwrote {args.out}; the README's table (python -m bench.readme_table):\n")
    from bench.readme_table import table

    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
