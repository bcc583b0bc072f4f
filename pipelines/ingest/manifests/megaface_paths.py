"""MegaFace MF2 path lists (also DiveFace's): `[dirs/]<owner NSID>_identity_<k>/<photo id>_<face>.jpg`.

The owner NSID and the photo id are in the path; one item per face, the identity folder in group_ref.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import ManifestFormat, StagingSink, auditable, iter_lines, photo_id_from  # noqa: F401

FORMAT = ManifestFormat(
    "megaface-paths", "MegaFace MF2 (or DiveFace) path list: `<NSID>_identity_<k>/<photo id>_<face>.jpg`"
)

_PATH_RE = re.compile(
    r"(?:^|/)(?P<identity>(?P<nsid>[0-9]+@N[0-9]{2})_identity_[0-9]+)/(?P<photo>[0-9]+)_[0-9]+\.(?:jpe?g|png)$",
    re.IGNORECASE,
)


def parse(path: Path, sink: StagingSink) -> None:
    for line_no, text in iter_lines(path, sink):
        item = text.strip()
        match = _PATH_RE.search(item)
        if not match:
            sink.reject(line_no, "parse: not an MF2 path <NSID>_identity_<k>/<photo id>_<face>.jpg", text)
            continue
        photo_id = photo_id_from(match["photo"])
        if photo_id is None:
            sink.reject(line_no, f"photo_id: out of range ({match['photo'][:40]!r})", text)
            continue
        sink.item(item, photo_id, owner_ref=match["nsid"], line=line_no, group_ref=match["identity"])
