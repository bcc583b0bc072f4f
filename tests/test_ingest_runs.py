"""ingest_runs has one writer (pipelines/ingest/runs.py): loaded rows commit with their data, failures are best effort."""

from __future__ import annotations

from datetime import datetime

from pipelines.ingest.runs import STATUS_LIMIT, IngestRun, record_failed_files, record_runs


def test_loaded_rows_are_written_in_the_callers_transaction(con):
    run = IngestRun(
        "r1",
        "/data/a.tsv",
        "yfcc",
        datetime(2026, 1, 1),
        datetime(2026, 1, 2),
        "loaded",
        layout="25",
        file_size=10,
        fingerprint="f" * 64,
        lines_read=5,
        rows_loaded=4,
        rows_rejected=1,
    )
    con.execute("BEGIN")
    record_runs(con, [run])
    con.execute("ROLLBACK")  # the caller's rollback takes the bookkeeping with it
    assert con.execute("SELECT count(*) FROM ingest_runs").fetchall() == [(0,)]
    record_runs(con, [run, IngestRun(**{**run.__dict__, "source_file": "/data/b.tsv"})])
    rows = con.execute("SELECT * EXCLUDE (source_file) FROM ingest_runs ORDER BY source_file").fetchall()
    assert (
        rows
        == [("r1", "yfcc", "25", 10, "f" * 64, datetime(2026, 1, 1), datetime(2026, 1, 2), 5, 4, 1, "loaded")]
        * 2
    )
    record_runs(con, [])  # nothing to record is not an error


def test_failed_files_get_a_row_each_and_never_raise(con, tmp_path):
    record_failed_files(
        con,
        "r2",
        "manifest:csv",
        [str(tmp_path / "x.csv"), "-"],
        datetime(2026, 1, 1),
        "InputError: " + "bad " * 400,
    )
    rows = con.execute(
        "SELECT source_file, kind, status, lines_read FROM ingest_runs ORDER BY source_file"
    ).fetchall()
    assert [r[0] for r in rows] == sorted([str(tmp_path / "x.csv"), "-"])
    assert all(kind == "manifest:csv" and lines is None for _, kind, _, lines in rows)
    assert all(
        status.startswith("failed: InputError: bad") and len(status) == STATUS_LIMIT
        for _, _, status, _ in rows
    )
    con.execute("DROP TABLE ingest_runs")  # a broken database must not hide the error being recorded
    record_failed_files(con, "r3", "yfcc", ["z.tsv"], datetime(2026, 1, 1), "boom")
