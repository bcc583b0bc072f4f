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
from typing import IO, Self

from ..errors import InputError

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
    for prefix, kind in _MAGIC:
        if magic.startswith(prefix):
            return kind
    return PLAIN


def read_head(path: Path, compression: str, size: int = 1 << 16) -> bytes:
    """Up to `size` decompressed bytes from the start of the file (for layout detection)."""
    try:
        if compression == ZSTD:
            import zstandard

            with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
                return _read_up_to(reader, size)
        opener: Callable = {BZ2: bz2.open, GZIP: gzip.open}.get(compression, open)
        with opener(path, "rb") as handle:
            return _read_up_to(handle, size)
    except Exception as exc:  # noqa: BLE001 - OSError, EOFError, zstandard.ZstdError
        raise InputError(f"{path}: corrupt or truncated {compression} archive (at its start: {exc})") from None


def _read_up_to(handle, size: int) -> bytes:
    parts, total = [], 0
    while total < size:
        part = handle.read(size - total)
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


EXTERNAL_COMPRESSORS_ENV = "CCAUDIT_EXTERNAL_COMPRESSORS"  # 0: use Python's bz2 even if lbzip2 is there


def decompress_command(compression: str) -> list[str]:
    """The fastest checking decompressor available for `compression`, reading stdin, writing stdout."""
    threads = str(max(2, os.cpu_count() or 2))
    tools = {
        BZ2: (["lbzip2", "-dc", "-n", threads], ["pbzip2", "-dc", f"-p{threads}"]),
        GZIP: (["pigz", "-dc", "-p", threads], ["gzip", "-dc"]),
        ZSTD: (["zstd", "-dcq"],),
    }[compression]
    if os.environ.get(EXTERNAL_COMPRESSORS_ENV, "1").strip().lower() not in ("0", "false", "no"):
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
    _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class DecompressFifo:
    """`with DecompressFifo(src, kind, target, on_bytes) as child:` read `target`, then `child.check()`.

    The child writes the decompressed stream into `target`: a FIFO it creates (`fifo=True`, read
    while it is written) or a regular file (`fifo=False`, complete once `check()` returns).
    `check()` waits for the child and raises InputError when it failed (corrupt or truncated
    archive); with a FIFO, call it after the reader saw end of file.
    """

    def __init__(self, source: Path, compression: str, target: Path,
                 on_bytes: Callable[[int], None] | None = None, fifo: bool = True):
        self.source = source
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
        self._proc = subprocess.Popen(
            ["sh", "-c", 'exec "$@" > "$0"', str(self.path), *self.command],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            # Only a prctl() call runs between fork and exec: no lock is taken, so threads are safe.
            preexec_fn=_die_with_parent if _PRCTL else None)  # noqa: PLW1509
        self._feeder = threading.Thread(target=self._feed, name="decompress-feeder", daemon=True)
        self._feeder.start()
        return self

    def _feed(self) -> None:
        assert self._proc and self._proc.stdin
        try:
            with open(self.source, "rb") as src:
                while chunk := src.read(_CHUNK):
                    self._proc.stdin.write(chunk)
                    if self.on_bytes:
                        self.on_bytes(len(chunk))
        except BrokenPipeError:
            pass  # the child stopped early; check() reports why
        except BaseException as exc:  # noqa: BLE001 - re-raised by check()
            self._feed_error = exc
        finally:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:
                pass

    def check(self, reader_failed: bool = False) -> None:
        """Wait for the decompressor; raise InputError if the archive was corrupt or truncated.

        With `reader_failed`, the reader stopped early, so a broken pipe is its doing, not the archive's.
        """
        assert self._proc and self._feeder
        if reader_failed and self._proc.poll() is None:
            self._proc.kill()
        self._feeder.join()
        returncode = self._proc.wait()
        stderr = self._proc.stderr.read().decode("utf-8", "replace").strip() if self._proc.stderr else ""
        if self._feed_error is not None:
            raise InputError(f"{self.source}: cannot read: {self._feed_error}")
        stopped_by_reader = returncode in (-signal.SIGPIPE, -signal.SIGKILL, _BROKEN_PIPE_EXIT) or (
            "broken pipe" in stderr.lower())
        if returncode != 0 and not (reader_failed and stopped_by_reader):
            tool = Path(self.command[0]).name if self.command[1] != "-m" else f"Python {self.compression}"
            detail = stderr.splitlines()[-1].removeprefix(f"{tool}: ") if stderr else f"exit code {returncode}"
            raise InputError(f"{self.source}: corrupt or truncated {self.compression} archive ({tool}: {detail})")

    def __exit__(self, *exc) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
        if self._proc:
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stderr):
                if stream:
                    try:
                        stream.close()
                    except OSError:
                        pass
        if self._feeder:
            self._feeder.join(timeout=5)
        if self.fifo:
            self.path.unlink(missing_ok=True)


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
            self._proc = subprocess.Popen(decompress_command(compression), stdin=stdin, stdout=subprocess.PIPE,
                                          stderr=self._stderr, preexec_fn=_die_with_parent if _PRCTL else None)  # noqa: PLW1509

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._lzma is not None:
            try:
                return self._lzma.readinto(buffer)
            except (EOFError, OSError, ValueError) as exc:  # lzma.LZMAError is an OSError
                raise InputError(f"{self.source}: corrupt or truncated xz archive ({exc})") from None
        assert self._proc and self._proc.stdout
        count = self._proc.stdout.readinto(buffer)
        if not count:
            self._check()
        return count

    def _check(self) -> None:
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
