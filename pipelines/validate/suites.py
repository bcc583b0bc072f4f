"""Validate the tables with the Great Expectations suites in `expectations/`.

GX 1.24 cannot read DuckDB (its SQLAlchemy route fails on every metric, see
docs/validation.md), and 100M rows do not fit in pandas. So each table is
streamed out of DuckDB in Arrow record batches holding only the columns under test, each batch is
validated as a pandas frame by an ephemeral GX context, and the per-batch results are summed.

Two kinds of expectation are supported:

* row-wise ones (`expect_column_values_*`, `expect_multicolumn_*`, `expect_column_pair_*`): the
  verdict for a row never depends on other rows, so validating the batches one after the other and
  summing unexpected counts is exactly the whole-table answer;
* uniqueness (`expect_column_values_to_be_unique`, `expect_compound_columns_to_be_unique`): a
  duplicate pair may fall into two different batches. Rows are therefore split by a hash of the key
  (`hash(key) % parts`) instead of by position: equal keys have equal hashes, so every duplicate
  pair lands in the same part, each part is validated as a whole, and the sum over parts equals the
  whole-table result. Every row is still checked by GX.

TIMESTAMP columns reach GX as epoch seconds (and the datetime parameters likewise): GX's pandas
range check calls a Python function per datetime value (measured: 10 of 16 s for 1M rows), while
numbers are compared vectorised. Unexpected values are turned back into timestamps for `details`.

Any other (table-level) expectation type is refused with a clear error rather than giving a
per-batch answer that would be wrong for the table.

Expectations whose `meta.critical` is true stop publication: `ValidationResult.success` is False
when any of them fails. Results go to the `validation_results` table with a run id.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..db import connect, transaction, upgrade_if_needed
from ..errors import ConfigError
from ..resources import expectations_dir

FLICKR_LAUNCH = datetime(2004, 2, 1)
DEFAULT_BATCH_ROWS = 500_000
UNIQUE_PART_FACTOR = 4  # uniqueness parts hold this many batches' worth of (key-only) rows
SAMPLE_VALUES = 10  # unexpected values kept per expectation in `details`

ROW_WISE_PREFIXES = (
    "expect_column_values_",
    "expect_column_value_",
    "expect_multicolumn_",
    "expect_column_pair_",
    "expect_select_column_values_",
)
UNIQUENESS_TYPES = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


# --- suites -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suite:
    """One expectations/<name>.json file: the GX suite dict plus the table it validates."""

    name: str
    table: str
    expectations: list[dict]
    path: Path

    def as_gx_dict(self, expectations: list[dict] | None = None, name: str | None = None) -> dict:
        return {"name": name or self.name, "expectations": expectations or self.expectations, "meta": {}}


def expectation_columns(expectation: dict) -> list[str]:
    kwargs = expectation.get("kwargs", {})
    if "column" in kwargs:
        return [kwargs["column"]]
    for key in ("column_list", "column_A"):
        if key in kwargs:
            return list(kwargs[key]) if key == "column_list" else [kwargs["column_A"], kwargs["column_B"]]
    raise ConfigError(f"expectation {expectation.get('type')} names no column")


def is_critical(expectation: dict) -> bool:
    return bool(expectation.get("meta", {}).get("critical", False))


def load_suites(directory: Path | None = None) -> list[Suite]:
    """Read every suite JSON in `expectations/` (name order), checking the types we can aggregate."""
    directory = directory or expectations_dir()
    suites = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"expectation suite {path} is not valid JSON: {exc}") from None
        table = data.get("meta", {}).get("table")
        if not table:
            raise ConfigError(f"expectation suite {path} has no meta.table naming the table it validates")
        for expectation in data.get("expectations", []):
            kind = expectation.get("type", "")
            if kind not in UNIQUENESS_TYPES and not kind.startswith(ROW_WISE_PREFIXES):
                raise ConfigError(
                    f"{path.name}: {kind!r} is a table-level expectation; ccaudit validates in batches "
                    "and supports row-wise expectations and uniqueness only"
                )
        suites.append(
            Suite(
                name=data.get("name") or path.stem,
                table=table,
                expectations=data.get("expectations", []),
                path=path,
            )
        )
    return suites


# --- results ----------------------------------------------------------------------------------


@dataclass
class ExpectationOutcome:
    """One expectation's verdict over a whole table, summed over its batches."""

    suite: str
    table_name: str
    expectation: str
    column_name: str
    critical: bool
    success: bool
    unexpected_count: int
    element_count: int
    missing_count: int = 0
    batches: int = 0
    sample: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    why: str | None = None
    error: str | None = None

    def details_json(self) -> str:
        return json.dumps(
            {
                "kwargs": self.kwargs,
                "unexpected_sample": self.sample,
                "missing_count": self.missing_count,
                "batches": self.batches,
                "why": self.why,
                "error": self.error,
            },
            default=str,
            ensure_ascii=False,
        )

    def label(self) -> str:
        return f"{self.table_name}.{self.column_name}: {self.expectation}"


