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

import bz2
import gzip
import hashlib
import io
import json
import os
import queue
import random
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote_plus

import adbc_driver_sqlite.dbapi as adbc_sqlite
import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from ..config import external_compressors_from_env
from ..errors import InputError
from ..licenses import LICENSES, YFCC_LICENSE_IDS
from ..progress import Progress

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

CHUNK_ROWS = 200_000  # rows built and written at a time: ~90 MB of text, memory stays flat
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


# --- vocabularies -------------------------------------------------------------------------------

# Vocabulary tables, kept compact.
# fmt: off
_WORDS = (
    "sunset", "beach", "mountain", "lake", "river", "city", "street", "night", "light", "snow", "winter",
    "summer", "spring", "autumn", "tree", "flower", "garden", "park", "bridge", "tower", "church",
    "castle", "harbour", "boat", "train", "station", "market", "cafe", "dog", "cat", "bird", "horse",
    "family", "friends", "wedding", "party", "concert", "festival", "museum", "statue", "graffiti", "sky",
    "clouds", "rain", "fog", "old", "new", "red", "blue", "green", "yellow", "black", "white", "little",
    "big", "morning", "evening", "road", "trip", "holiday", "vacation", "view", "from", "the", "of", "and",
    "at", "in", "on", "with", "my", "our", "first", "last", "day", "week", "walk", "portrait", "kids",
    "baby", "birthday", "dinner", "lunch", "food", "pizza", "coffee", "beer", "wine", "band", "stage",
    "crowd", "parade", "game", "team", "match", "run", "race",
)
_PLACES = (
    "Paris", "London", "New York", "Tokyo", "東京", "Zürich", "São Paulo", "Kraków", "Łódź", "Reykjavík",
    "Montréal", "Café de Flore", "Málaga", "Göteborg", "İstanbul", "Ñuñoa", "Москва", "Melbourne",
    "Helsinki", "Seattle", "Berlin", "Barcelona", "Amsterdam", "San Francisco", "Köln", "Crème brûlée",
)
_FIRST_NAMES = (
    "anna", "ben", "chris", "dan", "eva", "felix", "gina", "henri", "ivan", "julia", "kai", "lena", "marc",
    "nina", "oscar", "paula", "quinn", "rosa", "sam", "tom", "uma", "vera", "will", "xena", "yuki", "zoë",
    "josé", "björn", "renée", "søren",
)
_NICK_PARTS = (
    "photo", "foto", "pix", "shots", "lens", "eye", "images", "travels", "world", "light",
    "Indigo Skies Photography", "the wanderer", "bee", "cone", "skate", "dozer", "nino", "mdg",
)
_DEVICES = (
    "Canon PowerShot ELPH 310 HS", "Panasonic DMC-ZS10", "Canon PowerShot S2 IS",
    "Canon EOS DIGITAL REBEL XSi", "PENTAX Corporation PENTAX K10D", "Nokia N950", "SONY CLIE",
    "Canon PowerShot SD450", "Apple iPhone 4", "Apple iPhone 4S", "Apple iPhone 5", "Apple iPhone 3GS",
    "NIKON CORPORATION NIKON D90", "NIKON CORPORATION NIKON D700", "Canon Canon EOS 5D Mark II",
    "Canon Canon EOS 7D", "SONY DSLR-A200", "OLYMPUS IMAGING CORP. E-M5", "FUJIFILM FinePix S5600",
    "samsung GT-I9100", "Couragent, Inc. Flip-Pal 100C",
    "EASTMAN KODAK COMPANY KODAK EASYSHARE C743 ZOOM DIGITAL CAMERA", "Canon PowerShot G9",
    "LG Electronics LG-P500", "HTC HTC Desire", "Motorola DROIDX", "Casio EX-Z75", "Leica M9",
    "SONY NEX-5N", "Panasonic DMC-GF1",
)
# HTML-ish titles: the report must escape them.
_MARKUP_TITLES = (
    "<script>alert(1)</script>", '<b>bold</b> & "quoted"', "<img src=x onerror=alert(2)>",
    "Tom & Jerry <3", "</td></tr><marquee>hi</marquee>",
)
_MACHINE_TAGS = (
    "uploaded:by=instagram", "foursquare:venue=4b0c8ae7f964a520fd3d23e3", "camera:make=canon",
    "geo:country=france", "dc:identifier=1234", "flickriver:place=paris", "upcoming:event=12345",
    "lastfm:event=987654", "exif:iso_speed=200", "taxonomy:binomial=turdus merula",
)
# Licenses that resolve to no known id (both the name and the URL are unknown), for `license` bad lines.
_UNKNOWN_LICENSES = (
    ("Attribution 3.0 Unported License", "http://creativecommons.org/licenses/by/3.0/"),
    ("Attribution-NonCommercial 2.5 License", "http://creativecommons.org/licenses/by-nc/2.5/"),
    ("Some Rights Reserved", "http://creativecommons.org/licenses/by-nc-sa/3.0/"),
)
# (longitude, latitude, spread in degrees): geotags land near places people photograph.
_CITIES = (
    (-0.1276, 51.5072, 0.3), (2.3522, 48.8566, 0.3), (-74.006, 40.7128, 0.3), (139.6917, 35.6895, 0.4),
    (8.5417, 47.3769, 0.5), (-46.6333, -23.5505, 0.4), (19.945, 50.0647, 0.5), (-21.9426, 64.1466, 1.0),
    (-73.5673, 45.5017, 0.4), (144.9631, -37.8136, 0.5), (24.9384, 60.1699, 0.4),
    (-122.3321, 47.6062, 0.4), (13.405, 52.52, 0.4), (2.1734, 41.3851, 0.4), (4.9041, 52.3676, 0.3),
    (-122.4194, 37.7749, 0.3), (151.2093, -33.8688, 0.4), (-118.2437, 34.0522, 0.6),
    (-87.6298, 41.8781, 0.4), (12.4964, 41.9028, 0.3), (-3.7038, 40.4168, 0.4), (28.9784, 41.0082, 0.3),
    (37.6173, 55.7558, 0.4), (103.8198, 1.3521, 0.1), (-43.1729, -22.9068, 0.3), (18.4241, -33.9249, 0.4),
    (77.209, 28.6139, 0.4), (-99.1332, 19.4326, 0.4), (-157.8583, 21.3069, 0.8), (-110.5885, 44.428, 1.5),
    (86.925, 27.9881, 1.0), (-68.1193, -16.4897, 2.0),
)
# fmt: on
_ACCURACY_WEIGHTS = (0.2, 0.3, 0.6, 0.6, 0.6, 1.5, 1.0, 1.5, 1.5, 1.0, 3.0, 4.0, 6.0, 8.0, 14.0, 56.0)


