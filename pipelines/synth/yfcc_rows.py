"""Synthetic YFCC100M rows, a chunk at a time: the published field layout, unique ids by a keyed
permutation, Zipf-distributed uploaders, licenses in their published proportions (see yfcc.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, overload

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from ..licenses import LICENSES, YFCC_LICENSE_IDS
from .yfcc_vocab import (
    _ACCURACY_WEIGHTS,
    _CITIES,
    _DEVICES,
    _FIRST_NAMES,
    _MARKUP_TITLES,
    _NICK_PARTS,
    _encode,
    _Vocab,
)

FIELDS_25 = (
    "line_number",
    "photo_id",
    "photo_hash",
    "user_nsid",
    "user_nickname",
    "date_taken",
    "date_uploaded",
    "capture_device",
    "title",
    "description",
    "user_tags",
    "machine_tags",
    "longitude",
    "latitude",
    "accuracy",
    "page_url",
    "download_url",
    "license_name",
    "license_url",
    "server_id",
    "farm_id",
    "secret",
    "secret_original",
    "extension",
    "marker",
)
FIELDS_23 = tuple(name for name in FIELDS_25 if name not in ("line_number", "photo_hash"))
LAYOUT_FIELDS = {25: FIELDS_25, 23: FIELDS_23}

BAD_LINE_KINDS = ("field_count", "photo_id", "license", "encoding", "duplicate_photo_id")
FORMATS = ("tsv", "sqlite", "jsonl-shards", "parquet")
# Bad records each form can hold: a wrong field count exists only in TSV; JSON lines have a line
# that is not a JSON object instead; a SQLite or Parquet row always has its columns.
FORM_BAD_KINDS = {
    "tsv": BAD_LINE_KINDS,
    "jsonl-shards": ("json", "photo_id", "license", "encoding", "duplicate_photo_id"),
    "sqlite": ("photo_id", "license", "encoding", "duplicate_photo_id"),
    "parquet": ("photo_id", "license", "encoding", "duplicate_photo_id"),
}

# Published totals per license (photos + videos), code.flickr.net; keyed by Flickr license id.
YFCC_LICENSE_TOTALS = {4: 17_347_647, 5: 9_480_270, 6: 4_948_308, 2: 12_777_173, 1: 29_012_154, 3: 26_434_448}


ROWS_PER_UPLOADER = 170  # YFCC100M: 100M rows / 581,099 uploaders
VIDEO_SHARE = 0.0079  # 793,436 / 100M
GEOTAGGED_SHARE = 0.49  # "about 48 million photos are geotagged"
TAKEN_NULL_SHARE = 0.005
TAKEN_FUTURE_SHARE = 0.0005  # e.g. 4501-01-01 00:00:00.0, as in real row 10642543105
TAKEN_AFTER_UPLOAD_SHARE = 0.0005
MARKUP_TITLE_SHARE = 0.0005  # HTML-ish titles the report must escape
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 3.0  # Zipf-Mandelbrot offset: heavy head without one user owning 10% of rows

# Photo id -> upload time (epoch seconds): Flickr ids grow with upload time. Knots are real
# YFCC100M rows (id, date uploaded), plus Flickr's launch and the end of the crawl.
_UPLOAD_KNOTS = (
    (10_000, 1_076_371_200),
    (7_088_065, 1_111_467_388),
    (343_224_206, 1_167_783_247),
    (2_297_552_664, 1_204_166_915),
    (4_140_939_180, 1_259_417_601),
    (6_162_540_254, 1_316_432_672),
    (6_985_418_911, 1_331_840_483),
    (7_289_030_198, 1_338_233_199),
    (10_201_275_523, 1_381_464_628),
    (10_642_543_105, 1_383_473_251),
    (12_000_000_000, 1_391_212_800),
)
PHOTO_ID_MIN, PHOTO_ID_MAX = _UPLOAD_KNOTS[0][0], _UPLOAD_KNOTS[-1][0]
NSID_NUMBER_MIN, NSID_NUMBER_MAX = 1_000_000, 99_999_999


# --- the YFCC hash ----------------------------------------------------------------------------


def yfcc_hash(download_url: str) -> str:
    """YFCC100M's photo hash: MD5 of the download URL, each byte as `%x` (leading zero dropped)."""
    return "".join(f"{byte:x}" for byte in hashlib.md5(download_url.encode()).digest())


