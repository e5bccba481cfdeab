"""Tests of the emulated Accounts API's business/get, and of what its data endpoints share:
authentication by the Access-Token header, scopes, parameter checks, throttling, request ids.

Why: the business streams are built against this emulator, so its protocol (the Access-Token
header and its 40104/40105/40102, JSON ``fields``, the 60-day window, data a day late, codes in HTTP
200) must be pinned down over real HTTP, as TikTok's reference pages describe it, before a connector
can be trusted to handle it.  video/list, the comment endpoints, the faults and the answer shapes
have modules of their own.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import bearer, business_call, business_code, business_data, user_info
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.business.scopes import (
    INSIGHTS_SCOPE,
    PROFILE_SCOPES,
    VIDEO_INSIGHTS_SCOPE,
    VIDEO_LIST_SCOPE,
)
from tiktok_emulator.documented.business import (
    ACCESS_TOKEN_HEADER,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_EMPTY_ACCESS_TOKEN,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_OK,
    CODE_PARAM_ERROR,
    CODE_PERMISSION_ERROR,
    CODE_REQUEST_FREQUENCY_LIMITED,
    CODE_REQUEST_TOO_FREQUENT,
    CODE_SCOPE_NOT_AUTHORIZED,
    GET_PATH,
    VIDEO_LIST_PATH,
)
from tiktok_emulator.documented.insights import (
    ALL_ACCOUNTS_METRIC_FIELDS,
    AUDIENCE_ACTIVITY_FIELD,
    DAILY_METRIC_FIELDS,
    DEMOGRAPHIC_FIELDS,
    MAX_DAYS_BACK,
    PROFILE_FIELDS,
    VIDEO_LIST_MAX_COUNT,
)

TODAY = datetime.date(2026, 3, 15)
METRICS = [*DAILY_METRIC_FIELDS, AUDIENCE_ACTIVITY_FIELD]
BUSINESS_ONLY_METRICS = [f for f in DAILY_METRIC_FIELDS if f not in ALL_ACCOUNTS_METRIC_FIELDS]


def _day(days_back: int) -> str:
    return (TODAY - datetime.timedelta(days=days_back)).isoformat()


def _metrics(
    emu: TikTokEmulator, s: requests.Session, token: str, start: int, end: int
) -> list[dict[str, Any]]:
    response = business_call(emu, s, GET_PATH, token, METRICS, start_date=_day(start), end_date=_day(end))
    rows: list[dict[str, Any]] = business_data(response)["metrics"]
    return rows


@pytest.fixture(scope="module")
def emu() -> Any:
    """One read-only emulator with a pinned 'today' for the tests that change nothing."""
    with TikTokEmulator(video_count=50, today=TODAY, followers=5000) as emulator:
        yield emulator


def test_the_access_token_header_and_its_codes(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    params = {"business_id": emu.user["open_id"], "fields": '["username"]'}
    url = emu.base_url + GET_PATH

    def code(headers: dict[str, str]) -> int:
        return business_code(http_session.get(url, params=params, headers=headers, timeout=5))

    as_bearer = http_session.get(url, params=params, headers=bearer(token), timeout=5)
    assert business_code(as_bearer) == CODE_EMPTY_ACCESS_TOKEN
    assert ACCESS_TOKEN_HEADER in as_bearer.json()["message"]
    assert code({}) == code({ACCESS_TOKEN_HEADER: ""}) == CODE_EMPTY_ACCESS_TOKEN
    assert code({ACCESS_TOKEN_HEADER: "act.x"}) == CODE_INVALID_ACCESS_TOKEN
    ok = http_session.get(url, params=params, headers={ACCESS_TOKEN_HEADER: token}, timeout=5)
    assert business_data(ok) == {"username": emu.user["username"]}
    assert user_info(emu, http_session, token).status_code == 401  # not a Display API token
    expiring = emu.issue_business_access_token()
    emu.invalidate_business_access_tokens()
    assert (
        code({ACCESS_TOKEN_HEADER: expiring})
        == code({ACCESS_TOKEN_HEADER: expiring})
        == CODE_ACCESS_TOKEN_EXPIRE
    )


def test_profile_fields_describe_the_display_account(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    data = business_data(business_call(emu, http_session, GET_PATH, token, PROFILE_FIELDS))
    assert set(data) == set(PROFILE_FIELDS)  # no metrics, no demographics: none were asked for
    user = emu.user
    assert (data["display_name"], data["username"], data["bio_description"]) == (
        user["display_name"],
        user["username"],
        user["bio_description"],
    )
    assert data["followers_count"] == 5000 and data["videos_count"] == 50
    assert data["total_likes"] == user["likes_count"] and data["is_business_account"] is True
    # Without fields, the documented defaults.
    default = business_data(business_call(emu, http_session, GET_PATH, token))
    assert default == {"display_name": user["display_name"], "profile_image": user["avatar_url"]}


def test_metrics_one_row_per_day_deterministic(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    rows = _metrics(emu, http_session, token, start=5, end=1)
    assert [row["date"] for row in rows] == [_day(n) for n in range(5, 0, -1)]
    for row in rows:
        assert set(row) == {"date", *METRICS}
        assert all(isinstance(row[f], int) and row[f] >= 0 for f in DAILY_METRIC_FIELDS)
        assert row["unique_video_views"] <= row["video_views"]
        assert row["daily_total_followers"] == row["daily_new_followers"] - row["daily_lost_followers"]
        activity = row[AUDIENCE_ACTIVITY_FIELD]
        assert [a["hour"] for a in activity] == [str(h) for h in range(24)]  # strings, as documented
        assert all(isinstance(a["count"], int) for a in activity)
    assert len({row["video_views"] for row in rows}) > 1
    assert _metrics(emu, http_session, token, start=3, end=2) == rows[2:4]  # same day, same numbers
    # Only the requested metrics come back, each row still dated.
    only = business_call(emu, http_session, GET_PATH, token, ["likes"], start_date=_day(2), end_date=_day(2))
    assert business_data(only)["metrics"] == [{"date": _day(2), "likes": rows[3]["likes"]}]


def test_followers_count_with_dates_is_also_daily(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    lifetime = business_data(business_call(emu, http_session, GET_PATH, token, ["followers_count"]))
    assert lifetime == {"followers_count": 5000}
    dated = business_data(
        business_call(
            emu, http_session, GET_PATH, token, ["followers_count"], start_date=_day(3), end_date=_day(2)
        )
    )
    assert dated["followers_count"] == 5000
    assert [set(row) for row in dated["metrics"]] == [{"date", "followers_count"}] * 2
    assert all(isinstance(row["followers_count"], int) for row in dated["metrics"])


def test_today_has_no_metrics_yet_and_the_window_is_60_days(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    assert [row["date"] for row in _metrics(emu, http_session, token, start=1, end=0)] == [_day(1)]
    assert len(_metrics(emu, http_session, token, start=MAX_DAYS_BACK, end=0)) == MAX_DAYS_BACK
    for start, end in ((MAX_DAYS_BACK + 1, 1), (3, 5), (1, -1)):
        response = business_call(
            emu, http_session, GET_PATH, token, METRICS, start_date=_day(start), end_date=_day(end)
        )
        assert business_code(response) == CODE_PARAM_ERROR, (start, end)
    bad_format = business_call(emu, http_session, GET_PATH, token, METRICS, start_date="2026/03/01")
    assert business_code(bad_format) == CODE_PARAM_ERROR and "YYYY-MM-DD" in bad_format.json()["message"]
    # The documented defaults: start_date today - 7, end_date yesterday.
    default = business_data(business_call(emu, http_session, GET_PATH, token, ["video_views"]))
    assert [row["date"] for row in default["metrics"]] == [_day(n) for n in range(7, 0, -1)]
    only_start = business_data(
        business_call(emu, http_session, GET_PATH, token, ["likes"], start_date=_day(3))
    )
    assert [row["date"] for row in only_start["metrics"]] == [_day(3), _day(2), _day(1)]
    only_end = business_call(emu, http_session, GET_PATH, token, ["likes"], end_date=_day(9))
    assert business_code(only_end) == CODE_PARAM_ERROR  # before the default start, today - 7


def test_metrics_start_with_analytics_and_follow_today(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, analytics_days=10) as emu:
        token = emu.issue_business_access_token()
        rows = _metrics(emu, http_session, token, start=30, end=1)
        assert [row["date"] for row in rows] == [_day(n) for n in range(10, 0, -1)]
        emu.today = TODAY + datetime.timedelta(days=1)
        shifted = _metrics(emu, http_session, token, start=9, end=0)  # days counted from the old TODAY
        assert [row["date"] for row in shifted] == [_day(n) for n in range(9, -1, -1)]
        assert shifted[:-1] == rows[1:]  # a day's numbers do not depend on "today"


def test_the_wall_clock_is_today_by_default(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        today = datetime.datetime.now(datetime.timezone.utc).date()
        rows = business_data(
            business_call(emu, http_session, GET_PATH, emu.issue_business_access_token(), METRICS)
        )
        # Yesterday, or today if midnight UTC passed between the two clock readings.
        last = {(today - datetime.timedelta(days=d)).isoformat() for d in (0, 1)}
        assert rows["metrics"][-1]["date"] in last


def test_personal_accounts_lack_the_business_metrics(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, is_business_account=False) as emu:
        token = emu.issue_business_access_token()
        (row,) = _metrics(emu, http_session, token, start=1, end=1)
        assert all(isinstance(row[f], int) for f in ALL_ACCOUNTS_METRIC_FIELDS)
        assert all(row[f] is None for f in BUSINESS_ONLY_METRICS)
        profile = business_data(business_call(emu, http_session, GET_PATH, token, ["is_business_account"]))
        assert profile == {"is_business_account": False}


@pytest.mark.parametrize("followers,present", [(100, True), (99, False)])
def test_demographics_need_100_followers(
    followers: int, present: bool, http_session: requests.Session
) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, followers=followers) as emu:
        token = emu.issue_business_access_token()
        data = business_data(
            business_call(emu, http_session, GET_PATH, token, ["username", *DEMOGRAPHIC_FIELDS])
        )
        assert set(data) == ({"username", *DEMOGRAPHIC_FIELDS} if present else {"username"})
        for field, key in DEMOGRAPHIC_FIELDS.items() if present else ():
            rows = data[field]
            assert rows and all(set(row) == {key, "percentage"} for row in rows)
            assert sum(row["percentage"] for row in rows) == pytest.approx(1.0, abs=1e-3)


def test_missing_scopes_answer_40130(emu: TikTokEmulator, http_session: requests.Session) -> None:
    profile_only = emu.issue_business_access_token(scopes=PROFILE_SCOPES)
    refused = business_call(emu, http_session, GET_PATH, profile_only, ["username", "video_views"])
    assert business_code(refused) == CODE_SCOPE_NOT_AUTHORIZED and INSIGHTS_SCOPE in refused.json()["message"]
    assert business_data(business_call(emu, http_session, GET_PATH, profile_only, ["username"]))
    no_insights = emu.issue_business_access_token(scopes=(VIDEO_LIST_SCOPE,))
    videos = business_call(emu, http_session, VIDEO_LIST_PATH, no_insights, ["item_id", "reach"])
    assert business_data(videos)["videos"]
    refused = business_call(emu, http_session, VIDEO_LIST_PATH, no_insights, ["item_id", "new_followers"])
    assert business_code(refused) == CODE_SCOPE_NOT_AUTHORIZED
    assert VIDEO_INSIGHTS_SCOPE in refused.json()["message"]


def test_missing_scopes_can_answer_40001(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, business_missing_scope_code=CODE_PERMISSION_ERROR) as emu:
        token = emu.issue_business_access_token(scopes=PROFILE_SCOPES)
        refused = business_call(emu, http_session, GET_PATH, token, ["video_views"])
        assert business_code(refused) == CODE_PERMISSION_ERROR
        emu.business_missing_scope_code = CODE_SCOPE_NOT_AUTHORIZED  # read per request
        assert business_code(business_call(emu, http_session, GET_PATH, token, ["video_views"])) == 40130
    with pytest.raises(ValueError):
        TikTokEmulator(video_count=1, business_missing_scope_code=40002)


def test_bad_parameters_answer_40002(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    ids = json.dumps([emu.videos[1]["id"]])
    for path, params in (
        (GET_PATH, {"fields": '["username", "no_such_field"]'}),
        (GET_PATH, {"fields": "username,display_name"}),
        (GET_PATH, {"fields": "[]"}),
        (GET_PATH, {"fields": '["username"]', "business_id": "someone-else"}),
        (VIDEO_LIST_PATH, {"fields": '["caption"]'}),
        (VIDEO_LIST_PATH, {"fields": '["item_id", "no_such_field"]'}),
        (VIDEO_LIST_PATH, {"fields": '["item_id"]', "max_count": VIDEO_LIST_MAX_COUNT + 1}),
        (VIDEO_LIST_PATH, {"fields": '["item_id"]', "filters": '{"ids": []}'}),
        (VIDEO_LIST_PATH, {"fields": '["item_id"]', "filters": '{"ad_post_only": true}'}),
        (VIDEO_LIST_PATH, {"fields": '["item_id"]', "filters": f'{{"video_ids": {ids}, "ad_post_only": 1}}'}),
    ):
        assert business_code(business_call(emu, http_session, path, token, **params)) == CODE_PARAM_ERROR, (
            params
        )


def test_throttling_is_per_endpoint_and_answered_in_200(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=3, today=TODAY, rate_limit_per_minute=2) as emu:
        token = emu.issue_business_access_token()
        codes = [
            business_code(business_call(emu, http_session, GET_PATH, token, ["username"])) for _ in range(3)
        ]
        assert codes == [CODE_OK, CODE_OK, CODE_REQUEST_TOO_FREQUENT]
        assert business_code(business_call(emu, http_session, VIDEO_LIST_PATH, token, ["item_id"])) == 0
        assert user_info(emu, http_session, emu.issue_access_token()).status_code == 200
        emu.business_throttle_code = CODE_REQUEST_FREQUENCY_LIMITED  # read per request
        limited = business_call(emu, http_session, GET_PATH, token, ["username"])
        assert business_code(limited) == CODE_REQUEST_FREQUENCY_LIMITED
    with pytest.raises(ValueError):
        TikTokEmulator(video_count=1, business_throttle_code=429)


def test_every_answer_has_a_unique_request_id(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    responses = [business_call(emu, http_session, GET_PATH, token, ["username"]) for _ in range(5)]
    responses += [business_call(emu, http_session, GET_PATH, "act.bad", ["username"]) for _ in range(5)]
    ids = [r.json()["request_id"] for r in responses]
    assert all(r.status_code == 200 for r in responses) and len(set(ids)) == len(ids)
    assert all(r.headers["X-Tt-Logid"] == i for r, i in zip(responses, ids, strict=True))
