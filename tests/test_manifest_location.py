"""Whether a manifest itself republishes where its photos were taken: yfcc-columns records with
their own longitude/latitude, FFHQ items with a country. Ingest counts them per dataset version
(datasets.items_with_coordinates / items_with_place_name; NULL when the format has no such field,
0 when it has the field but no values) and the privacy section shows the counts; no coordinate
read from a manifest is stored or published. Manifests are written by pyarrow, gzip + json and
sqlite3 here, not by ccaudit."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.db import connect
from pipelines.ingest.manifests import ingest_manifest
from pipelines.resources import read_sql

# photo id -> (longitude, latitude) as the manifest gives them; "" = the field is there but empty.
# Distinctive digits so a leak of any of them into the database or the report can be searched for.
RECORDS = {
    7001: ("-122.288368", "47.622562"),
    7002: ("2.352293", "48.856614"),
    7003: ("", ""),
    7004: ("13.404954", "123.456789"),  # latitude out of range: not a coordinate
    7005: ("151.209291", ""),  # only one of the two: not a coordinate
    7006: ("139.691711", "35.689487"),
}
WITH_COORDINATES = 3  # 7001, 7002, 7006
BAD_ID = ("-0.141987", "51.501234")  # on a record that is rejected (no photo id)
SECRET = [v for pair in [*RECORDS.values(), BAD_ID] for v in pair if v]


def located_rows(records: dict = RECORDS, duplicate: bool = True, bad_id: bool = True) -> list[dict]:
    rows = [
        {"photoid": str(pid), "uid": "1@N01", "longitude": lon, "latitude": lat}
        for pid, (lon, lat) in records.items()
    ]
    if duplicate:  # a duplicate item is rejected at load: its coordinates are not counted twice
        rows.append(dict(rows[0]))
    if bad_id:  # a record without a photo id is a reject, not an item
        rows.append({"photoid": "abc", "uid": "1@N01", "longitude": BAD_ID[0], "latitude": BAD_ID[1]})
    return rows


def facts(db: Path, dataset: str) -> tuple:
    with connect(db, read_only=True) as con:
        return con.execute(
            "SELECT items, items_with_coordinates, items_with_place_name FROM latest_datasets "
            "WHERE dataset = ?",
            [dataset],
        ).fetchone()


def database_text(db: Path) -> str:
    """Every value of every table, as text, to search for leaked coordinates."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = []
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            parts += [repr(row) for row in con.execute(f'SELECT * FROM "{table}"').fetchall()]
        return "\n".join(parts)
    finally:
        con.close()


def ingest(db: Path, fmt: str, dataset: str, path: Path):
    with connect(db) as con:
        return ingest_manifest(con, fmt, dataset=dataset, version="v1", paths=[path])


# --- yfcc-columns --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["text", "double"])
def test_parquet_with_coordinates_counts_them_and_stores_none(tmp_path, typed):
    rows = located_rows()
    coordinate = pa.string() if typed == "text" else pa.float64()
    to_value = (lambda v: v) if typed == "text" else (lambda v: float(v) if v else None)
    path = tmp_path / "subset.parquet"
    pq.write_table(
        pa.table(
            {
                "photoid": [r["photoid"] for r in rows],
                "uid": [r["uid"] for r in rows],
                "longitude": pa.array([to_value(r["longitude"]) for r in rows], coordinate),
                "latitude": pa.array([to_value(r["latitude"]) for r in rows], coordinate),
                "accuracy": pa.array([16] * len(rows), pa.int32()),
            }
        ),
        path,
    )
    db = tmp_path / "db.duckdb"
    result = ingest(db, "yfcc-columns", "subset", path)
    assert (result.items, result.rejected, result.duplicates) == (len(RECORDS), 2, 1)
    assert result.items_with_coordinates == WITH_COORDINATES
    assert f"{WITH_COORDINATES} items carry coordinates in the manifest itself" in result.summary_text()
    assert facts(db, "subset") == (len(RECORDS), WITH_COORDINATES, None)
    stored = database_text(db)
    assert not [value for value in SECRET if value in stored]


def test_parquet_with_empty_coordinate_columns_is_zero_and_without_them_null(tmp_path):
    empty = tmp_path / "empty.parquet"
    pq.write_table(
        pa.table(
            {
                "photoid": ["7001", "7002"],
                "longitude": ["", None],
                "latitude": pa.array([None, None], pa.float64()),
            }
        ),
        empty,
    )
    absent = tmp_path / "absent.parquet"
    pq.write_table(pa.table({"photoid": ["7001", "7002"], "uid": ["1@N01", "1@N01"]}), absent)
    db = tmp_path / "db.duckdb"
    ingest(db, "yfcc-columns", "empty", empty)
    ingest(db, "yfcc-columns", "absent", absent)
    assert facts(db, "empty") == (2, 0, None)
    assert facts(db, "absent") == (2, None, None)


