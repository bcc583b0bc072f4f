"""YFCC100M ingest: real published rows decode right, generated files reproduce their ground truth
exactly (per-license counts, uploaders, rejects by kind and line), re-ingest replaces, stage/load
split works across processes' worth of JSON, every compression is recognised by its bytes."""

from __future__ import annotations

import bz2
import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.errors import InputError
from pipelines.ingest.decompress import detect_compression
from pipelines.ingest.yfcc import (
    FileResult,
    StagedFile,
    detect_layout,
    ingest_yfcc,
    load_staged,
    stage_yfcc_file,
)
from pipelines.synth.yfcc import generate_yfcc
from tests.conftest import shared_path

REAL_23 = "yfcc100m_dataset_23field_Intelligent-Travel-Manager_test_filtering_bigbox.tsv"
REAL_25 = "yfcc100m_dataset_25field_hanrw-yfcc100m_Yfcc100mIndexerSpec.tsv"


def photo(con, photo_id: int) -> dict:
    cursor = con.execute("SELECT * FROM yfcc_photos WHERE photo_id = ?", [photo_id])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"photo {photo_id}: {len(rows)} rows"
    return dict(zip(names, rows[0], strict=False))


# --- real rows ----------------------------------------------------------------------------------


def test_real_25_field_row_decodes(con):
    path = shared_path("yfcc100m", REAL_25)
    [result] = ingest_yfcc(con, [path], progress=False)
    assert (result.layout, result.lines_read, result.rows_loaded, result.rows_rejected) == (25, 1, 1, 0)
    row = photo(con, 6162540254)
    assert row["title"] == "Around the waterpipe"
    assert row["license_id"] == 5  # Attribution-ShareAlike = BY-SA 2.0
    assert row["photo_hash"] == "4ccb23d8746b8d9d76ffd603fc7988" and len(row["photo_hash"]) == 30
    assert row["line_no"] == 6639 and row["source_line"] == 1
    assert row["owner_nsid"] == "15087210@N00" and row["capture_device"] == "Nokia N950"
    assert str(row["taken_at"]) == "2011-09-10 21:13:32" and row["taken_at_flag"] is None
    assert str(row["uploaded_at"]) == "2011-09-19 11:44:32"  # epoch 1316432672 in UTC
    assert row["longitude"] is None and row["latitude"] is None and row["accuracy"] is None
    assert row["user_tags"] == "helsinki,party,waterpipe" and row["machine_tags"] is None
    assert row["is_video"] is False and row["source_file"] == str(path.resolve())


def test_real_23_field_rows_decode(con):
    path = shared_path("yfcc100m", REAL_23)
    [result] = ingest_yfcc(con, [path], progress=False)
    assert (result.layout, result.lines_read, result.rows_loaded) == (23, 4, 4)
    gsv = photo(con, 10642543105)
    assert gsv["taken_at"] is None and gsv["taken_at_flag"] == "implausible"
    assert gsv["taken_at_raw"] == "4501-01-01 00:00:00.0"
    assert gsv["capture_device"] == "Couragent, Inc. Flip-Pal 100C"
    assert gsv["description"].startswith(
        "Photographer: Johnstone O'Shannessy, 3 Bourke St, Melbourne\n\nPhotos "
    )
    assert gsv["user_tags"] == "album g,carte de visite,gsv,johnstone o'shannessy & co,melbourne,victoria"
    assert gsv["license_id"] == 4 and gsv["line_no"] is None and gsv["photo_hash"] is None
    assert (gsv["longitude"], gsv["latitude"], gsv["accuracy"]) == (144.972976, -37.811378, 16)
    assert gsv["source_line"] == 4
    gnome = photo(con, 7088065)
    assert gnome["license_id"] == 2 and gnome["secret"] == gnome["secret_original"] == "65c9d45e09"
    assert str(gnome["taken_at"]) == "2005-03-01 12:39:28" and gnome["capture_device"] == "SONY CLIE"
    muppet = photo(con, 343224206)
    assert (
        muppet["description"] is None
        and muppet["user_tags"] is None
        and muppet["title"] == "Team Muppet Show"
    )
    fog = photo(con, 6325727670)
    assert fog["license_id"] == 3 and "b&w" in fog["user_tags"].split(",")
    run = con.execute(
        "SELECT kind, layout, lines_read, rows_loaded, rows_rejected, status, file_size, "
        "length(fingerprint) FROM ingest_runs"
    ).fetchall()
    assert run == [("yfcc", "23", 4, 4, 0, "loaded", path.stat().st_size, 64)]


