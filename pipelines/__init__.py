"""ccaudit: audit Creative Commons image datasets drawn from Flickr.

All logic lives in this package and is importable without Airflow; the CLI (`pipelines.cli`)
and the DAGs (`dags/`) are thin callers of the same functions.
"""

__version__ = "0.1.0"
