"""A per-key rate limit (SPEC §10): a token bucket per API key, in each worker process.

Each key may make `VAGVAL_RATE_LIMIT_PER_MINUTE` requests a minute on average, with bursts of up to
`VAGVAL_RATE_LIMIT_BURST`; beyond that the answer is 429 with `Retry-After` (whole seconds until a request is
allowed again). The buckets live in the process's memory: with N worker processes a key may make N times as many
requests, and a restart forgets them. 0 turns the limit off.
"""

from __future__ import annotations

import math
import threading
import time

from app.errors import TooManyRequests


class RateLimiter:
    MAX_KEYS = 100_000  # buckets kept; beyond that the fullest are dropped (a full bucket is the default anyway)

    def __init__(self, per_minute: int, burst: int, clock=time.monotonic):  # noqa: ANN001
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key_id: str) -> None:
        """One request of this key: allowed, or TooManyRequests saying when to retry."""
        if self.rate <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.get(key_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens < 1:
                self._buckets[key_id] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise TooManyRequests(f"this key made more than {round(self.rate * 60)} requests a minute (bursts of "
                                      f"{int(self.burst)}); retry in {wait} s", retry_after=wait)
            self._buckets[key_id] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_KEYS:
                self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        for key_id, (tokens, when) in list(self._buckets.items()):
            if tokens + (now - when) * self.rate >= self.burst:
                del self._buckets[key_id]
