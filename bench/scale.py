"""The whole audit at N generated rows, stage by stage: seconds, CPU seconds, peak RSS and disk.

    python -m bench.scale --rows 2000000 --out DIR [--keep] [--enrich-sample 50] [--lookups 100]
    make bench-scale ROWS=2000000

1. Generation (timed apart, not in the total): `ccaudit generate yfcc rows.tsv.zst` and the seven
   manifests at the real datasets' proportions of 100M rows (bench/scale_data.py).
2. The stages, each one child process measured with os.wait4 (its own peak RSS and CPU seconds,
   descendants it waited for included), in pipeline order:
     ingest        ccaudit ingest yfcc rows.tsv.zst
     manifests     ccaudit ingest manifest ... once per dataset (summed; peak = the largest)
     validate      ccaudit validate
     enrich        ccaudit enrich --sample K against tests/flickr_server.py replaying recorded answers
     report        build_report(edition=False) (bench/scale_stages.py; the search index it builds inside is timed apart)
     search_index  build_search_index + its files, alone (bench/scale_stages.py)
     edition       ccaudit publish-db
     serve_ready   ccaudit serve: from launch until Datasette answers its first query over HTTP
     lookup        100 lookups in one process (bench/scale_stages.py), p50/p95
   disk_mb after each stage = the database file plus every output written so far.
3. DIR/scale.json, a table, and the targets of issue 25 (at 100M rows on 2 cores), projected
   linearly from N rows, with PASS/MISS beside each.

Big files (input, database, outputs) live in DIR/work and are deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.scale_data import FULL_ROWS, write_manifests
from bench.scale_flickr import API_KEY, ReplayServer

ROOT = Path(__file__).resolve().parents[1]
STAGES = (
    "ingest",
    "manifests",
    "validate",
    "enrich",
    "report",
    "search_index",
    "edition",
    "serve_ready",
    "lookup",
)
SERVE_TIMEOUT = 3600.0
GB = 1024.0  # MB


@dataclass
class Stage:
    stage: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    disk_mb: float = 0.0
    how: str = ""
    exit_codes: list[int] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def add(self, seconds: float, cpu: float, rss_mb: float, code: int) -> None:
        self.seconds += seconds
        self.cpu_seconds += cpu
        self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)
        self.exit_codes.append(code)

    def as_dict(self) -> dict:
        out = asdict(self)
        for key in ("seconds", "cpu_seconds", "peak_rss_mb", "disk_mb"):
            out[key] = round(out[key], 2)
        out.update(out.pop("extra"))
        return out


class Run:
    """The work folder, the environment every child gets, and the measuring."""

    def __init__(self, out: Path, rows: int):
        self.out, self.rows = out, rows
        self.work = out / "work"
        self.inputs = self.work / "inputs"
        self.db = self.work / "ccaudit.duckdb"
        self.reports = self.work / "reports"
        self.logs = out / "logs"
        for old in (self.work, self.logs):  # a run starts from nothing: no database or log of an earlier one
            shutil.rmtree(old, ignore_errors=True)
        for folder in (self.inputs, self.reports, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "CCAUDIT_DB": str(self.db),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("FLICKR_API_KEY", None)  # never a real key: enrich talks to 127.0.0.1 only

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pipelines.cli", "--db", str(self.db), *args]

    def measure(
        self, stage: Stage, command: list[str], env: dict | None = None, until=None
    ) -> subprocess.Popen:
        """Run `command`, add its wall, CPU and peak RSS to `stage`. `until(proc)` (serve) returns the
        seconds that count, then the child is stopped; otherwise the child's whole life counts."""
        log = self.logs / f"{stage.stage}.log"
        with log.open("ab") as handle:
            handle.write(("$ " + " ".join(command) + "\n").encode())
            handle.flush()
            started = time.perf_counter()
            proc = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, env=env or self.env, cwd=self.work
            )
            counted = None
            try:
                if until is not None:
                    counted = until(proc)
            finally:
                if until is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - started if counted is None else counted
        code = proc.returncode if until is None else 0
        stage.add(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)
        if until is None and proc.returncode not in (0, 1):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise StageFailed(stage.stage, command, proc.returncode, "\n".join(tail))
        return proc

    def disk_mb(self) -> float:
        """The database (and its WAL) plus every output so far; the inputs do not count."""
        total = 0
        for folder, _dirs, files in os.walk(self.work):
            if Path(folder).is_relative_to(self.inputs):
                continue
            for name in files:
                with contextlib.suppress(OSError):
                    total += (Path(folder) / name).stat().st_size
        return total / 2**20

    def db_bytes(self) -> int:
        return sum(
            p.stat().st_size for p in (self.db, self.db.with_name(self.db.name + ".wal")) if p.exists()
        )


