"""Bad input and interrupted runs: every fault gives a one-line error (exit 2, no traceback) or a
counted reject, and the database keeps exactly what it had before.

Decisions tested here: CRLF files are accepted (the CR is dropped), mixed line endings are an
error; an empty file is an error (nothing to ingest, most likely a failed download); a line of
2 MB loads; a line over the reader's limit (8 MiB) is rejected, not fatal.
"""

from __future__ import annotations

import bz2
import gzip
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import zstandard

from pipelines.cli import main
from pipelines.ingest.yfcc import LINE_LIMIT, MAX_LINE_SIZE
from pipelines.synth.yfcc import generate_yfcc
from tests.conftest import REPO, descendants, shared_path

REAL_23 = "yfcc100m_dataset_23field_Intelligent-Travel-Manager_test_filtering_bigbox.tsv"
REAL_25 = "yfcc100m_dataset_25field_hanrw-yfcc100m_Yfcc100mIndexerSpec.tsv"
COMPRESS = {
    "bz2": bz2.compress,
    "gz": gzip.compress,
    "zst": zstandard.ZstdCompressor(write_checksum=True).compress,
}


def snapshot(db_path: Path) -> tuple:
    """Content of the two data tables (order-independent), to compare databases."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        photos = con.execute(
            "SELECT count(*), sum(hash(photo_id, source_file, source_line, title, license_id, "
            "taken_at, description)) FROM yfcc_photos"
        ).fetchone()
        rejects = con.execute(
            "SELECT count(*), sum(hash(source_file, line_no, reason)) FROM ingest_rejects"
        ).fetchone()
    finally:
        con.close()
    return photos, rejects


def cli(db_path: Path, *paths: Path, capsys) -> tuple[int, list[str]]:
    code = main(["ingest", "yfcc", "--db", str(db_path), "--quiet", *map(str, paths)])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.fixture
def loaded_db(db_path: Path, capsys) -> Path:
    """A database that already holds data (the real 23-field rows), which no failure may touch."""
    code, _ = cli(db_path, shared_path("yfcc100m", REAL_23), capsys=capsys)
    assert code == 0
    return db_path


def assert_fails_cleanly(db_path: Path, path: Path, capsys, match: str) -> str:
    before = snapshot(db_path)
    code, err = cli(db_path, path, capsys=capsys)
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith("ccaudit: error: ") and "Traceback" not in err[0], err
    assert match in err[0], err[0]
    assert snapshot(db_path) == before
    return err[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> bytes:
    """3,000 generated rows (about 1.4 MB), plain bytes."""
    path = generate_yfcc(tmp_path_factory.mktemp("faults") / "sample.tsv", rows=3_000, seed=11).path
    return path.read_bytes()


def lines_of(path: Path) -> list[bytes]:
    return shared_path("yfcc100m", path).read_bytes().splitlines()


# --- broken archives ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["tools-spool", "tools-stream", "python-spool"])
@pytest.mark.parametrize("suffix", sorted(COMPRESS))
@pytest.mark.parametrize("damage", ["truncated", "corrupt-block"])
def test_broken_archive_fails_and_keeps_data(
    loaded_db, sample, tmp_path, capsys, monkeypatch, suffix, damage, route
):
    """Decompressed by lbzip2/gzip/zstd or by Python; into a temporary file or through a FIFO."""
    if route.startswith("python"):
        monkeypatch.setenv("CCAUDIT_EXTERNAL_COMPRESSORS", "0")
    if route.endswith("stream"):
        monkeypatch.setenv("CCAUDIT_INGEST_STREAM", "1")
    blob = bytearray(COMPRESS[suffix](sample))
    middle = len(blob) // 2
    if damage == "truncated":
        del blob[middle:]
    else:
        blob[middle : middle + 64] = bytes(64)
    path = tmp_path / f"broken.tsv.{suffix}"
    path.write_bytes(bytes(blob))
    kind = {"gz": "gzip", "zst": "zstd"}.get(suffix, suffix)
    assert_fails_cleanly(loaded_db, path, capsys, f"corrupt or truncated {kind} archive")


# --- bad lines are counted rejects --------------------------------------------------------------


def test_bad_lines_are_rejected_with_reason_and_line(con, tmp_path):
    from pipelines.ingest.yfcc import ingest_yfcc

    good = lines_of(REAL_23)
    fields = good[0].split(b"\t")
    bad = {
        2: good[1].replace(b"SD450", b"SD\xff450"),  # invalid UTF-8 bytes
        3: good[2].replace(b"Sunlight", b"Sun%C3light"),  # %-escape -> invalid UTF-8
        4: b"\t".join(fields[:-1]),  # 22 fields
        5: b"\t".join(fields + [b"0"]),  # 24 fields
        6: b"",  # empty line
        7: b"\t".join([b"12ab"] + fields[1:]),  # photo id not a number
        8: b"\t".join(fields[:15] + [b"Some License", b"http://example.org/l"] + fields[17:]),
        9: good[3].replace(b"Flip-Pal", b"Flip\x01Pal"),  # the reader's delimiter byte
    }
    body = [good[0]] + [bad[n] for n in range(2, 10)] + [good[3].replace(b"10642543105", b"10642543106")]
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"\n".join(body) + b"\n")
    [result] = ingest_yfcc(con, [path], progress=False)
    assert (result.lines_read, result.rows_loaded, result.rows_rejected) == (10, 2, 8)
    rejects = dict(con.execute("SELECT line_no, reason FROM ingest_rejects").fetchall())
    assert rejects == {
        2: "encoding: invalid UTF-8",
        3: "encoding: %-escapes decode to invalid UTF-8",
        4: "field_count: 22 fields (expected 23)",
        5: "field_count: 24 fields (expected 23)",
        6: "field_count: empty line (expected 23 fields)",
        7: "photo_id: not a number (12ab)",
        8: "license: unknown license (name 'Some License', URL 'http://example.org/l')",
        9: "encoding: control byte 0x01 in the line",
    }
    raw = dict(con.execute("SELECT line_no, raw_line FROM ingest_rejects").fetchall())
    assert raw[4] == bad[4].decode() and raw[8] == bad[8].decode() and raw[6] in (None, "")
    assert con.execute("SELECT list(source_line ORDER BY source_line) FROM yfcc_photos").fetchone()[0] == [
        1,
        10,
    ]


@pytest.mark.parametrize("layout_file, expected", [(REAL_25, 25)])
def test_24_and_26_fields_in_a_25_field_file(con, tmp_path, layout_file, expected):
    from pipelines.ingest.yfcc import ingest_yfcc

    [line] = lines_of(layout_file)
    fields = line.split(b"\t")
    path = tmp_path / "counts.tsv"
    path.write_bytes(b"\n".join([line, b"\t".join(fields[:-1]), b"\t".join(fields + [b"x"])]) + b"\n")
    [result] = ingest_yfcc(con, [path], progress=False)
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    assert con.execute("SELECT list(reason ORDER BY line_no) FROM ingest_rejects").fetchone()[0] == [
        f"field_count: 24 fields (expected {expected})",
        f"field_count: 26 fields (expected {expected})",
    ]


def test_a_2_mb_line_loads_and_an_over_long_line_is_rejected(con, tmp_path):
    from pipelines.ingest.yfcc import ingest_yfcc

    good = lines_of(REAL_23)
    long_fields = good[1].split(b"\t")
    long_fields[7] = b"a+" * (1 << 20)  # description: 2 MiB encoded, 2 MiB decoded
    huge_fields = good[2].split(b"\t")
    huge_fields[7] = b"b" * (MAX_LINE_SIZE + 10)
    path = tmp_path / "long.tsv"
    path.write_bytes(b"\n".join([good[0], b"\t".join(long_fields), b"\t".join(huge_fields), good[3]]) + b"\n")
    [result] = ingest_yfcc(con, [path], progress=False)
    assert (result.lines_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert (
        con.execute("SELECT length(description) FROM yfcc_photos WHERE photo_id = 343224206").fetchone()[0]
        == 2 << 20
    )
    assert con.execute("SELECT line_no, reason FROM ingest_rejects").fetchall() == [
        (3, f"parse: line longer than {LINE_LIMIT} bytes")
    ]
    # The reader dropped line 3 itself: the rows after it still carry their physical line.
    assert con.execute("SELECT list(source_line ORDER BY source_line) FROM yfcc_photos").fetchone()[0] == [
        1,
        2,
        4,
    ]


# --- line endings, empty and foreign files ------------------------------------------------------


def test_crlf_file_loads_like_lf(tmp_path, sample, capsys):
    lf, crlf = tmp_path / "lf.tsv", tmp_path / "crlf.tsv"
    lf.write_bytes(sample)
    crlf.write_bytes(sample.replace(b"\n", b"\r\n"))
    values = []
    for path in (lf, crlf):
        db = tmp_path / f"{path.stem}.duckdb"
        assert cli(db, path, capsys=capsys)[0] == 0
        con = duckdb.connect(str(db), read_only=True)
        values.append(
            con.execute(
                "SELECT count(*), sum(hash(photo_id, source_line, title, description, user_tags, extension, is_video)), "
                "count(*) FILTER (WHERE contains(extension, chr(13))) FROM yfcc_photos"
            ).fetchone()
        )
        con.close()
    assert values[0] == values[1] and values[0][0] == 3_000 and values[0][2] == 0


def test_mixed_line_endings_fail_cleanly(loaded_db, tmp_path, sample, capsys):
    lines = sample.split(b"\n")
    lines[100] += b"\r"
    path = tmp_path / "mixed.tsv"
    path.write_bytes(b"\n".join(lines))
    assert_fails_cleanly(loaded_db, path, capsys, "line endings")


@pytest.mark.parametrize(
    "payload", [b"", gzip.compress(b""), b"\n\n\n"], ids=["empty", "empty-gz", "blank-lines"]
)
def test_empty_file_is_a_clear_error(loaded_db, tmp_path, capsys, payload):
    path = tmp_path / "empty.tsv"
    path.write_bytes(payload)
    assert_fails_cleanly(loaded_db, path, capsys, "the file is empty")


@pytest.mark.parametrize(
    "payload",
    [b"photo_id,url\n1,http://x\n2,http://y\n", b'{"images": [{"id": 1}]}\n', bytes(range(256)) * 40],
    ids=["csv", "json", "binary"],
)
def test_not_yfcc_is_a_clear_error(loaded_db, tmp_path, capsys, payload):
    path = tmp_path / "other.dat"
    path.write_bytes(payload)
    assert_fails_cleanly(loaded_db, path, capsys, "not a YFCC100M metadata file")


def test_missing_file_is_a_clear_error(loaded_db, tmp_path, capsys):
    assert_fails_cleanly(loaded_db, tmp_path / "nope.tsv.bz2", capsys, "no such file")


def test_one_bad_file_in_a_batch_loads_none_of_it(loaded_db, tmp_path, capsys):
    """Files are loaded in one transaction: a failure in the second keeps the first out too."""
    good = shared_path("yfcc100m", REAL_25)
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(gzip.compress(good.read_bytes())[:-12])
    before = snapshot(loaded_db)
    code, err = cli(loaded_db, good, broken, capsys=capsys)
    assert code == 2 and len(err) == 1 and "corrupt or truncated gzip archive" in err[0]
    assert snapshot(loaded_db) == before
    con = duckdb.connect(str(loaded_db), read_only=True)
    try:  # the audit trail says what failed; no 'loaded' row for either file of the batch
        runs = con.execute(
            "SELECT source_file, status FROM ingest_runs WHERE source_file <> ?",
            [str(shared_path("yfcc100m", REAL_23).resolve())],
        ).fetchall()
    finally:
        con.close()
    assert runs == [(str(broken.resolve()), runs[0][1])] and runs[0][1].startswith("failed: ")


# --- permissions --------------------------------------------------------------------------------


def _without_root_powers() -> list[str]:
    """Command prefix under which folder permissions apply (root ignores them unless it drops its
    capabilities, which `setpriv` does)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a folder unwritable for this process")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


