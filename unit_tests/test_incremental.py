"""Incremental videos: new videos plus fresh metrics for the recent ones, in few requests."""

from __future__ import annotations

import math
import time
from typing import Any

from testkit.catalogs import configured_catalog
from testkit.configs import whole_history_config
from testkit.tiktok_responses import VIDEO_LIST_URL, FakeVideoList, mock_token_ok, posting_history, video

DAY = 86_400
NEWEST = 1_763_000_000


def history_config(**overrides: Any) -> dict[str, Any]:
    return whole_history_config(window_days=30, **overrides)


def first_sync(
    run_connector: Any, requests_mock: Any, videos: list[dict[str, Any]], **config: Any
) -> tuple[Any, FakeVideoList]:
    mock_token_ok(requests_mock)
    tiktok = FakeVideoList(videos)
    requests_mock.post(VIDEO_LIST_URL, json=tiktok)
    run = run_connector("read", history_config(**config), configured_catalog("videos", incremental=True))
    return run, tiktok


def test_first_sync_reads_everything_and_saves_the_newest_create_time(
    run_connector: Any, requests_mock: Any
) -> None:
    videos = posting_history("daily", 150)

    run, _ = first_sync(run_connector, requests_mock, videos)

    assert {r["id"] for r in run.records("videos")} == {v["id"] for v in videos}
    (state,) = run.final_state
    assert state["stream"]["stream_descriptor"]["name"] == "videos"
    assert int(state["stream"]["stream_state"]["create_time"]) == NEWEST


def test_second_sync_reads_new_videos_and_refreshes_the_lookback_window(
    run_connector: Any, requests_mock: Any
) -> None:
    old = posting_history("daily", 300)
    first, first_tiktok = first_sync(run_connector, requests_mock, old)
    state = first.final_state

    new = [video(1000 + i, NEWEST + (i + 1) * 3600) for i in range(5)]
    refreshed = [dict(v, view_count=v["view_count"] + 1) for v in old]  # metrics moved on
    second_tiktok = FakeVideoList(new + refreshed)
    requests_mock.post(VIDEO_LIST_URL, json=second_tiktok)

    second = run_connector(
        "read", history_config(lookback_days=10), configured_catalog("videos", incremental=True), state=state
    )

    got = {r["id"]: r for r in second.records("videos")}
    within_lookback = {v["id"] for v in refreshed if v["create_time"] >= NEWEST - 10 * DAY}
    assert {v["id"] for v in new} <= set(got)
    assert set(got) - {v["id"] for v in new} == within_lookback
    assert all(
        got[i]["view_count"] == next(v for v in refreshed if v["id"] == i)["view_count"]
        for i in within_lookback
    )
    windows_since_lookback = math.ceil((time.time() - (NEWEST - 10 * DAY)) / (30 * DAY))
    assert len(second_tiktok.cursors) <= windows_since_lookback + 1, "only windows after state minus lookback"
    assert min(second_tiktok.cursors) > (NEWEST - 10 * DAY) * 1000
    assert len(first_tiktok.cursors) > 100
    assert int(second.final_state[0]["stream"]["stream_state"]["create_time"]) == max(
        v["create_time"] for v in new
    )


def test_zero_lookback_reads_only_new_videos(run_connector: Any, requests_mock: Any) -> None:
    old = posting_history("daily", 50)
    first, _ = first_sync(run_connector, requests_mock, old)
    new = [video(2000, NEWEST + 60)]
    requests_mock.post(VIDEO_LIST_URL, json=FakeVideoList(new + old))

    second = run_connector(
        "read",
        history_config(lookback_days=0),
        configured_catalog("videos", incremental=True),
        state=first.final_state,
    )

    ids = {r["id"] for r in second.records("videos")}
    assert new[0]["id"] in ids
    assert ids <= {new[0]["id"], old[0]["id"]}, "at most the video at the saved cursor is read again"
