"""The baselines ccaudit's ingest is measured against, each run as its own process by bench/run.py.

    python -m bench._contenders duckdb-pipe SOURCE DB      (SOURCE '-' = stdin, fed by `lbzip2 -dc |`)
    python -m bench._contenders polars SOURCE OUT.parquet
    python -m bench._contenders pandas SOURCE OUT.parquet
    python -m bench._contenders duckdb-sqlite|duckdb-jsonl-shards|duckdb-parquet SOURCE DB
    python -m bench._contenders polars-jsonl FOLDER OUT.parquet
    python -m bench._contenders airflow-tasks SOURCE DB       (ccaudit's DAG task bodies, see below)

All read the same explicit 25 (or 23) VARCHAR columns, TAB-separated, no quoting, no header, and
print one JSON line {"rows": N}. They do no typing or decoding: they are the floor for moving the
bytes, so ccaudit's extra work (splitting, URL-decoding, typing, rejects, line accounting, one
transaction) shows up as the ratio.
"""

from __future__ import annotations

import json
import sys


def _columns(layout: int) -> list[str]:
    return [f"c{i:02d}" for i in range(layout)]


def duckdb_pipe(source: str, db: str, layout: int) -> int:
    """`read_csv` with the explicit columns into a table of a fresh database file (CTAS)."""
    import duckdb

    con = duckdb.connect(db, config={"preserve_insertion_order": False})
    columns = {name: "VARCHAR" for name in _columns(layout)}
    path = "/dev/stdin" if source == "-" else source
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, columns = ?, delim = '\t', quote = '', escape = '', "
        "header = false, auto_detect = false, store_rejects = true)",
        [path, columns],
    )
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return rows


def polars_sink(source: str, out: str, layout: int) -> int:
    """Polars `scan_csv` → `sink_parquet` (streaming), the fastest single-file converter measured."""
    import polars as pl

    schema = {name: pl.String for name in _columns(layout)}
    pl.scan_csv(source, separator="\t", has_header=False, quote_char=None, schema=schema).sink_parquet(out)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def pandas_chunks(source: str, out: str, layout: int) -> int:
    """pandas chunked `read_csv` (all str) → one Parquet file through pyarrow."""
    import csv

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, writer = 0, None
    reader = pd.read_csv(
        source,
        sep="\t",
        header=None,
        names=_columns(layout),
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        chunksize=200_000,
        compression="infer",
    )
    for chunk in reader:
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
        rows += len(chunk)
    if writer:
        writer.close()
    return rows


def duckdb_sqlite(source: str, db: str, layout: int) -> int:
    """The SQLite table streamed as Arrow batches by ADBC into a DuckDB table (no typing)."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import duckdb

    con = duckdb.connect(db, config={"preserve_insertion_order": False})
    with adbc_sqlite.connect(source) as lite:
        cursor = lite.cursor()
        cursor.execute("SELECT * FROM yfcc100m_dataset")
        batches = cursor.fetch_record_batch()
        con.register("batches", batches)
        con.execute("CREATE TABLE raw AS SELECT * FROM batches")
        cursor.close()
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return rows


def duckdb_jsonl_shards(source: str, db: str, layout: int) -> int:
    """DuckDB's own read_json over the folder's gzip shards into a table (types as it detects them)."""
    import duckdb

    con = duckdb.connect(db, config={"preserve_insertion_order": False})
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_json(?, format = 'newline_delimited')", [f"{source}/*.gz"]
    )
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return rows


def duckdb_parquet(source: str, db: str, layout: int) -> int:
    import duckdb

    con = duckdb.connect(db, config={"preserve_insertion_order": False})
    con.execute("CREATE TABLE raw AS SELECT * FROM read_parquet(?)", [source])
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return rows


def polars_jsonl(source: str, out: str, layout: int) -> int:
    """Polars scan_ndjson over the gzip shards -> sink_parquet."""
    import polars as pl

    pl.scan_ndjson(f"{source}/*.gz").sink_parquet(out)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def airflow_tasks(source: str, db: str, layout: int) -> int:
    """ccaudit_ingest_yfcc's task bodies in one process, in DAG order: plan the units, stage each into
    the run's work folder (a mapped task each, here one after another), load all in one transaction.
    Airflow's own scheduling (seconds per task) is not in it: this is the path's work, compared
    with the CLI's `ingest yfcc` on the same file."""
    from pathlib import Path

    from pipelines import airflow_tasks as tasks

    settings = tasks.task_settings(db=db, work_dir=str(Path(db).parent / "work"))
    folder = tasks.run_folder(settings.staging_dir, "bench__run")
    staged = [tasks.stage_yfcc_unit(unit, str(folder)) for unit in tasks.plan_yfcc_units([source])]
    return tasks.load_yfcc(settings, staged, run_id="bench__run", cleanup=str(folder))["rows_loaded"]


CONTENDERS = {
    "duckdb-pipe": duckdb_pipe,
    "polars": polars_sink,
    "pandas": pandas_chunks,
    "duckdb-sqlite": duckdb_sqlite,
    "duckdb-jsonl-shards": duckdb_jsonl_shards,
    "duckdb-parquet": duckdb_parquet,
    "polars-jsonl": polars_jsonl,
    "airflow-tasks": airflow_tasks,
}


def main(argv: list[str]) -> int:
    name, source, out = argv[:3]
    layout = int(argv[3]) if len(argv) > 3 else 25
    print(json.dumps({"rows": CONTENDERS[name](source, out, layout)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