def test_json_lines_with_and_without_coordinates(tmp_path):
    located = tmp_path / "located.jsonl.gz"
    lines = [
        json.dumps(
            {
                "photoid": int(r["photoid"]) if r["photoid"].isdigit() else r["photoid"],
                "uid": r["uid"],
                "longitude": r["longitude"],
                "latitude": r["latitude"],
            }
        )
        for r in located_rows()
    ]
    lines.insert(3, json.dumps({"photoid": 7010, "longitude": -3.70379, "latitude": 40.416775}))  # numbers
    lines.insert(4, json.dumps({"photoid": 7011, "longitude": None, "latitude": None}))  # JSON nulls
    lines.insert(5, json.dumps({"photoid": 7012}))  # no field
    located.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    plain = tmp_path / "plain.jsonl"
    plain.write_text(
        "".join(json.dumps({"photoid": pid, "uid": "1@N01"}) + "\n" for pid in (7001, 7002, 7003))
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_text(
        "".join(json.dumps({"photoid": pid, "longitude": "", "latitude": ""}) + "\n" for pid in (7001, 7002))
    )
    db = tmp_path / "db.duckdb"
    ingest(db, "yfcc-columns", "located", located)
    ingest(db, "yfcc-columns", "plain", plain)
    ingest(db, "yfcc-columns", "empty", empty)
    assert facts(db, "located") == (len(RECORDS) + 3, WITH_COORDINATES + 1, None)
    stored = database_text(db)  # the rejected record is kept, without its coordinates
    assert "photoid" in stored and "abc" in stored and not [value for value in SECRET if value in stored]
    assert facts(db, "plain") == (3, None, None)
    assert facts(db, "empty") == (2, 0, None)


def test_sqlite_table_with_coordinates(tmp_path):
    path = tmp_path / "subset.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE yfcc100m_dataset (photoid, uid, longitude, latitude)")
    con.executemany(
        "INSERT INTO yfcc100m_dataset VALUES (?, ?, ?, ?)",
        [[r["photoid"], r["uid"], r["longitude"], r["latitude"]] for r in located_rows(duplicate=False)],
    )
    con.commit()
    con.close()
    db = tmp_path / "db.duckdb"
    ingest(db, "yfcc-columns", "subset", path)
    assert facts(db, "subset") == (len(RECORDS), WITH_COORDINATES, None)
    stored = database_text(db)
    assert not [value for value in SECRET if value in stored]


# --- FFHQ's country ------------------------------------------------------------------------------

COUNTRIES = ["United States", "", "Unknown", "Canada", None, "  "]  # None: the item has no country key
NAMED = 2


def ffhq_doc(countries: list) -> dict:
    doc = {}
    for i, country in enumerate(countries):
        meta = {
            "photo_url": f"https://www.flickr.com/photos/someone/{7001 + i}/",
            "author": f"A{i}",
            "license": "Attribution License",
            "license_url": "https://creativecommons.org/licenses/by/2.0/",
            "date_uploaded": "2010-01-01",
            "date_crawled": "2018-10-10",
        }
        if country is not None:
            meta["country"] = country
        doc[str(i)] = {"category": "training", "metadata": meta}
    return doc


def test_ffhq_counts_items_that_name_a_country(tmp_path):
    path = tmp_path / "ffhq-dataset-v2.json"
    path.write_text(json.dumps(ffhq_doc(COUNTRIES)))
    bare = tmp_path / "ffhq-no-country.json"
    bare.write_text(json.dumps(ffhq_doc([None, None])))
    db = tmp_path / "db.duckdb"
    result = ingest(db, "ffhq", "ffhq", path)
    ingest(db, "ffhq", "ffhq-bare", bare)
    assert result.items_with_place_name == NAMED
    assert facts(db, "ffhq") == (len(COUNTRIES), None, NAMED)
    assert facts(db, "ffhq-bare") == (2, None, None)


# --- the privacy section -------------------------------------------------------------------------


def test_privacy_section_shows_what_each_manifest_republishes(tmp_path):
    from pipelines.publish.report import publish_report

    db = tmp_path / "db.duckdb"
    ffhq = tmp_path / "ffhq-dataset-v2.json"
    ffhq.write_text(json.dumps(ffhq_doc(COUNTRIES)))
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in located_rows(bad_id=False)))
    listed = tmp_path / "listed.csv"
    listed.write_text("id\n7001\n7002\n")
    with connect(db) as con:
        con.executemany(  # YFCC100M geotags two of the photos (its own coordinates, not the manifests')
            "INSERT INTO yfcc_photos (photo_id, owner_nsid, license_id, is_video, latitude, longitude, accuracy,"
            " source_file, source_line) VALUES (?, '1@N01', 4, FALSE, ?, ?, 16, 't.tsv', 1)",
            [(7001, 10.5, 20.5), (7002, 11.5, 21.5)],
        )
        ingest_manifest(con, "ffhq", dataset="ffhq", paths=[ffhq])  # catalogue: face crops
        ingest_manifest(con, "yfcc-columns", dataset="commoncatalog-sub", paths=[subset])
        ingest_manifest(con, "csv", dataset="listed", paths=[listed], id_column="id")
        cursor = con.execute(read_sql("reports", "datasets_privacy_exposure.sql"))
        names = [d[0] for d in cursor.description]
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
        report_dir = publish_report(con, tmp_path / "out").report_dir  # pseudonymous
    manifest = {
        name: (
            row["manifest_items"],
            row["manifest_items_with_coordinates"],
            row["manifest_items_with_place_name"],
        )
        for name, row in rows.items()
    }
    assert manifest == {
        "ffhq": (len(COUNTRIES), None, NAMED),
        "commoncatalog-sub": (len(RECORDS), WITH_COORDINATES, None),
        "listed": (2, None, None),
        "all face datasets (each photo once)": (None, None, None),
    }
    assert rows["commoncatalog-sub"]["photos_geotagged"] == 2 and rows["ffhq"]["photos_geotagged"] == 2
    published = "".join(p.read_text(errors="replace") for p in report_dir.rglob("*") if p.is_file())
    assert "manifest_items_with_coordinates" in published and "FFHQ's country" in published
    assert not [value for value in SECRET if value in published]
    with open(report_dir / "tables" / "datasets_privacy_exposure.csv") as handle:
        header = handle.readline().strip().split(",")
    assert header[-3:] == [
        "manifest_items",
        "manifest_items_with_coordinates",
        "manifest_items_with_place_name",
    ]
