"""Manifest adapters against the real excerpts (expected values computed here from the files with
plain Python) and against small hand-written manifests for the failure paths."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import InputError
from pipelines.ingest.manifests import StagedManifest, ingest_manifest, load_staged_manifest, stage_manifest
from tests.conftest import shared_path

REAL = ("manifests",)


def _items(con, dataset):
    return con.execute(
        "SELECT item_key, photo_id, owner_ref, declared_license_id, declared_license_raw, "
        "declared_author, source_url, source_line, group_ref FROM dataset_items "
        "WHERE dataset = ? ORDER BY source_file, source_line",
        [dataset],
    ).fetchall()


def _scalar(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()[0]


def _run_counts(con, run_id):
    return con.execute(
        "SELECT sum(lines_read), sum(rows_loaded), sum(rows_rejected) FROM ingest_runs WHERE run_id = ?",
        [run_id],
    ).fetchone()


# --- real excerpts --------------------------------------------------------------------------------


def test_coco_real_excerpt(con):
    path = shared_path(*REAL, "coco", "captions_val2017.COCO-MINI.json")
    doc = json.loads(path.read_text())
    expected = {
        str(img["id"]): (int(re.search(r"/(\d+)_", img["flickr_url"])[1]), img["license"])
        for img in doc["images"]
    }
    result = ingest_manifest(con, "coco", dataset="coco", version="2017-val", paths=[path])
    assert (result.items, result.rejected, result.auditable) == (79, 0, True) and len(expected) == 79
    rows = _items(con, "coco")
    # COCO license ids 1-8 are Flickr's ids, resolved here through the file's own licenses[] table.
    assert {key: (photo, lic) for key, photo, _, lic, *_ in rows} == expected
    assert result.photos == len({v[0] for v in expected.values()})
    assert _run_counts(con, result.run_id) == (79, 79, 0)


def test_pipa_real_excerpt(con):
    path = shared_path(*REAL, "pipa", "pipa_all_data.head200.txt")
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    result = ingest_manifest(con, "pipa", dataset="pipa", paths=[path])
    assert result.items == len(lines) == 200
    assert result.photos == len({f[1] for f in lines})
    assert _scalar(con, "SELECT count(DISTINCT group_ref) FROM dataset_items WHERE dataset = 'pipa'") == len(
        {f[0] for f in lines}
    )
    assert sorted(_scalar(con, "SELECT list(photo_id) FROM dataset_items WHERE dataset = 'pipa'")) == sorted(
        int(f[1]) for f in lines
    )


def test_megaface_paths_via_diveface(con):
    folder = shared_path(*REAL, "megaface_mf2_via_diveface")
    paths = sorted(folder.glob("*.txt"))
    lines = [line for p in paths for line in p.read_text().splitlines() if line.strip()]
    nsids = {line.split("_identity_")[0] for line in lines}
    photos = {line.split("/")[1].split("_")[0] for line in lines}
    result = ingest_manifest(con, "megaface-paths", dataset="diveface", paths=paths)
    assert (result.items, result.photos, result.owners) == (len(lines), len(photos), len(nsids))
    assert result.items > result.photos  # several faces per photo stay several items
    owner_of_photo = con.execute(
        "SELECT DISTINCT photo_id, owner_ref FROM dataset_items WHERE dataset = 'diveface'"
    ).fetchall()
    assert {(int(line.split("/")[1].split("_")[0]), line.split("_identity_")[0]) for line in lines} == set(
        owner_of_photo
    )


def test_flickr30k_ids(con):
    path = shared_path(*REAL, "flickr30k", "flickr30k_entities_test.head200.txt")
    ids = [int(x) for x in path.read_text().split()]
    result = ingest_manifest(con, "flickr30k", dataset="flickr30k", paths=[path])
    assert result.items == len(ids) and result.photos == len(set(ids))
    assert [r[1] for r in _items(con, "flickr30k")] == ids


def _joined_open_images_example(src: Path, tmp_path: Path) -> Path:
    """The README quotes the CSV with backslash continuations between fields, and '...' elisions.

    One continuation ('…house."\\' + '211079') lost its comma in the README; continuations always
    sit between fields, so a missing comma is restored there.
    """
    records, current = [], ""
    for line in src.read_text().splitlines():
        if line.strip() in ("", "..."):
            continue
        if line.endswith("\\"):
            part = line[:-1]
            current += part if part.endswith(",") else part + ","
        else:
            records.append(current + line)
            current = ""
    out = tmp_path / "images.csv"
    out.write_text("\n".join(records) + "\n")
    return out


def test_open_images_example_row(con, tmp_path):
    path = _joined_open_images_example(
        shared_path(*REAL, "open_images", "openimages_READMEV1_images_csv_example.txt"), tmp_path
    )
    result = ingest_manifest(con, "open-images", dataset="openimages", paths=[path])
    assert result.items == 1 and result.rejected == 0
    ((key, photo, owner, lic, lic_raw, author, url, _line, _group),) = _items(con, "openimages")
    assert (key, photo, owner, lic, lic_raw, author) == (
        "000060e3121c7305",
        5215831864,
        "brokentaco",
        4,
        "https://creativecommons.org/licenses/by/2.0/",
        "David",
    )
    assert url == "https://www.flickr.com/photos/brokentaco/5215831864"


def test_fairface_is_recorded_unauditable(con):
    path = shared_path(*REAL, "fairface", "fairface_label_val.head201.csv")
    rows = [line for line in path.read_text().splitlines()[1:] if line.strip()]
    result = ingest_manifest(con, "csv", dataset="fairface", paths=[path])
    assert result.items == len(rows) == 200 and not result.auditable
    assert _scalar(con, "SELECT auditable FROM datasets WHERE dataset = 'fairface'") is False
    assert (
        _scalar(con, "SELECT count(*) FROM dataset_items WHERE dataset = 'fairface' AND photo_id IS NULL")
        == 200
    )
    assert (
        _scalar(con, "SELECT min(item_key) FROM dataset_items WHERE dataset = 'fairface'")
        == "fairface/val/1.jpg"
    )


# --- synthetic manifests: formats without a real excerpt, failure paths ---------------------------


def _ffhq_doc(n: int) -> dict:
    licenses = [
        ("Attribution License", "https://creativecommons.org/licenses/by/2.0/"),
        ("Attribution-NonCommercial License", "https://creativecommons.org/licenses/by-nc/2.0/"),
        ("Public Domain Mark", "https://creativecommons.org/publicdomain/mark/1.0/"),
        ("Something Else", "https://example.org/license"),
    ]
    doc = {}
    for i in range(n):
        name, url = licenses[i % len(licenses)]
        owner = "12345678@N00" if i % 2 else "some_alias"
        doc[str(i)] = {
            "category": "training",
            "metadata": {
                "photo_url": f"https://www.flickr.com/photos/{owner}/{1000 + i}/",
                "photo_title": f"t{i}",
                "author": f"Author {i}",
                "country": "",
                "license": name,
                "license_url": url,
                "date_uploaded": "2010-01-01",
                "date_crawled": "2018-10-10",
            },
            "image": {
                "file_url": "x",
                "file_path": f"images1024x1024/{i:05d}.png",
                "file_size": 1,
                "face_landmarks": [[1.5, 2.5]] * 68,
            },
        }
    return doc


def test_ffhq_streamed_items(con, tmp_path):
    doc = _ffhq_doc(40)
    doc["40"] = {
        "metadata": {"photo_url": "https://example.com/not-flickr", "license": "Attribution License"}
    }
    doc["41"] = {"no": "metadata"}
    path = tmp_path / "ffhq-dataset-v2.json"
    path.write_text(json.dumps(doc, indent=2))
    result = ingest_manifest(con, "ffhq", dataset="ffhq", version="v2", paths=[path])
    assert (result.items, result.rejected, result.unknown_licenses) == (40, 2, 10)
    rows = _items(con, "ffhq")
    assert rows[1][:6] == (
        "1",
        1001,
        "12345678@N00",
        2,
        "https://creativecommons.org/licenses/by-nc/2.0/",
        "Author 1",
    )
    assert rows[2][2:4] == ("some_alias", 10)
    assert con.execute("SELECT line_no, reason FROM ingest_rejects ORDER BY line_no").fetchall() == [
        (
            41,
            (
                "url: not a Flickr photo URL (not a Flickr URL (host example.com): "
                "'https://example.com/not-flickr')"
            ),
        ),
        (42, "parse: item has no metadata object"),
    ]
    assert _run_counts(con, result.run_id) == (42, 40, 2)


def test_ffhq_stream_handles_small_windows(tmp_path):
    """Values straddling the read window (numbers, strings, objects) decode as in json.load."""
    import io

    from pipelines.ingest.manifests.jsonstream import JsonStream

    doc = {"a": [1234567, 2.5e10, "x" * 50, {"k": [True, None]}], "b": {"c": -0.125}, "d": 98765}
    text = json.dumps(doc, indent=1)
    for window in (1, 2, 3, 7):
        stream = JsonStream(io.StringIO(text), "t", chunk_chars=window)
        got = {key: stream.value() for key in stream.members()}
        assert got == doc


def test_bad_lines_go_to_rejects_with_line_numbers(con, tmp_path):
    path = tmp_path / "clip.tsv"
    path.write_bytes(
        b"line\tphotoid\thash\n"  # header: tolerated, not an item
        b"0\t6985418911\tabc\n"
        b"1\tnot-a-number\tabc\n"
        b"\n"  # blank: skipped
        b"2\t42\n"
        b"3\t43\t\xff\xfe\n"
        b"4\t44\tdef\n"
    )
    result = ingest_manifest(con, "clip-subset", dataset="clip", paths=[path])
    assert result.items == 2 and result.rejected == 3
    assert con.execute(
        "SELECT line_no, split_part(reason, ':', 1) FROM ingest_rejects ORDER BY line_no"
    ).fetchall() == [(3, "photo_id"), (5, "field_count"), (6, "encoding")]
    assert _run_counts(con, result.run_id) == (5, 2, 3)


def test_duplicate_items_are_rejected_not_dropped(con, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("100\n200\n100.jpg\n100\n")
    result = ingest_manifest(con, "flickr30k", dataset="f", paths=[path])
    assert (result.items, result.rejected, result.duplicates) == (3, 1, 1)
    assert _scalar(con, "SELECT reason FROM ingest_rejects") == f"duplicate_item: 100 also at {path}:1"
    assert _run_counts(con, result.run_id) == (4, 3, 1)


def test_reingest_replaces_and_failure_keeps_old_data(con, tmp_path):
    path = tmp_path / "pipa.txt"
    path.write_text("1 10 0 0 5 5 1 0\n1 11 0 0 5 5 1 0\nbroken line\n")
    first = ingest_manifest(con, "pipa", dataset="p", version="v1", paths=[path])
    assert (first.items, first.rejected) == (2, 1)
    path.write_text("2 20 0 0 5 5 3 0\n")
    second = ingest_manifest(con, "pipa", dataset="p", version="v1", paths=[path])
    assert second.replaced and second.items == 1
    assert _scalar(con, "SELECT list(photo_id) FROM dataset_items WHERE dataset = 'p'") == [20]
    assert _scalar(con, "SELECT count(*) FROM ingest_rejects") == 0  # the first load's reject went with it
    assert _scalar(con, "SELECT items FROM datasets WHERE dataset = 'p'") == 1
    path.write_text("nothing here is PIPA\n")
    with pytest.raises(InputError, match="no item could be read"):
        ingest_manifest(con, "pipa", dataset="p", version="v1", paths=[path])
    assert _scalar(con, "SELECT list(photo_id) FROM dataset_items WHERE dataset = 'p'") == [20]


def test_failure_inside_load_rolls_back(con, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("7\n8\n")
    ingest_manifest(con, "flickr30k", dataset="f", version="v", paths=[path])
    staged = stage_manifest("flickr30k", "f", "v", [path], tmp_path / "work")
    Path(staged.files[0].items_path).unlink()  # the load fails midway (after the DELETEs)
    with pytest.raises(duckdb.IOException):
        load_staged_manifest(con, staged)
    assert _scalar(con, "SELECT list(photo_id ORDER BY photo_id) FROM dataset_items") == [7, 8]
    assert _scalar(con, "SELECT count(*) FROM datasets") == 1


def test_stage_then_load_through_json(con, tmp_path):
    path = tmp_path / "mf.txt"
    path.write_text("1@N00_identity_0/5_0.jpg\n1@N00_identity_0/5_1.jpg\nx/notapath.jpg\n")
    staged = stage_manifest("megaface-paths", "mf", "1", [path], tmp_path / "work")
    assert (staged.items, staged.rejects) == (2, 1)
    assert _scalar(con, "SELECT count(*) FROM dataset_items") == 0  # staging touches no database
    restored = StagedManifest.from_dict(json.loads(json.dumps(staged.as_dict())))
    result = load_staged_manifest(con, restored)
    assert (result.items, result.photos, result.owners, result.rejected) == (2, 1, 1, 1)


def test_csv_dif_like_list_with_urls(con, tmp_path):
    path = tmp_path / "dif.tsv"
    path.write_text(
        "face_id\turl\tlicense\tauthor\n"
        "f1\thttps://www.flickr.com/photos/39019111@N00/6255196340/\tAttribution License\tAnn\n"
        "f2\thttp://farm7.staticflickr.com/6116/6255196340_da26cf2c9e_z.jpg\t\t\n"
        "f3\thttps://flic.kr/p/2\tCC BY-NC 2.0\t\n"
        "f4\thttps://example.com/x.jpg\t\t\n"
        "f5\tonly\tthree\n"
    )
    result = ingest_manifest(
        con,
        "csv",
        dataset="dif",
        paths=[path],
        url_column="url",
        license_column="license",
        author_column="author",
        delimiter="\\t",
    )
    assert (result.items, result.rejected, result.photos) == (3, 2, 2)
    rows = _items(con, "dif")
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [
        ("f1", 6255196340, "39019111@N00", 4, "Ann"),
        ("f2", 6255196340, None, None, None),
        ("f3", 1, None, 2, None),
    ]


def test_csv_column_errors_are_one_line(con, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="no column 'photo'"):
        ingest_manifest(con, "csv", dataset="x", paths=[path], id_column="photo")
    with pytest.raises(InputError, match=r"do not apply|do\(es\) not apply"):
        ingest_manifest(con, "pipa", dataset="x", paths=[path], id_column="a")
    with pytest.raises(InputError, match="does not exist"):
        ingest_manifest(con, "pipa", dataset="x", paths=[tmp_path / "missing.txt"])
    with pytest.raises(InputError, match="dataset"):
        ingest_manifest(con, "pipa", dataset="../etc", paths=[path])


def test_compressed_manifest(con, tmp_path):
    import bz2

    path = tmp_path / "yfcc100m_subset_data.tsv.bz2"
    path.write_bytes(bz2.compress(b"".join(b"%d\t%d\th%d\n" % (i, 1000 + i, i) for i in range(500))))
    result = ingest_manifest(con, "clip-subset", dataset="clip", paths=[path])
    assert (result.items, result.photos) == (500, 500)


def test_cli_ingest_manifest(tmp_path):
    from pipelines.cli import main

    path = tmp_path / "ids.txt"
    path.write_text("5215831864\n")
    db = tmp_path / "cli.duckdb"
    assert (
        main(
            [
                "--db",
                str(db),
                "ingest",
                "manifest",
                "--format",
                "flickr30k",
                "--dataset",
                "f30k",
                "--dataset-version",
                "test",
                str(path),
            ]
        )
        == 0
    )
    assert main(["--db", str(db), "ingest", "manifest", "--format", "pipa", "--dataset", "p", str(path)]) == 2


def test_clip_subset_block_boundaries_and_odd_ids(con, tmp_path, monkeypatch):
    """Columnwise parsing in tiny blocks gives the same items and line numbers as line by line."""
    from pipelines.ingest.manifests import base

    lines = [f"{i}\t{1000 + i}\th{i}" for i in range(50)]
    lines[7] = "7\t0\th"  # id 0 is not a photo
    lines[9] = "9\t00123\th"  # leading zeros: photo 123
    lines[11] = "11\t1234567890123456789012\th"  # too long for a BIGINT
    lines[13] = "13\t 14 \th"  # padded: photo 14
    path = tmp_path / "clip.tsv"
    path.write_text("\r\n".join(lines))  # CRLF, no final newline
    real = base.iter_line_blocks
    monkeypatch.setattr(base, "iter_line_blocks", lambda p, s: real(p, s, block_bytes=37))
    from pipelines.ingest.manifests import clip_subset

    monkeypatch.setattr(clip_subset, "iter_line_blocks", lambda p, s: real(p, s, block_bytes=37))
    result = ingest_manifest(con, "clip-subset", dataset="clip", paths=[path])
    assert result.items == 48 and result.rejected == 2
    got = dict(con.execute("SELECT source_line, photo_id FROM dataset_items").fetchall())
    assert got[10] == 123 and got[14] == 14 and got[50] == 1049 and 8 not in got and 12 not in got
    assert sorted(got) == [n for n in range(1, 51) if n not in (8, 12)]
    assert con.execute("SELECT list(line_no ORDER BY line_no) FROM ingest_rejects").fetchone()[0] == [8, 12]


def test_cli_fairface_and_key_column(tmp_path, capsys):
    from pipelines.cli import main

    db = str(tmp_path / "cli.duckdb")
    fairface = shared_path(*REAL, "fairface", "fairface_label_val.head201.csv")
    assert (
        main(["--db", db, "ingest", "manifest", "--format", "csv", "--dataset", "fairface", str(fairface)])
        == 0
    )
    assert "200 items, no Flickr pointer (not auditable)" in capsys.readouterr().out
    listing = tmp_path / "list.csv"
    listing.write_text(
        "url,name\nhttps://www.flickr.com/photos/brokentaco/5215831864,a\n"
        "https://www.flickr.com/photos/brokentaco/5215831864,b\n"
    )
    from pipelines.db import connect

    with connect(db) as con:  # the library takes key_column too
        keyed = ingest_manifest(
            con, "csv", dataset="keyed", paths=[listing], url_column="url", key_column="name"
        )
        assert (keyed.items, keyed.photos, keyed.owners, keyed.rejected) == (2, 1, 1, 0)
        assert con.execute(
            "SELECT list(item_key ORDER BY item_key) FROM dataset_items WHERE dataset = 'keyed'"
        ).fetchone()[0] == ["a", "b"]
    assert (
        main(
            [
                "--db",
                db,
                "ingest",
                "manifest",
                "--format",
                "csv",
                "--dataset",
                "unkeyed",
                "--url-column",
                "url",
                str(listing),
            ]
        )
        == 0
    )  # the first column is the pointer: items are named FILE:LINE
    assert "2 items" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fmt, content, message",
    [
        ("ffhq", "ImageID,Subset\n1,train\n", "not valid JSON"),
        ("coco", '{"images": [1, 2', "not valid JSON"),
        ("pipa", "", "no items found"),
        ("ffhq", "{}", "no items found"),
    ],
)
def test_wrong_or_empty_files_are_one_line_errors(con, tmp_path, fmt, content, message):
    path = tmp_path / "manifest"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        ingest_manifest(con, fmt, dataset="x", paths=[path])
    assert _scalar(con, "SELECT count(*) FROM datasets") == 0
    status, kind = con.execute("SELECT status, kind FROM ingest_runs").fetchone()
    assert status.startswith("failed: InputError") and message in status and kind == f"manifest:{fmt}"


def test_dataset_photos_view_latest_version_and_alias_resolution(con, tmp_path):
    from datetime import datetime

    path = tmp_path / "list.csv"
    path.write_text(
        "id,url\nf1,https://www.flickr.com/photos/brokentaco/5215831864\n"
        "f2,https://www.flickr.com/photos/brokentaco/5215831864\n"
    )
    ingest_manifest(con, "csv", dataset="d", version="2019", paths=[path], url_column="url")
    path.write_text("id,url\nf1,https://www.flickr.com/photos/brokentaco/42\n")
    ingest_manifest(con, "csv", dataset="d", version="2020", paths=[path], url_column="url")
    assert con.execute("SELECT version FROM latest_datasets").fetchall() == [("2020",)]
    assert con.execute("SELECT photo_id, items, owner FROM dataset_photos").fetchall() == [
        (42, 1, "brokentaco")
    ]
    con.execute(
        "INSERT INTO uploaders (owner_nsid, path_alias, status, fetched_at) VALUES (?, ?, 'ok', ?)",
        ["12345678@N00", "BrokenTaco", datetime(2026, 1, 1)],
    )
    assert _scalar(con, "SELECT owner FROM dataset_photos") == "12345678@N00"


# --- hostile manifests (issue 13) -----------------------------------------------------------------


def _clip_bytes(rows: int = 2000) -> bytes:
    return b"".join(b"%d\t%d\th%d\n" % (i, 1000 + i, i) for i in range(rows))


def _compress(kind: str, data: bytes) -> bytes:
    import bz2
    import gzip
    import lzma

    import zstandard

    return {
        "bz2": bz2.compress,
        "gz": gzip.compress,
        "xz": lzma.compress,
        "zst": zstandard.ZstdCompressor().compress,
    }[kind](data)


def _dataset_state(con) -> tuple:
    return (
        con.execute("SELECT dataset, version, items FROM datasets ORDER BY ALL").fetchall(),
        con.execute("SELECT count(*), sum(photo_id) FROM dataset_items").fetchone(),
        con.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0],
    )


COMPRESSIONS = ("bz2", "gz", "xz", "zst")


@pytest.mark.parametrize("kind", COMPRESSIONS)
def test_compressed_manifests_load_whole_including_multi_stream(con, tmp_path, kind):
    data = _clip_bytes(3000)
    path = tmp_path / f"clip.tsv.{kind}"
    path.write_bytes(_compress(kind, data[:20_000]) + _compress(kind, data[20_000:]))  # two streams
    result = ingest_manifest(con, "clip-subset", dataset="clip", paths=[path])
    assert (result.items, result.rejected) == (3000, 0)


@pytest.mark.parametrize("kind", COMPRESSIONS)
@pytest.mark.parametrize("cut", [0.5, 0.9, -1])
def test_truncated_compressed_manifest_loads_nothing(con, tmp_path, kind, cut):
    """Item 2: a truncated archive is a one-line error and the earlier load stays as it was."""
    good = tmp_path / "good.tsv"
    good.write_bytes(_clip_bytes(10))
    ingest_manifest(con, "clip-subset", dataset="clip", version="v1", paths=[good])
    before = _dataset_state(con)
    packed = _compress(kind, _clip_bytes(20_000))
    path = tmp_path / f"clip.tsv.{kind}"
    path.write_bytes(packed[: int(len(packed) * cut) if cut > 0 else len(packed) + cut])
    with pytest.raises(InputError, match="corrupt or truncated"):
        ingest_manifest(con, "clip-subset", dataset="clip", version="v1", paths=[path])
    assert _dataset_state(con) == before


@pytest.mark.parametrize(
    "fmt, suffix",
    [
        ("ffhq", "json.gz"),
        ("coco", "json.zst"),
        ("pipa", "txt.bz2"),
        ("csv", "csv.xz"),
        ("megaface-paths", "txt.gz"),
    ],
)
def test_truncation_is_caught_for_every_adapter(con, tmp_path, fmt, suffix):
    content = {
        "ffhq": json.dumps(
            {
                str(i): {"metadata": {"photo_url": f"https://www.flickr.com/photos/a/{100 + i}/"}}
                for i in range(3000)
            }
        ),
        "coco": json.dumps(
            {
                "licenses": [],
                "images": [
                    {"id": i, "flickr_url": f"http://farm1.staticflickr.com/1/{100 + i}_ab.jpg"}
                    for i in range(3000)
                ],
            }
        ),
        "pipa": "".join(f"1 {100 + i} 0 0 5 5 1 0\n" for i in range(3000)),
        "csv": "id,x\n" + "".join(f"{100 + i},y\n" for i in range(3000)),
        "megaface-paths": "".join(f"12345@N00_identity_1/{100 + i}_0.jpg\n" for i in range(3000)),
    }[fmt].encode()
    packed = _compress(suffix.rsplit(".", 1)[1], content)
    path = tmp_path / f"m.{suffix}"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    options = {"id_column": "id"} if fmt == "csv" else {}
    with pytest.raises(InputError, match=r"corrupt or truncated|not valid JSON"):
        ingest_manifest(con, fmt, dataset="d", paths=[path], **options)
    assert _dataset_state(con) == ([], (0, None), 0)


def test_suffix_does_not_decide_compression(con, tmp_path):
    """A plain file named .gz is read as plain text; a gzip file named .txt is decompressed."""
    plain = tmp_path / "plain.tsv.gz"
    plain.write_bytes(_clip_bytes(50))
    assert ingest_manifest(con, "clip-subset", dataset="a", paths=[plain]).items == 50
    packed = tmp_path / "packed.txt"
    packed.write_bytes(_compress("gz", _clip_bytes(60)))
    assert ingest_manifest(con, "clip-subset", dataset="b", paths=[packed]).items == 60
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b" + bytes(range(256)) * 4)  # gzip magic, then junk
    with pytest.raises(InputError, match="corrupt or truncated gzip"):
        ingest_manifest(con, "clip-subset", dataset="c", paths=[garbage])


def test_cli_truncated_zst_is_one_line_exit_2(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    packed = _compress("zst", _clip_bytes(20_000))
    path = tmp_path / "clip.tsv.zst"
    path.write_bytes(packed[: len(packed) // 2])
    db = tmp_path / "db.duckdb"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "--db",
            str(db),
            "ingest",
            "manifest",
            "--format",
            "clip-subset",
            "--dataset",
            "clip",
            str(path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr.strip()
    assert err.startswith("ccaudit: error: ") and "\n" not in err and "corrupt or truncated zstd" in err


HOSTILE_JSON = {  # item 4: whole documents that cannot be manifests -> one-line errors
    "deep_array": "[" * 200_000 + "]" * 200_000,
    "deep_object_value": '{"1": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}",
    "deep_skipped_member": '{"info": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + ', "images": []}',
}


@pytest.mark.parametrize("fmt", ["ffhq", "coco"])
@pytest.mark.parametrize("name", sorted(HOSTILE_JSON))
def test_deeply_nested_json_is_a_one_line_error(con, tmp_path, fmt, name):
    path = tmp_path / "m.json"
    path.write_text(HOSTILE_JSON[name])
    with pytest.raises(InputError) as caught:
        ingest_manifest(con, fmt, dataset="d", paths=[path])
    assert "\n" not in str(caught.value)
    assert _dataset_state(con) == ([], (0, None), 0)


@pytest.mark.parametrize("fmt", ["ffhq", "coco", "clip-subset", "megaface-paths", "csv"])
def test_binary_file_is_a_one_line_error_or_rejects(con, tmp_path, fmt):
    import random

    rng = random.Random(7)
    path = tmp_path / "m.bin"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(100_000)).replace(b"\x1f\x8b", b"xx"))
    options = {"id_column": "id"} if fmt == "csv" else {}
    with pytest.raises(InputError) as caught:
        ingest_manifest(con, fmt, dataset="d", paths=[path], **options)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 2000
    assert _dataset_state(con) == ([], (0, None), 0)


def test_huge_numbers_and_wrong_types_in_json_are_per_item_rejects(con, tmp_path):
    big = "9" * 5000
    doc = (
        '{"licenses": [{"id": 1, "name": ["x"], "url": {"u": 1}}, {"id": ' + big + "}],"
        ' "images": ['
        '{"id": 1, "license": [1, 2], "flickr_url": "http://farm1.staticflickr.com/1/101_ab.jpg"},'
        '{"id": 2, "license": {"a": 1}, "flickr_url": "http://farm1.staticflickr.com/1/102_ab.jpg"},'
        '{"id": 3, "license": ' + big + ', "flickr_url": "http://farm1.staticflickr.com/1/103_ab.jpg"},'
        '{"id": ' + big + ', "license": 1, "flickr_url": "http://farm1.staticflickr.com/1/104_ab.jpg"},'
        '{"id": 5, "license": 1.5e999, "flickr_url": ' + big + "},"
        '{"id": 6, "license": true, "flickr_url": "https://flic.kr/p/' + "z" * 5000 + '"},'
        '{"id": 7, "license": 1, "flickr_url": "http://farm1.staticflickr.com/1/107_ab.jpg"}]}'
    )
    path = tmp_path / "coco.json"
    path.write_text(doc)
    result = ingest_manifest(con, "coco", dataset="coco", paths=[path])
    assert result.items + result.rejected == 7
    got = dict(con.execute("SELECT item_key, declared_license_raw FROM dataset_items").fetchall())
    assert got["1"] == "[1, 2]" and got["2"] == '{"a": 1}' and got["7"] == "1"
    reasons = dict(con.execute("SELECT line_no, reason FROM ingest_rejects").fetchall())
    assert reasons[3].startswith("too_long: license") and reasons[4].startswith("too_long: item_key")
    assert reasons[5].startswith("url:") and "too long for a photo id" in reasons[6]
    assert all(len(r) <= 510 for r in reasons.values())


def test_flickr_short_code_of_any_length_is_a_reject_in_csv(con, tmp_path):
    path = tmp_path / "urls.csv"
    rows = [f"a{n},https://flic.kr/p/{'2' * n}" for n in (1, 5, 11, 12, 50, 5000, 100_000)]
    path.write_text("key,url\n" + "\n".join(rows) + "\n")
    result = ingest_manifest(con, "csv", dataset="s", paths=[path], url_column="url", key_column="key")
    assert result.items + result.rejected == len(rows)
    assert sorted(r[0] for r in con.execute("SELECT item_key FROM dataset_items").fetchall()) == [
        "a1",
        "a11",
        "a5",
    ]


BOM = "\ufeff"
BOM_CASES = {  # item 9: a leading UTF-8 BOM is dropped in every text format
    "megaface-paths": ("12345@N00_identity_1/101_0.jpg\n12345@N00_identity_1/102_0.jpg\n", {}),
    "clip-subset": ("0\t101\th\n1\t102\th\n", {}),
    "pipa": ("1 101 0 0 5 5 1 0\n1 102 0 0 5 5 1 0\n", {}),
    "flickr30k": ("101.jpg\n102.jpg\n", {}),
    "csv": ("id,name\n101,a\n102,b\n", {"id_column": "id"}),
    "open-images": (
        (
            "ImageID,Subset,OriginalURL,OriginalLandingURL,License,AuthorProfileURL,Author\n"
            "a,t,,https://www.flickr.com/photos/x/101,,,\nb,t,,https://www.flickr.com/photos/x/102,,,\n"
        ),
        {},
    ),
    "ffhq": (
        json.dumps(
            {
                "0": {"metadata": {"photo_url": "https://www.flickr.com/photos/x/101/"}},
                "1": {"metadata": {"photo_url": "https://www.flickr.com/photos/x/102/"}},
            }
        ),
        {},
    ),
    "coco": (
        json.dumps(
            {
                "images": [
                    {"id": 1, "flickr_url": "http://farm1.staticflickr.com/1/101_ab.jpg"},
                    {"id": 2, "flickr_url": "http://farm1.staticflickr.com/1/102_ab.jpg"},
                ]
            }
        ),
        {},
    ),
}


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("fmt", sorted(BOM_CASES))
def test_leading_bom_is_accepted_in_every_format(con, tmp_path, fmt, compressed):
    content, options = BOM_CASES[fmt]
    data = (BOM + content).encode()
    path = tmp_path / ("m.gz" if compressed else "m.txt")
    path.write_bytes(_compress("gz", data) if compressed else data)
    result = ingest_manifest(con, fmt, dataset="d", paths=[path], **options)
    assert (result.items, result.rejected) == (2, 0)
    assert sorted(r[0] for r in con.execute("SELECT photo_id FROM dataset_items").fetchall()) == [101, 102]


@pytest.mark.parametrize(
    "fmt, line",
    [
        ("megaface-paths", lambda n: "d/" + "x" * n + "/12345@N00_identity_1/9_0.jpg"),
        ("clip-subset", lambda n: "1\t9\t" + "h" * n),
        ("flickr30k", lambda n: "x" * n),
        ("pipa", lambda n: "1 9 0 0 5 5 1 " + "0" * n),
        ("csv", lambda n: "9," + "y" * n),
    ],
)
@pytest.mark.parametrize("size", [1, 100, 5000, 3 << 20, 5 << 20, 64 << 20])
def test_every_line_is_accounted_for_at_any_length(con, tmp_path, fmt, line, size):
    """Items 1 and 10 for manifests: a line of 1 byte to 64 MB is an item or a reject with a
    reason, the lines after it keep their numbers, and no item field is longer than the cap."""
    from pipelines.ingest.manifests.base import FIELD_LIMIT

    if size >= 64 << 20 and fmt in ("pipa", "flickr30k"):
        pytest.skip("64 MB is covered by the line-oriented and the block reader (megaface, clip)")
    good = {
        "megaface-paths": "12345@N00_identity_1/{}_0.jpg",
        "clip-subset": "0\t{}\th",
        "flickr30k": "{}.jpg",
        "pipa": "1 {} 0 0 5 5 1 0",
        "csv": "{},y",
    }[fmt]
    path = tmp_path / "m.txt"
    with path.open("w") as out:
        if fmt == "csv":  # the header is line 1: the numbered lines below move down by one
            out.write("id,x\n")
        for i in range(1, 4):
            out.write(good.format(100 + i) + "\n")
        out.write(line(size) + "\n")  # line 4
        for i in range(5, 8):
            out.write(good.format(100 + i) + "\n")
    result = ingest_manifest(
        con, fmt, dataset="d", paths=[path], **({"id_column": "id"} if fmt == "csv" else {})
    )
    shift = 1 if fmt == "csv" else 0
    lines = dict(con.execute("SELECT source_line - ?, photo_id FROM dataset_items", [shift]).fetchall())
    rejects = dict(con.execute("SELECT line_no - ?, reason FROM ingest_rejects", [shift]).fetchall())
    assert {k: v for k, v in lines.items() if k != 4} == {1: 101, 2: 102, 3: 103, 5: 105, 6: 106, 7: 107}
    assert set(lines) | set(rejects) == set(range(1, 8)) and not set(lines) & set(rejects)
    assert _run_counts(con, result.run_id) == (7, len(lines), len(rejects))
    assert con.execute("SELECT max(length(item_key)) FROM dataset_items").fetchone()[0] <= FIELD_LIMIT
    assert (
        con.execute("SELECT coalesce(max(length(raw_line)), 0) FROM ingest_rejects").fetchone()[0] <= 10_000
    )
    if size >= 5 << 20:
        assert rejects[4].startswith("too_long: line")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: __import__("os").mkfifo(p), "not a regular file"),
        (lambda p: None, "does not exist"),
    ],
)
def test_special_files_get_a_precise_message(con, tmp_path, make, message):
    """Item 11 (manifest side): a FIFO, /dev/stdin or <(…) is 'not a regular file', not 'missing'."""
    path = tmp_path / "m.txt"
    make(path)
    with pytest.raises(InputError, match=message):
        ingest_manifest(con, "flickr30k", dataset="d", paths=[path])


def test_process_substitution_is_not_a_regular_file(tmp_path):
    """`<(…)` hands over /dev/fd/N, a pipe whose resolved name does not exist."""
    import subprocess

    from tests.conftest import REPO

    db = tmp_path / "db.duckdb"
    script = (
        f'exec "$0" -m pipelines.cli --db "{db}" ingest manifest --format flickr30k --dataset d '
        '<(printf "101\\n")'
    )
    proc = subprocess.run(
        ["bash", "-c", script, sys.executable],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr


def test_dev_stdin_is_not_a_regular_file(con):
    import os
    import stat

    if stat.S_ISREG(os.stat("/dev/stdin").st_mode):
        pytest.skip("stdin is a regular file in this runner")
    with pytest.raises(InputError, match=r"not a regular file|does not exist"):
        ingest_manifest(con, "flickr30k", dataset="d", paths=["/dev/stdin"])


@pytest.mark.parametrize(
    "name",
    [
        "evil\n",
        "evil\r",
        "evil\x00",
        "evil ",
        "ｅvil",
        "evil\u200b",
        "-evil",
        "a" * 101,
        "",
        "../x",
        "evil\nDROP",
    ],
)
def test_dataset_and_version_names_are_matched_whole(con, tmp_path, name):
    """Item 8: `$` let 'evil\\n' through; names are full-matched ASCII."""
    path = tmp_path / "m.txt"
    path.write_text("101\n")
    with pytest.raises(InputError, match="must be 1-100"):
        ingest_manifest(con, "flickr30k", dataset=name, paths=[path])
    if name:  # an empty --version means today's date
        with pytest.raises(InputError, match="must be 1-100"):
            ingest_manifest(con, "flickr30k", dataset="ok", version=name, paths=[path])
    assert _dataset_state(con) == ([], (0, None), 0)


@pytest.mark.parametrize("block_bytes", [1, 7, 37, 64, 1000])
@pytest.mark.parametrize("seed", range(4))
def test_line_readers_agree_with_a_plain_split_for_any_lengths_and_blocks(
    tmp_path, monkeypatch, block_bytes, seed
):
    """Both readers, with a tiny line limit and tiny blocks: every line keeps its number, a long
    one is a too_long reject, the rest come through as written (CRLF, BOM, no final newline)."""
    import random

    from pipelines.ingest.manifests import base

    monkeypatch.setattr(base, "LINE_LIMIT", 40)
    rng = random.Random(seed)
    lines = ["first"] + ["x" * rng.choice([0, 1, 5, 37, 38, 39, 40, 41, 80, 200]) + str(i) for i in range(60)]
    data = "\ufeff" + "\r\n".join(lines) + ("\n" if seed % 2 else "")
    path = tmp_path / "m.txt"
    path.write_bytes(data.encode())

    class Sink:
        def __init__(self):
            self.rejects = {}

        def reject(self, line_no, reason, raw):
            self.rejects[line_no] = reason

    # A line's length is its bytes without the "\n" (a CR before it counts, as any byte would).
    content = {n: len(text) + (1 if n < len(lines) else 0) for n, text in enumerate(lines, start=1)}
    too_long = {n for n, size in content.items() if size > 40}

    sink = Sink()
    got = dict(base.iter_lines(path, sink))
    assert got == {n: text for n, text in enumerate(lines, start=1) if n not in too_long and text.strip()}
    assert set(sink.rejects) == too_long

    sink = Sink()
    blocks = {}
    for first, block in base.iter_line_blocks(path, sink, block_bytes=block_bytes):
        for offset, text in enumerate(block):
            assert first + offset not in blocks
            blocks[first + offset] = text
    assert set(blocks) == set(range(1, len(lines) + 1))
    assert set(sink.rejects) == too_long
    for n, text in blocks.items():
        if n in too_long:
            assert sink.rejects[n].startswith("too_long") and text == ""
        else:
            assert text == lines[n - 1]
