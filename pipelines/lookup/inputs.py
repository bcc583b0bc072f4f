"""What `ccaudit lookup` reads: QUERY arguments and `--from FILE` ('-' = standard input).

Every source is capped by the bytes actually read, never by what the file system says it holds:
a FIFO, /dev/zero, /dev/urandom or a pipe has no size, and a regular file may grow while it is
read. Reading stops at the cap (or at the first NUL byte, which text never holds), so memory and
time stay bounded whatever the input is.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

MAX_FROM_FILE_BYTES = 20 * 2**20
CHUNK_BYTES = 2**20  # read in pieces so a binary source is refused after its first MB, not its twentieth


def _read_capped(handle, where: str, cap: int) -> bytes:
    """At most `cap` bytes of a binary stream; InputError past the cap or at a NUL byte."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(CHUNK_BYTES, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        if b"\x00" in chunk:
            raise InputError(f"--from {where}: a binary file, not text with one reference per line")
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            raise InputError(f"--from {where}: more than the {cap // 2**20} MB lookup reads; split the file")


def read_from(from_file: str, cap: int | None = None) -> str:
    """The text of --from FILE, decoded as UTF-8 (a BOM is dropped); one InputError line otherwise."""
    cap = MAX_FROM_FILE_BYTES if cap is None else cap
    try:
        if from_file == "-":
            raw = _read_capped(sys.stdin.buffer, "-", cap)
        else:
            path = Path(from_file)
            if path.is_dir():
                raise InputError(f"--from {from_file}: is a folder, not a file")
            with path.open("rb") as handle:  # a FIFO blocks here until a writer opens it, as `cat` would
                raw = _read_capped(handle, from_file, cap)
    except OSError as exc:
        raise InputError(f"--from {from_file}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"--from {from_file}: not UTF-8 text (byte {exc.start})") from None


# The line breaks str.splitlines knows, so lines can be taken one at a time (a caller that stops at
# a cap never splits the rest of a 20 MB file).
_LINE_RE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def read_inputs(queries: list[str], from_file: str | None = None, cap: int | None = None) -> Iterator[str]:
    """The texts to look up, lazily: each QUERY argument, then each non-empty line of --from FILE."""
    texts: Iterator[str] = (q for q in queries if q and q.strip())
    if from_file is not None:
        lines = (m.group() for m in _LINE_RE.finditer(read_from(from_file, cap)))
        texts = itertools.chain(texts, (line for line in lines if line.strip()))
    first = next(texts, None)
    if first is None:
        raise InputError("nothing to look up: give a QUERY or --from FILE")
    return itertools.chain([first], texts)