# --- generated data with ground truth -----------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("yfcc")
    files = {
        "bz2-25": generate_yfcc(folder / "yfcc25.tsv.bz2", rows=12_000, layout=25, seed=7, bad_lines=30).path,
        "zst-23": generate_yfcc(folder / "yfcc23.tsv.zst", rows=6_000, layout=23, seed=8, bad_lines=15).path,
    }
    return files


def truth_of(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".truth.json").read_text())


def assert_matches_truth(con, path: Path, result: FileResult) -> None:
    truth = truth_of(path)
    source = str(path.resolve())
    assert result.lines_read == truth["lines_total"]
    assert result.rows_loaded == truth["rows"] and result.rows_rejected == truth["bad_lines"]
    by_license = dict(
        con.execute(
            "SELECT license_id::VARCHAR, count(*) FROM yfcc_photos WHERE source_file = ? GROUP BY 1", [source]
        ).fetchall()
    )
    assert by_license == {k: v for k, v in truth["licenses"].items() if v}
    uploaders, photos, videos, geotagged, missing, implausible = con.execute(
        "SELECT count(DISTINCT owner_nsid), count(*) FILTER (NOT is_video), count(*) FILTER (is_video), "
        "count(*) FILTER (latitude IS NOT NULL), count(*) FILTER (taken_at_flag = 'missing'), "
        "count(*) FILTER (taken_at_flag = 'implausible') FROM yfcc_photos WHERE source_file = ?",
        [source],
    ).fetchone()
    assert uploaders == truth["distinct_uploaders"]
    assert (photos, videos, geotagged) == (truth["photos"], truth["videos"], truth["geotagged"])
    assert (missing, implausible) == (truth["taken_null"], truth["taken_implausible"])
    top = con.execute(
        "SELECT owner_nsid, count(*) AS n FROM yfcc_photos WHERE source_file = ? GROUP BY 1 "
        "ORDER BY n DESC, owner_nsid LIMIT ?",
        [source, len(truth["top_uploaders"])],
    ).fetchall()
    assert [list(row) for row in top] == truth["top_uploaders"]
    rejects = con.execute(
        "SELECT split_part(reason, ':', 1), line_no FROM ingest_rejects WHERE source_file = ? "
        "ORDER BY line_no",
        [source],
    ).fetchall()
    by_kind: dict[str, list[int]] = {}
    for kind, line in rejects:
        by_kind.setdefault(kind, []).append(line)
    assert by_kind == {kind: lines for kind, lines in truth["bad_line_numbers"].items() if lines}
    # Physical lines: every line accounted for exactly once.
    lines = con.execute(
        "SELECT count(*), count(DISTINCT line), min(line), max(line) FROM ("
        "SELECT source_line AS line FROM yfcc_photos WHERE source_file = $source UNION ALL "
        "SELECT line_no FROM ingest_rejects WHERE source_file = $source)",
        {"source": source},
    ).fetchone()
    assert lines == (truth["lines_total"],) * 2 + (1, truth["lines_total"])


def test_generated_25_field_bz2_reproduces_truth(con, generated):
    path = generated["bz2-25"]
    [result] = ingest_yfcc(con, [path], progress=False)
    assert result.layout == 25
    assert_matches_truth(con, path, result)
    # line_no (published, 0-based) is kept; hashes are never padded.
    assert (
        con.execute(
            "SELECT count(*) FROM yfcc_photos WHERE line_no IS NULL OR length(photo_hash) > 32"
        ).fetchone()[0]
        == 0
    )


