"""The synthetic YFCC100M generator: real format, ground truth that a plain reader of the file agrees
with, determinism, every compression suffix, and the CLI verb.

The checks here re-read the generated file with a deliberately simple reader (split on TAB, hashlib,
urllib) that shares no code with the generator, so a bug in the generator cannot vouch for itself.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

import pytest

from pipelines.cli import main
from pipelines.errors import InputError
from pipelines.licenses import resolve_license
from pipelines.synth import yfcc as gen
from pipelines.synth.yfcc import generate_yfcc, yfcc_hash
from tests.conftest import shared_path

PUBLISHED_SHARES = {"4": 0.1735, "5": 0.0948, "6": 0.0495, "2": 0.1278, "1": 0.2901, "3": 0.2643}
YFCC_LICENSE_PAIRS = {  # WebscopeReadMe.txt, verbatim (docs/yfcc100m.md)
    ("Attribution License", "http://creativecommons.org/licenses/by/2.0/"),
    ("Attribution-ShareAlike License", "http://creativecommons.org/licenses/by-sa/2.0/"),
    ("Attribution-NoDerivs License", "http://creativecommons.org/licenses/by-nd/2.0/"),
    ("Attribution-NonCommercial License", "http://creativecommons.org/licenses/by-nc/2.0/"),
    ("Attribution-NonCommercial-ShareAlike License", "http://creativecommons.org/licenses/by-nc-sa/2.0/"),
    ("Attribution-NonCommercial-NoDerivs License", "http://creativecommons.org/licenses/by-nc-nd/2.0/"),
}
TEXT_FIELDS = ("user_nickname", "capture_device", "title", "description")
FIELDS = gen.FIELDS_25
EPOCH_2004 = int(datetime(2004, 1, 1, tzinfo=UTC).timestamp())
EPOCH_2015 = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())


def reference_hash(url: str) -> str:
    """The YFCC rule written independently: MD5 hex digest with each byte's leading zero dropped."""
    digest = hashlib.md5(url.encode()).hexdigest()
    return "".join(digest[i : i + 2].lstrip("0") or "0" for i in range(0, 32, 2))


def read_lines(path: Path) -> list[bytes]:
    opener = {".bz2": bz2.open, ".gz": gzip.open}.get(path.suffix)
    if path.suffix == ".zst":
        import zstandard

        data = zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read()
    else:
        data = opener(path, "rb").read() if opener else path.read_bytes()
    assert data.endswith(b"\n") or not data
    return data.split(b"\n")[:-1]


def classify(lines: list[bytes], width: int) -> tuple[list[dict], dict[str, list[int]]]:
    """Good rows as dicts, and malformed lines by kind (1-based line numbers), found from the file."""
    good, bad, seen = [], {kind: [] for kind in gen.BAD_LINE_KINDS}, set()
    names = FIELDS if width == 25 else gen.FIELDS_23
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad["encoding"].append(number)
            continue
        fields = text.split("\t")
        if len(fields) != width:
            bad["field_count"].append(number)
            continue
        row = dict(zip(names, fields, strict=False))
        if not row["photo_id"].isdigit():
            bad["photo_id"].append(number)
        elif resolve_license(row["license_name"], row["license_url"])[0] is None:
            bad["license"].append(number)
        elif row["photo_id"] in seen:
            bad["duplicate_photo_id"].append(number)
        else:
            seen.add(row["photo_id"])
            good.append(row)
    return good, bad


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """20K rows and 50 malformed lines, written in 997-row chunks so bad lines straddle chunk edges."""
    out = tmp_path_factory.mktemp("small") / "sample.tsv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gen, "CHUNK_ROWS", 997)
        result = generate_yfcc(out, rows=20_000, seed=7, bad_lines=50)
    good, bad = classify(read_lines(out), 25)
    return result, good, bad


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    out = tmp_path_factory.mktemp("large") / "large.tsv"
    result = generate_yfcc(out, rows=200_000, seed=3)
    good, bad = classify(read_lines(out), 25)
    return result, good, bad


