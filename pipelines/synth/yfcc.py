"""Synthetic YFCC100M metadata with known ground truth, fast enough to rehearse the full 100M rows.

`generate_yfcc` writes a file in the exact published format (25 or 23 tab-separated fields,
URL-encoded text, `null` dates, the six CC 2.0 license pairs in their published proportions,
Zipf-distributed uploaders, hash = MD5 of the download URL with leading zeros dropped per byte),
optionally mixed with malformed lines, and records what it wrote in `OUT.truth.json` so the
ingest, validation and report can be checked against numbers that did not come from them.

Rows are built a chunk at a time as numpy/polars columns (no Python loop per row; MD5 runs in
DuckDB), formatted and compressed on a writer thread while the next chunk is built, and written
through a compressor chosen by the file suffix, so memory stays flat at any row count.
Format facts and sources: docs/yfcc100m.md.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import polars as pl

from ..errors import InputError
from ..licenses import LICENSES, YFCC_LICENSE_IDS
from ..progress import Progress
from .yfcc_forms import _generate_form
from .yfcc_rows import (
    BAD_LINE_KINDS,
    FIELDS_23,
    FIELDS_25,
    FORM_BAD_KINDS,
    FORMATS,
    LAYOUT_FIELDS,
    NSID_NUMBER_MAX,
    NSID_NUMBER_MIN,
    PHOTO_ID_MAX,
    PHOTO_ID_MIN,
    ROWS_PER_UPLOADER,
    YFCC_LICENSE_TOTALS,
    GenerateResult,
    _build_chunk,
    _Chunk,
    _normalised,
    _permute,
    _Plan,
    _uploaders,
    _write_tsv,
    yfcc_hash,
)
from .yfcc_sinks import _UNSUPPORTED_COMPRESSION_SUFFIXES, _ParallelBz2Writer, _Sink
from .yfcc_vocab import _UNKNOWN_LICENSES, _vocabulary

__all__ = [
    "BAD_LINE_KINDS",
    "FIELDS_23",
    "FIELDS_25",
    "FORMATS",
    "GenerateResult",
    "_ParallelBz2Writer",
    "_permute",
    "generate_yfcc",
    "yfcc_hash",
]

CHUNK_ROWS = 200_000  # rows built and written at a time: ~90 MB of text, memory stays flat


# --- malformed lines ----------------------------------------------------------------------------


@dataclass
class _BadLines:
    rows: int  # good rows in the file: bad lines after the last one go at the end
    positions: list[int]  # 1-based physical line numbers, ascending
    kinds: list[str]
    good_before: list[int]  # good rows written before each bad line
    texts: list[bytes | None]  # None: a duplicate, copied from the good line before it when written


def _plan_bad_lines(plan: _Plan, count: int) -> _BadLines:
    """K malformed lines at spread, seeded positions; the first line is always good."""
    if count == 0:
        return _BadLines(plan.rows, [], [], [], [])
    rng = np.random.default_rng([plan.seed, 303])
    lines = plan.rows + count
    edges = 2 + (np.arange(count + 1) * (lines - 1)) // count  # one position per stratum in [2, lines]
    positions = (edges[:-1] + rng.integers(0, np.diff(edges))).tolist()
    kinds = [plan.kinds[i % len(plan.kinds)] for i in range(count)]
    extra = _build_chunk(
        plan, np.arange(plan.rows, plan.rows + count), np.random.default_rng([plan.seed, 304])
    )
    templates = _write_tsv(extra.frame).split(b"\n")[:-1]
    texts = [
        None if kind == "duplicate_photo_id" else _corrupt(kind, line, plan.layout, i, plan.form)
        for i, (kind, line) in enumerate(zip(kinds, templates, strict=True))
    ]
    return _BadLines(plan.rows, positions, kinds, [p - 1 - i for i, p in enumerate(positions)], texts)


def _corrupt(kind: str, line: bytes, layout: int, number: int, form: str = "tsv") -> bytes:
    fields = line.split(b"\t")
    names = LAYOUT_FIELDS[layout]
    if kind == "field_count":
        fields = fields[:-1] if number % 2 == 0 else fields + [b"0"]
    elif kind == "photo_id":
        fields[names.index("photo_id")] = b"x" + fields[names.index("photo_id")]
    elif kind == "license":
        name, url = _UNKNOWN_LICENSES[number % len(_UNKNOWN_LICENSES)]
        fields[names.index("license_name")], fields[names.index("license_url")] = name.encode(), url.encode()
    elif kind == "encoding" and form == "tsv":
        fields[names.index("title")] = b"Caf\xe9+\xff\xfe+" + fields[names.index("title")]
    elif kind == "encoding":  # text columns hold valid UTF-8: escapes that decode to invalid UTF-8
        fields[names.index("title")] = b"Caf%E9+%FF%FE+" + fields[names.index("title")]
    # "json": a good row here; the JSON lines writer cuts its line short
    return b"\t".join(fields)


class _LineWriter:
    """Writes each chunk's rows as text, splicing in the bad lines that fall among them, in order."""

    def __init__(self, bad: _BadLines):
        self.bad = bad
        self.cursor = 0  # next bad line to write
        self.previous_line = b""  # last good line of the previous chunk (source of a duplicate)

    def write(self, stream: BinaryIO, frame: pl.DataFrame, start: int, stop: int) -> None:
        upto = self.cursor
        final = stop >= self.bad.rows
        while upto < len(self.bad.positions) and (
            self.bad.good_before[upto] < stop or (final and self.bad.good_before[upto] == stop)
        ):
            upto += 1
        if upto == self.cursor:
            _write_tsv(frame, stream)  # the common case: straight from polars into the stream
        else:
            stream.write(self._splice(_write_tsv(frame), start, upto))
            self.cursor = upto
        self.previous_line = _write_tsv(frame.tail(1))[:-1]

    def _splice(self, data: bytes, start: int, upto: int) -> bytes:
        bad = self.bad
        line_starts = np.concatenate(([0], np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1))
        pieces, written = [], 0
        for j in range(self.cursor, upto):
            at = int(line_starts[bad.good_before[j] - start])
            pieces.append(data[written:at])
            written = at
            text = bad.texts[j]
            if text is None:  # a duplicate of the good line just before it
                local = bad.good_before[j] - 1 - start
                text = (
                    data[line_starts[local] : line_starts[local + 1] - 1]
                    if local >= 0
                    else self.previous_line
                )
            pieces.append(text + b"\n")
        pieces.append(data[written:])
        return b"".join(pieces)


