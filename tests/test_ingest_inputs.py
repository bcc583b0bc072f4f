"""Inputs of every form read as what they are (issue 24, items 6-9): a SQLite path is a path, not a
URI; an input with no rows never replaces rows; SQLite batches keep the table's types whatever the
first values; JSON lines decide their URL-encoding on 2,000 records, reject text fields that are
not strings and records that name a key twice. Every input here is written by code that is not
ccaudit's reader (sqlite3, pyarrow, gzip/bz2, json) from generated rows.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.db import connect
from pipelines.errors import InputError
from pipelines.ingest import yfcc_forms
from pipelines.ingest.yfcc import StagedFile, load_staged, stage_yfcc_file
from pipelines.synth.yfcc import generate_yfcc

TEXT = ("unickname", "capturedevice", "title", "description", "usertags", "machinetags")


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """The same 300 generated rows as a SQLite file and as JSON lines (URL-encoded text)."""
    folder = tmp_path_factory.mktemp("generated")
    sqlite_file = generate_yfcc(folder / "rows.sqlite", rows=300, seed=7, form="sqlite").path
    shards = generate_yfcc(folder / "shards", rows=300, seed=7, form="jsonl-shards").path
    jsonl = folder / "rows.jsonl"
    jsonl.write_bytes(b"".join(gzip.decompress(p.read_bytes()) for p in sorted(shards.iterdir())))
    return {"sqlite": sqlite_file, "jsonl": jsonl, "folder": folder}


def run(db: Path, *paths, capsys) -> tuple[int, list[str], list[str]]:
    code = main(["ingest", "yfcc", "--quiet", "--db", str(db), *map(str, paths)])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.strip().splitlines()


def ok(db: Path, *paths, capsys) -> list[str]:
    code, out, err = run(db, *paths, capsys=capsys)
    assert code == 0, err
    return out


def one_line_error(db: Path, path, capsys) -> str:
    code, _, err = run(db, path, capsys=capsys)
    assert code != 0 and len(err) == 1 and err[0].startswith("ccaudit: error: "), err
    assert "Traceback" not in "\n".join(err)
    return err[0]


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def sqlite_rows(path: Path, count: int | None = None) -> int:
    con = sqlite3.connect(path)
    try:
        if count is not None:
            con.execute("DELETE FROM yfcc100m_dataset WHERE rowid > ?", [count])
            con.commit()
        return con.execute("SELECT count(*) FROM yfcc100m_dataset").fetchone()[0]
    finally:
        con.close()


# --- item 6: a SQLite path is a path ---------------------------------------------------------------

NAMES_WITH_URI_MEANING = [
    "yfcc%20copy.sql",
    "data#1.sql",
    "what?.sql",
    "mode=rw&x.sql",
    "a b.sql",
    "100%.sql",
    "%3F%23.sql",
    "ünïcödé.sql",
    "file:x.sql",
]


def test_a_percent_escape_in_a_sqlite_name_opens_that_file_not_the_one_it_spells(generated, tmp_path, capsys):
    """Regression: `yfcc%20copy.sql` read `yfcc copy.sql` and recorded its rows under the wrong name."""
    decoy, named = tmp_path / "yfcc copy.sql", tmp_path / "yfcc%20copy.sql"
    decoy.write_bytes(generated["sqlite"].read_bytes())
    named.write_bytes(generated["sqlite"].read_bytes())
    sqlite_rows(decoy, 100)
    assert sqlite_rows(named) == 300
    db = tmp_path / "x.duckdb"
    [summary] = ok(db, named, capsys=capsys)
    assert "300 rows (sqlite" in summary
    assert query(db, "SELECT source_file, count(*) FROM yfcc_photos GROUP BY ALL") == [(str(named), 300)]


def test_a_hash_in_a_sqlite_name_creates_no_file_beside_it(generated, tmp_path, capsys):
    """Regression: `data#1.sql` created an empty file `data` and said the table was missing."""
    path = tmp_path / "data#1.sql"
    path.write_bytes(generated["sqlite"].read_bytes())
    ok(tmp_path / "x.duckdb", path, capsys=capsys)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("x.duckdb")) == ["data#1.sql"]


@pytest.mark.parametrize("name", NAMES_WITH_URI_MEANING)
def test_every_name_with_uri_meaning_reads_its_own_sqlite_file(generated, tmp_path, capsys, name):
    """The class: any character a URI gives meaning to, in the file name or its folder, and for both
    readers of SQLite (the YFCC ingest and `ingest manifest --format yfcc-columns`)."""
    folder = tmp_path / name.replace(".sql", " dir")
    folder.mkdir()
    path = folder / name
    path.write_bytes(generated["sqlite"].read_bytes())
    before = sorted(os.listdir(folder))
    db = tmp_path / "x.duckdb"
    ok(db, path, capsys=capsys)
    assert query(db, "SELECT source_file, count(*) FROM yfcc_photos GROUP BY ALL") == [(str(path), 300)]
    code = main(
        ["ingest", "manifest", "--db", str(db), "--format", "yfcc-columns", "--dataset", "subset", str(path)]
    )
    assert code == 0, capsys.readouterr().err
    assert query(db, "SELECT count(*) FROM dataset_items WHERE dataset = 'subset'") == [(300,)]
    assert sorted(os.listdir(folder)) == before


def test_the_sqlite_uri_escapes_every_byte_a_uri_could_read(tmp_path):
    uri = yfcc_forms.sqlite_uri(tmp_path / "a b%20c#d?e&f.sql")
    assert uri.startswith("file:/") and uri.endswith("?mode=ro")
    assert uri.count("?") == 1 and "#" not in uri and " " not in uri
    assert "a%20b%2520c%23d%3Fe%26f.sql?mode=ro" in uri


# --- item 7: an input with no rows never replaces rows -------------------------------------------


def _empty_parquet(path: Path, source: Path) -> None:
    """A Parquet file with the columns of `source` and no row."""
    pq.write_table(pq.read_schema(source).empty_table(), path)


def _empty_sqlite(path: Path, _source: Path) -> None:
    sqlite_rows(path, 0)


EMPTY_FORMS = {
    # form: (suffix of the full input, writer of the empty one in place)
    "parquet": ("parquet", lambda path, source: _empty_parquet(path, source)),
    "sqlite": ("sqlite", lambda path, source: _empty_sqlite(path, source)),
    "jsonl": ("jsonl", lambda path, source: path.write_bytes(b"")),
    "jsonl-gzip": ("jsonl.gz", lambda path, source: path.write_bytes(gzip.compress(b""))),
    "tsv": ("tsv", lambda path, source: path.write_bytes(b"")),
    "tsv-bz2": ("tsv.bz2", lambda path, source: path.write_bytes(bz2.compress(b""))),
    "tsv-blank": ("tsv", lambda path, source: path.write_bytes(b"\n\n")),
}


def _full_input(kind: str, path: Path, generated: dict) -> None:
    if kind == "parquet":
        generate_yfcc(path, rows=300, seed=7, form="parquet")
    elif kind == "sqlite":
        path.write_bytes(generated["sqlite"].read_bytes())
    elif kind.startswith("jsonl"):
        data = generated["jsonl"].read_bytes()
        path.write_bytes(gzip.compress(data) if kind == "jsonl-gzip" else data)
    else:
        generate_yfcc(path, rows=300, seed=7)


@pytest.mark.parametrize("kind", sorted(EMPTY_FORMS))
def test_an_input_with_no_rows_is_refused_and_keeps_the_rows_loaded_before(generated, tmp_path, capsys, kind):
    """Regression (a zero-row Parquet file deleted that file's rows, exit 0) and its class: every form."""
    suffix, make_empty = EMPTY_FORMS[kind]
    path = tmp_path / f"input.{suffix}"
    _full_input(kind, path, generated)
    db = tmp_path / "x.duckdb"
    ok(db, path, capsys=capsys)
    before = query(db, "SELECT count(*) FROM yfcc_photos WHERE source_file = ?", [str(path)])
    assert before[0][0] >= 290
    keep = tmp_path / "full"
    path.rename(keep)
    if kind == "sqlite":  # the same file with its table emptied
        path.write_bytes(keep.read_bytes())
    make_empty(path, keep)
    error = one_line_error(db, path, capsys)
    assert str(path) in error and ("no rows" in error or "no lines" in error or "empty" in error), error
    assert query(db, "SELECT count(*) FROM yfcc_photos WHERE source_file = ?", [str(path)]) == before


@pytest.mark.parametrize("kind", ["parquet", "sqlite"])
def test_an_empty_container_on_standard_input_is_refused_too(generated, tmp_path, kind):
    path = tmp_path / f"empty.{kind}"
    full = tmp_path / f"full.{kind}"
    _full_input(kind, full, generated)
    path.write_bytes(full.read_bytes())
    (_empty_parquet if kind == "parquet" else _empty_sqlite)(path, full)
    with open(path, "rb") as stdin:
        run_ = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "ingest",
                "yfcc",
                "--quiet",
                "--db",
                str(tmp_path / "x.duckdb"),
                "-",
            ],
            stdin=stdin,
            capture_output=True,
            text=True,
        )
    err = run_.stderr.strip().splitlines()
    assert run_.returncode != 0 and len(err) == 1 and err[0].startswith("ccaudit: error: "), run_.stderr
    assert "no rows" in err[0]


