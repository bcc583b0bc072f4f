"""How long do writers hold the DuckDB file, i.e. how long is a reader locked out?

    python -m bench.bench_lock_hold [--rows 1000000] [--photos 1500]

A prober process tries `duckdb.connect(read_only=True)` every 10 ms for the whole run and records
every stretch during which it could not open the file. Meanwhile, one after the other:

1. the Airflow-style YFCC ingest: stage the file to Parquet (no database), then `load_staged`
   (one transaction); the hold is the load only;
2. the five synthetic manifests: staged, then `load_staged_manifest` each;
3. `ingest yfcc` as the CLI runs it (a connection opened on first use, so staging holds nothing);
(baseline: the same staged shard copied into a fresh DuckDB file with a bare CREATE TABLE AS)
4. `enrich` of --photos photos against the local Flickr server with a rate too high to bind,
   merging every 500 answers: each merge is one hold.

Each step also times itself from inside (connect to close). Prints one row per step: the
longest and total lockout the prober saw during it, and the in-process hold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROBER = textwrap.dedent("""
    import duckdb, json, os, sys, time
    db, stop, out = sys.argv[1:4]
    events, blocked_since = [], None
    while not os.path.exists(stop):
        now = time.monotonic()
        try:
            duckdb.connect(db, read_only=True).close()
            if blocked_since is not None:
                events.append([blocked_since, now])
                blocked_since = None
        except duckdb.Error:
            if blocked_since is None:
                blocked_since = now
        time.sleep(0.01)
    if blocked_since is not None:
        events.append([blocked_since, time.monotonic()])
    json.dump(events, open(out, "w"))
""")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--photos", type=int, default=1500)
    args = parser.parse_args(argv)

    from pipelines.config import Settings
    from pipelines.db import connect
    from pipelines.enrich.run import enrich
    from pipelines.ingest.manifests import load_staged_manifest, stage_manifest
    from pipelines.ingest.yfcc import ingest_yfcc, load_staged, stage_yfcc_file
    from pipelines.synth.manifests import generate_manifests
    from pipelines.synth.yfcc import generate_yfcc
    from tests.flickr_server import FlickrTestServer, person_body, photo_body

    work = Path(tempfile.mkdtemp(prefix="bench-lock-"))
    data = work / "yfcc.tsv"
    generate_yfcc(data, rows=args.rows, seed=3)
    manifests = generate_manifests(data, work / "manifests", seed=3)
    db = work / "main.duckdb"
    connect(db).close()
    stop, events_file = work / "stop", work / "events.json"
    prober = subprocess.Popen([sys.executable, "-c", PROBER, str(db), str(stop), str(events_file)])
    time.sleep(1)
    steps = []

    def step(name, fn):
        started = time.monotonic()
        holds = fn()
        steps.append({"step": name, "start": started, "end": time.monotonic(), "holds": holds})

    def timed_hold(body):
        opened = time.monotonic()
        with connect(db) as con:
            body(con)
        return time.monotonic() - opened

    staged_file = {}

    def yfcc_airflow():
        staged = staged_file["yfcc"] = stage_yfcc_file(data, work / "stage", progress=False)
        return [timed_hold(lambda con: load_staged(con, [staged], run_id="bench-1"))]

    def baseline():
        """The least any load of that shard can hold a file: a bare CREATE TABLE AS from the Parquet
        shard into a fresh DuckDB file, then close (checkpoint)."""
        import duckdb

        opened = time.monotonic()
        bare = duckdb.connect(str(work / "baseline.duckdb"))
        bare.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [staged_file["yfcc"].parquet_path])
        bare.close()
        return [time.monotonic() - opened]

    def manifests_airflow():
        holds = []
        for spec in manifests:
            staged = stage_manifest(
                spec.format, spec.dataset, spec.version, list(spec.paths), work / "mstage", **spec.options
            )
            holds.append(timed_hold(lambda con, s=staged: load_staged_manifest(con, s)))
        return holds

    def yfcc_cli():
        """What `ccaudit ingest yfcc` does: stage first, open the file on the first query (the load)."""
        from pipelines.db import DeferredConnection

        with DeferredConnection(db) as con:
            ingest_yfcc(con, [data], progress=False, work_dir=work)
        return [time.monotonic() - con.opened_at]

    def enrich_run():
        with connect(db, read_only=True) as con:
            photos = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT photo_id FROM dataset_items WHERE photo_id IS NOT NULL ORDER BY 1 LIMIT ?",
                    [args.photos],
                ).fetchall()
            ]
            owners = dict(
                con.execute(
                    "SELECT photo_id, owner_nsid FROM yfcc_photos WHERE photo_id IN (SELECT unnest(?))",
                    [photos],
                ).fetchall()
            )
        with FlickrTestServer(api_key="bench-key") as server:
            for pid in photos:
                server.add_photo(pid, photo_body(pid, owner=owners.get(pid) or "1@N01"))
            for nsid in set(owners.values()):
                server.add_person(nsid, person_body(nsid))
            settings = Settings(
                db_path=db, flickr_api_url=server.url, flickr_rate_per_hour=3.6e7, flickr_api_key="bench-key"
            )
            result = enrich(settings, limit=len(photos))
        return [result.merge_seconds_max] * result.merges, result

    step("ingest yfcc: load_staged (Airflow load task)", yfcc_airflow)
    step("  baseline: bare CREATE TABLE AS from the same shard, new file", baseline)
    step("ingest manifests: load_staged_manifest x5", manifests_airflow)
    step("ingest yfcc as the CLI does (stage, then open on first query)", yfcc_cli)
    started = time.monotonic()
    holds, result = enrich_run()
    steps.append(
        {
            "step": f"enrich {result.photos_checked} photos, {result.api_calls} calls, "
            f"{result.merges} merges (max hold shown)",
            "start": started,
            "end": time.monotonic(),
            "holds": holds,
        }
    )
    stop.touch()
    prober.wait(timeout=60)
    events = json.loads(events_file.read_text())
    print(f"rows={args.rows:,}  (prober: read-only open every 10 ms)")
    print(f"{'step':70} {'lockout max':>12} {'lockout total':>14} {'hold in-process':>16} {'step time':>10}")
    for s in steps:
        # lockouts that began during the step (the prober may see the release a little late under load)
        inside = [e[1] - e[0] for e in events if s["start"] - 0.05 <= e[0] <= s["end"]]
        print(
            f"{s['step']:70} {max(inside, default=0):11.2f}s {sum(inside):13.2f}s "
            f"{max(s['holds'], default=0):15.2f}s {s['end'] - s['start']:9.1f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
