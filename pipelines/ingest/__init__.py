"""Ingest: YFCC100M dump files (`yfcc`) and derived-dataset manifests (`manifests`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

MIB = 1 << 20


def fingerprint(path: Path, size: int | None = None) -> str:
    """sha256 of the size and the first and last MiB: cheap to compute, stable for a given file.

    Stored in ingest_runs so a later report can tell an input file again (or see that it changed)
    without reading tens of gigabytes.
    """
    size = path.stat().st_size if size is None else size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(MIB))
        if size > MIB:
            handle.seek(max(size - MIB, MIB))
            digest.update(handle.read(MIB))
    return digest.hexdigest()