def test_unwritable_database_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        run = subprocess.run(
            [
                *_without_root_powers(),
                sys.executable,
                "-m",
                "pipelines.cli",
                "ingest",
                "yfcc",
                "--quiet",
                "--db",
                str(folder / "ccaudit.duckdb"),
                str(shared_path("yfcc100m", REAL_25)),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
            check=False,
        )
        err = run.stderr.strip().splitlines()
        assert run.returncode == 2, run.stderr
        assert len(err) == 1 and err[0].startswith("ccaudit: error: ") and str(folder) in err[0], run.stderr
        assert not any(folder.iterdir())
    finally:
        folder.chmod(0o755)


# --- kill -9 in the middle ----------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ingest_process(db: Path, *paths: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "ingest",
            "yfcc",
            "--quiet",
            "--db",
            str(db),
            *map(str, paths),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_kill_9_mid_ingest_then_rerun_equals_a_clean_run(tmp_path):
    real = shared_path("yfcc100m", REAL_23)
    big = generate_yfcc(tmp_path / "big.tsv.bz2", rows=60_000, seed=5, bad_lines=6).path
    clean_db = tmp_path / "clean" / "db.duckdb"
    assert _ingest_process(clean_db, real).wait(timeout=300) == 0
    started = time.monotonic()
    assert _ingest_process(clean_db, big).wait(timeout=300) == 0
    duration = time.monotonic() - started
    killed_db = tmp_path / "killed" / "db.duckdb"
    assert _ingest_process(killed_db, real).wait(timeout=300) == 0
    before = snapshot(killed_db)
    seed = int.from_bytes(os.urandom(4), "little")
    delay = random.Random(seed).uniform(0.2, duration)  # anywhere from start-up to the commit
    process = _ingest_process(killed_db, big)
    time.sleep(delay)
    helpers = descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in helpers), f"decompressor outlived kill -9 (seed {seed})"
    after_kill = snapshot(killed_db)
    assert after_kill in (before, snapshot(clean_db)), (
        f"partial load visible after kill at {delay:.2f}s (seed {seed})"
    )
    rerun = _ingest_process(killed_db, big)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
    assert snapshot(killed_db) == snapshot(clean_db), f"seed {seed}, killed at {delay:.2f}s"
    assert not list(killed_db.parent.glob(".ccaudit-ingest-*")), "stale staging folder not cleaned up"


