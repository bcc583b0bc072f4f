"""Every column of every table and view is described for a reader, wherever a reader meets it:
a fresh database, the edition's DuckDB file (both publish modes) and Datasette's metadata."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines.db import connect
from pipelines.publish.datasette import datasette_metadata
from pipelines.publish.edition import EDITION_FILE, publish_edition
from pipelines.publish.pseudonym import NSID_RE
from tests.conftest import build_generated_world


def undescribed(con) -> list[str]:
    """Tables, views and columns without a comment, as table or table.column."""
    objects = con.execute("""
        SELECT table_name FROM duckdb_tables() WHERE NOT internal AND coalesce(comment, '') = ''
        UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') = ''""").fetchall()
    columns = con.execute("""
        SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE NOT internal AND coalesce(comment, '') = '' ORDER BY 1""").fetchall()
    return [r[0] for r in objects + columns]


def all_comments(con) -> list[str]:
    return [
        r[0]
        for r in con.execute("""
        SELECT comment FROM duckdb_columns() WHERE NOT internal AND comment IS NOT NULL
        UNION ALL SELECT comment FROM duckdb_tables() WHERE NOT internal AND comment IS NOT NULL
        UNION ALL SELECT comment FROM duckdb_views() WHERE NOT internal AND comment IS NOT NULL""").fetchall()
    ]


def test_every_table_and_view_column_of_a_fresh_database_is_described(tmp_path):
    with connect(tmp_path / "fresh.duckdb") as con:
        assert undescribed(con) == []
        views = {
            r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
        comments = all_comments(con)
    assert {"dataset_photos", "latest_datasets", "optout_status", "yfcc_photos_licensed"} <= views
    # No account id in any comment, not even a made-up one: the leak scans of the report and the
    # edition read comments too, and an example NSID is still an NSID to them.
    assert [m for text in comments for m in NSID_RE.findall(text)] == []


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("comments")
    con, _, _, _ = build_generated_world(folder, "world.duckdb", rows=400, seed=11)
    try:
        return {
            mode: publish_edition(con, folder / mode, publish_mode=mode).folder
            for mode in ("full", "pseudonymous")
        }
    finally:
        con.close()


@pytest.mark.parametrize("mode", ["full", "pseudonymous"])
def test_every_column_of_the_editions_duckdb_file_is_described(editions, mode):
    con = duckdb.connect(str(editions[mode] / EDITION_FILE), read_only=True)
    try:
        con.execute("SET file_search_path = ?", [str(editions[mode])])
        assert undescribed(con) == []
        published = {
            r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
    finally:
        con.close()
    assert {"dataset_photos", "latest_datasets", "optout_status"} <= published


@pytest.mark.parametrize("mode", ["full", "pseudonymous"])
def test_datasette_describes_every_column_it_serves(editions, mode):
    metadata = datasette_metadata(editions[mode])
    tables = metadata["databases"]["ccaudit"]["tables"]
    assert {"dataset_photos", "optout_status", "licenses", "yfcc_photos"} <= set(tables)
    assert [t for t, entry in tables.items() if not entry["description"]] == []
    assert [(t, c) for t, entry in tables.items() for c, text in entry["columns"].items() if not text] == []
    # The pseudonymity note only where it applies: people columns, not licenses.
    assert (
        "keyed hash" not in json.dumps(tables["licenses"])
        and "[nsid]" not in tables["licenses"]["description"]
    )
    assert ("keyed hash" in tables["yfcc_photos"]["columns"]["owner_nsid"]) == (mode == "pseudonymous")
    assert ("keyed hash" in tables["dataset_photos"]["columns"]["owner"]) == (mode == "pseudonymous")
