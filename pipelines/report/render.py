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
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .chart_base import LICENSE_COLOURS, ChartContext, Colours
from .charts import chart_for, line_chart
from .datapackage import datapackage
from .formatting import column_label, format_count_delta, format_points, format_value, is_numeric_column
from .queries import TableResult, json_value
from .trend import TREND_MEASURES

# What a missing input means for the conclusions, said instead of a table name.
NO_DATA_MEANING = {
    "flickr_checks": "no photo has been re-checked on Flickr yet (`ccaudit enrich`), so this report cannot say "
    "which photos were deleted or relicensed since the YFCC100M snapshot; every license is as "
    "recorded then.",
    "optouts": "no opt-out request has been recorded (`ccaudit optout add`), so whether the datasets honour "
    "opt-outs is not tested.",
    "validation_results": "the database has not been validated (`ccaudit validate`), so its consistency checks "
    "are not part of this report.",
    "yfcc_photos": "YFCC100M (the pool) has not been ingested, so dataset photos cannot be matched to the "
    "licenses and uploaders it records.",
    "dataset_items": "no derived dataset has been ingested, so there is nothing to audit against the pool.",
    "datasets": "no derived dataset has been ingested, so there is nothing to audit against the pool.",
    "ingest_rejects": "no input line was rejected: every line read became a row.",
    "ingest_runs": "no ingest run is recorded, so the inputs cannot be listed.",
    "uploaders": "no uploader profile has been fetched from Flickr, so deleted accounts cannot be shown.",
}
HTML_ROW_LIMIT = 100  # longer tables show their first rows and link the CSV with all of them
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_json(value, indent: int | None = None) -> str:
    """JSON that is also safe inside an HTML <script> element: no '<', '>' or '&' survive literally."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=json_value, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def summary_json(summary: dict) -> str:
    """Indented JSON whose first line carries the first key (the synthetic-data notice): `head -1` tells."""
    opening, first, rest = safe_json(summary, indent=2).split("\n", 2)
    return f"{opening} {first.lstrip()}\n{rest}\n"


def markdown_cell(value) -> str:
    """Text for a Markdown table cell: no HTML (entities instead), no pipes or line breaks."""
    value = "—" if value is None else str(value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


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

    def __init__(self, table: TableResult, context: ChartContext):
        self.table = table
        self.query = table.query
        self.name = table.name
        self.status = table.status
        self.message = table.message
        self.columns = [column_label(c) for c in table.columns]
        self.numeric = [is_numeric_column(table.rows, i) for i in range(len(table.columns))]
        self.rows = [
            [format_value(v, c) for v, c in zip(row, table.columns, strict=True)]
            for row in table.rows[:HTML_ROW_LIMIT]
        ]
        # short texts (license names, dates) stay on one line
        self.nowrap = [
            max((len(row[i]) for row in self.rows), default=0) <= 16 for i in range(len(self.columns))
        ]
        self.total_rows = len(table.rows)
        self.truncated = len(table.rows) > HTML_ROW_LIMIT
        self.chart = chart_for(table, context)
        self.csv = f"tables/{table.name}.csv" if table.status == "ok" else None
        self.sql = f"sql/reports/{table.name}.sql"
        # One row of many figures reads better as a list of "figure: value" lines; a few rows of many
        # figures as one column per row, so no column is hidden at any width.
        self.vertical = len(table.rows) == 1 and len(table.columns) > 4
        self.pairs = list(zip(self.columns, self.rows[0], strict=False)) if self.vertical else []
        self.transposed = not self.vertical and len(table.columns) > 8 and 1 < len(self.rows) <= 6
        self.header_row = [r[0] for r in self.rows] if self.transposed else []
        self.transposed_rows = (
            [
                (self.columns[i], [r[i] for r in self.rows], self.numeric[i])
                for i in range(1, len(self.columns))
            ]
            if self.transposed
            else []
        )
        missing = (table.message or "").split(" ", 1)[0] if table.status == "no_data" else ""
        self.meaning = NO_DATA_MEANING.get(missing, f"{table.message}." if table.message else "")
        self.caption = table.query.title + (f" ({self.total_rows:,} rows)" if self.total_rows > 1 else "")


def _sections(tables: list[TableResult], sections: dict[str, str], context: ChartContext) -> list[dict]:
    grouped: OrderedDict[str, list[TableView]] = OrderedDict((key, []) for key in sections)
    for table in tables:
        grouped.setdefault(table.query.section, []).append(TableView(table, context))
    return [
        {"key": key, "title": sections.get(key, key.replace("_", " ").title()), "tables": views}
        for key, views in grouped.items()
        if views
    ]


def trend_charts(editions: list[dict], colours: Colours) -> list[dict]:
    """One line per measure across the editions in this folder; none before there are two editions."""
    if len(editions) < 2:
        return []
    days = [(e["generated_at"] or e["folder"])[:10] for e in editions]
    # editions of one day are told apart by their time
    width = 16 if len(set(days)) < len(days) else 10
    labels = {float(i + 1): (e["generated_at"] or e["folder"])[:width] for i, e in enumerate(editions)}
    charts = []
    for key, (title, unit, tone) in TREND_MEASURES.items():
        points = [
            (float(i + 1), e[key]) for i, e in enumerate(editions) if isinstance(e.get(key), (int, float))
        ]
        if len(points) < 2:
            continue
        y_name = "value_share" if unit == "share" else "value"
        chart = line_chart(
            {title: points},
            "edition",
            y_name,
            colours,
            y_title=f"{title} ({'%' if unit == 'share' else 'count'})",
            x_labels=labels,
            tone=tone,
            compact=True,
        )
        if chart:
            first, last = points[0][1], points[-1][1]
            change = (
                f"{(last - first) * 100:+.1f} percentage points"
                if unit == "share"
                else f"{last - first:+,.0f}"
            )
            chart.caption = (
                f"{title}: {format_value(last, y_name)} in this edition, {change} since "
                f"{labels[points[0][0]]}."
            )
            charts.append({"key": key, "title": title, "chart": chart})
    return charts


@cache
def _asset(name: str) -> Markup:
    """The text of a .js file in templates/ (Node's tests load the same file); never a closing tag."""
    text = (Path(__file__).with_name("templates") / name).read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"{name} holds a closing script tag")
    return Markup(text)


@cache  # compiling the templates costs more than rendering them
def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("pipelines.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=autoescape)
        if autoescape
        else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        value=format_value,
        points=format_points,
        delta=format_count_delta,
        md=markdown_cell,
        share=lambda v: format_value(v, "share"),
        label=column_label,
        json_script=lambda v: Markup(safe_json(v)),
    )
    env.globals["asset"] = _asset  # a JavaScript file beside the templates, included verbatim
    env.globals["license_colour"] = lambda code: LICENSE_COLOURS.get(
        code or "unknown", LICENSE_COLOURS["unknown"]
    )
    return env


def render_outputs(context: dict) -> dict[str, str]:
    """file name (relative to the report folder) -> text, for every file the report publishes."""
    license_codes = {lic["name"]: lic["code"] for lic in context["licenses"]}
    chart_context = ChartContext(Colours(license_codes), context.get("unauditable") or {})
    sections = _sections(context["tables"], context["sections"], chart_context)
    view = {
        **context,
        "section_views": sections,
        "trends": trend_charts(context.get("editions") or [], chart_context.colours),
    }
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
        # the exact SQL of every table, as run, beside its data
        files[f"sql/reports/{table.name}.sql"] = table.query.sql
    files["datapackage.json"] = json.dumps(datapackage(context), indent=2, ensure_ascii=False) + "\n"
    return files
