"""PIPA `all_data.txt`: `photoset_id photo_id xmin ymin width height identity_id subset_id` per line.

One item per annotated person instance; the photoset goes to group_ref.
"""

from __future__ import annotations

from pathlib import Path

from .base import ManifestFormat, StagingSink, auditable, iter_lines, photo_id_from  # noqa: F401

FORMAT = ManifestFormat("pipa", "PIPA `all_data.txt`: photoset, photo id, box, identity and subset per line")


def parse(path: Path, sink: StagingSink) -> None:
    for line_no, text in iter_lines(path, sink):
        fields = text.split()
        if len(fields) != 8:
            sink.reject(line_no, f"field_count: {len(fields)} fields (expected 8)", text)
            continue
        if not all(f.isdigit() for f in fields):
            sink.reject(line_no, "parse: every PIPA field is a whole number", text)
            continue
        photoset, photo, xmin, ymin, width, height, identity, _subset = fields
        photo_id = photo_id_from(photo)
        if photo_id is None:
            sink.reject(line_no, f"photo_id: out of range ({photo[:40]!r})", text)
            continue
        key = f"{photoset}/{photo}/{identity}/{xmin},{ymin},{width},{height}"
        sink.item(key, photo_id, line=line_no, group_ref=photoset)
