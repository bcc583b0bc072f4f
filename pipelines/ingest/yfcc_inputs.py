"""YFCC100M inputs before parsing: which form and layout a file is, and pipes spooled to disk.

A regular file is recognised from its first bytes (container magic, compression, TSV layout or
JSON lines, URL-encoded or plain text). A pipe (`-`, a FIFO, `<(...)`) cannot be read twice, so it
is copied, decompressed and line-guarded, to the staging folder first. Nothing here touches the
database; yfcc_stage.py parses what this module recognised.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ingest_stream_from_env
from ..errors import CcauditError, InputError
from ..progress import Progress
from . import MIB, fingerprint
from .decompress import (
    PLAIN,
    DecompressFifo,
    LineGuard,
    compression_of,
    copy_guarded,
    count_lines,
    detect_compression,
    open_decompressed,
    read_head,
    write_guarded,
)
from .yfcc_forms import (
    JSONL,
    PARQUET,
    REQUIRED,
    SAMPLE_ROWS,
    SQLITE,
    TSV,
    container_form,
    jsonl_sample,
    looks_url_encoded,
    text_form,
    usual_key_order,
)

LAYOUTS = (25, 23)
# Real lines are a few KB; a longer line is rejected rather than failing the file. The reader's
# buffer stays at DuckDB's default 32 MiB (it would grow to 16 x max_line_size), which keeps the
# parallel scan of plain files fine-grained and memory small.
MAX_LINE_SIZE = 4 << 20
LINE_LIMIT = MAX_LINE_SIZE - 1  # the longest line (bytes, without its newline) the reader accepts
READ_BUFFER_SIZE = 32 << 20
# The most decompressed bytes read for the JSON-lines sample (SAMPLE_ROWS records of a few KB).
SAMPLE_BYTES = 32 << 20

STDIN = "-"
STDIN_SOURCE = "stdin"  # source_file recorded for `-` unless a name is given


@dataclass
class InputFile:
    """What stage_yfcc_file found out about one input before parsing it."""

    path: Path  # as given (a pipe) or resolved
    source: str  # source_file in the database
    form: str  # tsv, jsonl, parquet or sqlite
    compression: str
    size: int
    fingerprint: str = ""
    layout: int = 23
    encoded: bool = True  # free text is URL-encoded
    plain: Path | None = None  # a pipe's spooled, decompressed copy
    guard: LineGuard | None = None
    key_order: list[str] = field(default_factory=list)  # JSON lines: the sample's usual keys, in order


def detect_layout(head: bytes, path: Path, complete: bool) -> int:
    """25 or 23: the field count most of the first lines have; InputError for anything else.

    `complete` says `head` is the whole file (else its last, partial line is ignored).
    """
    lines = head.split(b"\n")
    if not complete or not lines[-1]:
        lines = lines[:-1]
    sample = [line.rstrip(b"\r") for line in lines[:100] if line.strip()]
    if not sample:
        raise InputError(f"{path}: the file is empty (no lines to ingest)")
    counts = Counter(line.count(b"\t") + 1 for line in sample)
    fields = counts.most_common(1)[0][0]
    if fields not in LAYOUTS:
        raise InputError(
            f"{path}: not a YFCC100M metadata file (its first lines have {fields} tab-separated "
            f"fields; expected 25, or 23 for the 2014 shards)"
        )
    id_position = 1 if fields == 25 else 0
    ids = [line.split(b"\t")[id_position] for line in sample if line.count(b"\t") + 1 == fields]
    if sum(photo_id.isdigit() for photo_id in ids) * 2 <= len(ids):
        raise InputError(
            f"{path}: not a YFCC100M metadata file (field {id_position + 1} of its first lines "
            "is not a numeric photo id)"
        )
    return fields


def scratch_folder(base: Path, prefix: str) -> Path:
    """A new temporary folder in `base` (created if missing); one line of error when it cannot be."""
    try:
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    except OSError as exc:
        raise InputError(f"cannot write staging files in {base}: {exc.strerror or exc}") from None


def recognise(path: Path, head_size: int = 1 << 16) -> InputFile:
    """Form, compression, layout and text encoding of a regular file, from its first bytes."""
    compression = detect_compression(path)  # also the one-line errors for a missing/unreadable file
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(16)
    form = container_form(magic)
    item = InputFile(path, str(path), form or TSV, compression, size, fingerprint(path, size))
    if form in (PARQUET, SQLITE):
        item.compression = PLAIN
    else:
        recognise_text(item, *text_head(path, compression, head_size))
    return item


def text_head(path: Path, compression: str, head_size: int = 1 << 16) -> tuple[bytes, bool]:
    """The decompressed start of a text input and whether it is the whole file: `head_size` bytes,
    or for JSON lines enough for the first SAMPLE_ROWS records, on which their URL-encoding is
    decided (at most SAMPLE_BYTES)."""
    head = read_head(path, compression, head_size)
    if len(head) < head_size:
        return head, True
    if text_form(head) != JSONL or head.count(b"\n") > SAMPLE_ROWS:
        return head, False
    head = read_head(path, compression, SAMPLE_BYTES, lines=SAMPLE_ROWS + 1)
    return head, len(head) < SAMPLE_BYTES and head.count(b"\n") <= SAMPLE_ROWS


def recognise_text(item: InputFile, head: bytes, complete: bool) -> None:
    item.form = text_form(head)
    if item.form == TSV:
        item.layout = detect_layout(head, item.path, complete=complete)
        item.encoded = True  # the Webscope TSV always is: a raw TAB or newline could not appear otherwise
    else:
        sample = jsonl_sample(head)
        if not sample and b'"photoid"' not in head:  # (a shard may start with a broken line: a reject)
            raise InputError(
                f"{item.path}: not a YFCC100M metadata file (its first line is not a JSON object)"
            )
        missing = [name for name in REQUIRED if sample and not any(name in row for row in sample)]
        if missing:
            raise InputError(
                f"{item.path}: not a YFCC100M metadata file (its JSON lines have no "
                f"{', '.join(missing)}; for a derived dataset with only some YFCC columns use "
                "`ingest manifest --format yfcc-columns`)"
            )
        item.encoded = looks_url_encoded(sample)
        item.key_order = usual_key_order(sample)


def recognise_briefly(path) -> InputFile | None:
    """recognise for one of thousands of shards (a 4 KiB look, more for the JSON-lines sample); None for a pipe or a file that
    will fail, which is then staged alone and raises where the failed run is recorded."""
    if is_stream(path):
        return None
    try:
        return recognise(Path(path).resolve(), head_size=4 << 10)
    except CcauditError:
        return None


GROUP_PARALLEL_MAX = 8 << 20  # compressed bytes: a file this small is decompressed whole in memory


def copy_guarded_content(item: InputFile, out) -> LineGuard:
    """Write a file's lines, decompressed and guarded, to `out`, ending on a newline."""
    try:
        with open_decompressed(item.path, item.compression) as source:
            return write_guarded(source, out, LINE_LIMIT, end_line=True)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{item.path}: corrupt or truncated {item.compression} archive (Python {item.compression}: {exc})"
        ) from None


