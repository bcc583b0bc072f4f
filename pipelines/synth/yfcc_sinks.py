"""Where generated TSV text goes: a plain file or a bz2 (lbzip2/pbzip2 or Python, in parallel pieces),
gzip or zstd stream chosen by the suffix, written on a thread while the next chunk is built.
"""

from __future__ import annotations

import bz2
import gzip
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, cast

import zstandard

from ..config import external_compressors_from_env
from ..errors import InputError

# --- output sinks -------------------------------------------------------------------------------


def _external_allowed(use_external: bool | None) -> bool:
    if use_external is not None:
        return use_external
    return external_compressors_from_env()


# Suffixes that promise a compression the generator does not write: refuse rather than write plain text.
_UNSUPPORTED_COMPRESSION_SUFFIXES = {".xz", ".lzma", ".lz4", ".zip", ".7z", ".br", ".z", ".lz", ".tgz"}

_EXTERNAL_TOOLS = {  # suffix -> (tool, arguments), first found on PATH wins
    "bz2": (("lbzip2", ["-c", "-9"]), ("pbzip2", ["-c", "-9"])),
    "gz": (("pigz", ["-c", "-6", "-n"]),),  # -n: no name or time stamp, so output is reproducible
}


def _open_compressor(
    file: BinaryIO, suffix: str, external: bool
) -> tuple[str, BinaryIO, subprocess.Popen | None]:
    """(name, stream to write into, child process or None) for the output suffix."""
    for tool, arguments in _EXTERNAL_TOOLS.get(suffix, ()) if external else ():
        if executable := shutil.which(tool):
            process = subprocess.Popen([executable, *arguments], stdin=subprocess.PIPE, stdout=file)
            assert process.stdin is not None  # stdin=PIPE
            return tool, cast(BinaryIO, process.stdin), process
    # The writers below are binary file objects by duck type; typing's BinaryIO is nominal.
    if suffix == "bz2":
        return "python-bz2", cast(BinaryIO, _ParallelBz2Writer(file)), None
    if suffix == "gz":
        return (
            "python-gzip",
            cast(BinaryIO, gzip.GzipFile(filename="", mode="wb", fileobj=file, compresslevel=6, mtime=0)),
            None,
        )
    if suffix == "zst":
        return (
            "zstandard",
            zstandard.ZstdCompressor(level=3, threads=-1).stream_writer(file, closefd=False),
            None,
        )
    return "none", file, None


class _ParallelBz2Writer:
    """bz2 on every core without lbzip2: the text is cut into pieces compressed in a thread pool
    (bz2.compress releases the GIL) and written in order as consecutive bz2 streams. Multi-stream
    files are standard (pbzip2 writes them too); bzip2, lbzip2 and Python's bz2 read them whole."""

    PIECE = 4 << 20  # bytes of text per stream: bz2 works in 900 KB blocks anyway

    def __init__(self, file: BinaryIO):
        self.file = file
        self.workers = max(1, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ccaudit-bz2")
        self.pending: list = []  # futures, in file order
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) >= self.PIECE:
            self._submit(bytes(self.buffer[: self.PIECE]))
            del self.buffer[: self.PIECE]
        return len(data)

    def _submit(self, piece: bytes) -> None:
        self.pending.append(self.pool.submit(bz2.compress, piece, 9))
        while len(self.pending) > 2 * self.workers:  # bounded memory: wait for the oldest piece
            self.file.write(self.pending.pop(0).result())

    def close(self) -> None:
        if self.buffer:
            self._submit(bytes(self.buffer))
            self.buffer.clear()
        for future in self.pending:
            self.file.write(future.result())
        self.pending.clear()
        self.pool.shutdown()

    def abort(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class _Sink:
    """A file that compresses by suffix, written by a background thread so that formatting and
    compression overlap with building the next chunk."""

    def __init__(self, path: Path, suffix: str, use_external: bool | None):
        self.path = path
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close() or abort())
        self.compressor, self.stream, self.process = _open_compressor(
            self.file, suffix, _external_allowed(use_external)
        )
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: Exception | None = None
        self.aborted = False
        self.thread = threading.Thread(target=self._drain, name="ccaudit-generate-writer", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while (job := self.queue.get()) is not None:
            if self.error is not None or self.aborted:
                continue
            try:
                if callable(job):
                    job(self.stream)
                else:
                    self.stream.write(job)
            except Exception as exc:  # noqa: BLE001 (re-raised to the producer in write()/close())
                self.error = exc

    def write(self, job: bytes | Callable[[BinaryIO], None]) -> None:
        """Queue bytes, or a function that writes into the stream (run on the writer thread, in order)."""
        if self.error is not None:
            raise self.error
        self.queue.put(job)

    def close(self) -> None:
        self._stop_thread()
        if self.error is not None:
            raise self.error
        try:
            if self.stream is not self.file:
                self.stream.close()
            if self.process is not None and self.process.wait() != 0:
                raise InputError(
                    f"{self.compressor} failed (exit code {self.process.returncode}) writing {self.path}"
                )
        finally:
            self.file.close()

    def abort(self) -> None:
        self.aborted = True
        self._stop_thread()
        if abort_stream := getattr(self.stream, "abort", None):
            abort_stream()
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.file.close()

    def _stop_thread(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
