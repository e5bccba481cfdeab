"""Clocks tests set by hand: the UTC clock the manifest reads ("today" for the daily snapshot
streams), and a seconds clock for the emulator's rate limiters.

The manifest's dates come from the CDK's Jinja macros ``now_utc()`` and ``today_utc()``; the UTC
clock replaces them (``cdk_internals.interpolation_globals``) for connectors run in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from source_tiktok_organic.cdk_internals import interpolation_globals

__all__ = ["ManualClock", "UtcClock", "utc_clock"]


class ManualClock:
    """Seconds, moved by hand (``clock.now += 60``): a rate limiter measured on it never makes a
    test wait on the wall clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class UtcClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @property
    def today(self) -> date:
        return self.now.date()


@contextmanager
def utc_clock(now: datetime) -> Iterator[UtcClock]:
    """``now_utc()`` and ``today_utc()`` read ``clock.now`` inside the block."""
    clock = UtcClock(now.astimezone(timezone.utc))
    macros = interpolation_globals()
    saved = {name: macros[name] for name in ("now_utc", "today_utc")}
    macros["now_utc"] = lambda: clock.now
    macros["today_utc"] = lambda: clock.now.date()
    try:
        yield clock
    finally:
        macros.update(saved)