def _encode(text: str) -> str:
    return quote_plus(text)


def _encode_tags(tags: list[str]) -> str:
    return ",".join(_encode(tag) for tag in tags)


@dataclass(frozen=True)
class _Vocab:
    """Pools of encoded text. Rows pick by index; the pools that may be empty end with ""."""
    titles: pl.Series  # plain titles, then the markup titles
    plain_titles: int
    descriptions: pl.Series
    user_tags: pl.Series
    machine_tags: pl.Series
    devices: pl.Series


_SENTENCE_WORDS = [*_WORDS, *(place.lower() for place in _PLACES)]
_TAG_WORDS = _SENTENCE_WORDS + [
    "black and white",
    "b&w",
    "canon",
    "nikon",
    "iphoneography",
    "hdr",
    "2012",
    "2013",
    "a,b",
]


def _sentence(rnd: random.Random, words: int) -> str:
    text = " ".join(rnd.choices(_SENTENCE_WORDS, k=words))
    return text[:1].upper() + text[1:]


def _title(rnd: random.Random) -> str:
    style = rnd.random()
    if style < 0.12:
        return ""
    if style < 0.35:  # camera file names, very common in YFCC100M titles
        return f"{rnd.choice(['IMG_', 'DSC_', 'DSCN', 'P', 'IMGP', 'DSC0'])}{rnd.randrange(1, 10000):04d}"
    if style < 0.55:
        return f"{rnd.choice(_PLACES)} {rnd.randrange(2004, 2015)}"
    return _sentence(rnd, rnd.randrange(1, 6))