def test_generated_23_field_zstd_reproduces_truth(con, generated):
    path = generated["zst-23"]
    [result] = ingest_yfcc(con, [path], progress=False)
    assert result.layout == 23
    assert_matches_truth(con, path, result)
    assert con.execute("SELECT count(*) FROM yfcc_photos WHERE line_no IS NOT NULL").fetchone()[0] == 0


@pytest.mark.parametrize(
    "external, stream",
    [(False, False), (True, True), (False, True)],
    ids=["python-spool", "tools-stream", "python-stream"],
)
def test_every_decompression_route_gives_the_same_rows(con, generated, monkeypatch, external, stream):
    """Python's bz2 when lbzip2 is absent (forced here); through a FIFO when spooling is off."""
    monkeypatch.setenv("CCAUDIT_EXTERNAL_COMPRESSORS", "1" if external else "0")
    monkeypatch.setenv("CCAUDIT_INGEST_STREAM", "1" if stream else "0")
    path = generated["bz2-25"]
    [result] = ingest_yfcc(con, [path], progress=False)
    assert_matches_truth(con, path, result)


def test_reingest_replaces_rows_and_keeps_run_history(con, generated):
    path = generated["zst-23"]
    first = ingest_yfcc(con, [path], progress=False)[0]
    second = ingest_yfcc(con, [path], progress=False)[0]
    assert (first.rows_loaded, first.rows_rejected) == (second.rows_loaded, second.rows_rejected)
    assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == second.rows_loaded
    assert con.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0] == second.rows_rejected
    runs = con.execute(
        "SELECT count(DISTINCT run_id), sum(lines_read) FILTER (WHERE lines_read <> "
        "rows_loaded + rows_rejected) FROM ingest_runs"
    ).fetchone()
    assert runs == (2, None)


def test_duplicates_across_files_first_occurrence_wins(con, tmp_path):
    real = shared_path("yfcc100m", REAL_23)
    lines = real.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv.gz"
    first.write_bytes(lines[0] + lines[1])
    with gzip.open(second, "wb") as out:  # shares photo 343224206 (its line 1) with a.tsv
        out.write(lines[1] + lines[2] + lines[3] + lines[2])  # and repeats 6325727670 inside itself
    results = ingest_yfcc(con, [first, second], progress=False)
    assert [(r.lines_read, r.rows_loaded, r.rows_rejected) for r in results] == [(2, 2, 0), (4, 2, 2)]
    rejects = con.execute("SELECT line_no, reason FROM ingest_rejects ORDER BY line_no").fetchall()
    assert rejects[0][0] == 1 and rejects[0][1].startswith("duplicate_photo_id: photo 343224206 also in ")
    assert rejects[0][1].endswith(f"{first.resolve()} line 2")
    assert rejects[1][0] == 4 and rejects[1][1].endswith(f"{second.resolve()} line 2")
    # A later run of b alone still sees a's copy (already loaded from another file) and keeps it.
    [again] = ingest_yfcc(con, [second], progress=False)
    assert (again.rows_loaded, again.rows_rejected) == (2, 2)
    assert con.execute("SELECT count(*), count(DISTINCT photo_id) FROM yfcc_photos").fetchone() == (4, 4)


def test_stage_then_load_through_json(con, db_path, generated, tmp_path):
    """The Airflow split: stage in one place (no DB writes), pass JSON, load in the writer."""
    before = db_path.stat().st_mtime_ns
    staged = stage_yfcc_file(generated["zst-23"], tmp_path / "work")
    assert db_path.stat().st_mtime_ns == before
    assert Path(staged.parquet_path).is_file() and Path(staged.rejects_path).is_file()
    assert staged.lines_read == staged.rows_ok + staged.rows_rejected
    wire = json.loads(json.dumps(staged.as_dict()))
    [result] = load_staged(con, [StagedFile.from_dict(wire)], run_id="run-1")
    assert_matches_truth(con, generated["zst-23"], result)
    assert con.execute("SELECT DISTINCT run_id FROM ingest_rejects").fetchall() == [("run-1",)]
    assert json.loads(json.dumps(result.as_dict()))["rows_loaded"] == result.rows_loaded


