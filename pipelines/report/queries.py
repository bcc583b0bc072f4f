"""Discover and run the report queries in sql/reports/*.sql.

Each file is one report table and starts with `-- key: value` header lines (title, section, order,
description, chart, requires, sensitive). Files are discovered, not listed, so a new query file
appears in the next report without touching Python.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb

from ..db import ccaudit_schema, database_file, table_exists
from ..errors import CcauditError
from ..resources import sql_dir
from .chart_base import ChartSpec
from .charts import parse_chart

SECTIONS = {  # section key -> heading, in the order the report shows them
    "overview": "Overview",
    "yfcc": "YFCC100M",
    "datasets": "Derived datasets",
    "enrichment": "Live re-check on Flickr",
    "optouts": "Opt-outs",
    "quality": "Data quality",
}
_HEADER_LINE = re.compile(r"^--\s*([a-z_]+)\s*:(.*)$")


@dataclass(frozen=True)
class ReportQuery:
    name: str
    sql: str
    title: str
    section: str
    order: float
    description: str = ""
    chart: ChartSpec | None = None
    requires: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple:
        sections = list(SECTIONS)
        position = sections.index(self.section) if self.section in sections else len(sections)
        return (position, self.section, self.order, self.name)


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_query_file(path: Path) -> ReportQuery:
    """Read the header of one report file; a header that cannot be read is the author's error."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _HEADER_LINE.match(line.strip())
        if not match:
            break  # the header ends at the first line that is not `-- key: value`
        key, value = match.group(1), match.group(2).strip()
        header[key] = f"{header[key]} {value}".strip() if key in header else value
    where = f"sql/reports/{path.name}"
    if not header.get("title"):
        raise CcauditError(f"{where}: missing `-- title:` header line")
    try:
        order = float(header.get("order") or 100)
    except ValueError:
        raise CcauditError(f"{where}: `-- order:` must be a number, got {header['order']!r}") from None
    return ReportQuery(
        name=path.stem,
        sql=text,
        title=header["title"],
        section=header.get("section") or "overview",
        order=order,
        description=header.get("description", ""),
        chart=parse_chart(header.get("chart", ""), where),
        requires=_split_list(header.get("requires", "")),
        sensitive=tuple(name.lower() for name in _split_list(header.get("sensitive", ""))),
    )


def discover_queries(folder: Path | None = None) -> list[ReportQuery]:
    folder = folder or sql_dir("reports")
    return sorted((parse_query_file(p) for p in folder.glob("*.sql")), key=lambda q: q.sort_key)


@dataclass
class TableResult:
    query: ReportQuery
    status: str  # ok | empty | no_data | error
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    message: str | None = None
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.query.name

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def plain(value):
    """DuckDB values as plain JSON-able Python (Decimal -> float, dates stay dates for formatting)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _check_read_only(con, query: ReportQuery) -> None:
    statements = con.extract_statements(query.sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise CcauditError(f"sql/reports/{query.name}.sql must be exactly one SELECT statement")


def missing_requirements(con, tables: tuple[str, ...]) -> str | None:
    """Why a query has nothing to show: a required table is absent or empty; None when all have rows."""
    for table in tables:
        if not table_exists(con, table):
            return f"{table} does not exist yet"
        # Identifier from our own SQL header, quoted; not user input.
        if con.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 1)').fetchone()[0] == 0:
            return f"{table} is empty"
    return None


@cache
def current_schema() -> frozenset[tuple[str, str]]:
    """Every (table or view, column) a database brought up to date by this ccaudit has: the schema
    as the migrations leave an empty in-memory database (run once per process, ~0.4 s)."""
    con = ccaudit_schema()
    try:
        return frozenset(_columns_of(con))
    finally:
        con.close()


def _columns_of(con) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()


def require_current_schema(con) -> None:
    """Refuse a database an older ccaudit wrote (a table or column of today's schema is missing):
    its report would show tables as FAILED, or as empty when they are not."""
    missing = sorted(f"{table}.{column}" for table, column in current_schema() - set(_columns_of(con)))
    if missing:
        where = database_file(con) or "this database"
        raise CcauditError(
            f"{where} was written by an older ccaudit ({len(missing)} column(s) of today's schema "
            f"missing, e.g. {missing[0]}): run `ccaudit migrate` first"
        )


def run_query(con, query: ReportQuery) -> TableResult:
    started = time.perf_counter()
    _check_read_only(con, query)
    reason = missing_requirements(con, query.requires)
    if reason:
        return TableResult(query, "no_data", message=reason, seconds=time.perf_counter() - started)
    try:
        cursor = con.execute(query.sql)
        columns = [d[0] for d in cursor.description]
        rows = [[plain(v) for v in row] for row in cursor.fetchall()]
    except duckdb.CatalogException as exc:
        # A table this query reads is not created yet (its part of ccaudit was never run).
        first = str(exc).splitlines()[0]
        return TableResult(query, "no_data", message=first, seconds=time.perf_counter() - started)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        return TableResult(
            query, "error", message=f"query failed: {first}", seconds=time.perf_counter() - started
        )
    # "empty" is a finding (e.g. no unrecognised licenses), unlike "no_data" (nothing to look at yet)
    status = "ok" if rows else "empty"
    return TableResult(
        query, status, columns, rows, None if rows else "none found", time.perf_counter() - started
    )


def json_value(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):  # NaN is not JSON
        return None
    return value