def _description(rnd: random.Random) -> str:
    parts = [_sentence(rnd, rnd.randrange(4, 16)) + rnd.choice([".", "!", "?", ""])]
    style = rnd.random()
    if style < 0.3:
        parts.append(f'\n\n{_sentence(rnd, rnd.randrange(3, 10))} ("{rnd.randrange(1, 100)}" in all).')
    elif style < 0.45:
        parts.append(
            f' See <a href="http://www.flickr.com/photos/someone/{rnd.randrange(10**6, 10**10)}/">'
            f"this one</a> & more."
        )
    elif style < 0.55:
        parts.append(f"\nPhotographer: {rnd.choice(_FIRST_NAMES).title()} O'Shannessy, {rnd.choice(_PLACES)}")
    return "".join(parts)


def _tag_set(rnd: random.Random, pool: list[str], most: int) -> str:
    return _encode_tags(sorted(set(rnd.choices(pool, k=rnd.randrange(1, most + 1)))))


@lru_cache(maxsize=4)
def _vocabulary(seed: int) -> _Vocab:
    """Pre-encoded text pools; rows pick from them by index (cheap, and as repetitive as Flickr)."""
    rnd = random.Random(f"ccaudit-yfcc-vocabulary-{seed}")
    titles = [_encode(_title(rnd)) for _ in range(10_000)]
    descriptions = [_encode(_description(rnd)) for _ in range(3_000)]
    user_tags = [_tag_set(rnd, _TAG_WORDS, 11) for _ in range(10_000)]
    machine_tags = [_tag_set(rnd, list(_MACHINE_TAGS), 3) for _ in range(300)]
    return _Vocab(
        titles=pl.Series(titles + [_encode(t) for t in _MARKUP_TITLES]),
        plain_titles=len(titles),
        descriptions=pl.Series([*descriptions, ""]),
        user_tags=pl.Series([*user_tags, ""]),
        machine_tags=pl.Series([*machine_tags, ""]),
        devices=pl.Series([*(_encode(d) for d in _DEVICES), ""]),
    )


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
    license_cdf: np.ndarray = field(repr=False, default=None)
    md5: object = field(repr=False, default=None)  # a DuckDB connection, for its md5()
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

    ids, times = zip(*_UPLOAD_KNOTS)
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
    secret = _random_hex(rng, n, 10)
    secret_original = _random_hex(rng, n, 10)
    same = old & (rng.random(n) < 0.5)  # old photos often have secret original == secret
    secret_original[same] = secret[same]
    secret, secret_original = _fixed_strings(secret), _fixed_strings(secret_original)
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


def _write_tsv(frame: pl.DataFrame, stream: BinaryIO | None = None) -> bytes | None:
    """Rows as YFCC text: TAB-separated, no quoting (text is URL-encoded), empty for missing.

    Writes into `stream` when given, else returns the bytes."""
    target = stream if stream is not None else io.BytesIO()
    frame.write_csv(
        target, separator="\t", include_header=False, quote_style="never", null_value="", line_terminator="\n"
    )
    return None if stream is not None else target.getvalue()


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
        for i, (kind, line) in enumerate(zip(kinds, templates))
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


# --- output sinks -------------------------------------------------------------------------------


def _external_allowed(use_external: bool | None) -> bool:
    if use_external is not None:
        return use_external
    return external_compressors_from_env()


# Suffixes that promise a compression the generator does not write: refuse rather than write plain text.
_UNSUPPORTED_COMPRESSION_SUFFIXES = {".xz", ".lzma", ".lz4", ".zip", ".7z", ".br", ".z", ".lz", ".tgz"}

_EXTERNAL_TOOLS = {  # suffix -> (tool, arguments), first found on PATH wins
    "bz2": (("lbzip2", ["-c", "-9"]), ("pbzip2", ["-c", "-9"])),
    "gz": (("pigz", ["-c", "-6", "-n"]),),  # -n: no name or time stamp, so output is reproducible
}


