"""The emulated Accounts API answers in the shape of TikTok's reference pages: the same keys and the
same JSON types as the bodies in ``tiktok_emulator/fixtures`` (written after the pages' examples and
field tables; see its README), and business/benchmark answers as its page describes.

Why: a connector's schema and its parsing follow these shapes (``create_time``, ``hour`` and
``second`` are strings, ids never numbers); an emulator that drifted from them would let a connector
pass that TikTok would break.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import (
    REDIRECT_URI,
    business_call,
    business_code,
    business_data,
    business_refresh,
    fixture,
    shape,
)
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.business.benchmark import CATEGORY_NAMES
from tiktok_emulator.documented.business import (
    BENCHMARK_PATH,
    CODE_PARAM_ERROR,
    COMMENT_LIST_PATH,
    GET_PATH,
    REPLY_LIST_PATH,
    REVOKE_PATH,
    TOKEN_INFO_PATH,
    TOKEN_PATH,
    VIDEO_LIST_PATH,
)
from tiktok_emulator.documented.insights import BENCHMARK_FIELDS, BUSINESS_CATEGORIES

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture(scope="module")
def emu() -> Any:
    with TikTokEmulator(video_count=95, today=TODAY, followers=5000) as emulator:
        yield emulator


def _asked(body: dict[str, Any], listed: str | None = None) -> list[str]:
    """The fields a fixture's data (or its first ``listed`` item) holds: what to ask for."""
    data = body["data"]
    item = data[listed][0] if listed else data
    return [f for f in item if f not in ("metrics", "reply_list")] + [
        f for row in data.get("metrics", [])[:1] for f in row if f != "date"
    ]


def _same_shape(answer: requests.Response, expected: dict[str, Any]) -> None:
    assert answer.status_code == 200
    assert shape(answer.json()) == shape(expected), json.dumps(answer.json())[:2000]


def _long_thread(emu: TikTokEmulator) -> str:
    video_id: str = next(
        v["id"] for v in emu.videos if v["comment_count"] >= 80 and v["id"] != emu.crowded_video_id
    )
    return video_id


@pytest.mark.parametrize("name", ["business_get.json", "business_get_insights.json"])
def test_business_get(name: str, emu: TikTokEmulator, http_session: requests.Session) -> None:
    expected = fixture(name)
    days = len(expected["data"]["metrics"])
    dates = {"start_date": (TODAY - datetime.timedelta(days=days)).isoformat(), "end_date": str(TODAY)}
    token = emu.issue_business_access_token()
    _same_shape(business_call(emu, http_session, GET_PATH, token, _asked(expected), **dates), expected)


@pytest.mark.parametrize("name", ["business_video_list.json", "business_video_list_breakdowns.json"])
def test_business_video_list(name: str, emu: TikTokEmulator, http_session: requests.Session) -> None:
    expected = fixture(name)
    viewed = next(v["id"] for v in emu.videos if v["view_count"] and v["like_count"])
    token = emu.issue_business_access_token()
    if expected["data"]["has_more"]:  # a page of the listing; past the newest video, which no one saw yet
        cursor = (emu.videos[1]["create_time"] + 1) * 1000
        answer = business_call(
            emu, http_session, VIDEO_LIST_PATH, token, _asked(expected, "videos"), max_count=1, cursor=cursor
        )
    else:
        filters = json.dumps({"video_ids": [viewed]})
        answer = business_call(
            emu, http_session, VIDEO_LIST_PATH, token, _asked(expected, "videos"), filters=filters
        )
    _same_shape(answer, expected)


def test_business_comment_list(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread(emu)
    _same_shape(
        business_call(emu, http_session, COMMENT_LIST_PATH, token, video_id=video_id, max_count=1),
        fixture("business_comment_list.json"),
    )
    with_replies = business_data(
        business_call(
            emu,
            http_session,
            COMMENT_LIST_PATH,
            token,
            video_id=video_id,
            include_replies="true",
            max_count=30,
        )
    )
    answered = next(c for c in with_replies["comments"] if c["reply_list"])
    expected = fixture("business_comment_list_with_replies.json")
    assert shape(answered) == shape(expected["data"]["comments"][0])


def test_business_comment_reply_list(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread(emu)
    top = business_data(
        business_call(emu, http_session, COMMENT_LIST_PATH, token, video_id=video_id, max_count=30)
    )
    answered = max(top["comments"], key=lambda c: c["replies"])
    answer = business_call(
        emu,
        http_session,
        REPLY_LIST_PATH,
        token,
        video_id=video_id,
        comment_id=answered["comment_id"],
        max_count=1,
    )
    _same_shape(answer, fixture("business_comment_reply_list.json"))


def test_business_benchmark(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    answer = business_call(emu, http_session, BENCHMARK_PATH, token, business_category="ART_AND_CRAFTS")
    _same_shape(answer, fixture("business_benchmark.json"))
    data = business_data(answer)
    assert data["business_category"] == "Art & Crafts"  # the display name, as the page's example
    assert set(data) == {"business_category", *BENCHMARK_FIELDS}
    assert 0 < data["average_engagement_rate"] < 1
    again = business_call(emu, http_session, BENCHMARK_PATH, token, business_category="ART_AND_CRAFTS")
    assert business_data(again) == data
    assert len(BUSINESS_CATEGORIES) == len(set(CATEGORY_NAMES.values())) == 25
    for params in ({"business_category": "ART"}, {"business_category": "art_and_crafts"}, {}):
        assert (
            business_code(business_call(emu, http_session, BENCHMARK_PATH, token, **params))
            == CODE_PARAM_ERROR
        )


def test_token_endpoints(emu: TikTokEmulator, http_session: requests.Session) -> None:
    base = {"client_id": emu.app_id, "client_secret": emu.app_secret}
    code = emu.issue_business_auth_code(REDIRECT_URI)
    exchanged = http_session.post(
        emu.base_url + TOKEN_PATH,
        json={**base, "grant_type": "authorization_code", "auth_code": code, "redirect_uri": REDIRECT_URI},
        timeout=5,
    )
    _same_shape(exchanged, fixture("tt_user_token.json"))
    refreshed = business_refresh(emu, http_session)
    _same_shape(refreshed, fixture("tt_user_refresh_token.json"))
    access_token = refreshed.json()["data"]["access_token"]
    info = http_session.post(
        emu.base_url + TOKEN_INFO_PATH, json={"app_id": emu.app_id, "access_token": access_token}, timeout=5
    )
    _same_shape(info, fixture("tt_user_token_info.json"))
    assert info.json()["data"]["creator_id"] == emu.user["open_id"]
    revoked = http_session.post(
        emu.base_url + REVOKE_PATH, json={**base, "access_token": access_token}, timeout=5
    )
    _same_shape(revoked, fixture("tt_user_revoke.json"))