# --- exact line accounting for any line length (hardening issue, item 1) ------------------------

NEWLINE = b"\n"
LINE_LENGTHS = [1, 100, 2 << 20, MAX_LINE_SIZE, MAX_LINE_SIZE + 1, 24 << 20, 31 << 20, 50 << 20, 64 << 20]


def _lines_of_every_length(sample: bytes) -> tuple[bytes, dict[int, int]]:
    """Good lines with lines of 1 byte to 64 MB between them (the last one has no newline).

    Returns the file's bytes and {line number: length} of the lines that must be rejected.
    """
    good = sample.splitlines()
    body, odd = [], {}
    for index, length in enumerate(LINE_LENGTHS):
        body.extend(good[index * 3 : index * 3 + 3])
        fields = good[1000 + index].split(b"\t")
        pad = length - (len(b"\t".join(fields)) - len(fields[9]))
        if pad > 0:
            fields[9] = b"a" * pad  # description, a valid field of any length
            line = b"\t".join(fields)
        else:
            line = b"x" * length  # too short to be a record
        assert len(line) == length
        body.append(line)
        if length > LINE_LIMIT or pad <= 0:
            odd[len(body)] = length
    body.extend(good[100:103])
    body.append(good[1500].replace(b"\t", b"\t", 1) + b"\t" + b"b" * (40 << 20))  # over-long last line
    odd[len(body)] = len(body[-1])
    return b"\n".join(body), odd


