"""One settings object shared by the CLI and the DAGs, read from the environment.

ENVIRONMENT lists every environment variable ccaudit reads, with its meaning, default and kind; the
"Environment" table of docs/cli.md and the CLI epilog are generated from it (scripts/gen_docs.py).
Each kind has one parser (PARSERS): `check_environment` runs them all once when a command or task
starts, so a bad value is one line naming the variable before any work, and the typed getters below
read values through the same parsers.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

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
MAX_SECONDS = 7 * 24 * 3600.0  # a wait or delay of more than a week is a typo (and overflows timedelta)
MIN_RATE, MAX_RATE = 1.0, 1e9  # calls per hour: below one an hour a run never ends; above, no server keeps up


@dataclass(frozen=True)
class EnvVar:
    name: str
    meaning: str
    default: str
    kind: str = "text"  # how a value is checked: a key of PARSERS


ENVIRONMENT = (
    EnvVar("CCAUDIT_DB", "the DuckDB database file", DEFAULT_DB, "path"),
    EnvVar(
        "FLICKR_API_KEY",
        "Flickr API key for `enrich`; never logged, never stored",
        "none: enrich does nothing",
        "api_key",
    ),
    EnvVar(
        "CCAUDIT_FLICKR_API_URL",
        "Flickr REST endpoint (tests point it at a local server)",
        DEFAULT_FLICKR_API_URL,
        "url",
    ),
    EnvVar("CCAUDIT_FLICKR_RATE", "Flickr calls per hour", f"{DEFAULT_FLICKR_RATE:.0f}", "rate"),
    EnvVar(
        "CCAUDIT_LOCK_WAIT",
        "seconds a command waits for another process to let go of the database file; "
        f"read-only commands wait at most {READER_LOCK_WAIT_CAP:.0f}",
        f"{DEFAULT_LOCK_WAIT:.0f}",
        "seconds",
    ),
    EnvVar(
        "CCAUDIT_PSEUDONYM_KEY",
        "key of the report's keyed hashes (16+ characters)",
        "the `.ccaudit-pseudonym-key` file beside the database",
        "pseudonym_key",
    ),
    EnvVar(
        "CCAUDIT_INGEST_STREAM",
        "`1`: decompress YFCC100M through a pipe instead of a temporary file",
        "0",
        "switch",
    ),
    EnvVar(
        "CCAUDIT_EXTERNAL_COMPRESSORS", "`0`: use Python's decompressors, not lbzip2/pigz/zstd", "1", "switch"
    ),
    EnvVar(
        "CCAUDIT_WORK_DIR",
        "Airflow: folder for staged Parquet shards, shared by all workers",
        "<db folder>/work",
        "path",
    ),
    EnvVar(
        "CCAUDIT_REPORTS_DIR", "Airflow: where the report DAG writes reports", DEFAULT_REPORTS_DIR, "path"
    ),
    EnvVar(
        "CCAUDIT_YFCC_PATHS",
        "Airflow: YFCC100M files or globs when the run gives no `paths`",
        "none",
        "paths",
    ),
    EnvVar(
        "CCAUDIT_MANIFESTS",
        "Airflow: the manifests (a JSON list) when the run gives no `manifests`",
        "none",
        "json_list",
    ),
    EnvVar(
        "CCAUDIT_ENRICH_LIMIT",
        "Airflow: photos per enrichment run when the run gives no `limit`",
        "what fits half an hour of the rate",
        "count",
    ),
    EnvVar(
        "CCAUDIT_ENRICH_SAMPLE",
        "Airflow: re-check a seeded sample of N photos per dataset when the run gives no "
        "`sample` (enrich --sample)",
        "none: every photo",
        "positive_count",
    ),
    EnvVar(
        "CCAUDIT_ENRICH_SEED",
        "Airflow: the sample's seed when the run gives no `seed` (enrich --seed)",
        "0",
        "count",
    ),
    EnvVar(
        "CCAUDIT_RETRY_DELAY_SECONDS",
        "Airflow: first retry delay, read where the DAGs are parsed",
        f"{DEFAULT_RETRY_DELAY:.0f}",
        "seconds",
    ),
)


# --- one parser per kind: each returns the value or raises a one-line ConfigError naming the variable ---

_NUMBER = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"\+?[0-9]{1,18}", re.ASCII)  # ASCII digits only (int() also takes "١٢" and "1_000")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_API_KEY = re.compile(
    r"[\x21-\x7e]{1,256}", re.ASCII
)  # printable ASCII, no spaces (Flickr's are 32 hex digits)
_SWITCH = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
PATH_MAX = 4096


def _shown(text: str) -> str:
    """The value as an error message may show it: cut short, and repr() escapes every character that is
    not printable (this module stays stdlib-only: the DAG files import it at parse time)."""
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _number(name: str, text: str, what: str, low: float, high: float) -> float:
    if not _NUMBER.fullmatch(text):  # also refuses nan, inf, 0x10, 1_000 and digits other than ASCII
        raise ConfigError(f"{name} must be a number of {what}, got {_shown(text)}")
    value = float(text)
    if not (math.isfinite(value) and low <= value <= high):
        raise ConfigError(
            f"{name} must be a finite number of {what} from {low:g} to {high:g}, got {_shown(text)}"
        )
    return value


def parse_seconds(name: str, text: str) -> float:
    return _number(name, text, "seconds", 0.0, MAX_SECONDS)


def parse_rate(name: str, text: str) -> float:
    return _number(name, text, "calls per hour", MIN_RATE, MAX_RATE)


def _whole(name: str, text: str, low: int) -> int:
    if not _WHOLE.fullmatch(text) or int(text) < low:
        raise ConfigError(f"{name} must be a whole number >= {low} (ASCII digits), got {_shown(text)}")
    return int(text)


def parse_count(name: str, text: str) -> int:
    return _whole(name, text, 0)


def parse_positive_count(name: str, text: str) -> int:
    return _whole(name, text, 1)


def parse_switch(name: str, text: str) -> bool:
    if text.lower() not in _SWITCH:
        raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off, got {_shown(text)}")
    return _SWITCH[text.lower()]


def parse_path(name: str, text: str) -> str:
    if _CONTROL.search(text):
        raise ConfigError(f"{name} must be a path without control characters, got {_shown(text)}")
    if len(os.fsencode(text)) > PATH_MAX or any(len(os.fsencode(part)) > 255 for part in text.split("/")):
        raise ConfigError(f"{name} is longer than a path can be ({PATH_MAX} bytes, 255 per name)")
    return text


def parse_paths(name: str, text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise ConfigError(
            f"{name} must be paths or globs separated by commas, with none empty, got {_shown(text)}"
        )
    return [parse_path(name, part) for part in parts]


def parse_url(name: str, text: str) -> str:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise ConfigError(f"{name} must be an http(s) URL, got {_shown(text)} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or _CONTROL.search(text) or " " in text:
        raise ConfigError(
            f"{name} must be an http(s) URL with a host, e.g. {DEFAULT_FLICKR_API_URL}, got {_shown(text)}"
        )
    return text


def parse_api_key(name: str, text: str) -> str:
    if not _API_KEY.fullmatch(text):  # the value is never shown: it is a secret
        raise ConfigError(
            f"{name} must be printable ASCII without spaces, at most 256 characters (its value is not shown)"
        )
    return text


def parse_pseudonym_key(name: str, text: str) -> str:
    if len(text) < 16:  # the value is never shown: it is a secret
        raise ConfigError(f"{name} must be at least 16 characters")
    return text


def parse_json_list(name: str, text: str) -> list:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a JSON list, got invalid JSON ({exc})") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"{name} must be a JSON list of objects, got {_shown(text)}")
    return value


def parse_text(name: str, text: str) -> str:
    return text


PARSERS: dict[str, Callable[[str, str], object]] = {
    "path": parse_path,
    "paths": parse_paths,
    "url": parse_url,
    "api_key": parse_api_key,
    "rate": parse_rate,
    "seconds": parse_seconds,
    "pseudonym_key": parse_pseudonym_key,
    "switch": parse_switch,
    "count": parse_count,
    "positive_count": parse_positive_count,
    "json_list": parse_json_list,
    "text": parse_text,
}


def check_environment(env: dict | None = None) -> None:
    """Parse every variable in ENVIRONMENT that is set: the first bad one is a ConfigError (one line)."""
    for variable in ENVIRONMENT:
        text = env_value(variable.name, env)
        if text is not None:
            PARSERS[variable.kind](variable.name, text)


_DECLARED = frozenset(variable.name for variable in ENVIRONMENT)


def env_value(name: str, env: dict | None = None) -> str | None:
    """The stripped value of a variable listed in ENVIRONMENT; None when unset or blank.

    Reading a variable that is not listed is a programming error: add its row to ENVIRONMENT (and
    run `make docs`, which regenerates docs/cli.md's table) first.
    """
    if name not in _DECLARED:
        raise KeyError(f"{name} is not listed in pipelines.config.ENVIRONMENT")
    values: Mapping[str, str] = os.environ if env is None else env
    return (values.get(name) or "").strip() or None


def _seconds(name: str, default: float, env: dict | None) -> float:
    text = env_value(name, env)
    return parse_seconds(name, text) if text else default


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
    """CCAUDIT_EXTERNAL_COMPRESSORS: False (`0`, `false`, `no`, `off`) forces Python's decompressors and compressors."""
    text = env_value("CCAUDIT_EXTERNAL_COMPRESSORS", env)
    return parse_switch("CCAUDIT_EXTERNAL_COMPRESSORS", text) if text else True


def ingest_stream_from_env(env: dict | None = None) -> bool:
    """CCAUDIT_INGEST_STREAM: True (`1`, `true`, `yes`, `on`) streams compressed input through a pipe, never spooled."""
    text = env_value("CCAUDIT_INGEST_STREAM", env)
    return parse_switch("CCAUDIT_INGEST_STREAM", text) if text else False


def pseudonym_key_from_env(env: dict | None = None) -> str | None:
    """CCAUDIT_PSEUDONYM_KEY, at least 16 characters; None when unset (the key file is used instead)."""
    text = env_value("CCAUDIT_PSEUDONYM_KEY", env)
    return parse_pseudonym_key("CCAUDIT_PSEUDONYM_KEY", text) if text else None


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path(DEFAULT_DB)
    flickr_api_url: str = DEFAULT_FLICKR_API_URL
    flickr_rate_per_hour: float = DEFAULT_FLICKR_RATE
    # repr=False: the key must never reach a log line or a traceback through this object.
    flickr_api_key: str | None = field(default=None, repr=False)
    lock_wait_seconds: float = (
        DEFAULT_LOCK_WAIT  # CCAUDIT_LOCK_WAIT; readers wait at most READER_LOCK_WAIT_CAP
    )
    work_dir: Path | None = None  # CCAUDIT_WORK_DIR; None: <db folder>/work
    reports_dir: Path = Path(DEFAULT_REPORTS_DIR)  # CCAUDIT_REPORTS_DIR

    @classmethod
    def from_env(cls, db: str | os.PathLike | None = None, env: dict | None = None) -> Settings:
        check_environment(env)  # every variable, not only those read here: a bad one stops before any work
        rate_text = env_value("CCAUDIT_FLICKR_RATE", env)
        return cls(
            db_path=Path(db or db_from_env(env) or DEFAULT_DB),
            flickr_api_url=env_value("CCAUDIT_FLICKR_API_URL", env) or DEFAULT_FLICKR_API_URL,
            flickr_rate_per_hour=parse_rate("CCAUDIT_FLICKR_RATE", rate_text)
            if rate_text
            else DEFAULT_FLICKR_RATE,
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