def test_compression_is_detected_by_magic_bytes_not_suffix(con, tmp_path):
    data = shared_path("yfcc100m", REAL_25).read_bytes()
    disguised = {"gz.tsv": gzip.compress(data), "bz2.txt": bz2.compress(data)}
    for name, payload in disguised.items():
        (tmp_path / name).write_bytes(payload)
    assert detect_compression(tmp_path / "gz.tsv") == "gzip"
    assert detect_compression(tmp_path / "bz2.txt") == "bz2"
    [result] = ingest_yfcc(con, [tmp_path / "gz.tsv"], progress=False)
    assert result.rows_loaded == 1
    [result] = ingest_yfcc(con, [tmp_path / "bz2.txt"], progress=False)
    assert result.rows_rejected == 1  # same photo id as gz.tsv, which was loaded first


def test_rows_keep_file_order_in_a_file_read_in_parallel(con, tmp_path):
    """The physical line number relies on the scan keeping file order; check on a 40 MB file."""
    template = shared_path("yfcc100m", REAL_25).read_bytes().rstrip(b"\n").split(b"\t")
    path = tmp_path / "ordered.tsv"
    with open(path, "wb") as out:
        for line_no in range(90_000):
            template[0], template[1] = str(line_no).encode(), str(10**9 + line_no).encode()
            template[9] = b"x" * (line_no % 500)
            out.write(b"\t".join(template) + b"\n")
    [result] = ingest_yfcc(con, [path], progress=False)
    assert result.rows_loaded == 90_000
    assert con.execute("SELECT count(*) FROM yfcc_photos WHERE source_line <> line_no + 1").fetchone()[0] == 0


def test_tags_keep_an_encoded_comma(con, tmp_path):
    fields = shared_path("yfcc100m", REAL_25).read_bytes().rstrip(b"\n").split(b"\t")
    fields[10] = b"rock+%26+roll,new+york%2C+ny,caf%C3%A9"
    path = tmp_path / "tags.tsv"
    path.write_bytes(b"\t".join(fields) + b"\n")
    ingest_yfcc(con, [path], progress=False)
    assert photo(con, 6162540254)["user_tags"].split(",") == ["rock & roll", "new york%2C ny", "café"]


@pytest.mark.parametrize(
    "head, expected", [(b"1\t2\t" + b"x\t" * 22 + b"0\n", 25), (b"2\t" + b"x\t" * 21 + b"0\n", 23)]
)
def test_layout_detection(head, expected):
    assert detect_layout(head * 3, Path("f"), complete=True) == expected


def test_not_yfcc_is_a_clear_error(con, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("id,name\n1,a\n2,b\n")
    with pytest.raises(InputError, match="not a YFCC100M metadata file"):
        ingest_yfcc(con, [path], progress=False)


def test_cli_ingest_prints_one_line_per_file(db_path, capsys):
    path = shared_path("yfcc100m", REAL_23)
    assert main(["ingest", "yfcc", "--db", str(db_path), "--quiet", str(path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "4 lines (23-field layout) -> 4 rows loaded, 0 rejected" in out[0]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0] == 4
    finally:
        con.close()
    assert not list(db_path.parent.glob(".ccaudit-ingest-*")), "staging folder left behind"


def test_lbzip2_is_used_when_installed():
    from pipelines.ingest.decompress import bz2_command

    if not shutil.which("lbzip2"):
        pytest.skip("lbzip2 not installed (make system-deps); the Python fallback is tested above")
    assert bz2_command()[0] == "lbzip2"