@pytest.mark.slow
@pytest.mark.parametrize("route", ["plain", "zstd-spool", "zstd-stream", "stdin"])
def test_lines_of_1_byte_to_64_mb_are_all_accounted_for(tmp_path, sample, route, monkeypatch, capsys):
    data, odd = _lines_of_every_length(sample)
    lines = data.count(b"\n") + 1
    path = tmp_path / "lengths.tsv"
    if route.startswith("zstd"):
        path = tmp_path / "lengths.tsv.zst"
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
        monkeypatch.setenv("CCAUDIT_INGEST_STREAM", "1" if route.endswith("stream") else "0")
    else:
        path.write_bytes(data)
    db = tmp_path / "db.duckdb"
    if route == "stdin":
        with open(path, "rb") as stdin:
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pipelines.cli",
                    "ingest",
                    "yfcc",
                    "--quiet",
                    "--db",
                    str(db),
                    "--stdin-name",
                    "lengths",
                    "-",
                ],
                stdin=stdin,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                timeout=600,
                check=False,
            )
        assert run.returncode == 0, run.stderr
        source = "lengths"
    else:
        code, err = cli(db, path, capsys=capsys)
        assert code == 0, err
        source = str(path.resolve())
    con = duckdb.connect(str(db), read_only=True)
    try:
        run_row = con.execute(
            "SELECT lines_read, rows_loaded, rows_rejected FROM ingest_runs WHERE source_file = ?", [source]
        ).fetchone()
        rejects = dict(con.execute("SELECT line_no, reason FROM ingest_rejects").fetchall())
        loaded = con.execute("SELECT list(source_line ORDER BY source_line) FROM yfcc_photos").fetchone()[0]
        long_raw = con.execute("SELECT max(length(raw_line)) FROM ingest_rejects").fetchone()[0]
    finally:
        con.close()
    assert set(rejects) == set(odd), {k: v for k, v in rejects.items() if k not in odd}
    assert run_row == (lines, lines - len(odd), len(odd))
    assert set(rejects) == set(odd)
    for line_no, length in odd.items():
        expected = (
            f"parse: line longer than {LINE_LIMIT} bytes"
            if length > LINE_LIMIT
            else "field_count: 1 fields (expected 25)"
        )
        assert rejects[line_no] == expected, (line_no, length)
    assert loaded == [n for n in range(1, lines + 1) if n not in odd]  # every other line, on its own line
    assert long_raw <= 10_000


