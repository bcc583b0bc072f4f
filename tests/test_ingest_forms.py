"""The other forms YFCC100M is held in: the Multimedia Commons SQLite file, the downloader's gzip
JSON-lines shards, Parquet. Each file here is written by code that is not ccaudit (Python's sqlite3,
gzip + json, pyarrow) from known rows, and must ingest to the same yfcc_photos as the TSV of the
same rows: licenses, owners, decoded text, flagged dates, and rejects with their locators (the
SQLite rowid, the shard and line, the Parquet row).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
from pathlib import Path
from urllib.parse import unquote_plus

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.synth.yfcc import generate_yfcc
from pipelines.synth.yfcc_forms import FORM_COLUMNS
from tests.conftest import shared_path

REAL_23 = "yfcc100m_dataset_23field_Intelligent-Travel-Manager_test_filtering_bigbox.tsv"
# The Multimedia Commons column names, as the generator declares them (the downloader's `key` apart).
NAMES = [name for name in FORM_COLUMNS.values() if name != "key"]
TEXT = ("unickname", "capturedevice", "title", "description", "usertags", "machinetags")
COMPARED = (
    "photo_id, owner_nsid, owner_nickname, taken_at, taken_at_flag, uploaded_at, capture_device, title, "
    "description, replace(user_tags, '%2C', ','), replace(machine_tags, '%2C', ','), longitude, latitude, "
    "accuracy, page_url, download_url, license_id, server_id, farm_id, secret, secret_original, extension, "
    "is_video"
)


def yfcc_hash(url: str) -> str:
    """The downloader's `key`: MD5 of the download URL, each byte written without its leading zero."""
    return "".join(f"{byte:x}" for byte in hashlib.md5(url.encode()).digest())


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> dict:
    """23-field TSV lines: the four real rows, 400 generated ones, and bad records every form can hold."""
    folder = tmp_path_factory.mktemp("known")
    generated = generate_yfcc(folder / "gen.tsv", rows=400, layout=23, seed=21).path.read_bytes().decode()
    lines = shared_path("yfcc100m", REAL_23).read_text().splitlines() + generated.splitlines()
    good = [line.split("\t") for line in lines]
    bad_id = list(good[5])
    bad_id[0] = "12ab"
    bad_license = list(good[6])
    bad_license[15:17] = ["Some License", "http://example.org/l"]
    bad_escape = list(good[7])
    bad_escape[6] = "Caf%E9+" + bad_escape[6]  # decodes to invalid UTF-8
    duplicate = list(good[8])
    rows = good[:100] + [bad_id] + good[100:200] + [bad_license, duplicate] + good[200:] + [bad_escape]
    tsv = folder / "known.tsv"
    tsv.write_text("\n".join("\t".join(row) for row in rows) + "\n")
    records = [dict(zip(NAMES, row, strict=False)) for row in rows]
    return {"tsv": tsv, "records": records, "folder": folder}