@dataclass
class ValidationResult:
    run_id: str
    validated_at: datetime
    outcomes: list[ExpectationOutcome]
    rows: dict[str, int]
    seconds: float

    @property
    def success(self) -> bool:
        """False when any critical expectation failed; warnings do not block."""
        return not self.critical_failures

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.critical and not o.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.critical and not o.success]

    def summary_text(self) -> str:
        passed = sum(o.success for o in self.outcomes)
        tables = ", ".join(f"{name} {count:,} rows" for name, count in self.rows.items())
        lines = [
            (
                f"validation {self.run_id}: {passed}/{len(self.outcomes)} expectations passed "
                f"({tables}) in {self.seconds:.1f}s"
            )
        ]
        for outcome in self.critical_failures + self.warnings:
            level = "CRITICAL" if outcome.critical else "warning"
            extra = f" ({outcome.error})" if outcome.error else ""
            sample = f"; e.g. {outcome.sample[:3]}" if outcome.sample else ""
            lines.append(
                f"  {level}: {outcome.label()} — {outcome.unexpected_count:,} of "
                f"{outcome.element_count:,} rows unexpected{sample}{extra}"
            )
        lines.append(
            "result: "
            + ("ok" if self.success else f"FAILED ({len(self.critical_failures)} critical expectation(s))")
        )
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "validated_at": self.validated_at.isoformat(),
            "success": self.success,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "critical_failures": len(self.critical_failures),
            "warnings": len(self.warnings),
            "expectations": [asdict(o) for o in self.outcomes],
        }


# --- GX plumbing ------------------------------------------------------------------------------


class _GxRunner:
    """An ephemeral GX context with one pandas data frame asset; validates frames against suites."""

    def __init__(self, parameters: dict[str, Any]):
        # GX logs every registered doc decorator at INFO, which floods Airflow task logs.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx  # lazy: ~2 s and ~220 MB, only when validating
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        asset = self.context.data_sources.add_pandas("ccaudit").add_dataframe_asset("batch")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        self.parameters = parameters

    def suite(self, suite_dict: dict):
        from great_expectations.core.expectation_suite import ExpectationSuite

        return self.context.suites.add(ExpectationSuite(**suite_dict))

    def validate(self, frame, suite) -> list:
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY", expectation_parameters=self.parameters)
        return list(result.results)


class _Accumulator:
    """Sums GX per-batch results for one expectation into an ExpectationOutcome."""

    def __init__(self, suite: Suite, expectation: dict, timestamp_columns: frozenset = frozenset()):
        meta = expectation.get("meta", {})
        self.as_timestamps = bool(set(expectation_columns(expectation)) & timestamp_columns)
        self.outcome = ExpectationOutcome(
            suite=suite.name,
            table_name=suite.table,
            expectation=expectation["type"],
            column_name=",".join(expectation_columns(expectation)),
            critical=is_critical(expectation),
            success=True,
            unexpected_count=0,
            element_count=0,
            kwargs=expectation.get("kwargs", {}),
            why=meta.get("why"),
        )
        self.batch_failed = False

    def add(self, gx_result) -> None:
        outcome = self.outcome
        outcome.batches += 1
        info = gx_result.exception_info or {}
        if info.get("raised_exception"):
            outcome.error = str(info.get("exception_message"))[:500]
            self.batch_failed = True
            return
        stats = gx_result.result or {}
        outcome.element_count += int(stats.get("element_count") or 0)
        outcome.unexpected_count += int(stats.get("unexpected_count") or 0)
        outcome.missing_count += int(stats.get("missing_count") or 0)
        room = SAMPLE_VALUES - len(outcome.sample)
        if room > 0:
            values = [_plain(v) for v in (stats.get("partial_unexpected_list") or [])[:room]]
            outcome.sample.extend([_from_epoch(v) for v in values] if self.as_timestamps else values)
        self.batch_failed = self.batch_failed or not gx_result.success

    def finish(self) -> ExpectationOutcome:
        outcome = self.outcome
        mostly = outcome.kwargs.get("mostly")
        if outcome.error:
            outcome.success = False
        elif mostly is not None:
            # `mostly` is a share of the whole table, not of each batch: recompute it from the sums.
            present = outcome.element_count - outcome.missing_count
            outcome.success = present == 0 or (present - outcome.unexpected_count) / present >= mostly
        else:
            outcome.success = not self.batch_failed and outcome.unexpected_count == 0
        return outcome