def test_load_staged_refuses_a_staged_file_with_no_rows_before_deleting_anything(generated, tmp_path):
    """The mechanism: whatever staged it (an Airflow task, an older shard), load never replaces
    rows with nothing."""
    db = tmp_path / "x.duckdb"
    con = connect(db)
    try:
        staged = stage_yfcc_file(generated["jsonl"], tmp_path / "work")
        load_staged(con, [staged])
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 300
        empty = StagedFile.from_dict({**staged.as_dict(), "lines_read": 0, "rows_ok": 0, "rows_rejected": 0})
        with pytest.raises(InputError, match="no lines to ingest"):
            load_staged(con, [empty])
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 300
    finally:
        con.close()


# --- item 8: SQLite batches typed from the declared types ------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        "longitude",
        "latitude",
        "accuracy",
        "title",
        "usertags",
        "capturedevice",
        "secretoriginal",
        "unickname",
    ],
)
def test_a_column_null_in_every_row_of_the_first_batch_loads(
    generated, tmp_path, capsys, monkeypatch, column
):
    """Regression (a subset without geotags failed with 'Binder Error ... decode(BIGINT)') and its
    class: a column of each declared type (REAL, INTEGER, TEXT) NULL in the whole first batch, and
    holding values in later ones."""
    monkeypatch.setattr(yfcc_forms.SqliteBatches, "BATCH_ROWS", 64)
    path = tmp_path / "subset.sqlite"
    path.write_bytes(generated["sqlite"].read_bytes())
    con = sqlite3.connect(path)
    con.execute(f"UPDATE yfcc100m_dataset SET {column} = NULL WHERE rowid <= 150")
    con.commit()
    con.close()
    db = tmp_path / "x.duckdb"
    ok(db, path, capsys=capsys)
    assert query(db, "SELECT count(*) FROM yfcc_photos") == [(300,)]
    target = {
        "longitude": "longitude",
        "latitude": "latitude",
        "accuracy": "accuracy",
        "title": "title",
        "usertags": "user_tags",
        "capturedevice": "capture_device",
        "secretoriginal": "secret_original",
        "unickname": "owner_nickname",
    }[column]
    nulls = query(
        db,
        f"SELECT count(*) FILTER (WHERE {target} IS NULL AND source_line <= 150), "
        f"count({target}) FILTER (WHERE source_line > 150) FROM yfcc_photos",
    )[0]
    assert nulls[0] == 150 and nulls[1] > 0


