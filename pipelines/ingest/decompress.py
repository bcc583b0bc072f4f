"""Recognise compressed input by its magic bytes and stream it into DuckDB through a FIFO.

DuckDB parses plain text itself, in parallel. It cannot read bz2 at all, and measured on DuckDB
2.0 it reads a truncated zstd file or a gzip file with a corrupt block without any error, so every
compressed file is decompressed by a child process that checks its input: `lbzip2 -dc` (or
`pbzip2`) for bz2, `pigz`/`gzip -dc` for gzip, `zstd -dc` for zstd, each when on PATH, else
Python's bz2/gzip/zstandard in `python -m pipelines.ingest.decompress KIND`. The child writes a
temporary plain file (which DuckDB then parses in parallel) or into a named pipe that `read_csv`
reads while it is written (one parsing thread, but nothing on disk); a non-zero exit means a
corrupt or truncated archive. A feeder thread hands the compressed bytes to the child, which
drives a byte-accurate progress bar.
"""

from __future__ import annotations

import bz2
import contextlib
import ctypes
import gzip
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Self, cast

from ..config import external_compressors_from_env
from ..errors import InputError
from . import MIB

BZ2, GZIP, ZSTD, PLAIN = "bz2", "gzip", "zstd", "none"
_MAGIC = ((b"BZh", BZ2), (b"\x1f\x8b", GZIP), (b"\x28\xb5\x2f\xfd", ZSTD))
_CHUNK = 1 << 20
_BROKEN_PIPE_EXIT = 141  # exit code of the Python fallback when the reader went away (128 + SIGPIPE)


