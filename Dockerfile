# ccaudit on the official Airflow image: the project is installed into the image (`pip install .`),
# not through _PIP_ADDITIONAL_REQUIREMENTS, so every container starts with the same code.
#   docker compose build        (docker-compose.yml uses this file for every Airflow service)
FROM apache/airflow:3.3.2-python3.11

# lbzip2 decompresses the YFCC100M .bz2 files in parallel (ccaudit falls back to Python's bz2
# without it, about 2.5x slower); zstd for re-compressed shards.
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends lbzip2 zstd \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
USER airflow

WORKDIR /opt/ccaudit/src
COPY --chown=airflow:root pyproject.toml README.md ./
COPY --chown=airflow:root constraints ./constraints
COPY --chown=airflow:root pipelines ./pipelines
COPY --chown=airflow:root sql ./sql
COPY --chown=airflow:root expectations ./expectations
# Airflow's convention: install against the constraints file for this Airflow and Python version,
# here ccaudit's lock (the versions its tests passed with; tests/test_compose.py checks that the
# FROM line above and the lock name the same Airflow). apache-airflow stays the image's version.
# The cluster extra: Celery provider, celery[redis], psycopg2 and asyncpg for PostgreSQL.
RUN pip install --no-cache-dir -c constraints/constraints-3.11.txt "apache-airflow==${AIRFLOW_VERSION}" ".[cluster]" \
 && python -c "import pipelines.validate.suites, pipelines.resources as r; r.expectations_dir(); r.sql_dir('schema')"

# DAGs baked in too, so the image runs without the ./dags bind mount (compose mounts it for editing).
COPY --chown=airflow:root dags /opt/airflow/dags
WORKDIR /opt/airflow