def guarded_content(item: InputFile) -> tuple[bytes, LineGuard]:
    buffer = io.BytesIO()
    guard = copy_guarded_content(item, buffer)
    return buffer.getvalue(), guard


def is_stream(path) -> bool:
    """`-`, or a path that is a pipe or character device (FIFO, /dev/stdin, `<(...)`), not a file."""
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def spool_stream(item: InputFile, scratch: Path, progress: bool) -> InputFile:
    """Copy a pipe, decompressed (and line-guarded if it is text), to scratch: a pipe cannot be re-read."""
    path, plain = item.path, scratch / "decompressed"
    enabled = None if progress else False
    try:
        handle = sys.stdin.buffer if str(path) == STDIN else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    total = [0]
    guard = None
    try:
        head = handle.read(1 << 16)
        compression = compression_of(head)
        with Progress(None, unit="B", label=f"read {path}", enabled=enabled) as bar:

            def count(n: int) -> None:
                total[0] += n
                bar.update(n)

            if compression == PLAIN and container_form(head):
                total[0] += len(head)
                with open(plain, "wb") as out:
                    out.write(head)
                    while chunk := handle.read(MIB):
                        out.write(chunk)
                        count(len(chunk))
            elif compression == PLAIN:
                total[0] += len(head)
                guard = copy_guarded(handle, plain, LINE_LIMIT, head=head, on_bytes=count)
            else:
                with DecompressFifo(
                    path, compression, plain, on_bytes=count, fifo=False, stream=handle, head=head
                ) as child:
                    child.check()
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if total[0] == 0:
        raise InputError(f"{path}: the input is empty (no lines to ingest)")
    with open(plain, "rb") as spooled:
        magic = spooled.read(16)
    form = container_form(magic)
    item.compression, item.size, item.plain, item.fingerprint = (
        compression,
        total[0],
        plain,
        fingerprint(plain),
    )
    if form:
        item.form = form
        return item
    recognise_text(item, *text_head(plain, PLAIN))
    if guard is None:
        guard = guard_file(plain, scratch, *count_lines(plain, LINE_LIMIT))
        if guard.long_lines:
            os.replace(scratch / "guarded.tsv", plain)
    item.guard = guard
    return item


def guard_file(plain: Path, scratch: Path, lines: int, suspicious: bool) -> LineGuard:
    """A LineGuard for a plain file: counted only, or (rarely) copied with over-long lines replaced."""
    if not suspicious:
        guard = LineGuard(LINE_LIMIT)
        guard.lines = lines
        return guard
    with open(plain, "rb") as handle:
        return copy_guarded(handle, scratch / "guarded.tsv", LINE_LIMIT)


def spool_fits(folder: Path, compressed_size: int) -> bool:
    """Whether `folder` has room for the decompressed file (YFCC text compresses 4-6x; allow 8x)."""
    if ingest_stream_from_env():  # CCAUDIT_INGEST_STREAM=1: stream through a FIFO, never spool
        return False
    return shutil.disk_usage(folder).free > compressed_size * 8 + (1 << 30)