def detect_compression(path: Path) -> str:
    """bz2, gzip, zstd or none, from the first bytes of the file (the suffix may lie)."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a YFCC100M file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    return compression_of(magic)


def compression_of(magic: bytes) -> str:
    """bz2, gzip, zstd or none, from the first bytes of a file or stream."""
    for prefix, kind in _MAGIC:
        if magic.startswith(prefix):
            return kind
    return PLAIN


def read_head(path: Path, compression: str, size: int = 1 << 16, lines: int | None = None) -> bytes:
    """Up to `size` decompressed bytes from the start of the file (for layout detection); with
    `lines`, stop early once they hold that many newlines (a sample of records, read in 1 MiB steps)."""
    try:
        if compression == ZSTD:
            import zstandard

            with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
                return _read_up_to(reader, size, lines)
        opener: Callable = {BZ2: bz2.open, GZIP: gzip.open}.get(compression, open)
        with opener(path, "rb") as handle:
            return _read_up_to(handle, size, lines)
    except Exception as exc:  # noqa: BLE001 - OSError, EOFError, zstandard.ZstdError
        raise InputError(
            f"{path}: corrupt or truncated {compression} archive (at its start: {exc})"
        ) from None


def open_decompressed(path: Path, compression: str):
    """A binary file object of the decompressed content (Python's checking gzip/bz2, or plain)."""
    opener: Callable = {BZ2: bz2.open, GZIP: gzip.open}.get(compression, open)
    if compression == ZSTD:
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(
            open(path, "rb"), read_across_frames=True, closefd=True
        )
    return opener(path, "rb")


def _read_up_to(handle, size: int, lines: int | None = None) -> bytes:
    parts, total, newlines = [], 0, 0
    step = size if lines is None else MIB
    while total < size and (lines is None or newlines < lines):
        part = handle.read(min(step, size - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
        if lines is not None:
            newlines += part.count(b"\n")
    return b"".join(parts)


def decompress_command(compression: str) -> list[str]:
    """The fastest checking decompressor available for `compression`, reading stdin, writing stdout."""
    threads = str(max(2, os.cpu_count() or 2))
    tools = {
        BZ2: (["lbzip2", "-dc", "-n", threads], ["pbzip2", "-dc", f"-p{threads}"]),
        GZIP: (["pigz", "-dc", "-p", threads], ["gzip", "-dc"]),
        ZSTD: (["zstd", "-dcq"],),
    }[compression]
    if (
        external_compressors_from_env()
    ):  # CCAUDIT_EXTERNAL_COMPRESSORS=0: Python's bz2 even if lbzip2 is there
        for command in tools:
            if shutil.which(command[0]):
                return command
    return [sys.executable, "-m", "pipelines.ingest.decompress", compression]


def bz2_command() -> list[str]:
    return decompress_command(BZ2)


try:
    _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl if sys.platform.startswith("linux") else None
except OSError:  # pragma: no cover - non-glibc Linux
    _PRCTL = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to kill the decompressor if ccaudit dies (kill -9), so no orphan blocks on the FIFO."""
    if _PRCTL is not None:  # only passed as preexec_fn when it is
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class DecompressFifo:
    """`with DecompressFifo(src, kind, target, on_bytes) as child:` read `target`, then `child.check()`.

    The child writes the decompressed stream into `target`: a FIFO it creates (`fifo=True`, read
    while it is written) or a regular file (`fifo=False`, complete once `check()` returns).
    `check()` waits for the child and raises InputError when it failed (corrupt or truncated
    archive); with a FIFO, call it after the reader saw end of file.
    """

    def __init__(
        self,
        source: Path,
        compression: str,
        target: Path,
        on_bytes: Callable[[int], None] | None = None,
        fifo: bool = True,
        *,
        stream=None,
        head: bytes = b"",
        guard: LineGuard | None = None,
    ):
        """`stream`: read this open binary file object (a pipe) instead of opening `source`, after
        `head` (its first bytes, already read to recognise it). `guard`: pass the decompressed bytes
        through this LineGuard on their way to `target` (exact line count, no over-long line)."""
        self.source = source
        self.stream = stream
        self.head = head
        self.guard = guard
        self._pump: threading.Thread | None = None
        self._pump_error: BaseException | None = None
        self.compression = compression
        self.path = target
        self.fifo = fifo
        self.on_bytes = on_bytes
        self.command = decompress_command(compression)
        self._proc: subprocess.Popen | None = None
        self._feeder: threading.Thread | None = None
        self._feed_error: BaseException | None = None

    def __enter__(self) -> Self:
        if self.fifo:
            os.mkfifo(self.path)
        # The child's shell opens the target for writing. For a FIFO that waits until the reader has
        # opened it, so output is never written (and lost) before DuckDB reads, and the writer gets
        # SIGPIPE if the reader goes away.
        # With a guard, the child writes into a pipe that a pump thread reads, guards and passes on.
        command = (
            self.command if self.guard else ["sh", "-c", 'exec "$@" > "$0"', str(self.path), *self.command]
        )
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if self.guard else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # Only a prctl() call runs between fork and exec: no lock is taken, so threads are safe.
            preexec_fn=_die_with_parent if _PRCTL else None,
        )
        self._feeder = threading.Thread(target=self._feed, name="decompress-feeder", daemon=True)
        self._feeder.start()
        if self.guard:
            self._pump = threading.Thread(target=self._pump_guarded, name="decompress-pump", daemon=True)
            self._pump.start()
        return self

    def _pump_guarded(self) -> None:
        assert self._proc and self._proc.stdout and self.guard
        try:
            with open(self.path, "wb") as out:  # a FIFO: blocks until the reader opens it
                while chunk := self._proc.stdout.read(self.guard.chunk_size):
                    if data := self.guard.feed(chunk):
                        out.write(data)
                out.write(self.guard.finish())
        except BrokenPipeError:
            pass  # the reader stopped early; check() reports why
        except BaseException as exc:  # noqa: BLE001 - re-raised by check()
            self._pump_error = exc
        finally:
            self._proc.stdout.close()  # the child gets SIGPIPE if it is still writing

    def _feed(self) -> None:
        assert self._proc and self._proc.stdin
        try:
            with open(self.source, "rb") if self.stream is None else _borrowed(self.stream) as src:
                if self.head:
                    self._proc.stdin.write(self.head)
                    if self.on_bytes:
                        self.on_bytes(len(self.head))
                while chunk := src.read(_CHUNK):
                    self._proc.stdin.write(chunk)
                    if self.on_bytes:
                        self.on_bytes(len(chunk))
        except BrokenPipeError:
            pass  # the child stopped early; check() reports why
        except BaseException as exc:  # noqa: BLE001 - re-raised by check()
            self._feed_error = exc
        finally:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()

    def check(self, reader_failed: bool = False) -> None:
        """Wait for the decompressor; raise InputError if the archive was corrupt or truncated.

        With `reader_failed`, the reader stopped early, so a broken pipe is its doing, not the archive's.
        """
        assert self._proc and self._feeder
        if reader_failed and self._proc.poll() is None:
            self._proc.kill()
        self._feeder.join()
        returncode = self._proc.wait()
        if self._pump:
            self._pump.join()
            if self._pump_error is not None:
                raise InputError(f"{self.source}: cannot pass on the decompressed data: {self._pump_error}")
        stderr = self._proc.stderr.read().decode("utf-8", "replace").strip() if self._proc.stderr else ""
        if self._feed_error is not None:
            raise InputError(f"{self.source}: cannot read: {self._feed_error}")
        stopped_by_reader = returncode in (-signal.SIGPIPE, -signal.SIGKILL, _BROKEN_PIPE_EXIT) or (
            "broken pipe" in stderr.lower()
        )
        if returncode != 0 and not (reader_failed and stopped_by_reader):
            tool = Path(self.command[0]).name if self.command[1] != "-m" else f"Python {self.compression}"
            detail = (
                stderr.splitlines()[-1].removeprefix(f"{tool}: ") if stderr else f"exit code {returncode}"
            )
            raise InputError(
                f"{self.source}: corrupt or truncated {self.compression} archive ({tool}: {detail})"
            )

    def __exit__(self, *exc) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
        if self._proc:
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stderr):
                if stream:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self._feeder:
            self._feeder.join(timeout=5)
        if self._pump and self._pump.is_alive() and self.fifo:
            # The reader never opened the FIFO: open it ourselves so the pump's open() returns.
            with contextlib.suppress(OSError):
                os.close(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK))
            self._pump.join(timeout=5)
        if self.fifo:
            self.path.unlink(missing_ok=True)


class _borrowed:
    """Use a file object the caller owns (stdin) in a `with` without closing it."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc) -> None:
        return None


def _copy_decompressed(compression: str, src, out) -> None:
    if compression == ZSTD:
        import zstandard

        decompressor, pending = zstandard.ZstdDecompressor().decompressobj(), b""
        while chunk := pending or src.read(_CHUNK):
            pending = b""
            out.write(decompressor.decompress(chunk))
            if decompressor.eof and decompressor.unused_data:  # next frame of a multi-frame file
                pending, decompressor = decompressor.unused_data, zstandard.ZstdDecompressor().decompressobj()
        if not decompressor.eof:
            raise EOFError("zstd frame incomplete")
        return
    opener = {BZ2: bz2.BZ2File, GZIP: gzip.GzipFile}[compression]
    with opener(fileobj=src) if compression == GZIP else opener(src) as reader:
        while chunk := reader.read(_CHUNK):
            out.write(chunk)


def _python_main(argv: list[str]) -> int:
    """Fallback decompressor: KIND (bz2|gzip|zstd) from stdin to stdout, one-line error on failure."""
    compression = argv[0] if argv else BZ2
    try:
        _copy_decompressed(compression, sys.stdin.buffer, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        return _BROKEN_PIPE_EXIT
    except EOFError:
        print("compressed data ended before the end-of-stream marker (truncated file)", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - OSError, gzip.BadGzipFile, zstandard.ZstdError
        print(f"invalid {compression} data: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_python_main(sys.argv[1:]))


# --- exact line accounting ----------------------------------------------------------------------

LONG_LINE_PLACEHOLDER = b"\xff"  # invalid UTF-8: DuckDB's reader rejects it on its own line number
_PREFIX_KEEP = 10_000


class LineGuard:
    """Count lines exactly and replace over-long lines by a one-byte placeholder, as bytes stream by.

    DuckDB's CSV reader silently drops a line longer than its buffer (measured: a 40 MB line with a
    32 MiB buffer vanishes, no reject row, and later line numbers shift), so no line longer than
    `limit` may reach it. `feed()` returns the bytes to pass on (unchanged except for such lines);
    `long_lines` holds (line number, length, first bytes) of each replaced line. Reading in chunks no
    larger than `limit` keeps the scan at C speed: a line longer than a chunk spans a chunk border.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.lines = 0
        self.long_lines: list[tuple[int, int, bytes]] = []
        self._pending = b""  # start of the current line, not yet passed on
        self._skipping = False  # inside an over-long line: its bytes are counted, not kept
        self._skip_length = 0
        self._skip_prefix = b""

    def _long(self, length: int, prefix: bytes) -> bytes:
        self.lines += 1
        self.long_lines.append((self.lines, length, prefix[:_PREFIX_KEEP]))
        return LONG_LINE_PLACEHOLDER

    def feed(self, chunk: bytes) -> bytes:
        out = []
        if self._skipping:
            first = chunk.find(b"\n")
            if len(self._skip_prefix) < _PREFIX_KEEP:
                self._skip_prefix += chunk[: first if first >= 0 else len(chunk)][:_PREFIX_KEEP]
            if first < 0:
                self._skip_length += len(chunk)
                return b""
            self._skipping = False
            out.append(self._long(self._skip_length + first, self._skip_prefix) + b"\n")
            chunk = chunk[first + 1 :]
        first = chunk.find(b"\n")
        if first < 0:
            self._pending += chunk
            if len(self._pending) > self.limit:
                self._start_skipping()
            return b"".join(out)
        if len(self._pending) + first > self.limit:
            out.append(
                self._long(len(self._pending) + first, self._pending + chunk[: min(first, _PREFIX_KEEP)])
                + b"\n"
            )
        else:
            out.append(self._pending)
            out.append(chunk[: first + 1])
            self.lines += 1
        last = chunk.rfind(b"\n")
        if last > first:
            out.append(chunk[first + 1 : last + 1])
            self.lines += chunk.count(b"\n", first + 1, last + 1)
        self._pending = chunk[last + 1 :]
        if len(self._pending) > self.limit:  # pragma: no cover - only with chunks larger than limit
            self._start_skipping()
        return b"".join(out)

    def _start_skipping(self) -> None:
        self._skipping, self._skip_length, self._skip_prefix = (
            True,
            len(self._pending),
            self._pending[:_PREFIX_KEEP],
        )
        self._pending = b""

    def finish(self) -> bytes:
        """The last line when the input does not end in a newline (the reader counts it too)."""
        if self._skipping:
            self._skipping = False
            return self._long(self._skip_length, self._skip_prefix)
        tail, self._pending = self._pending, b""
        if tail:
            self.lines += 1
        return tail

    @property
    def chunk_size(self) -> int:
        return min(_CHUNK, self.limit)


def count_lines(path: Path, limit: int) -> tuple[int, bool]:
    """(lines as DuckDB's reader counts them, whether a line may be longer than `limit`), fast.

    Lines are newline-terminated, plus a last one without a newline. Every chunk of limit/2 bytes
    that holds a newline proves that no line around it exceeds the limit; a chunk without one
    means a LineGuard copy is needed (rare). Counting runs at memory speed through numpy.
    """
    import numpy as np

    lines, suspicious, last = 0, False, b"\n"
    size = max(1, min(_CHUNK * 2, limit // 2))
    with open(path, "rb", buffering=0) as handle:
        while chunk := handle.read(size):
            if b"\n" not in chunk:
                suspicious = True
            lines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))
            last = chunk[-1:]
    return lines + (last != b"\n"), suspicious


def write_guarded(
    source,
    out,
    limit: int,
    head: bytes = b"",
    on_bytes: Callable[[int], None] | None = None,
    end_line: bool = False,
) -> LineGuard:
    """Copy a plain stream (a file object, after its first bytes `head`) to the open binary `out`
    with over-long lines replaced (see LineGuard). `end_line`: end a last line that has no newline
    with one, so that the next file copied to `out` starts on a line of its own."""
    guard = LineGuard(limit)
    if head:
        out.write(guard.feed(head))
    while chunk := source.read(guard.chunk_size):
        if on_bytes:
            on_bytes(len(chunk))
        if data := guard.feed(chunk):
            out.write(data)
    tail = guard.finish()
    out.write(tail + b"\n" if tail and end_line else tail)
    return guard


def copy_guarded(
    source, target: Path, limit: int, head: bytes = b"", on_bytes: Callable[[int], None] | None = None
) -> LineGuard:
    """write_guarded into a new file `target`."""
    with open(target, "wb") as out:
        return write_guarded(source, out, limit, head=head, on_bytes=on_bytes)


# --- checked streams for readers in this process (the manifest adapters) ---------------------

XZ = "xz"
_XZ_MAGIC = b"\xfd7zXZ\x00"


def detect_stream_compression(path: Path) -> str:
    """detect_compression, plus xz (manifests may come as .xz; YFCC100M files never do)."""
    kind = detect_compression(path)
    if kind == PLAIN:
        with open(path, "rb") as handle:
            if handle.read(len(_XZ_MAGIC)) == _XZ_MAGIC:
                return XZ
    return kind


class CheckedStream(io.RawIOBase):
    """The decompressed bytes of `source`, from the checking decompressor of decompress_command
    (a child process; lzma in this process for xz). A corrupt or truncated archive raises
    InputError where the data ends, so a reader never takes part of a file for all of it.
    Closing early (a reader that stops) ends the child without an error."""

    def __init__(self, source: Path, compression: str):
        super().__init__()
        self.source, self.compression = Path(source), compression
        self._proc: subprocess.Popen | None = None
        self._lzma = None
        if compression == XZ:
            import lzma

            self._lzma = lzma.open(self.source, "rb")  # noqa: SIM115 - closed by close()
            return
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        with open(self.source, "rb") as stdin:
            self._proc = subprocess.Popen(
                decompress_command(compression),
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                preexec_fn=_die_with_parent if _PRCTL else None,
            )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._lzma is not None:
            try:
                return self._lzma.readinto(buffer)
            except (EOFError, OSError, ValueError) as exc:  # lzma.LZMAError is an OSError
                raise InputError(f"{self.source}: corrupt or truncated xz archive ({exc})") from None
        assert self._proc and self._proc.stdout
        # stdout=PIPE with the default buffering is an io.BufferedReader; typeshed says IO[bytes].
        count = cast(io.BufferedReader, self._proc.stdout).readinto(buffer)
        if not count:
            self._check()
        return count

    def _check(self) -> None:
        assert self._proc is not None  # only called by readinto() while the process runs
        returncode = self._proc.wait()
        if returncode != 0:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1][:200] if lines else f"exit code {returncode}"
            raise InputError(f"{self.source}: corrupt or truncated {self.compression} archive ({detail})")

    def close(self) -> None:
        if self._lzma is not None:
            self._lzma.close()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._stderr.close()
            self._proc = None
        super().close()


def open_checked(path: Path, buffer_size: int = 1 << 20) -> IO[bytes]:
    """A binary stream of the file's content, decompressed by its magic bytes (never its suffix:
    a plain file named .gz stays plain), raising InputError for a corrupt or truncated archive."""
    kind = detect_stream_compression(path)
    if kind == PLAIN:
        return open(path, "rb", buffering=buffer_size)
    return io.BufferedReader(CheckedStream(path, kind), buffer_size)
