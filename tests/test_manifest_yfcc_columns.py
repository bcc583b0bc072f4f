"""`ingest manifest --format yfcc-columns`: derived datasets published in the YFCC100M column names
(CommonCatalog's per-license Parquet splits, the OpenAI-subset metadata shards, SQLite), each record
an item whose declared license is its own licensename/licenseurl. Files are written by pyarrow,
gzip + json and sqlite3, not by ccaudit."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote_plus

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.licenses import resolve_license
from pipelines.resources import read_sql
from pipelines.synth.yfcc_forms import FORM_COLUMNS
from tests.conftest import shared_path

REAL_23 = "yfcc100m_dataset_23field_Intelligent-Travel-Manager_test_filtering_bigbox.tsv"
# The Multimedia Commons column names, as the generator declares them (the downloader's `key` apart).
NAMES = [name for name in FORM_COLUMNS.values() if name != "key"]
BY = ("Attribution License", "http://creativecommons.org/licenses/by/2.0/")


@pytest.fixture
def real_rows() -> list[dict]:
    lines = shared_path("yfcc100m", REAL_23).read_text().splitlines()
    return [dict(zip(NAMES, line.split("\t"), strict=False)) for line in lines]


def manifest(db: Path, path: Path, dataset: str, capsys) -> str:
    code = main(
        ["ingest", "manifest", "--db", str(db), "--format", "yfcc-columns", "--dataset", dataset, str(path)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def items(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT item_key, photo_id, owner_ref, declared_license_id, declared_author, source_url, "
            "source_line FROM dataset_items ORDER BY source_line"
        ).fetchall()
    finally:
        con.close()


def test_a_cc_by_split_is_checked_against_yfcc100m(real_rows, tmp_path, capsys):
    """A CommonCatalog-like "cc-by" split: every row declares CC BY, but two photos are not CC BY in
    YFCC100M; the license-mismatch report names them."""
    db = tmp_path / "db.duckdb"
    assert main(["ingest", "yfcc", "--quiet", "--db", str(db), str(shared_path("yfcc100m", REAL_23))]) == 0
    capsys.readouterr()
    rows = real_rows + [dict(real_rows[0], photoid="abc")]
    split = pa.table(
        {
            "photoid": pa.array([r["photoid"] for r in rows], pa.string()),
            "uid": [r["uid"] for r in rows],
            "unickname": [r["unickname"] for r in rows],
            "datetaken": pa.array([datetime(2005, 3, 1, 12, 39, 28)] * len(rows), pa.timestamp("us")),
            "dateuploaded": pa.array([int(r["dateuploaded"]) for r in rows], pa.int64()),
            "title": [r["title"] for r in rows],
            "pageurl": [r["pageurl"] for r in rows],
            "downloadurl": [r["downloadurl"] for r in rows],
            "licensename": [BY[0]] * len(rows),
            "licenseurl": [BY[1]] * len(rows),
            "width": pa.array([500] * len(rows), pa.int32()),
            "height": pa.array([375] * len(rows), pa.int32()),
            "blip2_caption": ["a photo"] * len(rows),
        }
    )
    path = tmp_path / "commoncatalog-cc-by.parquet"
    pq.write_table(split, path)
    out = manifest(db, path, "commoncatalog-cc-by", capsys)
    assert "4 items" in out and "1 rejected" in out
    found = items(db)
    assert [row[:4] for row in found] == [(r["photoid"], int(r["photoid"]), r["uid"], 4) for r in real_rows]
    assert [row[4] for row in found] == [unquote_plus(r["unickname"]) for r in real_rows]
    assert all(row[5] == r["downloadurl"] for row, r in zip(found, real_rows, strict=False))
    con = duckdb.connect(str(db), read_only=True)
    try:
        rejects = con.execute(
            "SELECT line_no, reason FROM ingest_rejects WHERE source_file = ?", [str(path.resolve())]
        ).fetchall()
        mismatches = con.execute(read_sql("reports", "datasets_license_mismatches.sql")).fetchall()
        yfcc = dict(con.execute("SELECT photo_id, license_id FROM yfcc_photos").fetchall())
    finally:
        con.close()
    assert rejects == [(5, "photo_id: not a number (abc)")]
    not_by = sum(1 for r in real_rows if yfcc[int(r["photoid"])] != 4)
    assert not_by == 2 and sum(row[3] for row in mismatches) == not_by


@pytest.mark.parametrize("encoded", [True, False])
def test_openai_subset_shards_in_json_lines_with_either_text_encoding(real_rows, tmp_path, capsys, encoded):
    path = tmp_path / "metadata_000.jsonl.gz"
    records = []
    for row in real_rows:
        record = dict(row, photoid=int(row["photoid"]), key="x")
        if not encoded:
            record["unickname"] = unquote_plus(record["unickname"])
            record["title"] = unquote_plus(record["title"])
            record["description"] = unquote_plus(record["description"])
        records.append(json.dumps(record))
    records.insert(2, "not json")
    path.write_bytes(gzip.compress(("\n".join(records) + "\n").encode()))
    db = tmp_path / "db.duckdb"
    manifest(db, path, "openai-subset", capsys)
    found = items(db)
    assert [row[6] for row in found] == [1, 2, 4, 5]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT line_no, reason, raw_line FROM ingest_rejects").fetchall() == [
        (3, "json: not a JSON object", "not json")
    ]
    con.close()
    # decoded either way: URL-decoded when the file's text is encoded, kept as it is when it is not
    assert [row[4] for row in found] == [unquote_plus(r["unickname"]) for r in real_rows]


def test_a_sqlite_table_with_the_yfcc_columns(real_rows, tmp_path, capsys):
    path = tmp_path / "subset.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE yfcc100m_dataset ({', '.join(NAMES)})")
    con.executemany(
        f"INSERT INTO yfcc100m_dataset VALUES ({', '.join('?' * len(NAMES))})",
        [[r[n] for n in NAMES] for r in real_rows],
    )
    con.commit()
    con.close()
    db = tmp_path / "db.duckdb"
    manifest(db, path, "sqlite-subset", capsys)
    found = items(db)
    assert [(row[1], row[6]) for row in found] == [(int(r["photoid"]), n) for n, r in enumerate(real_rows, 1)]
    assert [row[3] for row in found] == [
        resolve_license(r["licensename"], r["licenseurl"])[0] for r in real_rows
    ]
    assert None not in [row[3] for row in found]


def test_a_file_without_photoid_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": [1], "url": ["x"]}), path)
    code = main(
        [
            "ingest",
            "manifest",
            "--db",
            str(tmp_path / "db.duckdb"),
            "--format",
            "yfcc-columns",
            "--dataset",
            "x",
            str(path),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no photoid column" in err[0]