def test_an_empty_sqlite_table_is_one_line(generated, tmp_path, capsys):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(generated["sqlite"].read_bytes())
    sqlite_rows(path, 0)
    assert "the input has no rows to ingest" in one_line_error(tmp_path / "x.duckdb", path, capsys)


def test_sqlite_values_of_another_storage_class_than_declared_still_load(
    generated, tmp_path, capsys, monkeypatch
):
    """SQLite stores what it is given: text in an INTEGER column, a number in a TEXT one. The batches
    stay BLOB whatever the first batch holds; a value that is not a number is a reject, not a failure."""
    monkeypatch.setattr(yfcc_forms.SqliteBatches, "BATCH_ROWS", 64)
    path = tmp_path / "mixed.sqlite"
    path.write_bytes(generated["sqlite"].read_bytes())
    con = sqlite3.connect(path)
    con.execute("UPDATE yfcc100m_dataset SET title = 12345 WHERE rowid <= 100")
    con.execute("UPDATE yfcc100m_dataset SET accuracy = 'sixteen' WHERE rowid = 200")
    con.commit()
    con.close()
    db = tmp_path / "x.duckdb"
    ok(db, path, capsys=capsys)
    assert query(db, "SELECT count(*) FROM yfcc_photos WHERE title = '12345'") == [(100,)]
    assert query(db, "SELECT count(*) FROM yfcc_photos") == [(300,)]


# --- item 9: JSON lines -----------------------------------------------------------------------------


def _records(generated) -> list[dict]:
    return [json.loads(line) for line in generated["jsonl"].read_text().splitlines()]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _encoded_records(generated, count: int) -> list[dict]:
    """`count` URL-encoded records (the generated 300, repeated with new photo ids)."""
    base = _records(generated)
    return [dict(base[i % len(base)], photoid=10_000 + i) for i in range(count)]


ODD_VALUES = {"object": {"a": "b c"}, "list": ["b c", 1], "number": 12.5, "integer": 7, "true": True}


