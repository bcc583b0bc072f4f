"""One settings object shared by the CLI and the DAGs, read from the environment.

ENVIRONMENT lists every environment variable ccaudit reads, with its meaning and default; the
"Environment" table of docs/cli.md and the CLI epilog are generated from it (scripts/gen_docs.py).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

DEFAULT_DB = "ccaudit.duckdb"
DEFAULT_REPORTS_DIR = "reports"
DEFAULT_FLICKR_API_URL = "https://api.flickr.com/services/rest/"
DEFAULT_FLICKR_RATE = 3600.0  # calls per hour: Flickr's published limit per key
# Seconds a writer waits for readers to let go of the DuckDB file (Airflow retries after that).
DEFAULT_LOCK_WAIT = 300.0
# Readers (lookup, report, validate's reading part) wait at most this long for a writer.
READER_LOCK_WAIT_CAP = 60.0
# Seconds before the DAGs' first retry (CCAUDIT_RETRY_DELAY_SECONDS; the cluster test shortens it).
DEFAULT_RETRY_DELAY = 120.0


@dataclass(frozen=True)
class EnvVar:
    name: str
    meaning: str
    default: str


ENVIRONMENT = (
    EnvVar("CCAUDIT_DB", "the DuckDB database file", DEFAULT_DB),
    EnvVar("FLICKR_API_KEY", "Flickr API key for `enrich`; never logged, never stored", "none: enrich does nothing"),
    EnvVar("CCAUDIT_FLICKR_API_URL", "Flickr REST endpoint (tests point it at a local server)", DEFAULT_FLICKR_API_URL),
    EnvVar("CCAUDIT_FLICKR_RATE", "Flickr calls per hour", f"{DEFAULT_FLICKR_RATE:.0f}"),
    EnvVar("CCAUDIT_LOCK_WAIT", "seconds a command waits for another process to let go of the database file; "
           f"read-only commands wait at most {READER_LOCK_WAIT_CAP:.0f}", f"{DEFAULT_LOCK_WAIT:.0f}"),
    EnvVar("CCAUDIT_PSEUDONYM_KEY", "key of the report's keyed hashes (16+ characters)",
           "the `.ccaudit-pseudonym-key` file beside the database"),
    EnvVar("CCAUDIT_INGEST_STREAM", "`1`: decompress YFCC100M through a pipe instead of a temporary file", "0"),
    EnvVar("CCAUDIT_EXTERNAL_COMPRESSORS", "`0`: use Python's decompressors, not lbzip2/pigz/zstd", "1"),
    EnvVar("CCAUDIT_WORK_DIR", "Airflow: folder for staged Parquet shards, shared by all workers", "<db folder>/work"),
    EnvVar("CCAUDIT_REPORTS_DIR", "Airflow: where the report DAG writes reports", DEFAULT_REPORTS_DIR),
    EnvVar("CCAUDIT_YFCC_PATHS", "Airflow: YFCC100M files or globs when the run gives no `paths`", "none"),
    EnvVar("CCAUDIT_MANIFESTS", "Airflow: the manifests (a JSON list) when the run gives no `manifests`", "none"),
    EnvVar("CCAUDIT_ENRICH_LIMIT", "Airflow: photos per enrichment run when the run gives no `limit`",
           "what fits half an hour of the rate"),
    EnvVar("CCAUDIT_ENRICH_SAMPLE", "Airflow: re-check a seeded sample of N photos per dataset when the run gives no "
           "`sample` (enrich --sample)", "none: every photo"),
    EnvVar("CCAUDIT_ENRICH_SEED", "Airflow: the sample's seed when the run gives no `seed` (enrich --seed)", "0"),
    EnvVar("CCAUDIT_RETRY_DELAY_SECONDS", "Airflow: first retry delay, read where the DAGs are parsed",
           f"{DEFAULT_RETRY_DELAY:.0f}"),
)


_DECLARED = frozenset(variable.name for variable in ENVIRONMENT)


def env_value(name: str, env: dict | None = None) -> str | None:
    """The stripped value of a variable listed in ENVIRONMENT; None when unset or blank.

    Reading a variable that is not listed is a programming error: add its row to ENVIRONMENT (and
    run `make docs`, which regenerates docs/cli.md's table) first.
    """
    if name not in _DECLARED:
        raise KeyError(f"{name} is not listed in pipelines.config.ENVIRONMENT")
    env = os.environ if env is None else env
    return (env.get(name) or "").strip() or None


def _seconds(name: str, default: float, env: dict | None) -> float:
    text = env_value(name, env)
    try:
        value = float(text) if text else default
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number of seconds >= 0, got {text!r}")
    return value


def retry_delay_from_env(env: dict | None = None) -> float:
    """CCAUDIT_RETRY_DELAY_SECONDS: the DAGs' first retry delay (the cluster test shortens it)."""
    return _seconds("CCAUDIT_RETRY_DELAY_SECONDS", DEFAULT_RETRY_DELAY, env)


def lock_wait_from_env(env: dict | None = None) -> float:
    """CCAUDIT_LOCK_WAIT in seconds (0 = fail at once)."""
    return _seconds("CCAUDIT_LOCK_WAIT", DEFAULT_LOCK_WAIT, env)


def db_from_env(env: dict | None = None) -> str | None:
    """CCAUDIT_DB when set (the demo keeps its own database unless one was chosen)."""
    return env_value("CCAUDIT_DB", env)


def external_compressors_from_env(env: dict | None = None) -> bool:
    """CCAUDIT_EXTERNAL_COMPRESSORS: False (`0`, `false`, `no`) forces Python's decompressors and compressors."""
    return (env_value("CCAUDIT_EXTERNAL_COMPRESSORS", env) or "1").lower() not in ("0", "false", "no")


def ingest_stream_from_env(env: dict | None = None) -> bool:
    """CCAUDIT_INGEST_STREAM: True (`1`, `true`, `yes`) streams compressed input through a pipe, never spooled."""
    return (env_value("CCAUDIT_INGEST_STREAM", env) or "").lower() in ("1", "true", "yes")


def pseudonym_key_from_env(env: dict | None = None) -> str | None:
    """CCAUDIT_PSEUDONYM_KEY, at least 16 characters; None when unset (the key file is used instead)."""
    text = env_value("CCAUDIT_PSEUDONYM_KEY", env)
    if text and len(text) < 16:
        raise ConfigError("CCAUDIT_PSEUDONYM_KEY must be at least 16 characters")
    return text or None


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path(DEFAULT_DB)
    flickr_api_url: str = DEFAULT_FLICKR_API_URL
    flickr_rate_per_hour: float = DEFAULT_FLICKR_RATE
    # repr=False: the key must never reach a log line or a traceback through this object.
    flickr_api_key: str | None = field(default=None, repr=False)
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT   # CCAUDIT_LOCK_WAIT; readers wait at most READER_LOCK_WAIT_CAP
    work_dir: Path | None = None                   # CCAUDIT_WORK_DIR; None: <db folder>/work
    reports_dir: Path = Path(DEFAULT_REPORTS_DIR)  # CCAUDIT_REPORTS_DIR

    @classmethod
    def from_env(cls, db: str | os.PathLike | None = None, env: dict | None = None) -> Settings:
        rate_text = env_value("CCAUDIT_FLICKR_RATE", env)
        try:
            rate = float(rate_text) if rate_text else DEFAULT_FLICKR_RATE
        except ValueError:
            raise ConfigError(f"CCAUDIT_FLICKR_RATE must be a number of calls per hour, got {rate_text!r}")
        if not math.isfinite(rate) or rate <= 0:
            raise ConfigError(f"CCAUDIT_FLICKR_RATE must be a finite number of calls per hour above 0, got {rate_text!r}")
        return cls(
            db_path=Path(db or db_from_env(env) or DEFAULT_DB),
            flickr_api_url=env_value("CCAUDIT_FLICKR_API_URL", env) or DEFAULT_FLICKR_API_URL,
            flickr_rate_per_hour=rate,
            flickr_api_key=env_value("FLICKR_API_KEY", env),
            lock_wait_seconds=lock_wait_from_env(env),
            work_dir=Path(work) if (work := env_value("CCAUDIT_WORK_DIR", env)) else None,
            reports_dir=Path(env_value("CCAUDIT_REPORTS_DIR", env) or DEFAULT_REPORTS_DIR),
        )

    def with_db(self, db: str | os.PathLike) -> Settings:
        return replace(self, db_path=Path(db))

    @property
    def staging_dir(self) -> Path:
        """Folder for staged Parquet shards: work_dir, else `work` beside the database. Under Celery
        it must be a volume every worker mounts (the compose file mounts /opt/ccaudit/data)."""
        return (self.work_dir or self.db_path.resolve().parent / "work").resolve()
