"""NVIDIA FFHQ `ffhq-dataset-v2.json`: a dict keyed by image index, streamed item by item.

Each value's `metadata` block ships `photo_url` (photo id and owner alias/NSID), `author`,
`license` and `license_url`: FFHQ is one of the few manifests that declares license and credit
per item, so both are kept for the attribution and license-mismatch reports. Its `country` (where
the photo was taken, when Flickr knew) is counted, not stored: the privacy section says how many
items the manifest itself places. The latest `date_crawled` is when the collection finished: the
dataset's collection date when neither --collected-on nor the catalogue gives one.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...flickr.urls import FlickrUrlError, parse_photo_ref
from ...licenses import resolve_license
from .base import ManifestFormat, StagingSink, auditable, crawl_date, open_text  # noqa: F401
from .jsonstream import JsonStream

FORMAT = ManifestFormat("ffhq", "NVIDIA FFHQ `ffhq-dataset-v2.json`: photo URL, author and license per image")


def parse(path: Path, sink: StagingSink) -> None:
    with open_text(path) as handle:
        stream = JsonStream(handle, str(path))
        for ordinal, key in enumerate(stream.members(), start=1):
            _item(sink, key, stream.value(), ordinal)


def _item(sink: StagingSink, key: str, value: object, ordinal: int) -> None:
    meta = value.get("metadata") if isinstance(value, dict) else None
    if not isinstance(meta, dict):
        sink.reject(ordinal, "parse: item has no metadata object", _raw(key, value))
        return
    url = meta.get("photo_url")
    try:
        ref = parse_photo_ref(url if isinstance(url, str) else "")
    except FlickrUrlError as exc:
        sink.reject(ordinal, f"url: not a Flickr photo URL ({exc})", _raw(key, value))
        return
    name, license_url = _text(meta.get("license")), _text(meta.get("license_url"))
    license_id, _problem = resolve_license(name, license_url) if (name or license_url) else (None, None)
    sink.item(
        key,
        ref.photo_id,
        owner_ref=ref.owner,
        license_id=license_id,
        license_raw=license_url or name,
        author=_text(meta.get("author")),
        source_url=url,
        line=ordinal,
        has_place_name=_names_place(meta),
        crawled_on=crawl_date(meta.get("date_crawled")),
    )


def _names_place(meta: dict) -> bool | None:
    """Whether the item names the country its photo was taken in (only counted, never stored):
    None when the record has no `country` field; FFHQ leaves it empty when unknown."""
    if "country" not in meta:
        return None
    country = _text(meta["country"])
    return country is not None and country.casefold() != "unknown"


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _raw(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)
