"""Great Expectations validation over real DuckDB files: batching, uniqueness across batches,
critical vs warning, storage in validation_results, and the `ccaudit validate` exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.validate.suites import load_suites, validate
from tests.conftest import REPO

YFCC_INSERT = """
INSERT INTO yfcc_photos (photo_id, owner_nsid, uploaded_at, longitude, latitude, accuracy, license_id,
                         is_video, source_file, source_line)
SELECT 1000 + i, (i % 97)::VARCHAR || '@N00', TIMESTAMP '2010-01-01' + to_seconds(i),
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 360) - 180 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 180) - 90 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 16 END,
       i % 7, i % 50 = 0, 'sample.tsv', i + 1
FROM range(?) t(i)
"""


def fill_yfcc(con, rows: int) -> None:
    con.execute(YFCC_INSERT, [rows])


def insert_photo(con, photo_id: int, **values) -> None:
    row = {
        "photo_id": photo_id,
        "owner_nsid": "1@N00",
        "uploaded_at": "2012-05-01 10:00:00",
        "license_id": 4,
        "is_video": False,
        "source_file": "extra.tsv",
        "source_line": 1,
        **values,
    }
    columns = ", ".join(row)
    con.execute(
        f"INSERT INTO yfcc_photos ({columns}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
    )


def outcome(result, table: str, expectation: str, column: str):
    matches = [
        o
        for o in result.outcomes
        if (o.table_name, o.expectation, o.column_name) == (table, expectation, column)
    ]
    assert len(matches) == 1, (table, expectation, column)
    return matches[0]


def test_suites_name_their_tables_and_mark_criticals():
    suites = {s.name: s for s in load_suites()}
    assert set(suites) == {"yfcc_photos", "dataset_items", "flickr_checks"}
    for suite in suites.values():
        assert suite.table == suite.name
        assert any(e["meta"].get("critical") for e in suite.expectations)
        for e in suite.expectations:
            # GX's own severity field agrees with our meta.critical flag.
            assert (e.get("severity") == "critical") == bool(e["meta"].get("critical")), e


def test_clean_data_passes_and_every_row_is_counted_over_many_batches(con):
    fill_yfcc(con, 5000)
    result = validate(con, batch_rows=1200)
    assert result.success, result.summary_text()
    assert result.rows == {"yfcc_photos": 5000, "dataset_items": 0, "flickr_checks": 0}
    for o in result.outcomes:
        assert o.success, o
        if o.table_name == "yfcc_photos":
            assert o.element_count == 5000, o  # summed over batches / hash parts, nothing skipped
            # 5000 rows: 5 positional batches of 1200; uniqueness uses hash parts of 4 x 1200 rows
            assert o.batches == (2 if o.expectation == "expect_column_values_to_be_unique" else 5), o
    # Geo fields are NULL on a third of the rows: GX reports them as missing, not unexpected.
    lat = outcome(result, "yfcc_photos", "expect_column_values_to_be_between", "latitude")
    assert (
        lat.missing_count
        == con.execute("SELECT count(*) FROM yfcc_photos WHERE latitude IS NULL").fetchone()[0]
    )
    stored = con.execute(
        "SELECT count(*), count(DISTINCT run_id), min(run_id) FROM validation_results"
    ).fetchone()
    assert stored == (len(result.outcomes), 1, result.run_id)


def test_duplicates_in_different_batches_are_found(con):
    fill_yfcc(con, 4000)
    # The first and the last row by insertion order share a photo id: positional batches of 1000
    # would never see them together; the hash partitioning must.
    insert_photo(con, 1000)
    insert_photo(con, 1001)
    insert_photo(con, 1001)
    result = validate(con, batch_rows=1000)
    unique = outcome(result, "yfcc_photos", "expect_column_values_to_be_unique", "photo_id")
    expected = con.execute("""SELECT sum(n) FROM (SELECT count(*) AS n FROM yfcc_photos GROUP BY photo_id
                              HAVING count(*) > 1)""").fetchone()[0]
    assert expected == 5
    assert unique.unexpected_count == expected
    assert (unique.element_count, unique.batches) == (4003, 2)
    assert not unique.success and unique.critical
    assert not result.success
    assert set(unique.sample) <= {1000, 1001} and unique.sample


def test_critical_failure_fails_and_is_stored(con):
    fill_yfcc(con, 2000)
    insert_photo(con, 99, latitude=200.0, longitude=10.0, accuracy=12)
    result = validate(con, batch_rows=700)
    lat = outcome(result, "yfcc_photos", "expect_column_values_to_be_between", "latitude")
    assert (lat.success, lat.unexpected_count, lat.sample) == (False, 1, [200.0])
    assert result.critical_failures == [lat]
    assert not result.success
    text = result.summary_text()
    assert "CRITICAL: yfcc_photos.latitude" in text and "FAILED" in text
    row = con.execute(
        """SELECT critical, success, unexpected_count, element_count, details FROM validation_results
                         WHERE column_name = 'latitude' AND run_id = ?""",
        [result.run_id],
    ).fetchone()
    assert row[:4] == (True, False, 1, 2001)
    assert json.loads(row[4])["unexpected_sample"] == [200.0]
    assert result.as_dict()["critical_failures"] == 1


def test_warning_does_not_block(con):
    fill_yfcc(con, 500)
    insert_photo(con, 42, latitude=1.0, longitude=1.0, accuracy=20, owner_nsid="not an nsid")
    result = validate(con)
    assert result.success
    warned = {(o.column_name, o.unexpected_count) for o in result.warnings}
    assert warned == {("accuracy", 1), ("owner_nsid", 1)}
    assert "warning: yfcc_photos.accuracy" in result.summary_text()


def test_unknown_license_and_future_upload(con):
    fill_yfcc(con, 300)
    insert_photo(con, 7, license_id=17)
    insert_photo(con, 8, uploaded_at="2003-01-01 00:00:00")
    result = validate(con)
    assert (
        outcome(result, "yfcc_photos", "expect_column_values_to_be_in_set", "license_id").unexpected_count
        == 1
    )
    uploaded = outcome(result, "yfcc_photos", "expect_column_values_to_be_between", "uploaded_at")
    assert (uploaded.success, uploaded.unexpected_count) == (False, 1)
    assert uploaded.sample == ["2003-01-01 00:00:00"]  # validated as epoch seconds, reported as a time
    assert not result.success


def test_dataset_items_uniqueness_and_empty_tables(con):
    result = validate(con, store=False)
    assert result.success and all(o.element_count == 0 for o in result.outcomes)
    assert con.execute("SELECT count(*) FROM validation_results").fetchone()[0] == 0  # store=False
    con.execute("""INSERT INTO dataset_items (dataset, version, item_key, photo_id, declared_license_id)
                   SELECT 'faces', 'v1', 'img' || i, 10 + i, 4 FROM range(3000) t(i)""")
    con.execute(
        "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES ('faces', 'v1', 'img5', 15)"
    )
    con.execute(
        "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES ('faces', 'v2', 'img5', 15)"
    )
    result = validate(con, batch_rows=300)  # 3 hash parts of ~1200 rows
    unique = outcome(
        result, "dataset_items", "expect_compound_columns_to_be_unique", "dataset,version,item_key"
    )
    assert (unique.unexpected_count, unique.element_count, unique.batches) == (2, 3002, 3)
    assert not result.success


def test_mostly_is_a_share_of_the_whole_table(con, tmp_path: Path):
    suite = {
        "name": "geo",
        "meta": {"table": "yfcc_photos"},
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "accuracy", "min_value": 1, "max_value": 10, "mostly": 0.5},
                "meta": {"critical": True},
            }
        ],
    }
    (tmp_path / "geo.json").write_text(json.dumps(suite))
    con.execute(
        YFCC_INSERT.replace("CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 16 END", "1 + i % 16"), [1600]
    )
    # accuracy 1..16 evenly: 10/16 = 62.5% within [1, 10] overall, but one 100-row batch of rows
    # 10..15 alone would fail; the table-wide share is what counts.
    result = validate(con, suites=load_suites(tmp_path), batch_rows=100, store=False)
    (o,) = result.outcomes
    assert (o.unexpected_count, o.element_count) == (600, 1600)
    assert o.success and result.success


def test_table_level_expectations_are_refused(tmp_path: Path):
    (tmp_path / "bad.json").write_text(
        json.dumps(
            {
                "name": "bad",
                "meta": {"table": "yfcc_photos"},
                "expectations": [
                    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}
                ],
            }
        )
    )
    with pytest.raises(ConfigError, match="table-level"):
        load_suites(tmp_path)


def test_cli_validate_exit_codes(db_path: Path):
    from pipelines.cli import main
    from pipelines.db import connect

    with connect(db_path) as con:
        fill_yfcc(con, 200)
    assert main(["--db", str(db_path), "validate"]) == 0
    with connect(db_path) as con:
        insert_photo(con, 5, latitude=200.0)
    assert main(["--db", str(db_path), "validate"]) == 1
    with connect(db_path, read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, bool_and(success) FROM validation_results GROUP BY 1 ORDER BY min(validated_at)"
        ).fetchall()
    assert [ok for _, ok in runs] == [True, False]


def test_importing_quality_does_not_import_gx():
    code = "import sys, pipelines.validate.suites; print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