def test_hash_rule_matches_real_yfcc_rows():
    assert (
        yfcc_hash("http://farm7.staticflickr.com/6167/6162540254_5d22abd711.jpg")
        == "4ccb23d8746b8d9d76ffd603fc7988"
    )
    assert (
        yfcc_hash("http://farm8.staticflickr.com/7205/6985418911_df7747990d.jpg")
        == "4e2f7a26a1dfbf165a7e30bdabf7e72a"
    )
    real = shared_path("yfcc100m", "yfcc100m_dataset_25field_hanrw-yfcc100m_Yfcc100mIndexerSpec.tsv")
    for line in real.read_text().splitlines():
        fields = line.split("\t")
        assert yfcc_hash(fields[16]) == fields[2] == reference_hash(fields[16])


def test_good_lines_follow_the_published_format(small):
    _, good, _ = small
    assert len(good) == 20_000
    assert [int(row["line_number"]) for row in good] == list(range(20_000))
    for row in good:
        photo_id, nsid = row["photo_id"], row["user_nsid"]
        assert re.fullmatch(r"[1-9]\d{4,10}", photo_id)
        assert re.fullmatch(r"\d{7,8}@N0[0-8]", nsid)
        assert row["page_url"] == f"http://www.flickr.com/photos/{nsid}/{photo_id}/"
        assert row["download_url"] == (
            f"http://farm{row['farm_id']}.staticflickr.com/{row['server_id']}/{photo_id}_{row['secret']}.jpg"
        )
        assert row["farm_id"] in "123456789" and 1 <= int(row["server_id"]) <= 9999
        assert row["photo_hash"] == reference_hash(row["download_url"])
        assert re.fullmatch(r"[0-9a-f]{10}", row["secret"]) and re.fullmatch(
            r"[0-9a-f]{10}", row["secret_original"]
        )
        assert row["marker"] in ("0", "1")
        assert EPOCH_2004 <= int(row["date_uploaded"]) < EPOCH_2015
        assert row["date_taken"] == "null" or re.fullmatch(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0", row["date_taken"]
        )
        geo = (row["longitude"], row["latitude"], row["accuracy"])
        assert geo == ("", "", "") or (
            -180 <= float(geo[0]) <= 180 and -90 <= float(geo[1]) <= 90 and 1 <= int(geo[2]) <= 16
        )
    assert len({row["photo_id"] for row in good}) == len(good)
    assert {(row["license_name"], row["license_url"]) for row in good} == YFCC_LICENSE_PAIRS
    assert any(len(row["photo_hash"]) < 32 for row in good), "hashes drop leading zeros, so some are short"


def test_plausible_dates_come_before_the_upload(small):
    _, good, _ = small
    for row in good:
        if row["date_taken"] != "null" and row["date_taken"] < "2015":
            taken = datetime.strptime(row["date_taken"], "%Y-%m-%d %H:%M:%S.0").replace(tzinfo=UTC)
            uploaded = datetime.fromtimestamp(int(row["date_uploaded"]), UTC)
            assert taken.year >= 1826
            if taken > uploaded:  # only the deliberate 'after upload' rows
                assert (taken - uploaded).days >= 1


def test_free_text_is_url_encoded_like_yfcc(small):
    _, good, _ = small
    decoded = []
    for row in good:
        for name in TEXT_FIELDS:
            assert quote_plus(unquote_plus(row[name])) == row[name]
            decoded.append(unquote_plus(row[name]))
        for tag in filter(None, row["user_tags"].split(",") + row["machine_tags"].split(",")):
            assert quote_plus(unquote_plus(tag)) == tag and "," not in tag
    assert any("\n" in text for text in decoded), "descriptions carry %0A newlines"
    assert any(not text.isascii() for text in decoded), "some text is non-ASCII UTF-8"
    assert any(" " in text for text in decoded) and all("\t" not in text for text in decoded)


