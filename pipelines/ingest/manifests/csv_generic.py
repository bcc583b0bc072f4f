"""Any CSV/TSV manifest (e.g. a DiF-like face list, FairFace labels), columns chosen by flags.

The pointer back to Flickr comes from --id-column (photo id, or a photo URL), --url-column (page,
static, flic.kr, photo.gne or user URL) and/or --owner-column (NSID, alias or user URL). With none
of them the file is still loaded item by item, and the dataset is recorded as not auditable.
The item is named by --key-column, else by the first column unless that column is the pointer,
else by `<file name>:<line>`.
"""

from __future__ import annotations

from pathlib import Path

from ...flickr.urls import FlickrUrlError, parse_flickr_url, parse_owner_ref, parse_photo_ref
from ...licenses import license_id_for
from .base import FormatOption, ManifestFormat, StagingSink, csv_rows, header_index

FORMAT = ManifestFormat(
    "csv",
    "any CSV or TSV; the options name its columns",
    options=(
        FormatOption("id_column", "column with a Flickr photo id"),
        FormatOption("url_column", "column with any Flickr URL: page, static, flic.kr, photo.gne?id="),
        FormatOption("owner_column", "column with an NSID or path alias"),
        FormatOption("license_column", "column with a license name, URL or id"),
        FormatOption("author_column", "column with the author credit"),
        FormatOption(
            "key_column", "column that names each item; default: the first, unless it is the pointer"
        ),
        FormatOption("delimiter", "field delimiter (default: sniffed; use '\\t' for TSV)"),
    ),
)
_POINTERS = ("id_column", "url_column", "owner_column")


def auditable(**options) -> bool:
    return any(options.get(name) for name in _POINTERS)


def parse(
    path: Path, sink: StagingSink, delimiter: str | None = None, key_column: str | None = None, **columns: str
) -> None:
    header, rows = csv_rows(path, sink, delimiter)
    at = {name: header_index(path, header, value) for name, value in columns.items() if value}
    pointer_positions = {at[name] for name in _POINTERS if name in at}
    key_at: int | None
    if key_column:
        key_at = header_index(path, header, key_column)
    else:
        key_at = 0 if 0 not in pointer_positions else None
    sep = "\t" if delimiter in ("\t", "\\t", "tab") else (delimiter or ",")
    for line_no, row in rows:
        if len(row) != len(header):
            sink.reject(line_no, f"field_count: {len(row)} fields (expected {len(header)})", sep.join(row))
            continue
        value = {name: row[i].strip() for name, i in at.items()}
        try:
            photo_id, owner, url = _pointer(value)
        except _Reject as exc:
            sink.reject(line_no, str(exc), sep.join(row))
            continue
        key = row[key_at].strip() if key_at is not None else f"{path.name}:{line_no}"
        license_raw = value.get("license_column") or None
        sink.item(
            key or f"{path.name}:{line_no}",
            photo_id,
            owner_ref=owner,
            license_id=license_id_for(license_raw),
            license_raw=license_raw,
            author=value.get("author_column") or None,
            source_url=url,
            line=line_no,
        )


class _Reject(ValueError):
    pass


def _pointer(value: dict[str, str]) -> tuple[int | None, str | None, str | None]:
    """(photo id, owner, source URL) from the pointer columns; _Reject when one cannot be read."""
    photo_id = owner = url = None
    if "id_column" in value:
        try:
            photo_id = parse_photo_ref(value["id_column"]).photo_id
        except FlickrUrlError as exc:
            raise _Reject(f"photo_id: {exc}") from None
    if "url_column" in value:
        url = value["url_column"] or None
        if url is None and photo_id is None:
            raise _Reject("url: empty")
        if url is not None:
            try:
                ref = parse_flickr_url(url)
            except FlickrUrlError as exc:
                raise _Reject(f"url: not a Flickr photo URL ({exc})") from None
            if photo_id is not None and ref.photo_id is not None and ref.photo_id != photo_id:
                raise _Reject(f"parse: photo id {photo_id} disagrees with the URL's {ref.photo_id}")
            photo_id = photo_id if photo_id is not None else ref.photo_id
            owner = ref.owner
    if value.get("owner_column"):
        try:
            owner = parse_owner_ref(value["owner_column"]).owner
        except FlickrUrlError as exc:
            raise _Reject(f"owner: {exc}") from None
    return photo_id, owner, url