def test_line_guard_matches_a_plain_split_for_any_chunking():
    """The streaming guard against str.split on many random small cases (limit and chunks tiny)."""
    from pipelines.ingest.decompress import LONG_LINE_PLACEHOLDER, LineGuard

    rng = random.Random(7)
    for _ in range(2000):
        limit = rng.choice([1, 3, 5, 8, 20])
        parts = [b"x" * rng.choice([0, 0, 1, 2, 4, 5, 6, 9, 21, 30]) for _ in range(rng.randint(0, 8))]
        data = b"\n".join(parts) + rng.choice([b"", b"\n"])
        guard, out, pos = LineGuard(limit), [], 0
        while pos < len(data):
            size = rng.randint(1, limit)
            out.append(guard.feed(data[pos : pos + size]))
            pos += size
        out.append(guard.finish())
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        expected = [(n, len(line), line) for n, line in enumerate(lines, 1) if len(line) > limit]
        assert guard.lines == len(lines) and guard.long_lines == expected
        assert b"".join(out) == b"\n".join(
            LONG_LINE_PLACEHOLDER if len(line) > limit else line for line in lines
        ) + (b"\n" if data.endswith(b"\n") else b"")


# --- pipes: `-`, FIFOs, /dev/stdin, <(...) (hardening issue, item 11) ---------------------------


def _cli_process(db: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "ingest", "yfcc", "--quiet", "--db", str(db), *args],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=False,
        **kwargs,
    )


@pytest.mark.parametrize("kind", ["plain", "bz2", "gz", "zst"])
def test_stdin_pipe_loads_like_the_file(tmp_path, sample, kind):
    blob = sample if kind == "plain" else COMPRESS[kind](sample)
    file_db, pipe_db = tmp_path / "file.duckdb", tmp_path / "pipe.duckdb"
    path = tmp_path / "sample.tsv"
    path.write_bytes(sample)
    assert _cli_process(file_db, str(path)).returncode == 0
    run = _cli_process(pipe_db, "-", input=blob)
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(pipe_db), read_only=True)
    try:
        assert con.execute("SELECT DISTINCT source_file FROM yfcc_photos").fetchall() == [("stdin",)]
        lines, loaded, rejected = con.execute(
            "SELECT lines_read, rows_loaded, rows_rejected FROM ingest_runs"
        ).fetchone()
    finally:
        con.close()
    assert lines == sample.count(b"\n") == loaded + rejected
    file_photos, _ = snapshot(file_db)
    pipe_photos, _ = snapshot(pipe_db)
    assert file_photos[0] == pipe_photos[0]  # same rows (the source name differs, so not the hash)


def test_fifo_and_process_substitution_are_read(tmp_path, sample):
    expected = f"{sample.count(NEWLINE):,} lines"
    fifo = tmp_path / "input.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", 'cat > "$0"', str(fifo)], stdin=subprocess.PIPE)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "ingest",
            "yfcc",
            "--quiet",
            "--db",
            str(tmp_path / "db.duckdb"),
            str(fifo),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    writer.communicate(COMPRESS["bz2"](sample), timeout=120)
    out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err
    assert expected in out.decode()
    if not shutil.which("bash"):
        return
    plain = tmp_path / "plain.tsv"
    plain.write_bytes(sample)
    run = subprocess.run(
        [
            "bash",
            "-c",
            '"$0" -m pipelines.cli ingest yfcc --quiet --db "$1" <(cat "$2")',
            sys.executable,
            str(tmp_path / "subst.duckdb"),
            str(plain),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=False,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    assert expected in run.stdout  # bash hands over /dev/fd/N, a pipe


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"", "empty"),
        (b"\x00\x01binary junk\n" * 10, "not a YFCC100M metadata file"),
        (b"BZh91AY&SY" + b"\x00" * 40, "corrupt or truncated bz2 archive"),
    ],
)
def test_bad_stdin_is_a_one_line_error(tmp_path, payload, match):
    run = _cli_process(tmp_path / "db.duckdb", "-", input=payload)
    err = run.stderr.decode().strip().splitlines()
    assert run.returncode == 2 and len(err) == 1 and err[0].startswith("ccaudit: error: "), run.stderr
    assert match in err[0]


def test_a_special_file_that_is_not_a_pipe_is_named_as_such(tmp_path, capsys):
    code, err = cli(tmp_path / "db.duckdb", Path("/dev/null"), capsys=capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("ccaudit: error: ")
    assert "does not exist" not in err[0] and "no such file" not in err[0]
