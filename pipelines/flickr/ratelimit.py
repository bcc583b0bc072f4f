"""A token bucket that keeps every run under Flickr's per-key limit (3600 calls per hour).

The guarantee, precisely: for a limit of L calls per hour and a burst of B calls, the bucket
starts EMPTY, holds at most B tokens and refills at R = (L - B) / 3600 tokens per second. Every
HTTP request takes one token before it is sent. Hence, for any time window of W seconds,

    requests started in the window  <=  B + R * W

and for W = 3600 s that is B + (L - B) = L: no hour-long window ever sees more than L calls.
Because the bucket starts empty, the bound also holds across consecutive runs of one process
after another (an hourly Airflow task): tokens saved up at the end of one run are never carried
into the next. With L = 3600 and B = 5 the sustained rate is 99.86 % of the limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_BURST = 5


def default_burst(limit_per_hour: float) -> int:
    """A few calls of burst for the default limit, one for small limits (so R stays > 0)."""
    return max(1, min(DEFAULT_BURST, int(limit_per_hour // 720)))


class TokenBucket:
    """`acquire()` blocks until a token is available and takes it.

    `clock` and `sleep` are injectable so tests can drive the bucket with a fake clock.
    """

    def __init__(
        self,
        limit_per_hour: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if limit_per_hour <= 0:
            raise ValueError("limit_per_hour must be > 0")
        self.limit_per_hour = float(limit_per_hour)
        self.burst = default_burst(limit_per_hour) if burst is None else int(burst)
        if self.burst < 1:
            raise ValueError("burst must be >= 1")
        # Below 2 calls/hour the burst cannot be subtracted; the hourly bound is then L + 1.
        refill_per_hour = self.limit_per_hour - self.burst
        if refill_per_hour <= 0:
            refill_per_hour = self.limit_per_hour
        self.refill_per_second = refill_per_hour / 3600.0
        self._clock = clock
        self._sleep = sleep
        self._tokens = 0.0
        self._updated = clock()
        self._lock = threading.Lock()
        self.acquired = 0

    def __repr__(self) -> str:
        return f"TokenBucket(limit_per_hour={self.limit_per_hour:g}, burst={self.burst})"

    def max_calls(self, window_seconds: float) -> float:
        """Upper bound on requests started in any window of this length (see the module doc)."""
        return self.burst + self.refill_per_second * window_seconds

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.refill_per_second)
        self._updated = now

    def acquire(self, deadline: float | None = None) -> bool:
        """Take one token, sleeping as needed. With `deadline` (a `clock()` value), return False
        without taking a token when none would be available before it."""
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                # The epsilon absorbs float rounding: after sleeping exactly the computed wait
                # the bucket may hold 0.999999999 tokens, and a 1e-12 s sleep is lost on a
                # clock reading of 1e4 s, which would loop forever.
                if self._tokens >= 1.0 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self.acquired += 1
                    return True
                wait = (1.0 - self._tokens) / self.refill_per_second
            if deadline is not None and now + wait > deadline:
                return False
            self._sleep(wait)
