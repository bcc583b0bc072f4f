"""A small progress bar for long work: rate and ETA on a terminal, silent elsewhere.

Only stderr of an interactive terminal gets the bar, so logs, pipes and Airflow task logs stay clean.
"""

from __future__ import annotations

import sys
import time


def _human(n: float) -> str:
    for unit in ("", "K", "M", "G", "T"):
        if abs(n) < 1000:
            return f"{n:,.0f}{unit}" if unit == "" else f"{n:,.1f}{unit}"
        n /= 1000
    return f"{n:,.1f}P"


class Progress:
    """`with Progress(total, unit='B', label='ingest') as bar: bar.update(n)`."""

    def __init__(
        self,
        total: float | None,
        unit: str = "",
        label: str = "",
        stream=None,
        enabled: bool | None = None,
        min_interval: float = 0.2,
    ):
        self.total = total
        self.unit = unit
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0.0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self.min_interval = min_interval

    def __enter__(self) -> "Progress":  # noqa: UP037
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: float = 1) -> None:
        self.done += n
        self._draw()

    def set(self, done: float) -> None:
        self.done = done
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label} {_human(self.done)}{self.unit}"
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * 24)
            eta = (self.total - self.done) / rate if rate > 0 else 0
            text = (
                f"{self.label} [{'#' * filled}{'.' * (24 - filled)}] {share:6.1%} "
                f"{_human(self.done)}/{_human(self.total)}{self.unit} {_human(rate)}{self.unit}/s "
                f"ETA {int(eta // 60)}:{int(eta % 60):02d}"
            )
        else:
            text += f" {_human(rate)}{self.unit}/s"
        self.stream.write("\r" + text[:120].ljust(80))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