# --- ground truth -------------------------------------------------------------------------------


@dataclass
class _Tally:
    users: int
    license_counts: np.ndarray = field(init=False)  # set by __post_init__, sized by users
    owner_counts: np.ndarray = field(init=False)
    videos: int = 0
    geotagged: int = 0
    taken: np.ndarray = field(init=False)
    markup_titles: int = 0

    def __post_init__(self):
        self.license_counts = np.zeros(6, dtype=np.int64)
        self.owner_counts = np.zeros(self.users, dtype=np.int64)
        self.taken = np.zeros(4, dtype=np.int64)

    def add(self, chunk: _Chunk) -> None:
        self.license_counts += np.bincount(chunk.license_index, minlength=6)
        self.owner_counts += np.bincount(chunk.owner, minlength=self.users)
        self.videos += int(chunk.is_video.sum())
        self.geotagged += int(chunk.geotagged.sum())
        self.taken += np.bincount(chunk.taken_kind, minlength=4)
        self.markup_titles += int(chunk.markup_title.sum())


_TRUTH_NOTES = {
    "licenses": "good rows per Flickr license id",
    "taken_implausible": "date taken after the upload (a far-future year such as 4501, or days to years later)",
    "top_uploaders": "25 largest uploaders by good rows as [nsid, rows], ties by NSID ascending",
    "top_1pct_uploaders": "rows from the top 1% of distinct uploaders (rounded up, at least 1) and their share",
    "bad_line_numbers": "1-based physical line numbers in the decompressed file, per kind",
    "duplicate_photo_id": "an exact copy of the nearest earlier good line; the later copy is the bad one",
}