def _hashes(download_urls: pl.Series, con) -> pl.Series:
    """`yfcc_hash` for a whole column: MD5 in DuckDB (a quarter of hashlib's CPU time per URL), then
    the hex digits with every byte's leading zero dropped, vectorised."""
    urls = download_urls.to_frame("url")  # noqa: F841 (scanned by name below)
    hex_column = con.sql("SELECT md5(url) AS h FROM urls").to_arrow_table().column("h").combine_chunks()
    _, offsets, data = hex_column.buffers()[:3]
    width = 32
    offset_type = np.int64 if pa.types.is_large_string(hex_column.type) else np.int32
    first = np.frombuffer(offsets, dtype=offset_type)[hex_column.offset]
    chars = np.frombuffer(data, dtype=np.uint8)[first : first + width * len(hex_column)].reshape(-1, width)
    keep = np.ones(chars.shape, dtype=bool)
    keep[:, 0::2] = chars[:, 0::2] != ord("0")
    return _strings_from_bytes(chars[keep], keep.sum(axis=1))


def _strings_from_bytes(data: np.ndarray, lengths: np.ndarray) -> pl.Series:
    """A polars string Series from concatenated UTF-8 bytes and per-string lengths (no Python loop)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.LargeStringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data, dtype=np.uint8))
    )
    return pl.Series(array)


def _where(mask: np.ndarray, then: pl.Series | str, otherwise: pl.Series | str | None = "") -> pl.Series:
    """Element-wise `then` where mask is true, else `otherwise`; a str is a constant, None is missing."""

    def literal(value: pl.Series | str | None) -> pl.Expr:
        return pl.lit(value) if isinstance(value, pl.Series) else pl.lit(value, dtype=pl.String)

    return pl.select(
        pl.when(pl.lit(pl.Series(mask))).then(literal(then)).otherwise(literal(otherwise))
    ).to_series()


def _concat(*parts: pl.Series | str) -> pl.Series:
    """Row-wise string concatenation of Series (cast to text) and constant strings."""
    exprs = [pl.lit(part) if isinstance(part, str) else pl.lit(part).cast(pl.String) for part in parts]
    return pl.select(pl.concat_str(exprs)).to_series()


def _random_hex(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """n random lowercase hex strings of even `width`, as an (n, width) array of ASCII codes."""
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    random_bytes = np.frombuffer(rng.bytes(n * width // 2), dtype=np.uint8).reshape(n, width // 2)
    chars = np.empty((n, width), dtype=np.uint8)
    chars[:, 0::2] = hex_digits[random_bytes >> 4]
    chars[:, 1::2] = hex_digits[random_bytes & 15]
    return chars


def _fixed_strings(chars: np.ndarray) -> pl.Series:
    """A string Series from an (n, width) array of ASCII codes."""
    return _strings_from_bytes(chars.ravel(), np.full(len(chars), chars.shape[1], dtype=np.int64))


def _numbers_as_text(values: np.ndarray, largest: int) -> pl.Series:
    """Small non-negative integers as text, by lookup (cheaper than casting each chunk)."""
    return _number_strings(largest).gather(np.asarray(values, dtype=np.int64))


@lru_cache(maxsize=8)
def _number_strings(largest: int) -> pl.Series:

    return pl.Series([str(i) for i in range(largest + 1)])


# --- unique ids by a keyed permutation ----------------------------------------------------------


def _feistel(values: np.ndarray, half_bits: int, key: int) -> np.ndarray:
    """A keyed bijection on [0, 2**(2*half_bits)): four Feistel rounds with a multiply-xorshift mix."""
    mask = np.uint64((1 << half_bits) - 1)
    left, right = values >> np.uint64(half_bits), values & mask
    for round_no in range(4):
        round_key = np.uint64((key * 0x9E3779B97F4A7C15 + round_no * 0xBF58476D1CE4E5B9) % (1 << 64))
        mixed = (right ^ round_key) * np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(29)
        left, right = right, left ^ (mixed & mask)
    return (left << np.uint64(half_bits)) | right


def _permute(indices: np.ndarray, size: int, key: int) -> np.ndarray:
    """Map distinct indices in [0, size) to distinct, scattered values in [0, size) (cycle walking)."""
    half_bits = max(1, ((size - 1).bit_length() + 1) // 2)
    values = _feistel(indices.astype(np.uint64), half_bits, key)
    outside = values >= size
    while outside.any():
        values[outside] = _feistel(values[outside], half_bits, key)
        outside = values >= size
    return values.astype(np.int64)


# --- uploaders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Uploaders:
    nsids: pl.Series  # by uploader rank: rank 0 uploads most
    nicknames: pl.Series
    cdf: np.ndarray  # cumulative Zipf weights for picking an uploader per row
    device: np.ndarray  # preferred capture device index (-1: none recorded)
    home_city: np.ndarray  # index into _CITIES


def _uploaders(count: int, seed: int) -> _Uploaders:

    rng = np.random.default_rng([seed, 202])
    ranks = np.arange(count)
    numbers = NSID_NUMBER_MIN + _permute(ranks, NSID_NUMBER_MAX - NSID_NUMBER_MIN + 1, seed * 7 + 3)
    suffixes = rng.choice(9, size=count, p=_normalised([40, 8, 8, 8, 8, 8, 8, 6, 6]))
    nsids = _concat(pl.Series(numbers), "@N0", pl.Series(suffixes))
    weights = 1.0 / (ranks + ZIPF_OFFSET) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return _Uploaders(
        nsids=nsids,
        nicknames=_nicknames(rng, count),
        cdf=cdf,
        device=np.where(rng.random(count) < 0.15, -1, rng.integers(0, len(_DEVICES), count)),
        home_city=rng.integers(0, len(_CITIES), count),
    )


def _nicknames(rng: np.random.Generator, count: int) -> pl.Series:
    """Nicknames from a small pool of parts, so different NSIDs sometimes share one (as in YFCC100M)."""
    firsts = pl.Series([_encode(name) for name in _FIRST_NAMES])
    parts = pl.Series([_encode(part) for part in _NICK_PARTS])
    separators = pl.Series(["", ".", "_", "+"])
    digits = pl.Series(rng.integers(0, 1000, count)).cast(pl.String)
    return _concat(
        firsts.gather(rng.integers(0, len(firsts), count)),
        separators.gather(rng.integers(0, len(separators), count)),
        parts.gather(rng.integers(0, len(parts), count)),
        _where(rng.random(count) < 0.5, digits),
    )


def _normalised(weights) -> np.ndarray:

    array = np.asarray(weights, dtype=float)
    return array / array.sum()


# --- one chunk of rows --------------------------------------------------------------------------


@dataclass
class _Plan:
    rows: int
    layout: int
    seed: int
    vocab: _Vocab
    uploaders: _Uploaders
    license_cdf: np.ndarray = field(repr=False)
    md5: duckdb.DuckDBPyConnection = field(repr=False)  # for its md5()
    form: str = "tsv"
    kinds: tuple[str, ...] = BAD_LINE_KINDS

    @property
    def id_key(self) -> int:
        return self.seed * 31 + 17


@dataclass
class _Chunk:
    """One chunk's rows as text columns, plus the arrays the ground truth is counted from."""

    frame: pl.DataFrame
    owner: np.ndarray
    license_index: np.ndarray
    is_video: np.ndarray
    geotagged: np.ndarray
    taken_kind: np.ndarray  # 0 plausible, 1 null, 2 far future, 3 after upload
    markup_title: np.ndarray


