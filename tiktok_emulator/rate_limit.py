"""TikTok's per-endpoint rate limit, as a sliding window of accepted request times.

TikTok allows ``tiktok_protocol.REQUESTS_PER_ENDPOINT_MINUTE`` requests per endpoint in any sliding
minute. The emulator enforces a limit only when asked to (``rate_limit_per_minute``), usually a much
smaller one, so that a test sees throttling within a handful of requests.  The Accounts API counts
per account and endpoint, and optionally app-wide as well (``documented.business``'s limits):
``acquire_all`` takes one request through several limiters at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack

#: The length of TikTok's rate-limit window, in seconds.
SLIDING_MINUTE = 60.0


class SlidingWindowRateLimiter:
    """TikTok's rate limit: at most ``limit`` accepted requests per key in any ``window`` seconds.

    Why a sliding window of timestamps rather than a token bucket: TikTok documents its
    limit as "N requests per endpoint per sliding minute", and a connector that paces
    itself with a moving-window policy must see exactly that behaviour.  Rejected
    requests do not consume a slot, so a client that honours ``Retry-After`` always gets
    through when told to come back.
    """

    def __init__(
        self, limit: int, window: float = SLIDING_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._accepted: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> int | None:
        """Record a request for ``key``; return None if accepted, else whole seconds to wait."""
        return acquire_all([(self, key)])

    def _wait_locked(self, key: str, now: float) -> int | None:
        """With the lock held: None if ``key`` has a free slot at ``now``, else whole seconds to wait."""
        stamps = self._accepted.setdefault(key, deque())
        horizon = now - self.window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < self.limit:
            return None
        return max(1, math.ceil(stamps[0] + self.window - now))

    def reset(self) -> None:
        """Forget all history (used by tests that reuse one emulator)."""
        with self._lock:
            self._accepted.clear()


def acquire_all(claims: Sequence[tuple[SlidingWindowRateLimiter, str]]) -> int | None:
    """One request through every ``(limiter, key)`` at once: recorded under each if every one has
    a free slot (None), else recorded nowhere and the longest wait in whole seconds.

    Why all or nothing: a request one limit refuses never reaches TikTok's other counters, so it
    must not use up their slots either (a rejected request consumes nothing, as in ``acquire``).
    """
    with ExitStack() as stack:
        for limiter in sorted({id(c[0]): c[0] for c in claims}.values(), key=id):
            stack.enter_context(limiter._lock)
        stamps = [(limiter, key, limiter._clock()) for limiter, key in claims]
        waits = [w for limiter, key, now in stamps if (w := limiter._wait_locked(key, now)) is not None]
        if waits:
            return max(waits)
        for limiter, key, now in stamps:
            limiter._accepted[key].append(now)
        return None