def ingest(db: Path, *paths: Path, capsys) -> list[str]:
    code = main(["ingest", "yfcc", "--quiet", "--db", str(db), *map(str, paths)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out.splitlines()


def photos(db: Path) -> set:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return set(con.execute(f"SELECT {COMPARED} FROM yfcc_photos").fetchall())
    finally:
        con.close()


def rejects(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source_file, line_no, reason FROM ingest_rejects ORDER BY ALL").fetchall()
    finally:
        con.close()


def tsv_rejects(tsv_db: Path, tsv: Path, locate, skip: str = "") -> list[tuple]:
    """The TSV's rejects (but those whose reason starts with `skip`) with each line number turned
    into the other form's locator by `locate`."""
    found = []
    for _, line, reason in rejects(tsv_db):
        if skip and reason.startswith(skip):
            continue
        source, locator = locate(line)
        found.append((source, locator, reason.replace(str(tsv.resolve()), "{source}")))
    return sorted(found)


def decoded(record: dict) -> dict:
    return {
        k: unquote_plus(v)
        if k in TEXT and k not in ("usertags", "machinetags")
        else ",".join(unquote_plus(t) for t in v.split(","))
        if k in TEXT and v
        else v
        for k, v in record.items()
    }


# --- the writers: not ccaudit ----------------------------------------------------------------------


def write_sqlite(path: Path, records: list[dict]) -> None:
    con = sqlite3.connect(path)
    types = {"photoid": "INTEGER", "longitude": "REAL", "latitude": "REAL", "accuracy": "INTEGER"}
    declared = ", ".join(f"{n} {types.get(n, 'TEXT')}" for n in NAMES)
    con.execute(f"CREATE TABLE yfcc100m_dataset ({declared})")
    con.executemany(
        f"INSERT INTO yfcc100m_dataset VALUES ({', '.join('?' * len(NAMES))})",
        [[record[n] if record[n] != "" or n not in types else None for n in NAMES] for record in records],
    )
    con.commit()
    con.close()


def write_shards(folder: Path, records: list[dict]) -> dict[int, tuple[str, int]]:
    """gzip JSON-lines shards by key[:3], as the downloader writes them; {record index: (file, line)}."""
    folder.mkdir()
    shards: dict[str, list[str]] = {}
    where = {}
    for index, record in enumerate(records):
        row = dict(record)
        row["key"] = yfcc_hash(row["downloadurl"])
        row["photoid"] = int(row["photoid"]) if row["photoid"].isdigit() else row["photoid"]
        row["longitude"] = float(row["longitude"]) if row["longitude"] else None
        row["latitude"] = float(row["latitude"]) if row["latitude"] else None
        row["accuracy"] = int(row["accuracy"]) if row["accuracy"] else None
        lines = shards.setdefault(row["key"][:3], [])
        lines.append(json.dumps(row))
        where[index] = (str((folder / f"{row['key'][:3]}.gz").resolve()), len(lines))
    for shard, lines in shards.items():
        half = len(lines) // 2  # two gzip members, as the downloader appends
        with open(folder / f"{shard}.gz", "wb") as out:
            out.write(gzip.compress(("\n".join(lines[:half]) + "\n").encode()) if half else b"")
            out.write(gzip.compress(("\n".join(lines[half:]) + "\n").encode()))
    return where


def write_parquet(path: Path, records: list[dict]) -> None:
    """Typed as re-published subsets type them: numbers as numbers, photoid text only where needed."""
    columns = {name: [r[name] for r in records] for name in NAMES}
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["longitude"] = pa.array([float(v) if v else None for v in columns["longitude"]], pa.float64())
    arrays["latitude"] = pa.array([float(v) if v else None for v in columns["latitude"]], pa.float64())
    arrays["accuracy"] = pa.array([int(v) if v else None for v in columns["accuracy"]], pa.int8())
    arrays["dateuploaded"] = pa.array([int(v) for v in columns["dateuploaded"]], pa.int64())
    arrays["marker"] = pa.array([int(v) for v in columns["marker"]], pa.int32())
    pq.write_table(pa.table(arrays), path, row_group_size=64)


# --- same rows, every form -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsv_db(known, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("tsvdb") / "tsv.duckdb"
    assert main(["ingest", "yfcc", "--quiet", "--db", str(db), str(known["tsv"])]) == 0
    return db


@pytest.mark.parametrize("encoding", ["url-encoded", "decoded"])
@pytest.mark.parametrize("form", ["sqlite", "jsonl-shards", "parquet"])
def test_each_form_ingests_to_the_same_photos_as_the_tsv(known, tsv_db, tmp_path, capsys, form, encoding):
    # decoded text cannot hold an escape that decodes to invalid UTF-8: the last record is that one
    records = known["records"] if encoding == "url-encoded" else [decoded(r) for r in known["records"][:-1]]
    if form == "sqlite":
        path = tmp_path / "yfcc100m_dataset.sql"
        write_sqlite(path, records)

        def locate(line):
            return str(path.resolve()), line
    elif form == "parquet":
        path = tmp_path / "subset.parquet"
        write_parquet(path, records)

        def locate(line):
            return str(path.resolve()), line
    else:
        path = tmp_path / "shards"
        where = write_shards(path, records)

        def locate(line):
            return where[line - 1]

    db = tmp_path / "form.duckdb"
    out = ingest(db, path, capsys=capsys)
    assert photos(db) == photos(tsv_db)
    assert len(photos(db)) == len(known["records"]) - 4
    # the same records rejected for the same reasons, each at its own locator in this form
    expected = tsv_rejects(tsv_db, known["tsv"], locate, skip="" if encoding == "url-encoded" else "encoding")
    got = []
    for source, line, reason in rejects(db):
        if reason.startswith("duplicate_photo_id"):
            first = reason.rsplit(" also in ", 1)[1]
            reason = reason.replace(first, "{first}")
        got.append((source, line, reason))
    expected = [
        (s, n, r.rsplit(" also in ", 1)[0] + " also in {first}" if r.startswith("duplicate") else r)
        for s, n, r in expected
    ]
    assert sorted(got) == expected
    assert any(("plain text" if encoding == "decoded" else "URL-encoded text") in line for line in out), out


def test_the_sqlite_rowid_is_the_locator_and_invalid_utf8_is_a_reject(tmp_path, capsys):
    good = dict(
        zip(NAMES, shared_path("yfcc100m", REAL_23).read_text().splitlines()[0].split("\t"), strict=False)
    )
    path = tmp_path / "db.sql"
    write_sqlite(path, [good])
    con = sqlite3.connect(path)
    second = dict(good, photoid="7088066")
    con.execute("DELETE FROM yfcc100m_dataset")  # rowids 10 and 20, not 1 and 2
    con.execute(
        f"INSERT INTO yfcc100m_dataset (rowid, {', '.join(NAMES)}) VALUES (10, {', '.join('?' * len(NAMES))})",
        [good[n] for n in NAMES],
    )
    values = [second[n] for n in NAMES]
    values[NAMES.index("title")] = b"Gn\xffme"  # a BLOB of invalid UTF-8 where text should be
    con.execute(
        f"INSERT INTO yfcc100m_dataset (rowid, {', '.join(NAMES)}) VALUES (20, {', '.join('?' * len(NAMES))})",
        values,
    )
    con.commit()
    con.close()
    db = tmp_path / "x.duckdb"
    ingest(db, path, capsys=capsys)
    assert rejects(db) == [(str(path.resolve()), 20, "encoding: invalid UTF-8")]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT photo_id, source_line FROM yfcc_photos").fetchall() == [(7088065, 10)]
    assert con.execute(
        "SELECT lines_read, rows_loaded, rows_rejected, layout FROM ingest_runs"
    ).fetchall() == [(2, 1, 1, "sqlite")]
    con.close()


def test_reingesting_shards_replaces_them_and_a_repeat_across_forms_is_a_duplicate(known, tmp_path, capsys):
    shards = tmp_path / "shards"
    write_shards(shards, known["records"])
    db = tmp_path / "db.duckdb"
    ingest(db, shards, capsys=capsys)
    first = (photos(db), rejects(db))
    ingest(db, shards, capsys=capsys)
    assert (photos(db), rejects(db)) == first
    # the same photos again in another form: the first source wins, every repeat is a reject
    parquet = tmp_path / "again.parquet"
    write_parquet(parquet, known["records"][:50])
    ingest(db, parquet, capsys=capsys)
    assert photos(db) == first[0]
    again = [r for r in rejects(db) if r[0] == str(parquet.resolve())]
    assert len(again) == 50 and all(r[2].startswith("duplicate_photo_id") for r in again)


def test_a_glob_of_shards_is_accepted(known, tmp_path, capsys):
    shards = tmp_path / "shards"
    write_shards(shards, known["records"][:60])
    db = tmp_path / "db.duckdb"
    out = ingest(db, Path(str(shards / "*.gz")), capsys=capsys)
    assert len(out) == len(list(shards.iterdir()))
    assert len(photos(db)) == 60


# --- hostile forms: one-line errors, nothing loaded -------------------------------------------------


def one_line_error(db: Path, path: Path, capsys) -> str:
    code = main(["ingest", "yfcc", "--quiet", "--db", str(db), str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("ccaudit: error: "), err
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 0
        con.close()
    return err[0]


def test_a_truncated_shard_fails_the_whole_folder(known, tmp_path, capsys):
    shards = tmp_path / "shards"
    write_shards(shards, known["records"])
    victim = sorted(shards.iterdir())[3]
    victim.write_bytes(victim.read_bytes()[:-20])
    assert "corrupt or truncated gzip archive" in one_line_error(tmp_path / "db.duckdb", shards, capsys)


def test_json_lines_that_are_not_objects_are_rejects_with_their_line(known, tmp_path, capsys):
    record = json.dumps(dict(known["records"][0], key="x"))
    path = tmp_path / "subset.jsonl"
    path.write_text(
        "\n".join([record, "[1, 2]", '{"photoid": 1', "", json.dumps(known["records"][1])]) + "\n"
    )
    db = tmp_path / "db.duckdb"
    ingest(db, path, capsys=capsys)
    assert [(line, reason) for _, line, reason in rejects(db)] == [
        (2, "json: not a JSON object"),
        (3, "json: not a JSON object"),
        (4, "json: empty line"),
    ]


@pytest.mark.parametrize(
    "case",
    [
        "sqlite-no-table",
        "sqlite-no-columns",
        "parquet-no-columns",
        "jsonl-no-columns",
        "damaged-sqlite",
        "damaged-parquet",
    ],
)
def test_foreign_or_damaged_containers_are_one_line_errors(tmp_path, capsys, case):
    path = tmp_path / "input"
    if case.startswith("sqlite"):
        con = sqlite3.connect(path)
        con.execute(
            "CREATE TABLE photos (id INTEGER)"
            if case == "sqlite-no-table"
            else "CREATE TABLE yfcc100m_dataset (photoid INTEGER, title TEXT)"
        )
        con.commit()
        con.close()
        expected = "yfcc100m_dataset" if case == "sqlite-no-table" else "has no column uid"
    elif case == "parquet-no-columns":
        pq.write_table(pa.table({"photoid": [1], "title": ["x"]}), path)
        expected = "has no column uid"
    elif case == "jsonl-no-columns":
        path.write_text('{"photoid": 1, "title": "x"}\n')
        expected = "not a YFCC100M metadata file"
    elif case == "damaged-sqlite":
        good = tmp_path / "good.sql"
        write_sqlite(
            good,
            [
                dict(
                    zip(
                        NAMES,
                        shared_path("yfcc100m", REAL_23).read_text().splitlines()[0].split("\t"),
                        strict=False,
                    )
                )
            ],
        )
        blob = bytearray(good.read_bytes())
        blob[100 : len(blob)] = b"\x00" * (len(blob) - 100)
        path.write_bytes(bytes(blob))
        expected = "input"
    else:
        pq.write_table(pa.table({n: ["1"] for n in NAMES}), path)
        blob = path.read_bytes()
        path.write_bytes(blob[:20] + b"\x00" * 30 + blob[50:])
        expected = "input"
    assert expected in one_line_error(tmp_path / "db.duckdb", path, capsys)


# --- generate yfcc --format: the same ground truth in every form ----------------------------------


@pytest.mark.parametrize("form", ["sqlite", "jsonl-shards", "parquet"])
def test_generated_forms_hold_the_rows_of_the_tsv_of_the_same_seed(tmp_path, capsys, form):
    tsv = generate_yfcc(tmp_path / "same.tsv", rows=1500, seed=8, bad_lines=8)
    other = generate_yfcc(tmp_path / f"same.{form}", rows=1500, seed=8, bad_lines=8, form=form)
    assert other.truth["rows"] == tsv.truth["rows"] and other.truth["licenses"] == tsv.truth["licenses"]
    assert other.truth["top_uploaders"] == tsv.truth["top_uploaders"]
    db = tmp_path / "form.duckdb"
    ingest(db, other.path, capsys=capsys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        per_license = dict(
            con.execute("SELECT license_id, count(*) FROM yfcc_photos GROUP BY ALL").fetchall()
        )
        found = con.execute(
            "SELECT source_file, line_no, split_part(reason, ':', 1) FROM ingest_rejects"
        ).fetchall()
    finally:
        con.close()
    assert {str(k): v for k, v in per_license.items()} == other.truth["licenses"]
    expected = set()
    for kind, locators in other.truth["bad_line_numbers"].items():
        for locator in locators:
            if form == "jsonl-shards":
                name, line = locator.split(":")
                expected.add((str((other.path / name).resolve()), int(line), kind))
            else:
                expected.add((str(other.path.resolve()), locator, kind))
    assert set(found) == expected and len(found) == 8


# --- URLs: derived from the row, the published one kept where it differs ------------------------------


def test_urls_are_derived_unless_the_published_one_differs(tmp_path, capsys):
    lines = [line.split("\t") for line in shared_path("yfcc100m", REAL_23).read_text().splitlines()]
    lines[1][13] = lines[1][13].replace("/photos/", "/videos/")  # a page URL that is not the derived one
    lines[2][14] = ""  # no download URL published
    lines[3][14] = lines[3][14].replace(".jpg", ".png")
    path = tmp_path / "urls.tsv"
    path.write_text("\n".join("\t".join(line) for line in lines) + "\n")
    db = tmp_path / "db.duckdb"
    ingest(db, path, capsys=capsys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute(
            "SELECT page_url, download_url, page_url_stored, download_url_stored FROM yfcc_photos "
            "ORDER BY source_line"
        ).fetchall()
        licensed = con.execute(
            "SELECT page_url, download_url FROM yfcc_photos_licensed ORDER BY source_line"
        ).fetchall()
    finally:
        con.close()
    assert [(page, download) for page, download, _, _ in got] == [
        (line[13], line[14] or None) for line in lines
    ]
    assert [(page, download) for page, download, _, _ in got] == licensed
    # stored only where the published URL differs from the derived one ('' = none published)
    assert [(page_stored, download_stored) for _, _, page_stored, download_stored in got] == [
        (None, None),
        (lines[1][13], None),
        (None, ""),
        (None, lines[3][14]),
    ]


def test_the_airflow_task_bodies_stage_a_shard_folder_as_one_unit_and_load_what_the_cli_loads(
    known, tmp_path, capsys
):
    """The DAG's plan groups the downloader's shards as the CLI does (one mapped stage task, not one
    per shard), and stage + load give the CLI's rows and rejects."""
    from pipelines import airflow_tasks

    folder = tmp_path / "shards"
    write_shards(folder, known["records"])
    units = airflow_tasks.plan_yfcc_units([str(folder)])
    assert len(units) == 1 and len(units[0]) == len(list(folder.glob("*.gz"))) > 1
    cli_db = tmp_path / "cli.duckdb"
    ingest(cli_db, folder, capsys=capsys)
    dag_db = tmp_path / "dag.duckdb"
    settings = airflow_tasks.task_settings(db=str(dag_db))
    staged = [airflow_tasks.stage_yfcc_unit(unit, str(tmp_path / "work")) for unit in units]
    assert len(staged[0]) == len(units[0])  # one StagedFile per shard: each keeps its own ingest_runs row
    result = airflow_tasks.load_yfcc(settings, staged, run_id="test", cleanup=str(tmp_path / "work"))
    assert result["files"] == len(units[0])
    assert photos(dag_db) == photos(cli_db) and rejects(dag_db) == rejects(cli_db)