class StageFailed(RuntimeError):
    def __init__(self, stage: str, command: list[str], code: int, tail: str):
        super().__init__(f"stage {stage} failed (exit {code}): {' '.join(command)}\n{tail}")
        self.stage, self.command, self.code, self.tail = stage, command, code, tail


# --- generation ---------------------------------------------------------------------------------


def generate(run: Run, seed: int) -> tuple[dict, list]:
    yfcc = run.inputs / "yfcc100m_dataset.tsv.zst"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "generate",
            "yfcc",
            str(yfcc),
            "--rows",
            str(run.rows),
            "--seed",
            str(seed),
        ],
        env=run.env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    yfcc_seconds = time.perf_counter() - started
    started = time.perf_counter()
    manifests = write_manifests(yfcc, run.inputs / "manifests", run.rows, seed)
    manifest_seconds = time.perf_counter() - started
    return {
        "yfcc_seconds": round(yfcc_seconds, 2),
        "manifests_seconds": round(manifest_seconds, 2),
        "yfcc_zst_mb": round(yfcc.stat().st_size / 2**20, 1),
        "manifests": {
            m.dataset: {"format": m.format, "photos": m.photos, "items": m.items} for m in manifests
        },
    }, [yfcc, manifests]


# --- the stages ---------------------------------------------------------------------------------


def stage_ingest(run: Run, yfcc: Path) -> Stage:
    stage = Stage("ingest", how="CLI: ccaudit ingest yfcc --quiet (one process)")
    run.measure(stage, run.cli("ingest", "yfcc", "--quiet", str(yfcc)))
    stage.extra["db_bytes_per_row"] = round(run.db_bytes() / run.rows, 1)
    return stage


def stage_manifests(run: Run, manifests: list) -> Stage:
    stage = Stage(
        "manifests",
        how=f"CLI: ccaudit ingest manifest, {len(manifests)} processes (seconds and CPU "
        "summed, peak RSS the largest)",
    )
    for manifest in manifests:
        run.measure(stage, run.cli(*manifest.cli_args()))
    return stage


def stage_validate(run: Run) -> Stage:
    stage = Stage("validate", how="CLI: ccaudit validate (exit 1 = a critical expectation failed, recorded)")
    run.measure(stage, run.cli("validate"))
    return stage


def stage_enrich(run: Run, sample: int) -> Stage:
    stage = Stage(
        "enrich",
        how=f"CLI: ccaudit enrich --sample {sample} --seed 0 against tests/flickr_server.py "
        "on 127.0.0.1 (rate limit lifted; the server runs in the harness, not counted)",
    )
    server = ReplayServer().start()
    try:
        env = {
            **run.env,
            "FLICKR_API_KEY": API_KEY,
            "CCAUDIT_FLICKR_API_URL": server.url,
            "CCAUDIT_FLICKR_RATE": "1000000000",
        }
        run.measure(stage, run.cli("enrich", "--sample", str(sample), "--seed", "0", "--quiet"), env=env)
        stage.extra.update(api_calls=len(server.calls()), answers_from=server.source)
    finally:
        server.stop()
    return stage


def _child(run: Run, stage: Stage, name: str, *args: str) -> dict:
    result = run.logs / f"{name}.result.json"
    run.measure(
        stage,
        [
            sys.executable,
            "-m",
            "bench.scale_stages",
            name,
            "--db",
            str(run.db),
            *args,
            "--result",
            str(result),
        ],
    )
    return json.loads(result.read_text())


def stage_report(run: Run) -> Stage:
    stage = Stage(
        "report",
        how="library: build_report(con, edition=False) in a child process (ccaudit report "
        "also publishes the edition, measured as its own stage); includes the search index "
        "build_report builds inside (search_index_seconds_inside)",
    )
    stage.extra.update(_child(run, stage, "report", "--out", str(run.reports)))
    stage.extra["seconds_without_search_index"] = round(
        stage.seconds - stage.extra["search_index_seconds_inside"], 2
    )
    return stage


def stage_search_index(run: Run) -> Stage:
    stage = Stage(
        "search_index",
        how="library: build_search_index + split_search_index + files written, "
        "alone in a child process (the report builds it the same way)",
    )
    stage.extra.update(_child(run, stage, "search_index", "--out", str(run.work / "search")))
    return stage


