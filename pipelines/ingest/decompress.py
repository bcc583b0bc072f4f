"""Recognise compressed input by its magic bytes and stream bz2 into DuckDB through a FIFO.

DuckDB reads gzip, zstd and plain text itself (and parses plain text in parallel); it cannot read
bz2. A bz2 file is decompressed by `lbzip2 -dc -n2` (or `pbzip2`) when one is on PATH, else by
Python's `bz2` module in a child process, and the child's output goes into a named pipe that
`read_csv` reads: decompression and parsing run at the same time and nothing is written to disk.
A feeder thread hands the compressed bytes to the child, which gives a byte-accurate progress bar.

`python -m pipelines.ingest.decompress < in.bz2 > out` is the Python fallback decompressor.
"""

from __future__ import annotations

import bz2
import ctypes
import gzip
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from ..errors import InputError

BZ2, GZIP, ZSTD, PLAIN = "bz2", "gzip", "zstd", "none"
_MAGIC = ((b"BZh", BZ2), (b"\x1f\x8b", GZIP), (b"\x28\xb5\x2f\xfd", ZSTD))
_CHUNK = 1 << 20


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
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"{path}: cannot decompress the start of the file ({compression}): {exc}") from None
    except Exception as exc:  # zstandard.ZstdError is not an OSError
        raise InputError(f"{path}: cannot decompress the start of the file ({compression}): {exc}") from None


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


def bz2_command() -> list[str]:
    """The fastest bz2 decompressor available, reading stdin and writing stdout."""
    if os.environ.get(EXTERNAL_COMPRESSORS_ENV, "1").strip() in ("0", "false", "no"):
        return [sys.executable, "-m", "pipelines.ingest.decompress"]
    if shutil.which("lbzip2"):
        return ["lbzip2", "-dc", "-n", str(max(2, os.cpu_count() or 2))]
    if shutil.which("pbzip2"):
        return ["pbzip2", "-dc", f"-p{max(2, os.cpu_count() or 2)}"]
    return [sys.executable, "-m", "pipelines.ingest.decompress"]


try:
    _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl if sys.platform.startswith("linux") else None
except OSError:  # pragma: no cover - non-glibc Linux
    _PRCTL = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to kill the decompressor if ccaudit dies (kill -9), so no orphan blocks on the FIFO."""
    _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Bz2Fifo:
    """`with Bz2Fifo(src, fifo_path, on_bytes) as fifo:` read `fifo.path`, then call `fifo.check()`.

    The child writes the decompressed stream into the FIFO; `check()` raises InputError when it
    failed (corrupt or truncated archive), which must be called after the reader saw end of file.
    """

    def __init__(self, source: Path, fifo_path: Path, on_bytes: Callable[[int], None] | None = None):
        self.source = source
        self.path = fifo_path
        self.on_bytes = on_bytes
        self.command = bz2_command()
        self._proc: subprocess.Popen | None = None
        self._feeder: threading.Thread | None = None
        self._feed_error: BaseException | None = None

    def __enter__(self) -> "Bz2Fifo":
        os.mkfifo(self.path)
        # O_RDWR opens a FIFO without waiting for a reader; the child inherits it as stdout.
        fifo_fd = os.open(self.path, os.O_RDWR)
        try:
            self._proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=fifo_fd, stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent if _PRCTL else None)
        finally:
            os.close(fifo_fd)
        self._feeder = threading.Thread(target=self._feed, name="bz2-feeder", daemon=True)
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

    def check(self) -> None:
        """Wait for the decompressor; raise InputError if the archive was corrupt or truncated."""
        assert self._proc
        self._feeder.join()
        returncode = self._proc.wait()
        stderr = self._proc.stderr.read().decode("utf-8", "replace").strip() if self._proc.stderr else ""
        if self._feed_error is not None:
            raise InputError(f"{self.source}: cannot read: {self._feed_error}")
        if returncode != 0:
            detail = stderr.splitlines()[-1] if stderr else f"exit code {returncode}"
            raise InputError(f"{self.source}: corrupt or truncated bz2 archive ({Path(self.command[0]).name}: "
                             f"{detail})")

    def failed(self) -> bool:
        """True when the decompressor has exited with an error (used to explain a reader error)."""
        return self._proc is not None and self._proc.poll() not in (None, 0)

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
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _python_bz2_main() -> int:
    """Fallback decompressor: bz2 (multi-stream) from stdin to stdout, one-line error on failure."""
    out = sys.stdout.buffer
    try:
        with bz2.BZ2File(sys.stdin.buffer) as src:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
        out.flush()
    except BrokenPipeError:
        return 1
    except EOFError:
        print("compressed data ended before the end-of-stream marker (truncated file)", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"invalid bz2 data: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_python_bz2_main())
