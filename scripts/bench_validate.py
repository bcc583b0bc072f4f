"""Time `pipelines.validate.suites.validate` on N synthetic yfcc_photos rows (filled by SQL, no ingest).

    .venv/bin/python scripts/bench_validate.py [ROWS] [BATCH_ROWS] [DB]

Prints GX start-up (import + ephemeral context) and validation time separately, and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.db import connect
from pipelines.validate.suites import _GxRunner, validate

FILL = """
INSERT INTO yfcc_photos (photo_id, owner_nsid, uploaded_at, longitude, latitude, accuracy, license_id,
                         is_video, source_file, source_line)
SELECT i, (i % 5000)::VARCHAR || '@N00', TIMESTAMP '2010-01-01' + to_seconds(i),
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 360) - 180 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 180) - 90 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 16 END, i % 7, i % 50 = 0, 'bench', i
FROM range(?) t(i)
"""


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 500_000
    db = (
        Path(sys.argv[3])
        if len(sys.argv) > 3
        else Path(tempfile.gettempdir()) / f"ccaudit-bench-validate-{rows}.duckdb"
    )
    with connect(db) as con:
        if con.execute("SELECT count(*) FROM yfcc_photos").fetchall()[0][0] != rows:
            con.execute("DELETE FROM yfcc_photos")
            con.execute(FILL, [rows])
        started = time.monotonic()
        _GxRunner({})
        gx_start = time.monotonic() - started
        result = validate(con, batch_rows=batch, store=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rows={rows:,} batch_rows={batch:,}: GX import+context {gx_start:.1f} s, validate {result.seconds:.1f} s "
        f"({rows / result.seconds:,.0f} rows/s), success={result.success}, peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