def _truth(plan: _Plan, tally: _Tally, bad: _BadLines) -> dict:
    """What the file holds, counted from the generated arrays (never by re-reading the file)."""
    counts = tally.owner_counts
    active = np.flatnonzero(counts)
    nsids = np.asarray(plan.uploaders.nsids.gather(active).to_list(), dtype=object)
    top = _top_order(counts[active], nsids) if len(active) else []
    top_share_users = -(-len(active) // 100)  # ceil(1%); 1 or more whenever there are uploaders
    top_share_rows = int(np.sort(counts[active])[::-1][:top_share_users].sum())
    per_license = dict(zip(YFCC_LICENSE_IDS, (int(n) for n in tally.license_counts), strict=True))
    per_kind = {
        kind: [p for p, k in zip(bad.positions, bad.kinds, strict=True) if k == kind] for kind in plan.kinds
    }
    return {
        "format": "yfcc100m",
        "layout": plan.layout,
        "fields": list(LAYOUT_FIELDS[plan.layout]),
        "seed": plan.seed,
        "rows": plan.rows,
        "bad_lines": len(bad.positions),
        "lines_total": plan.rows + len(bad.positions),
        "licenses": {str(license_id): n for license_id, n in per_license.items()},
        "commercial_use_allowed": sum(n for i, n in per_license.items() if LICENSES[i].commercial_use),
        "derivatives_allowed": sum(n for i, n in per_license.items() if LICENSES[i].derivatives),
        "photos": plan.rows - tally.videos,
        "videos": tally.videos,
        "geotagged": tally.geotagged,
        "taken_null": int(tally.taken[1]),
        "taken_implausible": int(tally.taken[2] + tally.taken[3]),
        "taken_implausible_kinds": {"far_future": int(tally.taken[2]), "after_upload": int(tally.taken[3])},
        "markup_titles": tally.markup_titles,
        "uploaders_planned": tally.users,
        "distinct_uploaders": len(active),
        "top_uploaders": [[str(nsids[i]), int(counts[active[i]])] for i in top],
        "top_1pct_uploaders": {
            "uploaders": top_share_users,
            "rows": top_share_rows,
            "share": round(top_share_rows / plan.rows, 6) if plan.rows else 0.0,
        },
        "bad_line_counts": {kind: len(lines) for kind, lines in per_kind.items()},
        "bad_line_numbers": per_kind,
        "notes": _TRUTH_NOTES,
    }


def _top_order(counts: np.ndarray, nsids: np.ndarray, size: int = 25) -> list[int]:
    """Indices of the `size` largest counts, ties by NSID ascending, without sorting every uploader."""
    kth = min(size, len(counts)) - 1
    threshold = -np.partition(-counts, kth)[kth]
    candidates = np.flatnonzero(counts >= threshold).tolist()
    return sorted(candidates, key=lambda i: (-counts[i], nsids[i]))[:size]


# --- entry point --------------------------------------------------------------------------------


def generate_yfcc(
    out: Path,
    rows: int,
    layout: int = 25,
    seed: int = 0,
    users: int | None = None,
    bad_lines: int = 0,
    *,
    use_external: bool | None = None,
    progress: bool | None = None,
    form: str = "tsv",
) -> GenerateResult:
    """Write `rows` synthetic YFCC100M rows (+ `bad_lines` malformed lines) to `out` and its truth JSON.

    `form` tsv (the Webscope file): compression follows the suffix (.bz2 via lbzip2/pbzip2 when on
    PATH unless `use_external` is False or $CCAUDIT_EXTERNAL_COMPRESSORS=0, else Python's bz2; .gz;
    .zst; anything else plain). The same arguments always give byte-identical uncompressed content.
    The other forms hold the same rows under the Multimedia Commons column names (see
    `_write_form`): `sqlite` (table yfcc100m_dataset), `jsonl-shards` (a folder of gzip shards
    000.gz ... fff.gz by the first three characters of `key`, as the `yfcc100m` downloader writes)
    and `parquet`; their ground truth is that of the 25-field TSV of the same seed, except for the
    malformed records, which are of the kinds the form can hold, with their locators in that form.
    """
    if form not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {form}")
    if form != "tsv":
        return _generate_form(Path(out), rows, seed, users, bad_lines, form, progress, _generate_tsv)
    return _generate_tsv(Path(out), rows, layout, seed, users, bad_lines, use_external, progress)


def _generate_tsv(
    out: Path,
    rows: int,
    layout: int,
    seed: int,
    users: int | None,
    bad_lines: int,
    use_external: bool | None,
    progress: bool | None,
    form: str = "tsv",
) -> GenerateResult:

    _check_arguments(out, rows, layout, seed, users, bad_lines)
    started = time.monotonic()
    user_count = users if users is not None else max(1, round(rows / ROWS_PER_UPLOADER))
    plan = _Plan(
        rows=rows,
        layout=layout,
        seed=seed,
        vocab=_vocabulary(seed),
        uploaders=_uploaders(user_count, seed),
        license_cdf=np.cumsum(_normalised([YFCC_LICENSE_TOTALS[i] for i in YFCC_LICENSE_IDS])),
        md5=duckdb.connect(config={"threads": 1}),
        form=form,
        kinds=FORM_BAD_KINDS[form],
    )
    tally = _Tally(user_count)
    truth_path = out.with_name(out.name + ".truth.json")
    unfinished = out.with_name(out.name + ".partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        bad = _plan_bad_lines(plan, bad_lines)
        compressor = _write_rows(
            plan, bad, tally, unfinished, out.suffix.lower().lstrip("."), use_external, progress
        )
        truth_path.unlink(missing_ok=True)  # never an old truth beside the new file
        os.replace(unfinished, out)
        truth = _truth(plan, tally, bad)
        truth_path.write_text(json.dumps(truth, indent=1) + "\n")
    except OSError as exc:  # disk full, no permission, a compressor that died: one clear line
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        plan.md5.close()
    return GenerateResult(
        path=out,
        truth_path=truth_path,
        truth=truth,
        seconds=time.monotonic() - started,
        bytes_written=out.stat().st_size,
        compressor=compressor,
    )


def _write_rows(
    plan: _Plan,
    bad: _BadLines,
    tally: _Tally,
    path: Path,
    suffix: str,
    use_external: bool | None,
    progress: bool | None,
) -> str:
    """Build and write every chunk; returns the compressor used. Removes `path` on failure."""

    sink = _Sink(path, suffix, use_external)
    try:
        with Progress(plan.rows, unit=" rows", label="generate", enabled=progress) as bar:
            lines = _LineWriter(bad)
            for start in range(0, plan.rows, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, plan.rows)
                rng = np.random.default_rng([plan.seed, start // CHUNK_ROWS])
                chunk = _build_chunk(plan, np.arange(start, stop), rng)
                tally.add(chunk)
                # Text formatting runs on the writer thread (polars releases the GIL) while this
                # thread builds the next chunk.
                sink.write(partial(lines.write, frame=chunk.frame, start=start, stop=stop))
                bar.update(stop - start)
        sink.close()
    except BaseException:
        sink.abort()
        path.unlink(missing_ok=True)
        raise
    return sink.compressor


def _check_arguments(out: Path, rows: int, layout: int, seed: int, users: int | None, bad_lines: int) -> None:
    if rows < 0:
        raise InputError(f"--rows must be >= 0, got {rows}")
    if seed < 0:
        raise InputError(f"--seed must be >= 0, got {seed}")
    if layout not in LAYOUT_FIELDS:
        raise InputError(f"--layout must be 25 or 23, got {layout}")
    if users is not None and not 1 <= users <= NSID_NUMBER_MAX - NSID_NUMBER_MIN:
        raise InputError(f"--users must be between 1 and {NSID_NUMBER_MAX - NSID_NUMBER_MIN:,}, got {users}")
    if bad_lines < 0:
        raise InputError(f"--bad-lines must be >= 0, got {bad_lines}")
    if bad_lines and rows == 0:
        raise InputError("--bad-lines needs at least one good row (--rows >= 1)")
    if rows + bad_lines > PHOTO_ID_MAX - PHOTO_ID_MIN:
        raise InputError(f"at most {PHOTO_ID_MAX - PHOTO_ID_MIN:,} lines fit the photo id range")
    if out.is_dir():
        raise InputError(f"output {out} is a folder; give a file name such as sample.tsv.bz2")
    if out.suffix.lower() in _UNSUPPORTED_COMPRESSION_SUFFIXES:
        raise InputError(f"cannot write {out.suffix} files; use .bz2, .gz, .zst, or no compression suffix")