def _plain(value: Any) -> Any:
    """JSON-friendly form of a value GX reports (numpy scalars, timestamps, tuples)."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --- streaming out of DuckDB ------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _frames(con, sql: str, params: list, batch_rows: int) -> Iterator:
    # A relation's Arrow reader streams without the extra copy a DB-API result makes (DuckDB 2.0).
    # Its own cursor, so a half-read result elsewhere on `con` cannot block the stream (DuckDB 2.0
    # refuses new work on a connection with an unfinished result).
    # The reader hands out DuckDB's own chunks (a few thousand rows on a parallel scan), so gather
    # them up to batch_rows: one GX validation per batch, not per chunk.
    import pyarrow as pa

    pending: list = []
    pending_rows = 0
    with con.cursor() as cursor:
        cursor.execute("SET enable_progress_bar = false")  # no bars in task logs (cursor-local setting)
        for record_batch in cursor.sql(sql, params=params or None).to_arrow_reader(batch_rows):
            pending.append(record_batch)
            pending_rows += record_batch.num_rows
            if pending_rows >= batch_rows:
                yield pa.Table.from_batches(pending).to_pandas()
                pending, pending_rows = [], 0
    if pending_rows:
        yield pa.Table.from_batches(pending).to_pandas()


def _table_columns(con, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [table]
    ).fetchall()
    return dict(rows)


def _timestamp_columns(types: dict[str, str]) -> frozenset:
    return frozenset(name for name, kind in types.items() if kind.startswith("TIMESTAMP"))


def _select_list(columns: list[str], timestamps: frozenset) -> str:
    """Columns under test; timestamps as epoch seconds (see the module docstring)."""
    return ", ".join(f"epoch({_quote(c)}) AS {_quote(c)}" if c in timestamps else _quote(c) for c in columns)


def _epoch(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _from_epoch(value: Any) -> Any:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def _validate_row_wise(
    con, runner: _GxRunner, suite: Suite, expectations: list[dict], batch_rows: int, timestamps: frozenset
) -> list[ExpectationOutcome]:
    """All row-wise expectations of a suite in one pass over the table, batch by batch."""
    columns = sorted({c for e in expectations for c in expectation_columns(e)})
    gx_suite = runner.suite(suite.as_gx_dict(expectations, name=f"{suite.name}.rows"))
    accumulators = [_Accumulator(suite, e, timestamps) for e in expectations]
    sql = f"SELECT {_select_list(columns, timestamps)} FROM {_quote(suite.table)}"
    for frame in _frames(con, sql, [], batch_rows):
        # GX returns results in suite order for a suite validated whole.
        for accumulator, gx_result in zip(
            accumulators, _in_suite_order(runner.validate(frame, gx_suite), gx_suite), strict=False
        ):
            accumulator.add(gx_result)
    return [a.finish() for a in accumulators]


def _in_suite_order(results: list, gx_suite) -> list:
    by_id = {r.expectation_config.id: r for r in results}
    return [by_id[e.id] for e in gx_suite.expectations]


def _validate_unique(
    con, runner: _GxRunner, suite: Suite, expectation: dict, rows: int, batch_rows: int, timestamps: frozenset
) -> ExpectationOutcome:
    """Uniqueness over the whole table: hash-partition on the key so duplicates share a part."""
    columns = expectation_columns(expectation)
    gx_suite = runner.suite(suite.as_gx_dict([expectation], name=f"{suite.name}.unique.{'.'.join(columns)}"))
    accumulator = _Accumulator(suite, expectation, timestamps)
    # Only the key columns travel, so a part may be larger than a row-wise batch: fewer scans.
    part_rows = batch_rows * UNIQUE_PART_FACTOR
    parts = max(1, math.ceil(rows / part_rows))
    key = ", ".join(map(_quote, columns))
    # Typed parameters: an untyped `% ?` makes DuckDB compare in a slow generic type (20x slower).
    sql = (
        f"SELECT {_select_list(columns, timestamps)} FROM {_quote(suite.table)} "
        f"WHERE hash({key}) % CAST(? AS UBIGINT) = CAST(? AS UBIGINT)"
    )
    for part in range(parts):
        # A part is about part_rows rows; fetch it whole so GX sees every duplicate pair in it.
        frames = list(_frames(con, sql, [parts, part], max(part_rows * 2, 1024)))
        if not frames:
            continue
        frame = frames[0] if len(frames) == 1 else _concat(frames)
        accumulator.add(runner.validate(frame, gx_suite)[0])
    return accumulator.finish()


def _concat(frames: list):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _parameters(con, now: datetime) -> dict[str, Any]:
    license_ids = [row[0] for row in con.execute("SELECT license_id FROM licenses ORDER BY 1").fetchall()]
    return {"license_ids": license_ids, "flickr_launch": _epoch(FLICKR_LAUNCH), "now": _epoch(now)}


# --- public API -------------------------------------------------------------------------------


def validate(
    con,
    *,
    store: bool = True,
    run_id: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    suites: list[Suite] | None = None,
    now: datetime | None = None,
) -> ValidationResult:
    """Validate every suite's table; store the results in `validation_results` when `store`.

    `con` may be read-only when `store=False`. Empty tables pass (no manifests or API checks yet
    is a normal state). Memory stays bounded by `batch_rows` rows of the columns under test.
    """
    started = time.monotonic()
    validated_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = run_id or f"validate-{validated_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    suites = load_suites() if suites is None else suites
    runner = _GxRunner(_parameters(con, now or validated_at))
    outcomes: list[ExpectationOutcome] = []
    rows: dict[str, int] = {}
    for suite in suites:
        types = _table_columns(con, suite.table)
        timestamps = _timestamp_columns(types)
        missing = {c for e in suite.expectations for c in expectation_columns(e)} - set(types)
        if missing:
            raise ConfigError(
                f"suite {suite.name}: table {suite.table} lacks column(s) {', '.join(sorted(missing))}"
            )
        [(count,)] = con.execute(f"SELECT count(*) FROM {_quote(suite.table)}").fetchall()
        rows[suite.table] = count
        row_wise = [e for e in suite.expectations if e["type"] not in UNIQUENESS_TYPES]
        unique = [e for e in suite.expectations if e["type"] in UNIQUENESS_TYPES]
        by_id: dict[int, ExpectationOutcome] = {}
        if row_wise:
            for e, outcome in zip(
                row_wise,
                _validate_row_wise(con, runner, suite, row_wise, batch_rows, timestamps),
                strict=False,
            ):
                by_id[id(e)] = outcome
        for e in unique:
            by_id[id(e)] = _validate_unique(con, runner, suite, e, count, batch_rows, timestamps)
        outcomes.extend(by_id[id(e)] for e in suite.expectations)  # keep the suite's order
    result = ValidationResult(
        run_id=run_id,
        validated_at=validated_at,
        outcomes=outcomes,
        rows=rows,
        seconds=time.monotonic() - started,
    )
    if store:
        store_results(con, result)
    return result


def store_results(con, result: ValidationResult) -> None:
    """Append one row per expectation to `validation_results`, in one transaction."""
    rows = [
        (
            result.run_id,
            result.validated_at,
            o.suite,
            o.table_name,
            o.expectation,
            o.column_name,
            o.critical,
            o.success,
            o.unexpected_count,
            o.element_count,
            o.details_json(),
        )
        for o in result.outcomes
    ]
    with transaction(con):
        con.executemany("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def validate_database(
    db_path, *, run_id: str | None = None, lock_wait: float | None = None, **options
) -> ValidationResult:
    """Validate reading the file read-only (other readers share it for the whole run, which may
    take minutes), then store the results in a separate short write."""
    upgrade_if_needed(
        db_path, lock_wait=lock_wait
    )  # a new database validates (empty); an older one is migrated
    with connect(db_path, read_only=True, lock_wait=lock_wait) as con:
        result = validate(con, store=False, run_id=run_id, **options)
    with connect(db_path, lock_wait=lock_wait) as con:
        store_results(con, result)
    return result