def test_a_few_odd_values_among_the_first_lines_do_not_switch_the_file_to_plain(generated, tmp_path, capsys):
    """Regression: three odd values in the first 50 lines made a URL-encoded file 'plain', leaving
    %XX and + undecoded in most rows."""
    records = _encoded_records(generated, 3000)
    records[0]["title"], records[10]["description"], records[20]["usertags"] = {"x": 1}, [1, 2], 12345
    path = _write(tmp_path / "odd.jsonl", [json.dumps(r) for r in records])
    db = tmp_path / "x.duckdb"
    [summary] = ok(db, path, capsys=capsys)
    assert "URL-encoded text" in summary and "2,997 rows loaded, 3 rejected" in summary
    assert query(db, "SELECT line_no, reason FROM ingest_rejects ORDER BY 1") == [
        (1, "json: title is not a string"),
        (11, "json: description is not a string"),
        (21, "json: usertags is not a string"),
    ]
    assert query(
        db,
        "SELECT count(*) FROM yfcc_photos WHERE contains(title, '+') OR regexp_matches(title, "
        "'%[0-9A-F]{2}') OR contains(description, '+')",
    ) == [(0,)]


@pytest.mark.parametrize("field", TEXT)
@pytest.mark.parametrize("kind", sorted(ODD_VALUES))
def test_a_text_field_that_is_not_a_string_rejects_its_record(generated, tmp_path, capsys, field, kind):
    """The class: every free-text field, every JSON type that is not a string (null is a missing value)."""
    records = _encoded_records(generated, 120)
    for index in range(0, 120, 3):
        records[index][field] = ODD_VALUES[kind]
    path = _write(tmp_path / "odd.jsonl", [json.dumps(r) for r in records])
    db = tmp_path / "x.duckdb"
    [summary] = ok(db, path, capsys=capsys)
    assert "URL-encoded text" in summary and "80 rows loaded, 40 rejected" in summary
    assert query(db, "SELECT DISTINCT reason FROM ingest_rejects") == [(f"json: {field} is not a string",)]


def test_the_encoding_is_decided_on_the_first_2000_records_not_50(generated, tmp_path, capsys):
    """Plain text whose first 60 records have no free text: judged on 50 lines it looked encoded
    (nothing to judge) and every later `+` became a space."""
    records = _encoded_records(generated, 2500)
    for index, record in enumerate(records):
        for name in TEXT:
            record[name] = "" if index < 60 else f"A+B {index}"
    path = _write(tmp_path / "plain.jsonl", [json.dumps(r) for r in records])
    db = tmp_path / "x.duckdb"
    [summary] = ok(db, path, capsys=capsys)
    assert "plain text" in summary
    assert query(db, "SELECT title FROM yfcc_photos WHERE photo_id = 10100") == [("A+B 100",)]


def test_records_after_the_first_2000_do_not_decide(generated, tmp_path, capsys):
    records = _encoded_records(generated, 2600)
    for record in records[2001:]:
        record["title"] = "plain words here"
    path = _write(tmp_path / "late.jsonl", [json.dumps(r) for r in records])
    [summary] = ok(tmp_path / "x.duckdb", path, capsys=capsys)
    assert "URL-encoded text" in summary


@pytest.mark.parametrize("key", ["photoid", "uid", "title", "licensename", "marker", "somethingelse"])
def test_a_record_naming_a_key_twice_is_rejected(generated, tmp_path, capsys, key):
    """Duplicate keys: DuckDB's JSON functions take the first value, Python's json the last; the rule
    is to reject the record (docs/ingest.md), for any key, known to YFCC or not."""
    records = _encoded_records(generated, 30)
    lines = [json.dumps(r) for r in records]
    lines[4] = lines[4][:-1] + f', "{key}": "0", "{key}": "0"}}'  # twice at the end
    lines[9] = '{"' + key + '": "1", "' + key + '": "2", ' + lines[9][1:]  # twice at the start
    path = _write(tmp_path / "dups.jsonl", lines)
    db = tmp_path / "x.duckdb"
    [summary] = ok(db, path, capsys=capsys)
    assert "28 rows loaded, 2 rejected" in summary
    assert query(db, "SELECT line_no, reason FROM ingest_rejects ORDER BY 1") == [
        (5, f'json: key "{key}" appears more than once'),
        (10, f'json: key "{key}" appears more than once'),
    ]


def test_the_sample_leaves_out_what_the_stage_rejects():
    lines = [
        json.dumps({"photoid": 1, "title": {"a": 1}}),
        '{"photoid": 2, "title": "x", "title": "y z"}',
        json.dumps({"photoid": 3, "title": "Caf%C3%A9+x"}),
        "not json",
    ]
    sample = yfcc_forms.jsonl_sample(("\n".join(lines) + "\n").encode())
    assert [row["photoid"] for row in sample] == [1, 3]
    assert yfcc_forms.looks_url_encoded(sample)
    assert yfcc_forms.looks_url_encoded([{"title": 5}, {"description": ["a b"]}, {"title": "A+b"}])
    assert not yfcc_forms.looks_url_encoded([{"title": "a b"}, {"title": 5}])
