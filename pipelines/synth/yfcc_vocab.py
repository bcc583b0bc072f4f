"""The vocabularies synthetic YFCC100M text is drawn from (titles, descriptions, tags, devices, names),
URL-encoded as the dump publishes free text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus

import polars as pl

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
