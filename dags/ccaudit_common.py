"""Names the ccaudit DAGs share: the DuckDB pool, the Assets that chain the DAGs, default_args,
and resolving a task's settings once (param, else Airflow Variable, else environment variable).
Not a DAG file (listed in .airflowignore); stdlib, airflow.sdk and pipelines.config (stdlib only)
at the top, so importing it costs nothing beyond what a DAG file already pays. Environment
variables are read through pipelines.config only, where each one is listed.
"""

from __future__ import annotations

import json
from datetime import timedelta

from airflow.sdk import Asset, Param

from pipelines import config

# One slot: DuckDB allows one process to hold the database file read-write, and a read-only
# process cannot open it while a writer holds it. Every task that opens the file runs in this pool.
# Created by `airflow pools set ccaudit_duckdb_writer 1 "..."` (compose init, tests, docs/airflow.md).
DUCKDB_POOL = "ccaudit_duckdb_writer"
# Under CeleryExecutor, the Celery queue of every task that opens the file: only the worker on the
# host that holds the DuckDB file consumes it (`airflow celery worker --queues default,ccaudit_db`).
# Staging tasks stay on the default queue: any worker that mounts the shared work folder.
# LocalExecutor ignores queues.
DB_QUEUE = "ccaudit_db"

# Assets are opaque URIs to Airflow; they name the tables the loader tasks commit.
YFCC_PHOTOS = Asset(uri="ccaudit://duckdb/yfcc_photos", name="ccaudit_yfcc_photos")
DATASET_ITEMS = Asset(uri="ccaudit://duckdb/dataset_items", name="ccaudit_dataset_items")

DEFAULT_ARGS = {
    "owner": "ccaudit",
    "retries": 2,
    # $CCAUDIT_RETRY_DELAY_SECONDS (read where the DAG is parsed) shortens it for the cluster test,
    # whose killed worker's task must come back within seconds.
    "retry_delay": timedelta(seconds=config.retry_delay_from_env()),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
}

DB_PARAM = Param(
    None,
    type=["null", "string"],
    title="db",
    description="DuckDB file (default: Variable ccaudit_db, $CCAUDIT_DB, ./ccaudit.duckdb)",
)
WORK_DIR_PARAM = Param(
    None,
    type=["null", "string"],
    title="work_dir",
    description="Folder for staged Parquet shards, shared by all workers "
    "(default: Variable ccaudit_work_dir, $CCAUDIT_WORK_DIR, <db folder>/work)",
)


def setting(params: dict, name: str, key: str | None = None, default=None, json_value: bool = False):
    """A run's param `name`, else Airflow Variable `ccaudit_<key>`, else env `CCAUDIT_<KEY>`, else default.

    `key` defaults to `name`. Call it inside a task only: Variables are read at run time, never
    when the file is parsed.
    """
    value = params.get(name)
    if value not in (None, "", []):
        return value
    from airflow.sdk import Variable

    key = key or name
    value = Variable.get(f"ccaudit_{key}", default=None) or config.env_value(f"CCAUDIT_{key.upper()}")
    if value in (None, ""):
        return default
    return json.loads(value) if json_value and isinstance(value, str) else value


def flickr_api_key() -> str | None:
    """$FLICKR_API_KEY, else the password of the Airflow connection `flickr_api`; never logged."""
    key = config.env_value("FLICKR_API_KEY")
    if key:
        return key
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return (Connection.get("flickr_api").password or "").strip() or None
    except AirflowNotFoundException:  # no connection configured: enrichment is skipped
        return None


def task_settings(context, api_key: bool = False):
    """This task's Settings, each value resolved once (see `setting`); the key only when asked for."""
    from pipelines.airflow_tasks import task_settings as settings_from

    params = context["params"]
    return settings_from(
        db=setting(params, "db"),
        work_dir=setting(params, "work_dir"),
        reports_dir=setting(params, "out", key="reports_dir"),
        flickr_api_key=flickr_api_key() if api_key else None,
    )


class user_errors_fail_fast:
    """Turn ccaudit's own errors (bad input, missing config) into a failure without retries.

    Retrying cannot fix a corrupt file or a missing setting; anything else (a lock held too long,
    a network hiccup) still gets the DAG's retries.
    """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        from pipelines.errors import CcauditError

        if isinstance(exc, CcauditError):
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
        return False


def mapped_results(results) -> list:
    """Every return value of a mapped task, as a list, in one request.

    Airflow hands a downstream task the mapped results as a lazy sequence. `list(results)` iterates
    it item by item until a lookup fails, and that last lookup (offset = number of items) is logged
    at error level ("XCom not found … offset=1") although nothing is wrong. A slice asks for all
    items at once and logs nothing. A plain list (a test calling the body) slices the same way.
    """
    return list(results[:])


def run_work_folder(context, settings=None) -> str:
    """This DAG run's folder for staged shards (same answer in every task of the run); `settings`:
    the task's own, when it has resolved them already."""
    from pipelines import airflow_tasks

    settings = settings or task_settings(context)
    return str(airflow_tasks.run_folder(settings.staging_dir, context["run_id"]))
