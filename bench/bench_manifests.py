"""Benchmark `ccaudit ingest manifest` on CLIP subset lists of growing size: wall time and peak RSS.

    python -m bench.bench_manifests                      # 15M and 30M lines (as `make bench` runs it)
    python -m bench.bench_manifests --lines 1000000 5000000

The list has the shape of OpenAI's YFCC15M file (`<line>\t<photo id>\t<hash>`). Each size is
ingested by the CLI as its own process into a fresh database; peak RSS (of it and its children)
comes from wait4(). Target (issue 13): peak RSS under 1.5 GB at 30M lines, and flat with size.
Generated lists are cached under bench/data/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.run import BENCH_DIR, measure

DEFAULT_LINES = (15_000_000, 30_000_000)
RSS_BOUND_MB = 1536
_BLOCK = 200_000


def clip_list(data_dir: Path, lines: int) -> Path:
    """A CLIP-subset list of `lines` lines (cached); distinct photo ids, 32-hex-digit hashes."""
    path = data_dir / f"clip_subset_{lines}.tsv"
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", buffering=1 << 22) as out:
        for start in range(0, lines, _BLOCK):
            out.write(
                "".join(
                    f"{i}\t{3_000_000_000 + 7 * i}\t{(i * 2654435761) & (2**64 - 1):016x}{i:016x}\n"
                    for i in range(start, min(lines, start + _BLOCK))
                )
            )
    partial.rename(path)
    return path


def bench_sizes(sizes: list[int], data_dir: Path, timeout: float = 1800) -> list[dict]:
    rows = []
    for lines in sizes:
        path = clip_list(data_dir, lines)
        with tempfile.TemporaryDirectory(prefix="ccaudit-bench-manifest-") as work:
            measured = measure(
                [
                    sys.executable,
                    "-m",
                    "pipelines.cli",
                    "--db",
                    str(Path(work) / "m.duckdb"),
                    "ingest",
                    "manifest",
                    "--format",
                    "clip-subset",
                    "--dataset",
                    "clip",
                    "--dataset-version",
                    "bench",
                    str(path),
                ],
                timeout,
            )
        ok = measured.returncode == 0 and f"{lines:,} items" in measured.stdout
        note = f"{lines:,} lines" + ("" if ok else f"; FAILED: {measured.stderr.strip()[-300:]}")
        rows.append(
            {
                "name": f"manifest_clip_{lines // 1_000_000}M_seconds",
                "value": round(measured.seconds, 1),
                "unit": "s",
                "note": note,
            }
        )
        rows.append(
            {
                "name": f"manifest_clip_{lines // 1_000_000}M_peak_rss",
                "value": round(measured.peak_rss_mb),
                "unit": "MB",
                "note": f"{note}; target < {RSS_BOUND_MB} MB",
            }
        )
    peaks = [r["value"] for r in rows if r["name"].endswith("_peak_rss")]
    if len(peaks) > 1:
        rows.append(
            {
                "name": "manifest_rss_growth",
                "value": round(peaks[-1] / peaks[0], 2),
                "unit": "x",
                "note": f"peak RSS {sizes[-1]:,} lines / {sizes[0]:,} lines; flat is <= 1.25",
            }
        )
    return rows


def run(ctx) -> list[dict]:
    """Called by bench/run.py (make bench): the sizes of the issue unless --quick."""
    quick = getattr(getattr(ctx, "args", None), "quick", False)
    data_dir = getattr(getattr(ctx, "args", None), "data_dir", BENCH_DIR / "data")
    return bench_sizes([1_000_000, 2_000_000] if quick else list(DEFAULT_LINES), data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=list(DEFAULT_LINES))
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data")
    args = parser.parse_args(argv)
    rows = bench_sizes(args.lines, args.data_dir)
    print(json.dumps(rows, indent=2))
    return 0 if all(r["value"] < RSS_BOUND_MB for r in rows if r["name"].endswith("_peak_rss")) else 1


if __name__ == "__main__":
    sys.exit(main())
