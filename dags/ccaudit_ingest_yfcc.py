"""
### ccaudit_ingest_yfcc: load YFCC100M metadata files into DuckDB

1. **plan** lists the configured files: the `paths` param (a list of files and/or glob patterns),
   else the Airflow Variable `ccaudit_yfcc_paths` or `$CCAUDIT_YFCC_PATHS` (comma-separated).
2. **stage** (one mapped task per unit, in parallel) decompresses and parses a file into a Parquet
   shard under `<work_dir>/<run id>/`; a run of small JSON-lines files (the `yfcc100m` downloader's
   4,096 gzip shards) is one unit, staged by one query, as the CLI does. It never opens the database.
3. **load** (pool `ccaudit_duckdb_writer`, one slot; queue `ccaudit_db`) loads every shard in ONE
   transaction: either the whole run lands or nothing does; re-ingesting a file replaces its rows.
   It then deletes the shards and updates the Asset `ccaudit://duckdb/yfcc_photos`, which
   triggers `ccaudit_validate_and_report`.

`schedule=None`: the dump is static; trigger a run when files arrive (UI, `airflow dags trigger`
with `-c '{"paths": ["/data/yfcc/*.bz2"]}'`). Params use the names of the CLI flags
(`ccaudit --db DB ingest yfcc PATH...`). XCom carries paths and counts only.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task

from ccaudit_common import (
    DB_PARAM,
    DB_QUEUE,
    DEFAULT_ARGS,
    DUCKDB_POOL,
    WORK_DIR_PARAM,
    YFCC_PHOTOS,
    mapped_results,
    run_work_folder,
    setting,
    task_settings,
    user_errors_fail_fast,
)


@dag(
    dag_id="ccaudit_ingest_yfcc",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["ccaudit", "ingest"],
    params={
        "paths": Param(
            [],
            type=["array", "string"],
            items={"type": "string"},
            title="paths",
            description="YFCC100M files or glob patterns (.bz2, .gz, .zst or plain)",
        ),
        "db": DB_PARAM,
        "work_dir": WORK_DIR_PARAM,
    },
)
def ccaudit_ingest_yfcc():
    @task
    def plan(**context) -> list[list[str]]:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            return airflow_tasks.plan_yfcc_units(setting(context["params"], "paths", key="yfcc_paths"))

    @task
    def stage(unit: list[str], **context) -> list[dict]:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            return airflow_tasks.stage_yfcc_unit(unit, run_work_folder(context))

    @task(pool=DUCKDB_POOL, queue=DB_QUEUE, outlets=[YFCC_PHOTOS])
    def load(staged, **context) -> dict:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            settings = task_settings(context)
            return airflow_tasks.load_yfcc(
                settings,
                mapped_results(staged),
                run_id=context["run_id"],
                cleanup=run_work_folder(context, settings),
            )

    load(stage.expand(unit=plan()))


ccaudit_ingest_yfcc()