def _open_compressor(
    file: BinaryIO, suffix: str, external: bool
) -> tuple[str, BinaryIO, subprocess.Popen | None]:
    """(name, stream to write into, child process or None) for the output suffix."""
    for tool, arguments in _EXTERNAL_TOOLS.get(suffix, ()) if external else ():
        if executable := shutil.which(tool):
            process = subprocess.Popen([executable, *arguments], stdin=subprocess.PIPE, stdout=file)
            return tool, process.stdin, process
    if suffix == "bz2":
        return "python-bz2", _ParallelBz2Writer(file), None
    if suffix == "gz":
        return (
            "python-gzip",
            gzip.GzipFile(filename="", mode="wb", fileobj=file, compresslevel=6, mtime=0),
            None,
        )
    if suffix == "zst":
        return (
            "zstandard",
            zstandard.ZstdCompressor(level=3, threads=-1).stream_writer(file, closefd=False),
            None,
        )
    return "none", file, None


class _ParallelBz2Writer:
    """bz2 on every core without lbzip2: the text is cut into pieces compressed in a thread pool
    (bz2.compress releases the GIL) and written in order as consecutive bz2 streams. Multi-stream
    files are standard (pbzip2 writes them too); bzip2, lbzip2 and Python's bz2 read them whole."""
    PIECE = 4 << 20  # bytes of text per stream: bz2 works in 900 KB blocks anyway

    def __init__(self, file: BinaryIO):
        self.file = file
        self.workers = max(1, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ccaudit-bz2")
        self.pending: list = []  # futures, in file order
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) >= self.PIECE:
            self._submit(bytes(self.buffer[: self.PIECE]))
            del self.buffer[: self.PIECE]
        return len(data)

    def _submit(self, piece: bytes) -> None:
        self.pending.append(self.pool.submit(bz2.compress, piece, 9))
        while len(self.pending) > 2 * self.workers:  # bounded memory: wait for the oldest piece
            self.file.write(self.pending.pop(0).result())

    def close(self) -> None:
        if self.buffer:
            self._submit(bytes(self.buffer))
            self.buffer.clear()
        for future in self.pending:
            self.file.write(future.result())
        self.pending.clear()
        self.pool.shutdown()

    def abort(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class _Sink:
    """A file that compresses by suffix, written by a background thread so that formatting and
    compression overlap with building the next chunk."""
    def __init__(self, path: Path, suffix: str, use_external: bool | None):
        self.path = path
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close() or abort())
        self.compressor, self.stream, self.process = _open_compressor(
            self.file, suffix, _external_allowed(use_external)
        )
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: Exception | None = None
        self.aborted = False
        self.thread = threading.Thread(target=self._drain, name="ccaudit-generate-writer", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while (job := self.queue.get()) is not None:
            if self.error is not None or self.aborted:
                continue
            try:
                if callable(job):
                    job(self.stream)
                else:
                    self.stream.write(job)
            except Exception as exc:  # noqa: BLE001 (re-raised to the producer in write()/close())
                self.error = exc

    def write(self, job: bytes | Callable[[BinaryIO], None]) -> None:
        """Queue bytes, or a function that writes into the stream (run on the writer thread, in order)."""
        if self.error is not None:
            raise self.error
        self.queue.put(job)

    def close(self) -> None:
        self._stop_thread()
        if self.error is not None:
            raise self.error
        try:
            if self.stream is not self.file:
                self.stream.close()
            if self.process is not None and self.process.wait() != 0:
                raise InputError(
                    f"{self.compressor} failed (exit code {self.process.returncode}) writing {self.path}"
                )
        finally:
            self.file.close()

    def abort(self) -> None:
        self.aborted = True
        self._stop_thread()
        if abort_stream := getattr(self.stream, "abort", None):
            abort_stream()
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.file.close()

    def _stop_thread(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


# --- ground truth -------------------------------------------------------------------------------


@dataclass
class _Tally:
    users: int
    license_counts: np.ndarray = None
    owner_counts: np.ndarray = None
    videos: int = 0
    geotagged: int = 0
    taken: np.ndarray = None
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
        kind: [p for p, k in zip(bad.positions, bad.kinds, strict=True) if k == kind]
        for kind in plan.kinds
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
        return _generate_form(Path(out), rows, seed, users, bad_lines, form, progress)
    return _generate_tsv(Path(out), rows, layout, seed, users, bad_lines, use_external, progress)


def _generate_tsv(out: Path, rows: int, layout: int, seed: int, users: int | None, bad_lines: int,
                  use_external: bool | None, progress: bool | None, form: str = "tsv") -> GenerateResult:

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


# --- the other forms: SQLite, gzip JSON-lines shards, Parquet --------------------------------------

# Multimedia Commons column names, in the order of the 25-field TSV (line number and hash dropped;
# the hash comes back as the downloader's `key`).
FORM_COLUMNS = {
    "photo_id": "photoid", "user_nsid": "uid", "user_nickname": "unickname", "date_taken": "datetaken",
    "date_uploaded": "dateuploaded", "capture_device": "capturedevice", "title": "title",
    "description": "description", "user_tags": "usertags", "machine_tags": "machinetags",
    "longitude": "longitude", "latitude": "latitude", "accuracy": "accuracy", "page_url": "pageurl",
    "download_url": "downloadurl", "license_name": "licensename", "license_url": "licenseurl",
    "server_id": "serverid", "farm_id": "farmid", "secret": "secret", "secret_original": "secretoriginal",
    "extension": "ext", "marker": "marker", "photo_hash": "key",
}
SQLITE_TABLE = "yfcc100m_dataset"
_SQLITE_TYPES = {"photoid": "INTEGER", "longitude": "REAL", "latitude": "REAL", "accuracy": "INTEGER"}
_FORM_BATCH_ROWS = 200_000


def _generate_form(out: Path, rows: int, seed: int, users: int | None, bad_lines: int, form: str,
                   progress: bool | None) -> GenerateResult:
    """The 25-field TSV of the same seed, written to a temporary file, then converted to `form`."""
    started = time.monotonic()
    if form != "jsonl-shards" and out.is_dir():
        raise InputError(f"output {out} is a folder; give a file name such as sample.{form}")
    tsv = out.with_name(f".{out.name}.tsv")
    try:
        result = _generate_tsv(tsv, rows, 25, seed, users, bad_lines, False, progress, form=form)
        truth = result.truth
        partial = out.with_name(out.name + ".partial")
        _remove(partial)
        locators = _write_form(tsv, partial, form, truth)
        _remove(out)
        os.replace(partial, out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        tsv.unlink(missing_ok=True)
        tsv.with_name(tsv.name + ".truth.json").unlink(missing_ok=True)
    truth = {**truth, "format": form, "fields": [FORM_COLUMNS[name] for name in FIELDS_25 if name in FORM_COLUMNS
                                                   and (form != "sqlite" or name != "photo_hash")]}
    truth["layout"] = 23 if form == "sqlite" else 24
    if locators is not None:
        truth["bad_line_numbers"] = locators
        truth["notes"] = {**truth["notes"], "bad_line_numbers": "shard file name and 1-based line in it, per kind"}
    else:
        truth["notes"] = {**truth["notes"], "bad_line_numbers":
                          "1-based row number (the SQLite rowid, the Parquet row), per kind"}
    truth_path = out.with_name(out.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n")
    size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else out.stat().st_size
    return GenerateResult(path=out, truth_path=truth_path, truth=truth, seconds=time.monotonic() - started,
                          bytes_written=size, compressor={"sqlite": "sqlite", "parquet": "parquet"}.get(form, "gzip"))


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _form_batches(tsv: Path):
    """The TSV's rows as polars frames of text columns named as in the Multimedia Commons file, with
    `tsv_line` (1-based physical line). Every line has 25 fields in these forms' TSVs. DuckDB
    reads them in file order (one thread, streamed in batches)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("SET enable_progress_bar = false")
        columns = {FORM_COLUMNS.get(name, name): "VARCHAR" for name in FIELDS_25}
        con.execute("SET VARIABLE form_source = ?", [str(tsv)])
        con.execute("SET VARIABLE form_columns = ?", [columns])
        reader = con.sql("SELECT * EXCLUDE (line_number) FROM read_csv(getvariable('form_source'), "
                         "columns = getvariable('form_columns'), delim = '\t', quote = '', escape = '', "
                         "header = false, auto_detect = false)").to_arrow_reader(_FORM_BATCH_ROWS)
        line = 1
        for batch in reader:
            frame = pl.from_arrow(batch).with_columns(pl.all().fill_null(""))
            yield frame.with_columns(tsv_line=pl.int_range(line, line + frame.height, dtype=pl.Int64))
            line += frame.height
    finally:
        con.close()


def _typed(frame):
    """Numbers as the Multimedia Commons file and the downloader store them: empty is null."""
    return frame.with_columns(
        pl.col("longitude").replace("", None).cast(pl.Float64),
        pl.col("latitude").replace("", None).cast(pl.Float64),
        pl.col("accuracy").replace("", None).cast(pl.Int64),
    )


def _write_form(tsv: Path, out: Path, form: str, truth: dict) -> dict | None:
    """Convert the TSV to `form` at `out`; for shards, returns the bad records' shard:line locators."""
    if form == "sqlite":
        _write_sqlite(tsv, out)
    elif form == "parquet":
        _write_parquet(tsv, out, any(truth["bad_line_numbers"].get("photo_id", [])))
    else:
        return _write_shards(tsv, out, truth)
    return None


def _write_sqlite(tsv: Path, out: Path) -> None:
    """Python's sqlite3 declares the table (typed as the published file: INTEGER photoid, REAL
    coordinates); ADBC appends Arrow batches (rowid = TSV line)."""


    columns = [FORM_COLUMNS[name] for name in FIELDS_25 if name in FORM_COLUMNS and name != "photo_hash"]
    con = sqlite3.connect(out)
    declared = ", ".join(f"{c} {_SQLITE_TYPES.get(c, 'TEXT')}" for c in columns)
    con.execute(f"CREATE TABLE {SQLITE_TABLE} ({declared})")
    con.commit()
    con.close()
    with adbc_sqlite.connect(str(out)) as adbc:
        cursor = adbc.cursor()
        for frame in _form_batches(tsv):
            cursor.adbc_ingest(SQLITE_TABLE, _typed(frame).select(columns).to_arrow(), mode="append")
        adbc.commit()
        cursor.close()


def _write_parquet(tsv: Path, out: Path, bad_ids: bool) -> None:

    writer = None
    try:
        for frame in _form_batches(tsv):
            frame = _typed(frame).drop("tsv_line")
            if not bad_ids:
                frame = frame.with_columns(pl.col("photoid").cast(pl.Int64), pl.col("dateuploaded").cast(pl.Int64))
            table = frame.to_arrow()
            writer = writer or pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer:
            writer.close()


def _write_shards(tsv: Path, out: Path, truth: dict) -> dict:
    """gzip JSON-lines shards named by the first 3 characters of `key`, one gzip member appended
    per batch (as the downloader appends), photoid a JSON number unless it is not one."""


    out.mkdir(parents=True)
    wanted = {line: kind for kind, lines in truth["bad_line_numbers"].items() for line in lines}
    json_lines = {line for line, kind in wanted.items() if kind == "json"}
    shard_lines: dict[str, int] = {}
    locators: dict[str, list[str]] = {kind: [] for kind in truth["bad_line_numbers"]}
    for frame in _form_batches(tsv):
        numeric = pl.col("photoid").str.contains(r"^[0-9]{1,18}$")
        rest = _typed(frame).drop("photoid", "tsv_line").select(pl.struct(pl.all()).struct.json_encode().alias("j"))
        frame = frame.with_columns(
            shard=pl.col("key").str.slice(0, 3),
            line=pl.concat_str(
                pl.lit('{"photoid": '),
                pl.when(numeric).then(pl.col("photoid")).otherwise(pl.concat_str(pl.lit('"'), pl.col("photoid"),
                                                                                pl.lit('"'))),
                pl.lit(", "), rest["j"].str.slice(1)),
        )
        if json_lines:  # a line cut in half: not a JSON object
            cut = pl.col("tsv_line").is_in(list(json_lines))
            frame = frame.with_columns(line=pl.when(cut).then(pl.col("line").str.slice(0, 40)).otherwise(pl.col("line")))
        for (shard,), part in frame.partition_by("shard", maintain_order=True, as_dict=True).items():
            first = shard_lines.get(shard, 0)
            shard_lines[shard] = first + part.height
            for offset, tsv_line in enumerate(part["tsv_line"].to_list(), start=first + 1):
                if tsv_line in wanted:
                    locators[wanted[tsv_line]].append(f"{shard}.gz:{offset}")
            with gzip.open(out / f"{shard}.gz", "ab", compresslevel=1) as handle:
                handle.write(("\n".join(part["line"].to_list()) + "\n").encode())
    return {kind: sorted(items) for kind, items in locators.items()}
