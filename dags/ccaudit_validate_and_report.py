"""
### ccaudit_validate_and_report: Great Expectations gate, then the published report

Runs on the 1st of every month at 04:00 UTC **and** whenever an ingest DAG updates one of the
Assets `ccaudit://duckdb/yfcc_photos` or `ccaudit://duckdb/dataset_items` (`AssetOrTimeSchedule`).

1. **validate** (pool `ccaudit_duckdb_writer`, queue `ccaudit_db`) runs the suites in `expectations/`
   over the whole tables and stores every result in `validation_results`. If a **critical**
   expectation fails the task fails without retries, and the report is neither built nor published.
2. **report** (same pool; opens the database read-only) writes the report and publishes it as
   `<out>/<date>/` (`<date>-2`, … for later runs that day) by renaming the finished folder into
   place, so readers never see half a report.

`out` defaults to the Variable `ccaudit_reports_dir`, `$CCAUDIT_REPORTS_DIR`, else `./reports`;
`publish_mode` is `pseudonymous` (default: NSIDs, nicknames, URLs replaced by keyed hashes) or
`full`, as the CLI's `ccaudit report --out OUT --publish-mode MODE`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from ccaudit_common import (
    DATASET_ITEMS,
    DB_PARAM,
    DB_QUEUE,
    DEFAULT_ARGS,
    DUCKDB_POOL,
    YFCC_PHOTOS,
    task_settings,
    user_errors_fail_fast,
)

log = logging.getLogger(__name__)


@dag(
    dag_id="ccaudit_validate_and_report",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 4 1 * *", timezone="UTC"), assets=(YFCC_PHOTOS | DATASET_ITEMS)
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["ccaudit", "quality", "report"],
    params={
        "db": DB_PARAM,
        "out": Param(
            None, type=["null", "string"], description="report folder; the report goes to OUT/<date>/"
        ),
        "publish_mode": Param(
            "pseudonymous",
            type="string",
            enum=["pseudonymous", "full"],
            description="pseudonymous replaces NSIDs, nicknames and photo URLs with keyed hashes",
        ),
    },
)
def ccaudit_validate_and_report():
    @task(pool=DUCKDB_POOL, queue=DB_QUEUE)
    def validate(**context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            result = airflow_tasks.run_validation(
                task_settings(context), run_id=f"airflow:{context['run_id']}"
            )
        log.info("%s", result["summary"])
        if not result["success"]:
            # No retry: the data will not change by itself. Downstream tasks become upstream_failed.
            raise AirflowFailException(
                "critical expectations failed, report not published: "
                + "; ".join(result["critical_failures"])
            )
        return {k: v for k, v in result.items() if k != "summary"}

    @task(pool=DUCKDB_POOL, queue=DB_QUEUE)
    def report(**context) -> dict:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            result = airflow_tasks.build_report_and_edition(
                task_settings(context), context["params"]["publish_mode"]
            )
        log.info("report published at %s", result["report_dir"])
        return result

    validate() >> report()


ccaudit_validate_and_report()
