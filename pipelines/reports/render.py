"""Render the report's files from the query results: HTML (Jinja2, autoescaped), Markdown, CSV, JSON.

Everything is rendered to strings first, so the build can scan every published byte before
anything is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections import OrderedDict
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .charts import Colours, chart_for
from .formatting import (
    column_label,
    format_count_delta,
    format_points,
    format_value,
    is_numeric_column,
)
from .queries import TableResult, json_value

HTML_ROW_LIMIT = 100  # longer tables show their first rows and link the CSV with all of them
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_json(value, indent: int | None = None) -> str:
    """JSON that is also safe inside an HTML <script> element: no '<', '>' or '&' survive literally."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=json_value, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def summary_json(summary: dict) -> str:
    """Indented JSON whose first line carries the first key (the synthetic-data notice): `head -1` tells."""
    opening, first, rest = safe_json(summary, indent=2).split("\n", 2)
    return f"{opening} {first.lstrip()}\n{rest}\n"


def markdown_cell(value) -> str:
    """Text for a Markdown table cell: no HTML (entities instead), no pipes or line breaks."""
    value = "—" if value is None else str(value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def csv_text(table: TableResult) -> str:
    """All rows; text cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        cells = []
        for value in row:
            value = json_value(value)
            if isinstance(value, str) and value.startswith(_CSV_FORMULA_START):
                value = "'" + value
            elif isinstance(value, list):
                value = json.dumps(value, ensure_ascii=False)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buffer.getvalue()


class TableView:
    """A table ready for a template: formatted cells, which columns are numbers, its chart."""

    def __init__(self, table: TableResult, colours: Colours):
        self.table = table
        self.query = table.query
        self.name = table.name
        self.status = table.status
        self.message = table.message
        self.columns = [column_label(c) for c in table.columns]
        self.numeric = [is_numeric_column(table.rows, i) for i in range(len(table.columns))]
        self.rows = [[format_value(v, c) for v, c in zip(row, table.columns)]
                     for row in table.rows[:HTML_ROW_LIMIT]]
        # short texts (license names, dates) stay on one line; the table scrolls sideways instead
        self.nowrap = [max((len(row[i]) for row in self.rows), default=0) <= 22 for i in range(len(self.columns))]
        self.total_rows = len(table.rows)
        self.truncated = len(table.rows) > HTML_ROW_LIMIT
        self.chart: Markup | None = chart_for(table, colours)
        self.chart_caption = chart_caption(table) if self.chart else None
        self.csv = f"tables/{table.name}.csv" if table.status == "ok" else None
        # One row of many figures reads better as a list of "figure: value" lines.
        self.vertical = len(table.rows) == 1 and len(table.columns) > 4
        self.pairs = list(zip(self.columns, self.rows[0])) if self.vertical else []


def chart_caption(table: TableResult) -> str | None:
    """What the bars or lines measure, from the chart header, e.g. 'Chart: forbid commercial share by source'."""
    spec = table.query.chart
    value = spec.column("value", "y") if spec else None
    label = spec.column("label", "x") if spec else None
    if not value:
        return None
    values = ", ".join(column_label(v).lower() for v in value.split(","))
    if spec.kind == "heatmap":
        x, y = spec.column("x", "label"), spec.column("y", "series")
        return f"Chart: {values}" + (f", {column_label(x).lower()} × {column_label(y).lower()}" if x and y else "")
    return f"Chart: {values}" + (f" by {column_label(label).lower()}" if label else "")


def _sections(tables: list[TableResult], sections: dict[str, str], colours: Colours) -> list[dict]:
    grouped: OrderedDict[str, list[TableView]] = OrderedDict((key, []) for key in sections)
    for table in tables:
        grouped.setdefault(table.query.section, []).append(TableView(table, colours))
    return [{"key": key, "title": sections.get(key, key.replace("_", " ").title()), "tables": views}
            for key, views in grouped.items() if views]


@cache  # compiling the templates costs more than rendering them
def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("pipelines.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=autoescape)
        if autoescape else False,
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(value=format_value, points=format_points, delta=format_count_delta,
                       md=markdown_cell, share=lambda v: format_value(v, "share"),
                       json_script=lambda v: Markup(safe_json(v)))
    return env


def render_outputs(context: dict) -> dict[str, str]:
    """file name (relative to the report folder) -> text, for every file the report publishes."""
    license_codes = {lic["name"]: lic["code"] for lic in context["licenses"]}
    colours = Colours(license_codes)
    sections = _sections(context["tables"], context["sections"], colours)
    view = {**context, "section_views": sections}
    html_env, md_env = _environment(True), _environment(False)
    files = {
        "report.html": html_env.get_template("report.html.j2").render(**view),
        "search.html": html_env.get_template("search.html.j2").render(**view),
        "report.md": md_env.get_template("report.md.j2").render(**view),
        "summary.json": summary_json(context["summary"]),
    }
    for table in context["tables"]:
        if table.status == "ok":
            files[f"tables/{table.name}.csv"] = csv_text(table)
    return files
