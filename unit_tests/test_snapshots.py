"""profile_snapshots and video_snapshots: the daily history TikTok never keeps, in both modes.

The clock is the test's (``testkit.clock``): "today" is whatever UTC day the test sets.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from testkit.business_responses import (
    BUSINESS_GET_URL,
    BUSINESS_VIDEO_LIST_URL,
    OPEN_ID,
    business_envelope,
    business_video,
    mock_business_token_ok,
)
from testkit.catalogs import configure, discovered
from testkit.clock import utc_clock
from testkit.configs import make_business_config, make_config
from testkit.tiktok_responses import USER_INFO_URL, VIDEO_LIST_URL, envelope, mock_token_ok, user, video

DAY_ONE = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)


def snapshot_catalog(run_connector: Any, config: dict[str, Any]) -> Any:
    catalog = discovered(run_connector, config)
    catalog.streams = [s for s in catalog.streams if s.name.endswith("_snapshots")]
    return configure(catalog, incremental=True)


def videos_answer(views: dict[str, int], created: dict[str, int]) -> dict[str, Any]:
    videos = [dict(video(0, created[vid]), id=vid, view_count=count) for vid, count in views.items()]
    return envelope({"videos": videos, "cursor": 0, "has_more": False})


def test_two_days_give_two_rows_and_two_syncs_in_a_day_keep_one_key(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_token_ok(requests_mock)
    profile = requests_mock.get(USER_INFO_URL, json=envelope({"user": dict(user(), follower_count=100)}))
    created = {"v2": int(DAY_ONE.timestamp()) - 3600, "v1": int(DAY_ONE.timestamp()) - 86400}
    requests_mock.post(VIDEO_LIST_URL, json=videos_answer({"v2": 10, "v1": 50}, created))
    config = make_config()
    catalog = snapshot_catalog(run_connector, config)

    with utc_clock(DAY_ONE) as clock:
        first = run_connector("read", config, catalog)
        clock.advance(hours=6)
        again = run_connector("read", config, catalog, state=first.final_state)
        clock.advance(days=1)
        profile.reset()
        requests_mock.get(USER_INFO_URL, json=envelope({"user": dict(user(), follower_count=130)}))
        requests_mock.post(VIDEO_LIST_URL, json=videos_answer({"v2": 25, "v1": 51}, created))
        second = run_connector("read", config, catalog, state=again.final_state)

    [day_one_profile] = first.records("profile_snapshots")
    assert day_one_profile["date"] == "2026-03-09" and day_one_profile["follower_count"] == 100
    assert day_one_profile["read_at"] == "2026-03-09T08:30:00Z"
    # Later that day: the same key, so append + dedupe keeps one row per day, with the last values.
    [same_day] = again.records("profile_snapshots")
    assert (same_day["open_id"], same_day["date"]) == (day_one_profile["open_id"], "2026-03-09")
    assert same_day["read_at"] == "2026-03-09T14:30:00Z"
    [day_two_profile] = second.records("profile_snapshots")
    assert (day_two_profile["date"], day_two_profile["follower_count"]) == ("2026-03-10", 130)
    views = {(r["id"], r["date"]): r["view_count"] for r in first.records("video_snapshots")}
    views |= {(r["id"], r["date"]): r["view_count"] for r in second.records("video_snapshots")}
    assert views == {
        ("v2", "2026-03-09"): 10,
        ("v1", "2026-03-09"): 50,
        ("v2", "2026-03-10"): 25,
        ("v1", "2026-03-10"): 51,
    }
    # State moves a day at a time and is what the next sync starts from.
    cursors = {
        s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in second.final_state
    }
    assert cursors["profile_snapshots"]["date"] == "2026-03-10"
    assert cursors["video_snapshots"]["date"] == "2026-03-10"


def test_snapshot_max_age_skips_older_videos_and_stops_paging(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    now = int(DAY_ONE.timestamp())
    recent = dict(video(1, now - 5 * 86400), id="recent")
    old = dict(video(2, now - 400 * 86400), id="old")
    pages = requests_mock.post(
        VIDEO_LIST_URL,
        [
            {
                "json": envelope(
                    {"videos": [recent, old], "cursor": (now - 400 * 86400) * 1000, "has_more": True}
                )
            },
            {
                "json": envelope(
                    {
                        "videos": [dict(video(3, now - 500 * 86400), id="older")],
                        "cursor": 0,
                        "has_more": False,
                    }
                )
            },
        ],
    )
    config = make_config(snapshot_max_age_days=365)
    catalog = snapshot_catalog(run_connector, config)
    catalog.streams = [s for s in catalog.streams if s.stream.name == "video_snapshots"]

    with utc_clock(DAY_ONE):
        run = run_connector("read", config, catalog)

    assert [r["id"] for r in run.records("video_snapshots")] == ["recent"]
    assert pages.call_count == 1
    assert json.loads(pages.last_request.body)["cursor"] == (now + 1) * 1000


def test_business_snapshots_carry_the_account_and_the_insights(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(BUSINESS_GET_URL, json=business_envelope({"followers_count": 1520, "total_likes": 9}))
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope(
            {"videos": [business_video("7301", 1_773_000_000)], "cursor": 0, "has_more": False}
        ),
    )
    config = make_business_config()
    catalog = snapshot_catalog(run_connector, config)

    with utc_clock(DAY_ONE):
        run = run_connector("read", config, catalog)

    [profile] = run.records("profile_snapshots")
    assert profile == {
        "followers_count": 1520,
        "total_likes": 9,
        "business_id": OPEN_ID,
        "date": "2026-03-09",
        "read_at": "2026-03-09T08:30:00Z",
    }
    [snapshot] = run.records("video_snapshots")
    assert (snapshot["item_id"], snapshot["business_id"], snapshot["date"]) == ("7301", OPEN_ID, "2026-03-09")
    assert snapshot["reach"] == 1 and snapshot["full_video_watched_rate"] == 1