def stage_edition(run: Run) -> Stage:
    stage = Stage("edition", how="CLI: ccaudit publish-db")
    run.measure(stage, run.cli("publish-db", "--out", str(run.reports / "editions")))
    return stage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def stage_serve(run: Run) -> Stage:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    stage = Stage(
        "serve_ready",
        how="CLI: ccaudit serve --edition reports/editions; seconds from launch until "
        "GET /<db>/datasets.json answers 200 (polled on 127.0.0.1), then stopped",
    )
    join = (
        "select d.dataset, count(*) as n from dataset_items d join yfcc_photos p on p.photo_id = d.photo_id "
        "group by d.dataset"
    )

    def until(proc: subprocess.Popen) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < SERVE_TIMEOUT:
            if proc.poll() is not None:
                raise StageFailed("serve_ready", proc.args, proc.returncode, "serve exited before answering")
            try:
                status, body = _get(base + "/.json", timeout=5)
                database = next(iter(json.loads(body))) if status == 200 else None
                if database and _get(f"{base}/{database}/datasets.json", timeout=60)[0] == 200:
                    ready = time.perf_counter() - started
                    break
            except (OSError, ValueError, StopIteration):
                pass
            time.sleep(0.2)
        else:
            raise StageFailed("serve_ready", proc.args, -1, f"no answer in {SERVE_TIMEOUT:.0f} s")
        t0 = time.perf_counter()
        status, body = _get(f"{base}/{database}.json?" + urllib.parse.urlencode({"sql": join}), timeout=120)
        stage.extra.update(
            database=database,
            join_query_status=status,
            join_query_seconds=round(time.perf_counter() - t0, 3),
            join_query_error=None if status == 200 else body[:200].decode(errors="replace"),
        )
        return ready

    run.measure(
        stage, run.cli("serve", "--edition", str(run.reports / "editions"), "--port", str(port)), until=until
    )
    return stage


def stage_lookup(run: Run, count: int) -> Stage:
    stage = Stage(
        "lookup",
        how=f"library: run_lookup + answer text for {count} queries in one child process, one "
        "read-only connection (as `ccaudit lookup` answers); seconds include picking the "
        "queries (pick_seconds) and the imports",
    )
    stage.extra.update(_child(run, stage, "lookup", "--count", str(count)))
    cold = Stage(
        "lookup_cli"
    )  # a whole `ccaudit lookup` process per query: start-up included, not in the stage
    for query in stage.extra.get("cli_queries", []):
        run.measure(cold, run.cli("lookup", query))
    stage.extra["cli_process_seconds"] = round(cold.seconds / max(1, len(cold.exit_codes)), 3)
    stage.extra["cli_process_peak_rss_mb"] = round(cold.peak_rss_mb, 1)
    return stage


# --- targets, table, record ---------------------------------------------------------------------


def targets(record: dict) -> list[dict]:
    """Issue 25's targets at 100M rows on 2 cores, checked against a linear projection from N rows."""
    scale = FULL_ROWS / record["rows"]
    by = {s["stage"]: s for s in record["stages"]}
    out = [
        {
            "target": "whole audit <= 60 min",
            "measured": f"{record['total_seconds']:.0f} s",
            "projected_100M": record["total_seconds"] * scale / 60,
            "limit": 60,
            "unit": "min",
        }
    ]
    for s in record["stages"]:
        out.append(
            {
                "target": f"{s['stage']} peak RSS <= 2 GB",
                "measured": f"{s['peak_rss_mb']:.0f} MB",
                "projected_100M": None,
                "value": s["peak_rss_mb"] / GB,
                "limit": 2.0,
                "unit": "GB",
            }
        )
    out.append(
        {
            "target": "database <= 90 bytes/row",
            "measured": f"{record['db_bytes_per_row']:.0f} B/row",
            "projected_100M": record["db_bytes_per_row"],
            "limit": 90,
            "unit": "B/row",
        }
    )
    report = by["report"].get("seconds_without_search_index", by["report"]["seconds"])
    out.append(
        {
            "target": "report <= 60 s (without the search index)",
            "measured": f"{report:.1f} s",
            "projected_100M": report * scale,
            "limit": 60,
            "unit": "s",
        }
    )
    out.append(
        {
            "target": "search index <= 10 min",
            "measured": f"{by['search_index']['seconds']:.1f} s",
            "projected_100M": by["search_index"]["seconds"] * scale / 60,
            "limit": 10,
            "unit": "min",
        }
    )
    index = by["search_index"]
    if "page_index_bytes" in index:  # sharded: a query fetches one shard file; else the page embeds it all
        fetched = index["max_shard_bytes"] if index.get("shard_files") else index["page_index_bytes"]
        what = "largest shard file" if index.get("shard_files") else "index embedded in the page"
        out.append(
            {
                "target": f"search index <= 16 KB fetched per query ({what})",
                "measured": f"{fetched:,} B",
                "projected_100M": None,
                "value": fetched / 1024,
                "limit": 16,
                "unit": "KB",
            }
        )
    out.append(
        {
            "target": "Datasette answering <= 5 min after publish",
            "measured": f"{by['serve_ready']['seconds']:.1f} s",
            "projected_100M": by["serve_ready"]["seconds"] * scale / 60,
            "limit": 5,
            "unit": "min",
        }
    )
    out.append(
        {
            "target": "lookup p95 <= 0.5 s",
            "measured": f"{by['lookup']['p95']:.3f} s",
            "projected_100M": None,
            "value": by["lookup"]["p95"],
            "limit": 0.5,
            "unit": "s",
        }
    )
    for t in out:
        value = t["projected_100M"] if t["projected_100M"] is not None else t.pop("value")
        t["projected_100M"] = round(value, 2) if t["projected_100M"] is not None else None
        t["status"] = "PASS" if value <= t["limit"] else "MISS"
        t["checked_value"] = round(value, 3)
    return out


