"""Tests of the emulator's per-endpoint sliding-window rate limit.

Why: the connector paces itself against TikTok's sliding minute; the emulator must throttle
exactly as TikTok documents, and answer with a usable ``Retry-After``.
"""

from __future__ import annotations

import requests

from integration_tests.emulator_helpers import error_code, user_info, video_list
from tiktok_emulator import SlidingWindowRateLimiter, TikTokEmulator


def test_rate_limiter_per_endpoint(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=5, rate_limit_per_minute=5) as emu:
        token = emu.issue_access_token()
        statuses = [video_list(emu, http_session, token).status_code for _ in range(5)]
        assert statuses == [200] * 5
        limited = video_list(emu, http_session, token)
        assert limited.status_code == 429 and error_code(limited) == "rate_limit_exceeded"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert user_info(emu, http_session, token).status_code == 200  # counted per endpoint
        assert emu.rate_limited == 1 and emu.responses_by_status[429] == 1


def test_sliding_window_rejections_do_not_consume_slots() -> None:
    now = [1000.0]
    limiter = SlidingWindowRateLimiter(2, clock=lambda: now[0])
    assert limiter.acquire("a") is None
    now[0] += 30
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 30  # first slot frees at t=1060
    now[0] += 29.5
    assert limiter.acquire("a") == 1  # rounded up; still rejected, consumes nothing
    now[0] += 0.5
    assert limiter.acquire("a") is None  # t=1060: the first request slid out
    assert limiter.acquire("b") is None
