"""
### ccaudit_ingest_manifests: load the manifests of derived datasets into DuckDB

The `manifests` param is a list of objects, one per dataset version, with the names of the CLI
flags (`ccaudit ingest manifest --format FMT --dataset NAME [--version V] PATH...`):

```json
[{"format": "ffhq", "dataset": "ffhq", "version": "v2", "paths": ["/data/ffhq-dataset-v2.json"]},
 {"format": "csv", "dataset": "faces", "paths": ["/data/faces/*.csv"],
  "options": {"id_column": "flickr_id", "license_column": "license"}}]
```

Without the param the Airflow Variable `ccaudit_manifests` (same JSON) is used.

1. **plan** checks the list and expands globs.
2. **stage** (one mapped task per manifest, in parallel) parses it to Parquet; no database access.
3. **load** (pool `ccaudit_duckdb_writer`, one slot; queue `ccaudit_db`) loads them; each dataset
   version is replaced atomically. It updates the Asset `ccaudit://duckdb/dataset_items`, which
   triggers `ccaudit_validate_and_report`.

`schedule=None`: manifests change when a dataset publishes a new version; trigger a run then.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task
from ccaudit_common import (
    DATASET_ITEMS,
    DB_PARAM,
    DB_QUEUE,
    DEFAULT_ARGS,
    DUCKDB_POOL,
    WORK_DIR_PARAM,
    run_work_folder,
    setting,
    task_settings,
    user_errors_fail_fast,
)

FORMATS = ["clip-subset", "ffhq", "coco", "open-images", "megaface-paths", "pipa", "flickr30k", "csv",
           "yfcc-columns"]

MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["format", "dataset", "paths"],
    "additionalProperties": False,
    "properties": {
        "format": {"type": "string", "enum": FORMATS},
        "dataset": {"type": "string", "minLength": 1},
        "version": {"type": ["null", "string"]},
        "paths": {"type": ["array", "string"], "items": {"type": "string"}},
        "options": {"type": "object"},
    },
}


@dag(
    dag_id="ccaudit_ingest_manifests",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["ccaudit", "ingest"],
    params={
        "manifests": Param([], type="array", items=MANIFEST_SCHEMA, title="manifests",
                           description="One object per dataset version: format, dataset, version, paths, options"),
        "db": DB_PARAM,
        "work_dir": WORK_DIR_PARAM,
    },
)
def ccaudit_ingest_manifests():
    @task
    def plan(**context) -> list[dict]:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            return airflow_tasks.manifest_specs(setting(context["params"], "manifests", json_value=True))

    @task
    def stage(spec: dict, **context) -> dict:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            return airflow_tasks.stage_manifest_spec(spec, run_work_folder(context))

    @task(pool=DUCKDB_POOL, queue=DB_QUEUE, outlets=[DATASET_ITEMS])
    def load(staged, **context) -> dict:
        from pipelines import airflow_tasks

        with user_errors_fail_fast():
            settings = task_settings(context)
            return airflow_tasks.load_manifests(settings, list(staged), cleanup=run_work_folder(context, settings))

    load(stage.expand(spec=plan()))


ccaudit_ingest_manifests()
