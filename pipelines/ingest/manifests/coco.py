"""MS-COCO annotation JSON: `licenses[]` (ids 1-8 = Flickr's ids) and `images[]` with `flickr_url`.

COCO gives no owner, only the static image URL (photo id) and a license id per image, resolved
through the file's own `licenses[]` table (name + URL) rather than assumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ...flickr.urls import FlickrUrlError, parse_photo_ref
from ...licenses import resolve_license
from .base import ManifestFormat, StagingSink, auditable, open_text  # noqa: F401
from .jsonstream import JsonStream

FORMAT = ManifestFormat(
    "coco", "MS-COCO annotation JSON: `images[].flickr_url` and the file's own `licenses[]`"
)


def _elements_of(path: Path, member: str) -> Iterator[object]:
    """Stream the elements of one top-level array (`licenses`, `images`) of a COCO file."""
    with open_text(path) as handle:
        stream = JsonStream(handle, str(path))
        for key in stream.members():
            if key != member:
                stream.skip()
                continue
            yield from stream.elements()
            return


def _license_table(path: Path) -> dict[int, tuple[int | None, str]]:
    """COCO license id -> (Flickr license id, raw URL or name), read before the images."""
    table = {}
    for entry in _elements_of(path, "licenses"):
        if isinstance(entry, dict) and isinstance(entry.get("id"), int):
            name, url = _text(entry.get("name")), _text(entry.get("url"))
            license_id, _problem = resolve_license(name, url)
            table[entry["id"]] = (license_id, url or name or str(entry["id"]))
    return table


def _text(value: object) -> str | None:
    """A string field, else None: a list or object where COCO has text names no license."""
    return value if isinstance(value, str) and value else None


def parse(path: Path, sink: StagingSink) -> None:
    licenses = _license_table(path)
    for ordinal, image in enumerate(_elements_of(path, "images"), start=1):
        _image(sink, image, ordinal, licenses)


def _image(sink: StagingSink, image: object, ordinal: int, licenses: dict) -> None:
    raw = json.dumps(image, ensure_ascii=False)
    if not isinstance(image, dict) or image.get("id") is None:
        sink.reject(ordinal, "parse: image entry without an id", raw)
        return
    url = image.get("flickr_url")
    try:
        ref = parse_photo_ref(url if isinstance(url, str) else "")
    except FlickrUrlError as exc:
        sink.reject(ordinal, f"url: not a Flickr photo URL ({exc})", raw)
        return
    coco_license = image.get("license")
    if isinstance(coco_license, (int, str)) and not isinstance(coco_license, bool):
        license_id, license_raw = licenses.get(coco_license, (None, str(coco_license)))
    else:  # null, or a list/object where an id belongs: kept raw (as JSON), not resolved
        license_id, license_raw = None, None if coco_license is None else json.dumps(coco_license)
    sink.item(
        str(image["id"]),
        ref.photo_id,
        license_id=license_id,
        license_raw=license_raw,
        source_url=url,
        line=ordinal,
    )
