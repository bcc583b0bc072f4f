"""Task bodies for the Airflow DAGs in `dags/`, importable and testable without Airflow.

Names differ from the library functions they call (`stage_manifest_spec` calls
`ingest.manifests.stage_manifest`, `build_report_and_edition` calls `publish.report.publish_report`, then
`publish.edition.publish_edition`), so a reader never wonders which one a DAG runs. The library
imports sit inside the functions on purpose (none hides an import cycle, tests/test_import_graph.py): a
staging task on a worker should not pay for importing Great Expectations or the report renderer.

Every function takes plain values (paths, names, numbers) and returns a small JSON-serialisable
dict: Airflow passes those through XCom, never data. The rule that keeps DuckDB happy: only the
functions that open the database (`load_*`, `enrich_batch`, `run_validation`, `build_report_and_edition`)
touch the file, and the DAGs run all of them in the one-slot pool `ccaudit_duckdb_writer`; staging
functions only read input files and write Parquet shards under a per-run work folder.

Configuration: the DAG layer resolves each setting once per task (the run's param, else the Airflow
Variable, else the environment variable, else the default) into one `Settings` (`task_settings`),
which every function that opens the database takes as its first argument, as the CLI's commands do.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ConfigError, InputError

# An hourly run holds the one-slot DuckDB writer pool while it works (each answer is committed at
# once so a crash loses at most one call). Half an hour leaves the other half for ingest, validation
# and the report, which queue for the pool; it uses half of a key's 3600 calls/hour.
ENRICH_SHARE_OF_HOUR = 30 / 60
CALLS_PER_PHOTO = 2  # photos.getInfo + (at most) one people.getInfo per photo


# --- settings ---------------------------------------------------------------------------------


def task_settings(
    db: str | None = None,
    work_dir: str | None = None,
    reports_dir: str | None = None,
    flickr_api_key: str | None = None,
) -> Settings:
    """The environment's Settings with what the DAG layer resolved (param or Variable) on top."""
    settings = Settings.from_env(db=db or None)
    return replace(
        settings,
        work_dir=Path(work_dir) if work_dir else settings.work_dir,
        reports_dir=Path(reports_dir) if reports_dir else settings.reports_dir,
        flickr_api_key=(flickr_api_key or "").strip() or settings.flickr_api_key,
    )


def run_folder(base: Path, run_id: str) -> Path:
    """One folder per DAG run; Airflow run ids hold ':' and '+', which some file systems dislike."""
    return base / re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)


def expand_paths(paths: str | Sequence[str] | None, what: str = "input") -> list[str]:
    """A list of files from a list and/or glob patterns (also a single string, ',' or newline separated)."""
    if isinstance(paths, str):
        paths = re.split(r"[,\n]", paths)
    found: list[str] = []
    for pattern in paths or []:
        pattern = pattern.strip()
        if not pattern:
            continue
        matches = sorted(glob.glob(os.path.expanduser(pattern))) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputError(f"{what} pattern {pattern!r} matches no file")
        for match in matches:
            path = Path(match).resolve()
            if not path.is_file():
                raise InputError(f"{what} file {path} does not exist or is not a file")
            if str(path) not in found:
                found.append(str(path))
    if not found:
        raise ConfigError(
            f"no {what} files configured: pass the `paths` param or set the "
            "Airflow Variable / environment variable the DAG documents"
        )
    return found


# --- database access --------------------------------------------------------------------------


@contextmanager
def open_db(settings: Settings, read_only: bool = False, lock_wait: float | None = None) -> Iterator[Any]:
    """Connect, waiting with backoff while another process holds the file (up to `lock_wait`,
    default CCAUDIT_LOCK_WAIT); then DatabaseLockedError fails the task and Airflow retries it."""
    from .db import connect

    con = connect(settings.db_path.resolve(), read_only=read_only, lock_wait=lock_wait)
    try:
        yield con
    finally:
        con.close()


# --- YFCC100M ---------------------------------------------------------------------------------