@pytest.mark.slow
def test_html_titles_appear_encoded(large):
    result, good, _ = large
    markup = [row["title"] for row in good if "%3C" in row["title"]]
    assert len(markup) == result.truth["markup_titles"] > 0
    assert any(unquote_plus(title) == "<script>alert(1)</script>" for title in markup)


def test_truth_agrees_with_a_plain_reading_of_the_file(small):
    result, good, bad = small
    truth = result.truth
    assert truth["rows"] == 20_000 and truth["bad_lines"] == 50 and truth["lines_total"] == 20_050
    assert truth == json.loads(result.truth_path.read_text())

    licenses = Counter(str(resolve_license(row["license_name"], row["license_url"])[0]) for row in good)
    assert truth["licenses"] == {key: licenses[key] for key in truth["licenses"]}
    assert set(licenses) <= set(truth["licenses"])
    assert truth["videos"] == sum(row["marker"] == "1" for row in good)
    assert truth["photos"] == sum(row["marker"] == "0" for row in good)
    assert truth["geotagged"] == sum(row["longitude"] != "" for row in good)
    assert truth["taken_null"] == sum(row["date_taken"] == "null" for row in good)
    implausible = sum(
        row["date_taken"] != "null"
        and (
            row["date_taken"] >= "2015"
            or datetime.strptime(row["date_taken"], "%Y-%m-%d %H:%M:%S.0").replace(tzinfo=UTC).timestamp()
            > int(row["date_uploaded"])
        )
        for row in good
    )
    assert truth["taken_implausible"] == implausible

    assert truth["commercial_use_allowed"] == sum("-nc" not in row["license_url"] for row in good)
    assert truth["derivatives_allowed"] == sum("-nd" not in row["license_url"] for row in good)

    owners = Counter(row["user_nsid"] for row in good)
    assert truth["distinct_uploaders"] == len(owners)
    expected_top = sorted(owners.items(), key=lambda item: (-item[1], item[0]))[:25]
    assert truth["top_uploaders"] == [list(item) for item in expected_top]
    top_count = max(1, -(-len(owners) // 100))
    top_rows = sum(sorted(owners.values(), reverse=True)[:top_count])
    assert truth["top_1pct_uploaders"] == {
        "uploaders": top_count,
        "rows": top_rows,
        "share": round(top_rows / 20_000, 6),
    }

    assert truth["bad_line_numbers"] == bad
    assert truth["bad_line_counts"] == {kind: 10 for kind in gen.BAD_LINE_KINDS}


@pytest.mark.slow
def test_nicknames_are_shared_between_some_uploaders(large):
    _, good, _ = large
    nsids_by_nickname: dict[str, set] = {}
    for row in good:
        nsids_by_nickname.setdefault(row["user_nickname"], set()).add(row["user_nsid"])
    assert any(len(nsids) > 1 for nsids in nsids_by_nickname.values())
    assert len({row["user_nsid"] for row in good}) > len(nsids_by_nickname) * 0.5


@pytest.mark.slow
def test_proportions_match_yfcc100m(large):
    result, good, _ = large
    truth, rows = result.truth, 200_000
    for license_id, share in PUBLISHED_SHARES.items():
        assert truth["licenses"][license_id] / rows == pytest.approx(share, abs=0.005)
    assert truth["geotagged"] / rows == pytest.approx(0.49, abs=0.01)
    assert truth["videos"] / rows == pytest.approx(0.0079, abs=0.001)
    assert truth["taken_null"] / rows == pytest.approx(0.005, abs=0.001)
    assert truth["taken_implausible"] / rows == pytest.approx(0.001, abs=0.0004)
    assert truth["distinct_uploaders"] == pytest.approx(rows / 170, rel=0.15)
    top = truth["top_uploaders"]
    assert top[0][1] > 20 * rows / truth["distinct_uploaders"], "a few heavy uploaders"
    assert truth["top_1pct_uploaders"]["share"] > 0.1
    assert sum(row["date_taken"] == "null" for row in good) == truth["taken_null"]


def test_layout_23_is_layout_25_without_line_number_and_hash(tmp_path):
    wide = generate_yfcc(tmp_path / "wide.tsv", rows=3_000, seed=5, bad_lines=10)
    narrow = generate_yfcc(tmp_path / "narrow.tsv", rows=3_000, layout=23, seed=5, bad_lines=10)
    wide_lines, narrow_lines = read_lines(wide.path), read_lines(narrow.path)
    assert len(narrow_lines) == 3_010
    bad_numbers = {n for lines in narrow.truth["bad_line_numbers"].values() for n in lines}
    assert bad_numbers == {n for lines in wide.truth["bad_line_numbers"].values() for n in lines}
    for number, (w, n) in enumerate(zip(wide_lines, narrow_lines, strict=False), start=1):
        if number not in bad_numbers:
            fields = w.split(b"\t")
            assert n.split(b"\t") == fields[1:2] + fields[3:]
    good, bad = classify(narrow_lines, 23)
    assert len(good) == 3_000 and narrow.truth["bad_line_numbers"] == bad


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = generate_yfcc(tmp_path / "a.tsv", rows=4_000, seed=11, bad_lines=7)
    again = generate_yfcc(tmp_path / "b.tsv", rows=4_000, seed=11, bad_lines=7)
    other = generate_yfcc(tmp_path / "c.tsv", rows=4_000, seed=12, bad_lines=7)
    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.truth == again.truth
    assert first.path.read_bytes() != other.path.read_bytes()


COMPRESSIONS = [
    ("sample.tsv", None),
    ("sample.tsv.gz", False),
    ("sample.tsv.zst", None),
    ("sample.tsv.bz2", False),
    pytest.param(
        "sample.tsv.bz2",
        True,
        marks=pytest.mark.skipif(
            not (shutil.which("lbzip2") or shutil.which("pbzip2")), reason="lbzip2/pbzip2 not on PATH"
        ),
    ),
    pytest.param(
        "sample.tsv.gz", True, marks=pytest.mark.skipif(not shutil.which("pigz"), reason="pigz not on PATH")
    ),
]


@pytest.mark.parametrize("name, external", COMPRESSIONS)
def test_every_suffix_round_trips(tmp_path, name, external):
    plain = generate_yfcc(tmp_path / "plain.tsv", rows=3_000, seed=2, bad_lines=5)
    packed = generate_yfcc(tmp_path / name, rows=3_000, seed=2, bad_lines=5, use_external=external)
    assert read_lines(packed.path) == read_lines(plain.path)
    assert packed.truth == plain.truth
    assert packed.truth_path == tmp_path / f"{name}.truth.json"
    assert not list(tmp_path.glob("*.partial"))
    expected = {"plain.tsv": "none", "sample.tsv": "none", "sample.tsv.zst": "zstandard"}
    if external is False:
        assert packed.compressor.startswith("python-")
    elif name in expected:
        assert packed.compressor == expected[name]


def test_env_var_forces_python_bz2_in_parallel_streams(tmp_path, monkeypatch):
    monkeypatch.setenv("CCAUDIT_EXTERNAL_COMPRESSORS", "0")
    monkeypatch.setattr(gen._ParallelBz2Writer, "PIECE", 64 << 10)
    plain = generate_yfcc(tmp_path / "x.tsv", rows=2_000)
    result = generate_yfcc(tmp_path / "x.tsv.bz2", rows=2_000)
    assert result.compressor == "python-bz2"
    assert result.path.read_bytes().count(b"BZh9") >= 10, "one bz2 stream per 64 KB piece"
    assert read_lines(result.path) == read_lines(plain.path)


def test_no_rows_gives_an_empty_file(tmp_path):
    result = generate_yfcc(tmp_path / "empty.tsv", rows=0)
    assert result.path.read_bytes() == b"" and result.truth["rows"] == 0
    assert result.truth["distinct_uploaders"] == 0 and result.truth["top_uploaders"] == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rows": 0, "bad_lines": 3}, "at least one good row"),
        ({"rows": 10, "users": 0}, "--users"),
        ({"rows": 10, "layout": 24}, "--layout"),
        ({"rows": 10, "seed": -1}, "--seed"),
    ],
)
def test_impossible_requests_are_input_errors(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message):
        generate_yfcc(tmp_path / "x.tsv", **kwargs)
    assert not (tmp_path / "x.tsv").exists()


