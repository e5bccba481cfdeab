"""Time-windowed, concurrent reading of the video history: every video exactly once."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import pytest

from testkit.catalogs import configured_catalog
from testkit.configs import make_config, whole_history_config
from testkit.tiktok_responses import VIDEO_LIST_URL, FakeVideoList, mock_token_ok, posting_history

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

    config = whole_history_config(window_days=window_days)
    records = run_connector("read", config, configured_catalog("videos")).records("videos")

    counts = Counter(r["id"] for r in records)
    assert [video_id for video_id, n in counts.items() if n > 1] == []
    assert set(counts) == {v["id"] for v in videos}


def test_windows_cover_the_history_from_2014_and_start_at_their_end(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_token_ok(requests_mock)
    videos = posting_history("daily", 40)
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)

    run_connector("read", whole_history_config(window_days=365), configured_catalog("videos"))

    # A window's first page asks for the videos before the window's end, and windows are cut at
    # midnights from 2014-01-01; later pages' cursors are video times, which are never midnights.
    first_pages = sorted(c // 1000 for c in tiktok.cursors if (c // 1000) % DAY == 0)
    assert first_pages[0] == 1_388_534_400 + 365 * DAY, "the oldest window starts on 2014-01-01"
    assert all(later - earlier == 365 * DAY for earlier, later in pairwise(first_pages)), (
        "each window starts where the one before it ends: no gap, no overlap"
    )
    years = (max(tiktok.cursors) // 1000 - 1_388_534_400) / (365 * DAY)
    assert len(tiktok.cursors) <= int(years) + 2 + 40 // 20 + 2, (
        "one request per window plus the pages of dense ones"
    )


def test_start_date_bounds_the_windows(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    videos = posting_history("daily", 100)  # 2025-08-06 .. 2025-11-13
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)
    start = 1_763_000_000 - 30 * DAY

    records = run_connector(
        "read", make_config(start_date="2025-10-14T00:00:00Z", window_days=10), configured_catalog("videos")
    ).records("videos")

    assert records and min(r["create_time"] for r in records) >= 1_760_400_000  # 2025-10-14
    assert {r["id"] for r in records} == {v["id"] for v in videos if v["create_time"] >= 1_760_400_000}
    assert min(tiktok.cursors) >= start * 1000 - 40 * DAY * 1000, "no window before start_date"