def list_yfcc_files(paths: str | Sequence[str] | None) -> list[str]:
    """The YFCC100M inputs, in the order given; a folder (e.g. of the downloader's gzip JSON-lines
    shards) means its files."""
    from .ingest.yfcc_forms import expand_paths as expand_folders

    if isinstance(paths, str):
        paths = re.split(r"[,\n]", paths)
    given: list[str] = []
    for path in paths or []:
        path = path.strip()
        if path and Path(path).is_dir():
            given.extend(str(p) for p in expand_folders([path]))
        else:
            given.append(path)
    return expand_paths(given, what="YFCC100M")


def plan_yfcc_units(paths: str | Sequence[str] | None) -> list[list[str]]:
    """The inputs as staging units, one mapped stage task each, grouped as the CLI groups them: a
    run of small JSON-lines files (the downloader's 4,096 shards) is one unit, anything else a unit
    of its own. One task per shard would cost Airflow seconds each and the load 4,096 shards."""
    from .ingest.yfcc import group_inputs

    units = group_inputs([Path(path) for path in list_yfcc_files(paths)])
    return [[str(getattr(item, "path", item)) for item in unit] for unit in units]


def stage_yfcc_unit(unit: Sequence[str], work: str) -> list[dict]:
    """Decompress and parse one unit into Parquet (no database access); one StagedFile dict per file."""
    from .ingest.yfcc import stage_unit

    Path(work).mkdir(parents=True, exist_ok=True)
    return [staged.as_dict() for staged in stage_unit([Path(path) for path in unit], Path(work))]


def load_yfcc(
    settings: Settings, staged: Sequence[dict | Sequence[dict]], run_id: str, cleanup: str | None = None
) -> dict:
    """Load every staged shard in one transaction (the single writer), then drop the shards.
    `staged`: StagedFile dicts, or the mapped stage tasks' lists of them."""
    from .ingest.yfcc import StagedFile, load_staged

    flat = [item for entry in staged for item in ([entry] if isinstance(entry, dict) else entry)]
    files = [StagedFile.from_dict(item) for item in flat]
    with open_db(settings) as con:
        results = load_staged(con, files, run_id=run_id)
        photos = con.execute("SELECT count(*) FROM yfcc_photos").fetchall()[0][0]
    if cleanup:
        shutil.rmtree(cleanup, ignore_errors=True)
    return {
        "run_id": run_id,
        "files": len(results),
        "table_rows": photos,
        "rows_loaded": sum(_count(r, "rows_loaded") for r in results),
        "rows_rejected": sum(_count(r, "rows_rejected") for r in results),
    }


def _count(result: Any, name: str) -> int:
    value = result.get(name) if isinstance(result, dict) else getattr(result, name, 0)
    return int(value or 0)


# --- manifests --------------------------------------------------------------------------------

# dataset_version: the CLI's --dataset-version; version, its older name, is still read.
MANIFEST_KEYS = {"format", "dataset", "dataset_version", "version", "paths", "options"}


def manifest_specs(specs: Sequence[dict] | None) -> list[dict]:
    """Check the `manifests` param: a list of {format, dataset, dataset_version?, paths, options?}."""
    checked = []
    for number, spec in enumerate(specs or [], start=1):
        if not isinstance(spec, dict):
            raise ConfigError(f"manifest #{number} must be an object with format, dataset and paths")
        unknown = set(spec) - MANIFEST_KEYS
        missing = {"format", "dataset", "paths"} - set(spec)
        if "dataset_version" in spec and "version" in spec:
            raise ConfigError(f"manifest #{number}: give dataset_version only (version is its older name)")
        if unknown or missing:
            raise ConfigError(
                f"manifest #{number}: "
                + "; ".join(
                    part
                    for part in (
                        f"unknown key(s) {sorted(unknown)}" if unknown else "",
                        f"missing {sorted(missing)}" if missing else "",
                    )
                    if part
                )
            )
        checked.append(
            {
                "format": spec["format"],
                "dataset": spec["dataset"],
                "version": spec.get("dataset_version", spec.get("version")),
                "paths": expand_paths(spec["paths"], what=f"manifest {spec['dataset']}"),
                "options": dict(spec.get("options") or {}),
            }
        )
    if not checked:
        raise ConfigError(
            "no manifests configured: pass the `manifests` param or set the "
            "Airflow Variable ccaudit_manifests (JSON list)"
        )
    return checked