def table(record: dict) -> str:
    lines = [
        f"{'stage':<13} {'seconds':>9} {'cpu_s':>9} {'peak_rss_mb':>11} {'disk_mb':>9} {'at 100M s':>10}"
    ]
    scale = FULL_ROWS / record["rows"]
    for s in record["stages"]:
        lines.append(
            f"{s['stage']:<13} {s['seconds']:>9.1f} {s['cpu_seconds']:>9.1f} {s['peak_rss_mb']:>11.0f} "
            f"{s['disk_mb']:>9.0f} {s['seconds'] * scale:>10.0f}"
        )
    lines.append(
        f"{'total':<13} {record['total_seconds']:>9.1f}   (generation apart: "
        f"{record['generation']['yfcc_seconds'] + record['generation']['manifests_seconds']:.1f} s)"
    )
    lines.append("(at 100M s: linear in rows; each stage's fixed start-up makes small runs over-project)")
    lines.append("")
    for t in record["targets"]:
        projected = "" if t["projected_100M"] is None else f" -> {t['projected_100M']} {t['unit']} at 100M"
        lines.append(f"  {t['status']:<4}  {t['target']}: {t['measured']}{projected}")
    return "\n".join(lines)


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split() if Path("/proc/meminfo").exists() else []
    ram_kb = int(meminfo[meminfo.index("MemTotal:") + 1]) if "MemTotal:" in meminfo else 0
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(ram_kb / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def git_commit() -> str | None:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (done.stdout.strip() + ("+dirty" if dirty else "")) or None


def run_all(run: Run, seed: int, enrich_sample: int, lookups: int) -> dict:
    import duckdb

    record = {
        "rows": run.rows,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "git_commit": git_commit(),
        "duckdb": duckdb.__version__,
    }
    record["generation"], (yfcc, manifests) = generate(run, seed)
    steps = [
        lambda: stage_ingest(run, yfcc),
        lambda: stage_manifests(run, manifests),
        lambda: stage_validate(run),
        lambda: stage_enrich(run, enrich_sample),
        lambda: stage_report(run),
        lambda: stage_search_index(run),
        lambda: stage_edition(run),
        lambda: stage_serve(run),
        lambda: stage_lookup(run, lookups),
    ]
    stages = []
    for step in steps:
        stage = step()
        stage.disk_mb = run.disk_mb()
        stages.append(stage.as_dict())
        print(f"  {stage.stage:<13} {stage.seconds:8.1f} s  {stage.peak_rss_mb:6.0f} MB", flush=True)
    record["stages"] = stages
    record["total_seconds"] = round(sum(s["seconds"] for s in stages), 2)
    record["db_bytes"] = run.db_bytes()
    record["db_bytes_per_row"] = round(record["db_bytes"] / run.rows, 1)
    record["machine"]["load_average_at_end"] = os.getloadavg()
    record["note"] = (
        "Measured on a shared machine (other processes ran beside it: see load_average); seconds are "
        "wall time of each child process, cpu_seconds its user+system time, peak_rss_mb its maximum "
        "resident set (os.wait4). Projections to 100M are linear in rows."
    )
    record["targets"] = targets(record)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="YFCC100M rows to generate and audit")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for scale.json, logs and (while running) the data"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the input, database and outputs in OUT/work"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--enrich-sample", type=int, default=50, help="photos per dataset for enrich --sample (default 50)"
    )
    parser.add_argument("--lookups", type=int, default=100, help="lookups in the lookup stage (default 100)")
    args = parser.parse_args(argv)
    if args.rows < 1000:
        parser.error("--rows must be at least 1000")
    args.out.mkdir(parents=True, exist_ok=True)
    run = Run(args.out.resolve(), args.rows)
    try:
        record = run_all(run, args.seed, args.enrich_sample, args.lookups)
        (args.out / "scale.json").write_text(json.dumps(record, indent=1) + "\n")
        print(table(record))
        print(f"wrote {args.out / 'scale.json'}", flush=True)
    except StageFailed as exc:
        print(f"bench.scale: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:  # a sharded search index is 65,536 files per copy: this can take a minute
            shutil.rmtree(run.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
