"""
### ccaudit_enrich_flickr: hourly re-check of photos on the live Flickr API

Runs `ccaudit enrich` as one bounded batch per hour: `flickr.photos.getInfo` for photos of interest
(dataset items first, those not checked within `max_age` days) and `flickr.people.getInfo` for their
uploaders, appended to `flickr_checks` and `uploaders`. The client throttles itself to
`$CCAUDIT_FLICKR_RATE` calls per hour (default 3600, Flickr's limit per key); the batch size
(`limit`, else the Variable `ccaudit_enrich_limit` or `$CCAUDIT_ENRICH_LIMIT`, else what fits in
30 minutes at that rate, two calls per photo) keeps each run inside its hour, and
`max_active_runs=1` stops runs from overlapping. The next run resumes where this one stopped.
`sample` and `seed` are `ccaudit enrich --sample N --seed S`: only a uniform random sample of N
photos per dataset, the same photos for the same seed.

**API key**: `$FLICKR_API_KEY`, else the password field of the Airflow connection `flickr_api`,
read inside the task and never logged. Without a key the task succeeds and logs "no key".

The task opens the DuckDB file read-write, so it runs in the pool `ccaudit_duckdb_writer` and on
the Celery queue `ccaudit_db` (the worker on the host that holds the file).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from ccaudit_common import (
    DB_PARAM,
    DB_QUEUE,
    DEFAULT_ARGS,
    DUCKDB_POOL,
    setting,
    task_settings,
    user_errors_fail_fast,
)

log = logging.getLogger(__name__)


@dag(
    dag_id="ccaudit_enrich_flickr",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=58),
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["ccaudit", "flickr"],
    params={
        "dataset": Param(None, type=["null", "string"], description="only photos of this dataset"),
        "limit": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            description="check at most N photos in this run (default: what the rate limit allows in 30 min)",
        ),
        "max_age": Param(
            30, type="integer", minimum=0, description="skip photos checked within this many days"
        ),
        "sample": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="re-check only a uniform random sample of N photos per dataset (enrich --sample)",
        ),
        "seed": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            description="seed of the sample (enrich --seed, default 0; same seed, same photos; a larger "
            "sample extends it)",
        ),
        "db": DB_PARAM,
    },
)
def ccaudit_enrich_flickr():
    @task(pool=DUCKDB_POOL, queue=DB_QUEUE, execution_timeout=timedelta(minutes=55))
    def enrich(**context) -> dict:
        from pipelines import airflow_tasks

        params = context["params"]
        with user_errors_fail_fast():
            settings = task_settings(context, api_key=True)
            if not settings.flickr_api_key:
                log.info(
                    "no key: set FLICKR_API_KEY or the Airflow connection flickr_api; enrichment skipped"
                )
            result = airflow_tasks.enrich_batch(
                settings,
                dataset=params.get("dataset"),
                limit=_int(setting(params, "limit", key="enrich_limit"), "limit"),
                max_age=params["max_age"],
                # A scheduled run has no params: the Variable or environment variable makes it a sampled audit.
                sample=_int(setting(params, "sample", key="enrich_sample"), "sample"),
                seed=_int(setting(params, "seed", key="enrich_seed"), "seed") or 0,
            )
        log.info("enrichment: %s", result)
        return result

    enrich()


def _int(value, name: str) -> int | None:
    """A whole number from a param, Variable or env var (text for the last two)."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        from pipelines.errors import ConfigError

        raise ConfigError(f"the enrichment {name} must be a whole number, not {value!r}") from None


ccaudit_enrich_flickr()
