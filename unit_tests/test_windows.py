"""Time-windowed, concurrent reading of the video history: every video exactly once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from unit_tests.conftest import (
    VIDEO_LIST_URL,
    FakeVideoList,
    catalog,
    make_config,
    mock_token_ok,
    posting_history,
    whole_history_config,
)

DAY = 86_400


@pytest.mark.parametrize("pattern", ["clustered", "sparse", "daily"])
@pytest.mark.parametrize("window_days", [30, 90, 400])
def test_windowed_read_returns_every_video_exactly_once(
    run_connector: Any, requests_mock: Any, pattern: str, window_days: int
) -> None:
    mock_token_ok(requests_mock)
    videos = posting_history(pattern, 120)
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)

    records = run_connector("read", whole_history_config(window_days=window_days), catalog("videos")).records("videos")

    counts = Counter(r["id"] for r in records)
    assert [video_id for video_id, n in counts.items() if n > 1] == []
    assert set(counts) == {v["id"] for v in videos}


def test_windows_cover_the_history_from_2014_and_start_at_their_end(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    videos = posting_history("daily", 40)
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)

    run_connector("read", whole_history_config(window_days=365), catalog("videos"))

    first_pages = sorted(c for c in tiktok.cursors if c % 1000 == 0 and (c // 1000) % 1 == 0)
    oldest_window_end = min(first_pages) // 1000
    assert 1_388_534_400 <= oldest_window_end <= 1_388_534_400 + 366 * DAY, "the first window starts in 2014"
    years = (max(tiktok.cursors) // 1000 - 1_388_534_400) / (365 * DAY)
    assert len(tiktok.cursors) <= int(years) + 2 + 40 // 20 + 2, "one request per window plus the pages of dense ones"


def test_start_date_bounds_the_windows(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    videos = posting_history("daily", 100)  # 2025-08-06 .. 2025-11-13
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)
    start = 1_763_000_000 - 30 * DAY

    records = run_connector(
        "read", make_config(start_date="2025-10-14T00:00:00Z", window_days=10), catalog("videos")
    ).records("videos")

    assert records and min(r["create_time"] for r in records) >= 1_760_400_000  # 2025-10-14
    assert {r["id"] for r in records} == {v["id"] for v in videos if v["create_time"] >= 1_760_400_000}
    assert min(tiktok.cursors) >= start * 1000 - 40 * DAY * 1000, "no window before start_date"