def test_cli_generates_a_file_with_its_truth(tmp_path, capsys):
    out = tmp_path / "cli" / "sample.tsv.gz"
    assert main(["generate", "yfcc", str(out), "--rows", "1000", "--bad-lines", "5", "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    assert "1,000 rows" in printed and str(out) in printed
    assert len(read_lines(out)) == 1_005
    assert Path(f"{out}.truth.json").exists()


def test_cli_rejects_negative_rows(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "yfcc", str(tmp_path / "x.tsv"), "--rows", "-1"])
    assert exit_info.value.code == 2
    assert "--rows" in capsys.readouterr().err


def test_unwritable_output_is_a_one_line_input_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot write"):
        generate_yfcc(blocker / "sample.tsv", rows=10)


def test_photo_id_permutation_is_a_bijection():
    import numpy as np

    for size in (1, 2, 1_000, 4_099):
        values = gen._permute(np.arange(size), size, key=5)
        assert sorted(values.tolist()) == list(range(size))
    assert gen._permute(np.arange(1_000), 1_000, key=5).tolist() != list(range(1_000))


def test_top_uploaders_break_ties_by_nsid(tmp_path):
    result = generate_yfcc(tmp_path / "ties.tsv", rows=300, users=200, seed=9)
    good, _ = classify(read_lines(result.path), 25)
    owners = Counter(row["user_nsid"] for row in good)
    expected = sorted(owners.items(), key=lambda item: (-item[1], item[0]))[:25]
    assert result.truth["top_uploaders"] == [list(item) for item in expected]
    assert len({count for _, count in expected}) < 25, "the case must contain ties"


def test_a_failure_midway_leaves_the_previous_file_and_truth_alone(tmp_path, monkeypatch):
    out = tmp_path / "broken.tsv.gz"
    previous = generate_yfcc(out, rows=100)
    real_build, calls = gen._build_chunk, []

    def failing_build(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return real_build(*args, **kwargs)

    monkeypatch.setattr(gen, "CHUNK_ROWS", 500)
    monkeypatch.setattr(gen, "_build_chunk", failing_build)
    with pytest.raises(RuntimeError, match="boom"):
        generate_yfcc(out, rows=5_000)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.tsv.gz", "broken.tsv.gz.truth.json"]
    assert len(read_lines(out)) == 100, "the previous complete file is untouched"
    assert json.loads(previous.truth_path.read_text())["rows"] == 100


def test_bad_lines_look_like_their_kind(tmp_path):
    result = generate_yfcc(tmp_path / "bad.tsv", rows=1_000, seed=1, bad_lines=10)
    lines = read_lines(result.path)
    assert len(lines) == 1_010 and result.truth["bad_line_counts"] == dict.fromkeys(gen.BAD_LINE_KINDS, 2)
    numbers = result.truth["bad_line_numbers"]
    assert sorted(len(lines[n - 1].split(b"\t")) for n in numbers["field_count"]) == [24, 26]
    assert all(b"\xff\xfe" in lines[n - 1].split(b"\t")[8] for n in numbers["encoding"])
    assert all(not lines[n - 1].split(b"\t")[1].isdigit() for n in numbers["photo_id"])
    for n in numbers["license"]:
        fields = lines[n - 1].decode().split("\t")
        assert fields[18].startswith("http://creativecommons.org/licenses/")
        license_id, problem = resolve_license(fields[17], fields[18])
        assert license_id is None and problem.startswith("unknown license")
    for n in numbers["duplicate_photo_id"]:
        assert lines[n - 1] in lines[: n - 1], "a duplicate repeats an earlier line exactly"
