"""TikTok's rate limits waited out as TikTok asks, on a clock the test controls.

The connector runs in this process against the loopback emulator. Every wait of a second or more
(the CDK's backoff and rate-limit handlers sleep through ``time.sleep``) advances ``ControlledClock``
instead of passing, and the emulator's rate limiter measures its minute on the same clock, so how
long the connector waited is a count, not a stopwatch reading.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from integration_tests.test_end_to_end import assert_every_video_exactly_once
from testkit.catalogs import configured_catalog
from testkit.in_process import run_in_process
from tiktok_emulator import FaultRule, TikTokEmulator

# Shorter sleeps are the CDK's own polling between threads: they pass for real.
WAIT_SECONDS = 0.5


class ControlledClock:
    """Seconds since the test began, advanced only by the waits the connector asks for."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.waits: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float, real_sleep: Callable[[float], None] = time.sleep) -> None:
        if seconds < WAIT_SECONDS:
            real_sleep(seconds)
            return
        with self._lock:
            self.waits.append(seconds)
            self._now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ControlledClock:
    controlled = ControlledClock()
    monkeypatch.setattr(time, "sleep", controlled.sleep)
    return controlled


def test_tiktoks_rate_limit_is_waited_out_as_long_as_retry_after_says(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator], clock: ControlledClock
) -> None:
    """Another client spent most of TikTok's minute: TikTok's window is really full, its 429s say
    how long until it frees up (Retry-After), and that long is waited out; nothing is lost."""
    tiktok = emulator(video_count=60, rate_limit_per_minute=2, rate_limit_clock=clock)

    run = run_in_process(
        tmp_path, "read", tiktok.connector_config(window_days=3650), configured_catalog("videos")
    )

    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    assert tiktok.rate_limited >= 1, "the limit was really hit"
    # Every 429 was waited out to the end of its Retry-After (the CDK adds a second), so none was
    # followed by another: each came back once the window had a free slot.
    assert tiktok.rate_limited == len(clock.waits), (tiktok.rate_limited, clock.waits)
    # The sync needs more than the window's 2 requests, so it lasted until the window freed up
    # (TikTok's minute), and no wait was longer than TikTok asked for.
    assert clock() >= 55
    assert max(clock.waits) <= 61


def test_a_short_retry_after_is_honoured_without_pausing_for_a_minute(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator], clock: ControlledClock
) -> None:
    """Throttling that asks for one second costs seconds, not a minute per 429."""
    tiktok = emulator(
        video_count=200,
        faults=[FaultRule("http_429", every=4, retry_after=1), FaultRule("http_500", every=11)],
    )

    run = run_in_process(
        tmp_path, "read", tiktok.connector_config(window_days=365), configured_catalog("videos")
    )

    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    assert tiktok.rate_limited >= 3, "several 429s were really sent"
    # Pausing an endpoint for TikTok's minute after a 429 would wait 60 s at least once; the waits
    # are TikTok's second (plus the CDK's) and the short backoff of a 500 (a few seconds when two
    # fail in a row).
    assert clock.waits and max(clock.waits) < 10, clock.waits
    assert clock() < 30, f"waited {clock():.0f} s in all for {tiktok.rate_limited} one-second 429s"
