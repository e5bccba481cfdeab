"""Tests of the emulated Accounts API's business/video/list: paging, fields, filters and insights.

Why: the business video streams page through this endpoint and read its per-video insights, whose
shapes (``create_time`` and each curve's ``second`` as strings, the documented enums, at most ten
countries and cities) a connector must parse as TikTok's reference page describes them.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import business_call, business_data
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.documented.business import VIDEO_LIST_PATH
from tiktok_emulator.documented.insights import (
    VIDEO_BREAKDOWN_KEYS,
    VIDEO_FIELDS,
    VIDEO_LIST_DEFAULT_COUNT,
    VIDEO_LIST_MAX_COUNT,
)

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture(scope="module")
def emu() -> Any:
    with TikTokEmulator(video_count=50, today=TODAY, followers=5000) as emulator:
        yield emulator


def _all_videos(emu: TikTokEmulator, s: requests.Session, token: str, max_count: int) -> list[dict[str, Any]]:
    videos: list[dict[str, Any]] = []
    params: dict[str, Any] = {"max_count": max_count}
    for _ in range(1000):
        data = business_data(business_call(emu, s, VIDEO_LIST_PATH, token, VIDEO_FIELDS, **params))
        assert len(data["videos"]) <= max_count
        videos += data["videos"]
        if not data["has_more"]:
            return videos
        assert data["cursor"] != params.get("cursor"), "cursor did not advance"
        params["cursor"] = data["cursor"]
    raise AssertionError("paging never finished")


def test_video_list_pages_cover_every_video_once(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    videos = _all_videos(emu, http_session, token, max_count=7)
    assert [v["item_id"] for v in videos] == [v["id"] for v in emu.videos]
    assert [v["create_time"] for v in videos] == [str(v["create_time"]) for v in emu.videos]  # strings
    assert all(set(v) == set(VIDEO_FIELDS) for v in videos)
    assert [v["caption"] for v in videos] == [v["video_description"] for v in emu.videos]
    assert _all_videos(emu, http_session, token, max_count=VIDEO_LIST_MAX_COUNT) == videos
    default = business_data(business_call(emu, http_session, VIDEO_LIST_PATH, token))
    assert len(default["videos"]) == VIDEO_LIST_DEFAULT_COUNT
    assert all(set(v) == {"item_id"} for v in default["videos"])  # the default field


def test_video_filters_and_insight_breakdowns(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    wanted = [emu.videos[5]["id"], emu.videos[2]["id"], "1"]
    filters = json.dumps({"video_ids": wanted})
    data = business_data(
        business_call(emu, http_session, VIDEO_LIST_PATH, token, VIDEO_FIELDS, filters=filters)
    )
    assert [v["item_id"] for v in data["videos"]] == wanted[:2] and data["has_more"] is False
    for video in data["videos"]:
        assert 0 < video["reach"] <= video["video_views"]
        for field, key in VIDEO_BREAKDOWN_KEYS.items():
            rows = video[field]
            assert rows and all(set(row) == {key, "percentage"} for row in rows), field
        assert video["video_view_retention"][0] == {"second": "0", "percentage": 1.0}
        assert all(isinstance(r["second"], str) for r in video["engagement_likes"])
        assert sum(r["percentage"] for r in video["impression_sources"]) == pytest.approx(1.0, abs=1e-3)
        assert len(video["audience_countries"]) <= 10 and len(video["audience_cities"]) <= 10
        types = {r["type"]: r["percentage"] for r in video["audience_types"]}
        assert types["NEW_VIEWER"] + types["RETURN_VIEWER"] == pytest.approx(1.0, abs=1e-3)
        assert types["FOLLOWER_PERCENT"] + types["NON_FOLLOWER_PERCENT"] == pytest.approx(1.0, abs=1e-3)
    assert {v["media_type"] for v in data["videos"]} <= {"VIDEO", "PHOTO"}
    assert all(isinstance(v["is_ad"], bool) for v in data["videos"])
    unseen = business_data(
        business_call(emu, http_session, VIDEO_LIST_PATH, token, VIDEO_FIELDS, max_count=1)
    )
    assert unseen["videos"][0]["video_views"] == 0 and unseen["videos"][0]["impression_sources"] == []


def test_media_type_and_is_ad_and_the_ad_post_filter_agree(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=60) as emu:
        token = emu.issue_business_access_token()
        videos = _all_videos(emu, http_session, token, max_count=VIDEO_LIST_MAX_COUNT)
        assert {v["media_type"] for v in videos} == {"VIDEO", "PHOTO"}
        ads = [v["item_id"] for v in videos if v["is_ad"] is True]
        assert 0 < len(ads) < len(videos) and all(isinstance(v["is_ad"], bool) for v in videos)
        asked = [v["item_id"] for v in videos[:30]]
        spark = json.dumps({"video_ids": asked, "ad_post_only": True})
        data = business_data(business_call(emu, http_session, VIDEO_LIST_PATH, token, filters=spark))
        assert [v["item_id"] for v in data["videos"]] == [i for i in asked if i in ads]