def stage_manifest_spec(spec: dict, work: str) -> dict:
    """Parse one manifest into Parquet (no database access)."""
    from .ingest.manifests import stage_manifest

    staged = stage_manifest(
        spec["format"],
        spec["dataset"],
        spec.get("version"),
        [Path(p) for p in spec["paths"]],
        Path(work),
        **spec.get("options", {}),
    )
    return staged.as_dict()


def load_manifests(settings: Settings, staged: Sequence[dict], cleanup: str | None = None) -> dict:
    """Load every staged manifest (single writer); each manifest is its own transaction."""
    from .ingest.manifests import StagedManifest, load_staged_manifest

    loaded = []
    with open_db(settings) as con:
        for item in staged:
            result = load_staged_manifest(con, StagedManifest.from_dict(item))
            loaded.append(
                {
                    "dataset": result.dataset,
                    "version": result.version,
                    "items": result.items,
                    "rejected": result.rejected,
                }
            )
        items = con.execute("SELECT count(*) FROM dataset_items").fetchall()[0][0]
    if cleanup:
        shutil.rmtree(cleanup, ignore_errors=True)
    return {"manifests": loaded, "table_rows": items}


# --- enrichment -------------------------------------------------------------------------------


def hourly_limit(settings: Settings) -> int:
    """Photos one hourly run may check so its API calls fit the rate limit before the next run."""
    return max(1, int(settings.flickr_rate_per_hour * ENRICH_SHARE_OF_HOUR / CALLS_PER_PHOTO))


def enrich_batch(
    settings: Settings,
    dataset: str | None = None,
    limit: int | None = None,
    max_age: int = 30,
    deadline_seconds: float | None = ENRICH_SHARE_OF_HOUR * 3600,
    sample: int | None = None,
    seed: int = 0,
) -> dict:
    """One bounded enrichment run; without an API key it does nothing and says so.

    `sample`/`seed` mean what `ccaudit enrich --sample N --seed S` means. The key
    (settings.flickr_api_key: env or Airflow connection) never appears in the result.
    """
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or sample < 1):
        raise ConfigError(f"the enrichment sample must be a whole number >= 1, not {sample!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"the sample seed must be a whole number >= 0, not {seed!r}")
    if not settings.flickr_api_key:
        return {"skipped": "no key", "checked": 0}
    from .enrich.run import enrich

    limit = hourly_limit(settings) if limit is None else limit
    result = enrich(
        settings,
        dataset=dataset,
        limit=limit,
        max_age_days=max_age,
        progress=False,
        deadline_seconds=deadline_seconds,
        sample=sample,
        seed=seed,
    )
    return {"skipped": None, "limit": limit, **result.as_dict()}  # counts only, no key


# --- validation and report --------------------------------------------------------------------


def run_validation(settings: Settings, run_id: str | None = None) -> dict:
    """Run the GX suites and store the results; `success` is False when a critical one failed."""
    from .validate.suites import validate_database

    # Reads read-only (readers share the file meanwhile), then stores the results in a short write.
    result = validate_database(settings.db_path.resolve(), run_id=run_id)
    return {
        "run_id": result.run_id,
        "success": result.success,
        "seconds": round(result.seconds, 2),
        "rows": result.rows,
        "critical_failures": [o.label() for o in result.critical_failures],
        "warnings": [o.label() for o in result.warnings],
        "summary": result.summary_text(),
    }


def build_report_and_edition(settings: Settings, publish_mode: str = "pseudonymous") -> dict:
    """Write the report to <out>/<date>/ (the report builder renames a finished folder into place,
    so readers never see half a report) and the readers' edition to <out>/editions/. Opens the
    database read-only."""
    from .publish.edition import publish_edition
    from .publish.report import publish_report

    out_dir = settings.reports_dir.resolve()
    with open_db(settings, read_only=True) as con:
        result = publish_report(con, out_dir=out_dir, publish_mode=publish_mode)
        result.edition_dir = publish_edition(
            con, out_dir / "editions", publish_mode=publish_mode, now=result.generated_at
        ).folder
    return {"report_dir": str(Path(result.report_dir).resolve()), "edition_dir": str(result.edition_dir)}
