"""Tests of the emulated Accounts API's data endpoints: business/get, video/list and the comments,
with their authentication, limits and faults.

Why: the business streams are built against this emulator, so its protocol (the Access-Token
header, JSON ``fields``, the 60-day window, data a day late, codes in HTTP 200) must be pinned down
over real HTTP before a connector can be trusted to handle it.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import bearer, business_call, business_code, user_info
from source_tiktok_organic.business_protocol import (
    ACCESS_TOKEN_HEADER,
    AUDIENCE_ACTIVITY_FIELD,
    BUSINESS_COMMENT_LIST_PATH,
    BUSINESS_COMMENT_REPLY_LIST_PATH,
    BUSINESS_GET_PATH,
    BUSINESS_VIDEO_LIST_PATH,
    CODE_ACCESS_TOKEN_INVALID,
    CODE_INVALID_PARAMETER,
    CODE_NO_PERMISSION,
    CODE_OK,
    CODE_THROTTLED,
    COMMENT_LIST_MAX_COUNT,
    COMMENT_SCOPE,
    DAILY_METRIC_FIELDS,
    DEMOGRAPHIC_FIELDS,
    INSIGHTS_SCOPE,
    MAX_DAYS_BACK,
    PROFILE_FIELDS,
    PROFILE_SCOPES,
    VIDEO_BREAKDOWN_KEYS,
    VIDEO_INSIGHT_FIELDS,
    VIDEO_INSIGHTS_SCOPE,
    VIDEO_LIST_FIELDS,
    VIDEO_LIST_MAX_COUNT,
    VIDEO_LIST_SCOPE,
)
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.business_envelope import CODE_ERROR_IN_200, CODE_INTERNAL_ERROR

TODAY = datetime.date(2026, 3, 15)
ALL_VIDEO_FIELDS = [*VIDEO_LIST_FIELDS, *VIDEO_INSIGHT_FIELDS]
METRICS = [*DAILY_METRIC_FIELDS, AUDIENCE_ACTIVITY_FIELD]


def _day(days_back: int) -> str:
    return (TODAY - datetime.timedelta(days=days_back)).isoformat()


def _data(response: requests.Response) -> dict[str, Any]:
    assert business_code(response) == CODE_OK, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _metrics(
    emu: TikTokEmulator, s: requests.Session, token: str, start: int, end: int
) -> list[dict[str, Any]]:
    response = business_call(
        emu, s, BUSINESS_GET_PATH, token, METRICS, start_date=_day(start), end_date=_day(end)
    )
    rows: list[dict[str, Any]] = _data(response)["metrics"]
    return rows


def _all_videos(emu: TikTokEmulator, s: requests.Session, token: str, max_count: int) -> list[dict[str, Any]]:
    videos: list[dict[str, Any]] = []
    params: dict[str, Any] = {"max_count": max_count}
    for _ in range(1000):
        data = _data(business_call(emu, s, BUSINESS_VIDEO_LIST_PATH, token, ALL_VIDEO_FIELDS, **params))
        assert len(data["videos"]) <= max_count
        videos += data["videos"]
        if not data["has_more"]:
            return videos
        assert data["cursor"] != params.get("cursor"), "cursor did not advance"
        params["cursor"] = data["cursor"]
    raise AssertionError("paging never finished")


@pytest.fixture(scope="module")
def emu() -> Any:
    """One read-only emulator with a pinned 'today' for the tests that change nothing."""
    with TikTokEmulator(video_count=50, today=TODAY, followers=5000) as emulator:
        yield emulator


def test_the_access_token_header_is_required(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    params = {"business_id": emu.user["open_id"], "fields": '["username"]'}
    url = emu.base_url + BUSINESS_GET_PATH
    as_bearer = http_session.get(url, params=params, headers=bearer(token), timeout=5)
    assert business_code(as_bearer) == CODE_ACCESS_TOKEN_INVALID
    assert ACCESS_TOKEN_HEADER in as_bearer.json()["message"]
    assert business_code(http_session.get(url, params=params, timeout=5)) == CODE_ACCESS_TOKEN_INVALID
    unknown = http_session.get(url, params=params, headers={ACCESS_TOKEN_HEADER: "act.x"}, timeout=5)
    assert business_code(unknown) == CODE_ACCESS_TOKEN_INVALID
    assert _data(http_session.get(url, params=params, headers={ACCESS_TOKEN_HEADER: token}, timeout=5)) == {
        "username": emu.user["username"]
    }
    assert user_info(emu, http_session, token).status_code == 401  # not a Display API token


def test_profile_fields_describe_the_display_account(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    data = _data(business_call(emu, http_session, BUSINESS_GET_PATH, token, PROFILE_FIELDS))
    assert set(data) == set(PROFILE_FIELDS)  # no metrics, no demographics: none were asked for
    user = emu.user
    assert (data["display_name"], data["username"], data["bio_description"]) == (
        user["display_name"],
        user["username"],
        user["bio_description"],
    )
    assert data["followers_count"] == 5000 and data["videos_count"] == 50
    assert data["total_likes"] == user["likes_count"] and data["is_business_account"] is True


def test_metrics_one_row_per_day_deterministic(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    rows = _metrics(emu, http_session, token, start=5, end=1)
    assert [row["date"] for row in rows] == [_day(n) for n in range(5, 0, -1)]
    for row in rows:
        assert set(row) == {"date", *METRICS}
        assert all(isinstance(row[f], int) and row[f] >= 0 for f in DAILY_METRIC_FIELDS)
        assert row["unique_video_views"] <= row["video_views"]
        assert row["daily_total_followers"] == row["daily_new_followers"] - row["daily_lost_followers"]
        assert [a["hour"] for a in row[AUDIENCE_ACTIVITY_FIELD]] == list(range(24))
    assert len({row["video_views"] for row in rows}) > 1
    assert _metrics(emu, http_session, token, start=3, end=2) == rows[2:4]  # same day, same numbers
    # Only the requested metrics come back, each row still dated.
    only = business_call(
        emu, http_session, BUSINESS_GET_PATH, token, ["likes"], start_date=_day(2), end_date=_day(2)
    )
    assert _data(only)["metrics"] == [{"date": _day(2), "likes": rows[3]["likes"]}]


def test_today_has_no_metrics_yet_and_the_window_is_60_days(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    assert [row["date"] for row in _metrics(emu, http_session, token, start=1, end=0)] == [_day(1)]
    assert len(_metrics(emu, http_session, token, start=MAX_DAYS_BACK, end=0)) == MAX_DAYS_BACK
    for start, end in ((MAX_DAYS_BACK + 1, 1), (3, 5), (1, -1)):
        response = business_call(
            emu, http_session, BUSINESS_GET_PATH, token, METRICS, start_date=_day(start), end_date=_day(end)
        )
        assert business_code(response) == CODE_INVALID_PARAMETER, (start, end)
    bad_format = business_call(emu, http_session, BUSINESS_GET_PATH, token, METRICS, start_date="2026/03/01")
    assert (
        business_code(bad_format) == CODE_INVALID_PARAMETER and "YYYY-MM-DD" in bad_format.json()["message"]
    )
    default = _data(business_call(emu, http_session, BUSINESS_GET_PATH, token, ["video_views"]))
    assert [row["date"] for row in default["metrics"]] == [_day(n) for n in range(7, 0, -1)]


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
        rows = _data(
            business_call(emu, http_session, BUSINESS_GET_PATH, emu.issue_business_access_token(), METRICS)
        )
        # Yesterday, or today if midnight UTC passed between the two clock readings.
        last = {(today - datetime.timedelta(days=d)).isoformat() for d in (0, 1)}
        assert rows["metrics"][-1]["date"] in last


def test_personal_accounts_lack_the_business_metrics(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, is_business_account=False) as emu:
        token = emu.issue_business_access_token()
        (row,) = _metrics(emu, http_session, token, start=1, end=1)
        assert all(isinstance(row[f], int) for f in DAILY_METRIC_FIELDS[:6])
        assert all(row[f] is None for f in DAILY_METRIC_FIELDS[6:])
        profile = _data(business_call(emu, http_session, BUSINESS_GET_PATH, token, ["is_business_account"]))
        assert profile == {"is_business_account": False}


@pytest.mark.parametrize("followers,present", [(100, True), (99, False)])
def test_demographics_need_100_followers(
    followers: int, present: bool, http_session: requests.Session
) -> None:
    with TikTokEmulator(video_count=1, today=TODAY, followers=followers) as emu:
        token = emu.issue_business_access_token()
        data = _data(
            business_call(emu, http_session, BUSINESS_GET_PATH, token, ["username", *DEMOGRAPHIC_FIELDS])
        )
        assert set(data) == ({"username", *DEMOGRAPHIC_FIELDS} if present else {"username"})
        for field, key in DEMOGRAPHIC_FIELDS.items() if present else ():
            rows = data[field]
            assert rows and all(set(row) == {key, "percentage"} for row in rows)
            assert sum(row["percentage"] for row in rows) == pytest.approx(1.0, abs=1e-3)


def test_missing_scopes_and_bad_parameters(emu: TikTokEmulator, http_session: requests.Session) -> None:
    profile_only = emu.issue_business_access_token(scopes=PROFILE_SCOPES)
    refused = business_call(emu, http_session, BUSINESS_GET_PATH, profile_only, ["username", "video_views"])
    assert business_code(refused) == CODE_NO_PERMISSION and INSIGHTS_SCOPE in refused.json()["message"]
    assert _data(business_call(emu, http_session, BUSINESS_GET_PATH, profile_only, ["username"]))
    no_insights = emu.issue_business_access_token(scopes=(VIDEO_LIST_SCOPE,))
    videos = business_call(emu, http_session, BUSINESS_VIDEO_LIST_PATH, no_insights, ["item_id", "reach"])
    assert _data(videos)["videos"]
    refused = business_call(
        emu, http_session, BUSINESS_VIDEO_LIST_PATH, no_insights, ["item_id", "new_followers"]
    )
    assert business_code(refused) == CODE_NO_PERMISSION and VIDEO_INSIGHTS_SCOPE in refused.json()["message"]

    token = emu.issue_business_access_token()
    for path, params in (
        (BUSINESS_GET_PATH, {"fields": '["username", "no_such_field"]'}),
        (BUSINESS_GET_PATH, {"fields": "username,display_name"}),
        (BUSINESS_GET_PATH, {"fields": '["username"]', "business_id": "someone-else"}),
        (BUSINESS_VIDEO_LIST_PATH, {"fields": '["caption"]'}),
        (BUSINESS_VIDEO_LIST_PATH, {"fields": '["item_id"]', "max_count": VIDEO_LIST_MAX_COUNT + 1}),
        (BUSINESS_VIDEO_LIST_PATH, {"fields": '["item_id"]', "filters": '{"ids": []}'}),
    ):
        assert (
            business_code(business_call(emu, http_session, path, token, **params)) == CODE_INVALID_PARAMETER
        )


def test_video_list_pages_cover_every_video_once(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    videos = _all_videos(emu, http_session, token, max_count=7)
    assert [v["item_id"] for v in videos] == [v["id"] for v in emu.videos]
    assert [v["create_time"] for v in videos] == [v["create_time"] for v in emu.videos]
    assert all(set(v) == set(ALL_VIDEO_FIELDS) for v in videos)
    assert [v["caption"] for v in videos] == [v["video_description"] for v in emu.videos]
    assert _all_videos(emu, http_session, token, max_count=VIDEO_LIST_MAX_COUNT) == videos


def test_video_filters_and_insight_breakdowns(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    wanted = [emu.videos[5]["id"], emu.videos[2]["id"], "1"]
    data = _data(
        business_call(
            emu,
            http_session,
            BUSINESS_VIDEO_LIST_PATH,
            token,
            ALL_VIDEO_FIELDS,
            filters=json.dumps({"video_ids": wanted}),
        )
    )
    assert [v["item_id"] for v in data["videos"]] == wanted[:2] and data["has_more"] is False
    for video in data["videos"]:
        assert 0 < video["reach"] <= video["video_views"]
        for field, key in VIDEO_BREAKDOWN_KEYS.items():
            rows = video[field]
            assert rows and all(set(row) == {key, "percentage"} for row in rows), field
        assert video["video_view_retention"][0] == {"second": 0, "percentage": 1.0}
        assert sum(r["percentage"] for r in video["impression_sources"]) == pytest.approx(1.0, abs=1e-3)
    unseen = _data(
        business_call(emu, http_session, BUSINESS_VIDEO_LIST_PATH, token, ALL_VIDEO_FIELDS, max_count=1)
    )
    assert unseen["videos"][0]["video_views"] == 0 and unseen["videos"][0]["impression_sources"] == []


def _commented(emu: TikTokEmulator, minimum: int) -> str:
    return next(v["id"] for v in emu.videos if v["comment_count"] >= minimum)


def test_comments_with_replies(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _commented(emu, 80)  # a long thread: more comments and replies than a page holds
    flat: list[dict[str, Any]] = []
    cursor = 0
    while True:
        data = _data(
            business_call(
                emu, http_session, BUSINESS_COMMENT_LIST_PATH, token, video_id=video_id, status="ALL",
                include_replies="true", cursor=cursor, max_count=COMMENT_LIST_MAX_COUNT,
            )
        )  # fmt: skip
        flat += data["comments"]
        cursor = data["cursor"]
        if not data["has_more"]:
            break
    assert len({c["comment_id"] for c in flat}) == len(flat) > COMMENT_LIST_MAX_COUNT
    top = [c for c in flat if c["parent_comment_id"] is None]
    assert all(c["video_id"] == video_id for c in flat)
    threaded = next(c for c in top if c["replies"] > COMMENT_LIST_MAX_COUNT)
    replies: list[dict[str, Any]] = []
    cursor = 0
    while True:
        data = _data(
            business_call(
                emu, http_session, BUSINESS_COMMENT_REPLY_LIST_PATH, token, video_id=video_id,
                comment_id=threaded["comment_id"], status="ALL", cursor=cursor,
            )
        )  # fmt: skip
        replies += data["comments"]
        cursor = data["cursor"]
        if not data["has_more"]:
            break
    assert len(replies) == threaded["replies"]
    assert replies == [c for c in flat if c["parent_comment_id"] == threaded["comment_id"]]
    without = _data(
        business_call(emu, http_session, BUSINESS_COMMENT_LIST_PATH, token, video_id=video_id, status="ALL")
    )
    assert without["comments"] == top[:COMMENT_LIST_MAX_COUNT]
    public = _data(business_call(emu, http_session, BUSINESS_COMMENT_LIST_PATH, token, video_id=video_id))
    assert {c["status"] for c in public["comments"]} == {"PUBLIC"}

    for params in (
        {"video_id": video_id, "max_count": COMMENT_LIST_MAX_COUNT + 1},
        {"video_id": "123"},
        {"video_id": video_id, "comment_id": "123"},
    ):
        path = BUSINESS_COMMENT_REPLY_LIST_PATH if "comment_id" in params else BUSINESS_COMMENT_LIST_PATH
        assert (
            business_code(business_call(emu, http_session, path, token, **params)) == CODE_INVALID_PARAMETER
        )
    no_comments = emu.issue_business_access_token(scopes=(VIDEO_LIST_SCOPE,))
    refused = business_call(emu, http_session, BUSINESS_COMMENT_LIST_PATH, no_comments, video_id=video_id)
    assert business_code(refused) == CODE_NO_PERMISSION and COMMENT_SCOPE in refused.json()["message"]


def test_throttling_is_per_endpoint_and_answered_in_200(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=3, today=TODAY, rate_limit_per_minute=2) as emu:
        token = emu.issue_business_access_token()
        codes = [
            business_code(business_call(emu, http_session, BUSINESS_GET_PATH, token, ["username"]))
            for _ in range(3)
        ]
        assert codes == [CODE_OK, CODE_OK, CODE_THROTTLED]
        assert (
            business_code(business_call(emu, http_session, BUSINESS_VIDEO_LIST_PATH, token, ["item_id"])) == 0
        )
        assert user_info(emu, http_session, emu.issue_access_token()).status_code == 200


def test_faults_apply_when_the_business_path_is_named(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=3, today=TODAY, faults=[FaultRule("http_500", every=1)]) as emu:
        token = emu.issue_business_access_token()
        assert business_code(business_call(emu, http_session, BUSINESS_GET_PATH, token, ["username"])) == 0
        assert user_info(emu, http_session, emu.issue_access_token()).status_code == 500  # the rule is live
        emu.clear_faults()
        for rule in (
            FaultRule("http_503", endpoint=BUSINESS_GET_PATH),
            FaultRule("http_429", endpoint=BUSINESS_GET_PATH, after=1, retry_after=3),
            FaultRule("error_in_200", endpoint=BUSINESS_GET_PATH, after=2),
            FaultRule("access_token_invalid", endpoint=BUSINESS_GET_PATH, after=3),
        ):
            emu.add_fault(rule)
        (first, second, third, fourth, fifth) = (
            business_call(emu, http_session, BUSINESS_GET_PATH, token, ["username"]) for _ in range(5)
        )
        assert first.status_code == 503 and first.json()["code"] == CODE_INTERNAL_ERROR
        assert business_code(second) == CODE_THROTTLED and second.headers["Retry-After"] == "3"
        assert business_code(third) == CODE_ERROR_IN_200
        assert business_code(fourth) == CODE_ACCESS_TOKEN_INVALID
        assert business_code(fifth) == CODE_ACCESS_TOKEN_INVALID  # the fault really killed the token
        emu.add_fault(FaultRule("drop_connection", endpoint=BUSINESS_VIDEO_LIST_PATH))
        with pytest.raises(requests.ConnectionError):
            business_call(
                emu, http_session, BUSINESS_VIDEO_LIST_PATH, emu.issue_business_access_token(), ["item_id"]
            )
        assert emu.snapshot()["faults_fired"] == {
            "http_500": 1,  # the Display request above
            "http_503": 1,
            "http_429": 1,
            "error_in_200": 1,
            "access_token_invalid": 1,
            "drop_connection": 1,
        }


def test_page_faults_on_the_business_video_list(http_session: requests.Session) -> None:
    with TikTokEmulator(
        video_count=10, faults=[FaultRule("short_page", endpoint=BUSINESS_VIDEO_LIST_PATH)]
    ) as emu:
        emu.add_fault(FaultRule("repeat_cursor", endpoint=BUSINESS_VIDEO_LIST_PATH, after=1))
        token = emu.issue_business_access_token()
        short = _data(
            business_call(emu, http_session, BUSINESS_VIDEO_LIST_PATH, token, ["item_id"], max_count=4)
        )
        assert len(short["videos"]) == 2 and short["has_more"] is True
        params = {"max_count": 4, "cursor": short["cursor"]}
        repeated = _data(
            business_call(emu, http_session, BUSINESS_VIDEO_LIST_PATH, token, ["item_id"], **params)
        )
        assert repeated["cursor"] == short["cursor"] and repeated["has_more"] is True


def test_every_answer_has_a_unique_request_id(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    responses = [business_call(emu, http_session, BUSINESS_GET_PATH, token, ["username"]) for _ in range(5)]
    responses += [
        business_call(emu, http_session, BUSINESS_GET_PATH, "act.bad", ["username"]) for _ in range(5)
    ]
    ids = [r.json()["request_id"] for r in responses]
    assert all(r.status_code == 200 for r in responses) and len(set(ids)) == len(ids)
    assert all(r.headers["X-Tt-Logid"] == i for r, i in zip(responses, ids, strict=True))
