"""Flickr30k / Flickr30k Entities split lists: one `<photo id>` or `<photo id>.jpg` per line."""

from __future__ import annotations

import re
from pathlib import Path

from .base import ManifestFormat, StagingSink, auditable, iter_lines, photo_id_from  # noqa: F401

FORMAT = ManifestFormat(
    "flickr30k", "Flickr30k (Entities) split list: one `<photo id>` or `<photo id>.jpg` per line"
)

_NAME_RE = re.compile(r"^(?:.*/)?(?P<id>[0-9]+)(?:\.jpe?g)?$", re.IGNORECASE)


def parse(path: Path, sink: StagingSink) -> None:
    for line_no, text in iter_lines(path, sink):
        name = text.strip()
        match = _NAME_RE.match(name)
        photo_id = photo_id_from(match["id"]) if match else None
        if photo_id is None:
            sink.reject(
                line_no, f"photo_id: not a Flickr photo id or <id>.jpg file name ({name[:60]!r})", text
            )
            continue
        sink.item(name, photo_id, line=line_no)