def _photo_ids(indices: np.ndarray, key: int) -> np.ndarray:
    return PHOTO_ID_MIN + _permute(indices, PHOTO_ID_MAX - PHOTO_ID_MIN, key)


def _upload_times(photo_ids: np.ndarray) -> np.ndarray:

    ids, times = zip(*_UPLOAD_KNOTS, strict=True)
    return np.interp(photo_ids, ids, times).astype(np.int64)


def _taken(rng: np.random.Generator, uploaded: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """Date taken strings and their kind; plausible ones strictly before the upload."""
    n = len(uploaded)
    lag = np.exp(rng.normal(np.log(3 * 86_400), 2.2, n)).clip(60, 25 * 365 * 86_400).astype(np.int64)
    after = uploaded + rng.integers(86_400, 3 * 365 * 86_400, n)
    draw = rng.random(n)
    kind = np.zeros(n, dtype=np.int8)
    kind[draw < TAKEN_NULL_SHARE] = 1
    cut = TAKEN_NULL_SHARE
    kind[(draw >= cut) & (draw < cut + TAKEN_FUTURE_SHARE)] = 2
    cut += TAKEN_FUTURE_SHARE
    kind[(draw >= cut) & (draw < cut + TAKEN_AFTER_UPLOAD_SHARE)] = 3
    seconds = np.where(kind == 3, after, uploaded - lag)
    text = pl.from_epoch(pl.Series(seconds), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S.0")
    for special, value in ((1, "null"), (2, "4501-01-01 00:00:00.0")):  # rare: overwrite in place
        if (rows := np.flatnonzero(kind == special)).size:
            text = text.scatter(rows, value)
    return text, kind


def _coordinates(rng: np.random.Generator, owner: np.ndarray, plan: _Plan, geotagged: np.ndarray):

    n = len(owner)
    cities = np.asarray(_CITIES)
    city = np.where(rng.random(n) < 0.7, plan.uploaders.home_city[owner], rng.integers(0, len(_CITIES), n))
    lon = cities[city, 0] + rng.normal(0, 1, n) * cities[city, 2]
    lat = (cities[city, 1] + rng.normal(0, 1, n) * cities[city, 2]).clip(-89.9, 89.9)
    lon = (lon + 180.0) % 360.0 - 180.0
    accuracy = rng.choice(16, size=n, p=_normalised(_ACCURACY_WEIGHTS)) + 1

    def degrees(values: np.ndarray) -> pl.Series:  # missing (written empty) when not geotagged
        return pl.Series(np.where(geotagged, np.round(values, 6), np.nan), nan_to_null=True).cast(pl.String)

    return (
        degrees(lon),
        degrees(lat),
        _numbers_as_text(np.where(geotagged, accuracy, 0), 16).scatter(np.flatnonzero(~geotagged), None),
    )


def _pick(rng: np.random.Generator, pool: pl.Series, n: int, filled_share: float) -> pl.Series:
    """Pick from a pool of encoded strings that ends with "" ; the other rows get that empty string."""
    empty = len(pool) - 1
    return pool.gather(np.where(rng.random(n) < filled_share, rng.integers(0, empty, n), empty))


def _build_chunk(plan: _Plan, indices: np.ndarray, rng: np.random.Generator) -> _Chunk:

    n = len(indices)
    vocab, uploaders = plan.vocab, plan.uploaders
    photo_id = _photo_ids(indices, plan.id_key)
    owner = np.searchsorted(uploaders.cdf, rng.random(n), side="right").clip(0, len(uploaders.cdf) - 1)
    license_index = np.searchsorted(plan.license_cdf, rng.random(n), side="right").clip(0, 5)
    is_video = rng.random(n) < VIDEO_SHARE
    geotagged = rng.random(n) < GEOTAGGED_SHARE
    uploaded = _upload_times(photo_id) + rng.integers(0, 600, n)
    taken, taken_kind = _taken(rng, uploaded)
    lon, lat, accuracy = _coordinates(rng, owner, plan, geotagged)

    device_index = np.where(rng.random(n) < 0.8, uploaders.device[owner], rng.integers(-1, len(_DEVICES), n))
    devices = vocab.devices.gather(device_index)  # -1: the pool's last entry, ""
    markup_title = rng.random(n) < MARKUP_TITLE_SHARE
    title_index = rng.integers(0, vocab.plain_titles, n)
    title_index[markup_title] = vocab.plain_titles + rng.integers(0, len(_MARKUP_TITLES), markup_title.sum())

    server = rng.integers(1, 9_999, n)
    old = photo_id < 1_000_000_000
    server = np.where(old, server % 3_000 + 1, server)
    farm = np.minimum(server // 1000 + 1, 9)
    secret_codes = _random_hex(rng, n, 10)
    original_codes = _random_hex(rng, n, 10)
    same = old & (rng.random(n) < 0.5)  # old photos often have secret original == secret
    original_codes[same] = secret_codes[same]
    secret, secret_original = _fixed_strings(secret_codes), _fixed_strings(original_codes)
    extension = np.where(is_video, 3, rng.choice(3, size=n, p=[0.95, 0.03, 0.02]))

    license_names = pl.Series([LICENSES[i].name_before_2025 for i in YFCC_LICENSE_IDS])
    license_urls = pl.Series([_yfcc_license_url(i) for i in YFCC_LICENSE_IDS])
    columns = pl.DataFrame(
        {
            "line_number": pl.Series(indices).cast(pl.String),
            "photo_id": pl.Series(photo_id).cast(pl.String),
            "user_nsid": uploaders.nsids.gather(owner),
            "user_nickname": uploaders.nicknames.gather(owner),
            "date_taken": taken,
            "date_uploaded": pl.Series(uploaded).cast(pl.String),
            "capture_device": devices,
            "title": vocab.titles.gather(title_index),
            "description": _pick(rng, vocab.descriptions, n, 0.45),
            "user_tags": _pick(rng, vocab.user_tags, n, 0.65),
            "machine_tags": _pick(rng, vocab.machine_tags, n, 0.06),
            "longitude": lon,
            "latitude": lat,
            "accuracy": accuracy,
            "license_name": license_names.gather(license_index),
            "license_url": license_urls.gather(license_index),
            "server_id": pl.Series(server).cast(pl.String),
            "farm_id": _numbers_as_text(farm, 9),
            "secret": secret,
            "secret_original": secret_original,
            "extension": pl.Series(["jpg", "png", "gif", "mp4"]).gather(extension),
            "marker": _numbers_as_text(is_video, 1),
        }
    )
    frame = columns.with_columns(
        page_url=_concat(
            "http://www.flickr.com/photos/", columns["user_nsid"], "/", columns["photo_id"], "/"
        ),
        download_url=_concat(
            "http://farm",
            columns["farm_id"],
            ".staticflickr.com/",
            columns["server_id"],
            "/",
            columns["photo_id"],
            "_",
            secret,
            ".jpg",
        ),
    )
    if plan.layout == 25:
        frame = frame.with_columns(photo_hash=_hashes(frame["download_url"], plan.md5))
    frame = frame.select(LAYOUT_FIELDS[plan.layout])
    return _Chunk(
        frame=frame,
        owner=owner,
        license_index=license_index,
        is_video=is_video,
        geotagged=geotagged,
        taken_kind=taken_kind,
        markup_title=markup_title,
    )


def _yfcc_license_url(license_id: int) -> str:
    """The license URL as YFCC100M publishes it: the canonical 2.0 URL with http://."""
    return LICENSES[license_id].url.replace("https://", "http://", 1)


@overload
def _write_tsv(frame: pl.DataFrame, stream: None = None) -> bytes: ...
@overload
def _write_tsv(frame: pl.DataFrame, stream: BinaryIO) -> None: ...
def _write_tsv(frame: pl.DataFrame, stream: BinaryIO | None = None) -> bytes | None:
    """Rows as YFCC text: TAB-separated, no quoting (text is URL-encoded), empty for missing.

    Writes into `stream` when given, else returns the bytes."""
    buffer = io.BytesIO()
    frame.write_csv(
        stream if stream is not None else buffer,
        separator="\t",
        include_header=False,
        quote_style="never",
        null_value="",
        line_terminator="\n",
    )
    return None if stream is not None else buffer.getvalue()


# --- results ----------------------------------------------------------------------------------


@dataclass
class GenerateResult:
    path: Path
    truth_path: Path
    truth: dict
    seconds: float
    bytes_written: int = 0
    compressor: str = "none"

    @property
    def rows_per_second(self) -> float:
        return self.truth["rows"] / self.seconds if self.seconds > 0 else 0.0

    def summary_text(self) -> str:
        truth = self.truth
        bad = f" + {truth['bad_lines']:,} malformed" if truth["bad_lines"] else ""
        return (
            f"wrote {truth['rows']:,} rows{bad} ({truth['layout']} fields) to {self.path} "
            f"[{self.compressor}, {self.bytes_written:,} bytes] in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s)\nground truth: {self.truth_path}"
        )

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "truth_path": str(self.truth_path),
            "seconds": round(self.seconds, 3),
            "bytes": self.bytes_written,
            "compressor": self.compressor,
            "rows_per_second": round(self.rows_per_second),
            "truth": self.truth,
        }
