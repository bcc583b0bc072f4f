"""Open Images `images.csv`: `ImageID,Subset,OriginalURL,OriginalLandingURL,License,AuthorProfileURL,Author,…`.

Per item: the photo page (photo id + owner alias or NSID), license URL and author credit.
"""

from __future__ import annotations

from pathlib import Path

from ...flickr.urls import FlickrUrlError, parse_flickr_url, parse_owner_ref
from ...licenses import license_id_for
from .base import ManifestFormat, StagingSink, auditable, csv_rows, header_index  # noqa: F401

FORMAT = ManifestFormat(
    "open-images", "Open Images `images.csv`: landing URL, license URL and author per image"
)

_COLUMNS = ("ImageID", "OriginalURL", "OriginalLandingURL", "License", "AuthorProfileURL", "Author")


def parse(path: Path, sink: StagingSink) -> None:
    header, rows = csv_rows(path, sink, ",")
    at = {name: header_index(path, header, name) for name in _COLUMNS}
    for line_no, row in rows:
        if len(row) != len(header):
            sink.reject(line_no, f"field_count: {len(row)} fields (expected {len(header)})", ",".join(row))
            continue
        field = {name: row[i].strip() for name, i in at.items()}
        try:
            page = parse_flickr_url(field["OriginalLandingURL"]) if field["OriginalLandingURL"] else None
            photo = page if page and page.kind == "photo" else parse_flickr_url(field["OriginalURL"])
            if photo.kind != "photo":
                raise FlickrUrlError("neither OriginalLandingURL nor OriginalURL is a photo URL")
            owner = photo.owner or (
                parse_owner_ref(field["AuthorProfileURL"]).owner if field["AuthorProfileURL"] else None
            )
        except FlickrUrlError as exc:
            sink.reject(line_no, f"url: not a Flickr photo URL ({exc})", ",".join(row))
            continue
        license_raw = field["License"] or None
        sink.item(
            field["ImageID"],
            photo.photo_id,
            owner_ref=owner,
            license_id=license_id_for(license_raw),
            license_raw=license_raw,
            author=field["Author"] or None,
            source_url=field["OriginalLandingURL"] or field["OriginalURL"],
            line=line_no,
        )
