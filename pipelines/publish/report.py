"""Publish the report: pseudonymise it, give it its search index, scan it for leaks, write it.

    result = publish_report(con, Path("reports"))                       # reports/<day>/
    result.edition_dir = publish_edition(con, Path("reports/editions"),  # the readers' edition, if wanted
                                         now=result.generated_at).folder

pipelines.report.build computes the report and knows nothing of publishing; this module runs its
steps in the order publishing needs: the people columns (each report query's `-- sensitive:` header)
become the keyed hashes of pipelines.publish.pseudonym before anything is rendered, the search page's
index (pipelines.publish.search_index) is rendered with the report, and in pseudonymous mode every
file is scanned for NSIDs and personal Flickr links before the folder is written (a hit writes nothing).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import duckdb

from ..report.build import ReportResult, build_report, render_report, write_report
from ..report.queries import TableResult
from .pseudonym import Pseudonymizer, assert_no_leaks, assert_no_original_values, load_key
from .search_index import PHOTO_LIMIT, build_search_index, split_search_index


def publish_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    publish_mode: str = "pseudonymous",
    now: datetime | None = None,
    *,
    search_photo_limit: int = PHOTO_LIMIT,
) -> ReportResult:
    """Build the report from the database behind `con` and write it to out_dir/<day>/ (read-only is enough)."""
    # The key first: one that cannot be read stops the build before anything is run or written.
    pseudonymizer = Pseudonymizer(load_key(con)) if publish_mode == "pseudonymous" else None
    report = build_report(con, out_dir, publish_mode, now)
    if pseudonymizer:
        pseudonymise_tables(report.tables, pseudonymizer)
    search_index, search_files = split_search_index(
        build_search_index(con, salt=secrets.token_hex(16), photo_limit=search_photo_limit)
    )
    files = render_report(report, search_index)
    files.update(search_files)  # the sharded search index of a large report (none for a small one)
    if pseudonymizer:
        check_published(files, report.tables, pseudonymizer.replaced)
    return write_report(report, files)


def pseudonymise_tables(tables: list[TableResult], pseudonymizer: Pseudonymizer) -> None:
    """Replace every value of the columns a query marks `-- sensitive:` by its keyed hash, in place."""
    for table in tables:
        sensitive = {i for i, c in enumerate(table.columns) if c.lower() in table.query.sensitive}
        if sensitive:
            table.rows = [
                [pseudonymizer.token(v) if i in sensitive else v for i, v in enumerate(row)]
                for row in table.rows
            ]


def check_published(files: dict[str, str], tables: list[TableResult], originals: set[str]) -> None:
    """Refuse the report when a file names an uploader or links to one, or a table shows in clear a
    value that another table pseudonymises."""
    for name, text in files.items():
        assert_no_leaks(name, text)
    for table in tables:
        assert_no_original_values(f"table {table.name}", table.rows, originals, columns=table.columns)
