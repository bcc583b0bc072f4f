"""Records of `bench.scale` side by side, as the Markdown table of docs/scale.md.

    python -m bench.scale_table bench/records/scale-2M.json bench/records/scale-10M.json

One row per stage: seconds, CPU seconds and peak RSS of each run, and how the seconds grew from
one run to the next against how the rows grew (1.0 = linear).
"""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path


def _rows(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def markdown(records: list[dict]) -> str:
    records = sorted(records, key=lambda r: r["rows"])
    head = ["stage"] + [f"{_rows(r['rows'])}: s / CPU s / peak MB" for r in records]
    head += [
        f"growth {_rows(a['rows'])}→{_rows(b['rows'])} (rows ×{b['rows'] / a['rows']:g})"
        for a, b in pairwise(records)
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    stages = [s["stage"] for s in records[0]["stages"]]
    for name in stages:
        found = [{s["stage"]: s for s in r["stages"]}.get(name) for r in records]
        cells = [
            f"{s['seconds']:.1f} / {s['cpu_seconds']:.1f} / {s['peak_rss_mb']:.0f}" if s else "–"
            for s in found
        ]
        for (a, ra), (b, rb) in pairwise(zip(found, records, strict=False)):
            ok = a and b and a["seconds"] > 0
            cells.append(
                f"×{b['seconds'] / a['seconds']:.1f} ({b['seconds'] / a['seconds'] / (rb['rows'] / ra['rows']):.2f} of linear)"
                if ok
                else "–"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"**{r['total_seconds']:.0f}**" for r in records]
    lines.append("| **total** | " + " | ".join(totals) + " |" + " |" * (len(records) - 1))
    extra = [
        f"{r['db_bytes_per_row']:.0f} B/row, load {r['machine']['load_average_at_start'][0]:.1f}→"
        f"{r['machine']['load_average_at_end'][0]:.1f}"
        for r in records
    ]
    lines.append("| database; load average | " + " | ".join(extra) + " |" + " |" * (len(records) - 1))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m bench.scale_table RECORD.json...", file=sys.stderr)
        return 2
    print(markdown([json.loads(p.read_text()) for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
