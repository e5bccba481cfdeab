"""Business mode (credentials.auth_type business_oauth2.0): TikTok's Accounts API, mocked.

What the connector sends (JSON refresh, Access-Token header, business_id), what it makes of the
answers (one row per day, hour, demographic share, video and breakdown element), and how it treats
the API's HTTP-200 error codes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from airbyte_cdk.models import FailureType, Status

from source_tiktok_organic import business_protocol
from testkit.business_responses import (
    BUSINESS_ACCESS_TOKEN,
    BUSINESS_GET_URL,
    BUSINESS_ROTATED_REFRESH_TOKEN,
    BUSINESS_SCOPES,
    BUSINESS_SECOND_ACCESS_TOKEN,
    BUSINESS_VIDEO_LIST_URL,
    COMMENT_LIST_URL,
    OPEN_ID,
    REFRESH_URL,
    business_envelope,
    business_token_body,
    business_video,
    daily_metrics,
    days_back,
    mock_business_token_ok,
)
from testkit.catalogs import BUSINESS_STREAMS, configure, discovered
from testkit.configs import (
    APP_ID,
    APP_SECRET,
    BUSINESS_REFRESH_TOKEN,
    FAR_FUTURE,
    SECRETS,
    make_business_config,
    with_live_token,
)
from testkit.secrets import assert_no_secrets

PROFILE = {
    "display_name": "Ada's Bakery",
    "username": "adasbakery",
    "followers_count": 1520,
    "is_verified": False,
}
DEMOGRAPHICS = {
    "audience_ages": [{"age": "18-24", "percentage": 0.4}, {"age": "25-34", "percentage": 0.6}],
    "audience_genders": [{"gender": "Female", "percentage": 0.7}, {"gender": "Male", "percentage": 0.3}],
    "audience_countries": [{"country": "US", "percentage": 1.0}],
    "audience_cities": [{"city": "Austin", "percentage": 1.0}],
}


def query(request: Any) -> dict[str, list[str]]:
    """The request's query parameters, case kept (requests-mock's ``qs`` lowercases values)."""
    return parse_qs(urlparse(request.url).query)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def business_catalog(run_connector: Any, *streams: str, incremental: bool = False) -> Any:
    catalog = discovered(run_connector, make_business_config())
    catalog.streams = [s for s in catalog.streams if s.name in streams]
    return configure(catalog, incremental=incremental)


def answer_business_get(request: Any, context: Any) -> dict[str, Any]:
    """business/get as TikTok answers it: what ``fields`` asks for, metrics for the asked days."""
    fields = json.loads(query(request)["fields"][0])
    data: dict[str, Any] = {k: v for k, v in PROFILE.items() if k in fields}
    data.update({k: v for k, v in DEMOGRAPHICS.items() if k in fields})
    if "start_date" in query(request):
        start, end = (date.fromisoformat(query(request)[k][0]) for k in ("start_date", "end_date"))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        data["metrics"] = [daily_metrics(day) for day in days if day < today_utc()]
    return business_envelope(data)


def test_discover_offers_only_the_streams_the_credentials_serve(run_connector: Any) -> None:
    business = run_connector("discover", make_business_config()).catalog
    assert tuple(s.name for s in business.streams) == BUSINESS_STREAMS
    keys = {s.name: s.source_defined_primary_key for s in business.streams}
    assert keys["business_profile_daily"] == [["business_id"], ["date"]]
    assert keys["business_audience_activity"] == [["business_id"], ["date"], ["hour"]]
    assert keys["business_follower_demographics"] == [["business_id"], ["date"], ["dimension"], ["value"]]
    assert keys["business_video_breakdowns"] == [["item_id"], ["breakdown"], ["key"]]


def test_refresh_sends_json_and_data_calls_carry_the_access_token_header_and_business_id(
    run_connector: Any, requests_mock: Any
) -> None:
    refresh = mock_business_token_ok(requests_mock)
    profile = requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert refresh.call_count == 1
    sent = refresh.last_request
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "grant_type": "refresh_token",
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "refresh_token": BUSINESS_REFRESH_TOKEN,
    }
    call = profile.last_request
    assert call.headers["Access-Token"] == BUSINESS_ACCESS_TOKEN
    assert "Authorization" not in call.headers
    assert query(call)["business_id"] == [OPEN_ID]
    assert run.records("business_profile") == [dict(PROFILE, business_id=OPEN_ID)]
    # The rotated refresh token and the open_id are written back for the next sync.
    (emitted,) = run.emitted_configs
    assert emitted["credentials"]["refresh_token"] == BUSINESS_ROTATED_REFRESH_TOKEN
    assert emitted["credentials"]["open_id"] == OPEN_ID
    # So are the scopes TikTok granted, which the error handlers name the missing ones from.
    assert emitted["credentials"]["granted_scopes"] == BUSINESS_SCOPES
    assert any("refresh token expires in 300 days" in line for line in run.logs)
    assert_no_secrets(run.text_without_emitted_configs, SECRETS)


def test_daily_metrics_read_the_last_60_days_once_then_resume_a_few_days_back(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    daily = requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)
    catalog = business_catalog(run_connector, "business_profile_daily", incremental=True)
    today = today_utc()

    first = run_connector("read", make_business_config(), catalog)

    assert query(daily.last_request)["start_date"] == [(today - timedelta(days=59)).isoformat()]
    # TikTok's default end: yesterday, since today never has data, whichever way TikTok treats it.
    assert query(daily.last_request)["end_date"] == [(today - timedelta(days=1)).isoformat()]
    rows = first.records("business_profile_daily")
    assert [r["date"] for r in rows] == [d.isoformat() for d in days_back(today, 59)]
    expected = dict(daily_metrics(today - timedelta(days=1)), business_id=OPEN_ID)
    del expected["audience_activity"]
    assert rows[-1] == expected

    second = run_connector(
        "read", make_business_config(business_lookback_days=3), catalog, state=first.final_state
    )

    # The newest day synced was yesterday: TikTok's late metrics are re-read from 3 days before it.
    assert query(daily.last_request)["start_date"] == [(today - timedelta(days=4)).isoformat()]
    assert [r["date"] for r in second.records("business_profile_daily")] == [
        d.isoformat() for d in days_back(today, 4)
    ]


def test_hourly_activity_demographics_and_video_breakdowns_become_rows(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope(
            {"videos": [business_video("7301", 1_763_000_000)], "cursor": 0, "has_more": False}
        ),
    )
    streams = ("business_audience_activity", "business_follower_demographics", "business_video_breakdowns")

    run = run_connector("read", make_business_config(), business_catalog(run_connector, *streams))

    yesterday = (today_utc() - timedelta(days=1)).isoformat()
    activity = [r for r in run.records("business_audience_activity") if r["date"] == yesterday]
    assert [r["hour"] for r in activity] == list(range(24))
    assert activity[5] == {
        "date": yesterday,
        "hour": 5,
        "count": daily_metrics(today_utc() - timedelta(days=1))["audience_activity"][5]["count"],
        "business_id": OPEN_ID,
    }
    demographics = run.records("business_follower_demographics")
    assert {(r["dimension"], r["value"], r["percentage"]) for r in demographics} == {
        ("age", "18-24", 0.4),
        ("age", "25-34", 0.6),
        ("gender", "Female", 0.7),
        ("gender", "Male", 0.3),
        ("country", "US", 1.0),
        # TikTok's city key is `city_name` or `city` (unverified): both are read.
        ("city", "Austin", 1.0),
    }
    assert {r["date"] for r in demographics} == {today_utc().isoformat()}
    breakdowns = run.records("business_video_breakdowns")
    assert {(r["breakdown"], r["key"]) for r in breakdowns} >= {
        ("video_view_retention", "0"),
        ("video_view_retention", "2"),
        ("impression_sources", "For You"),
        ("audience_cities", "Austin"),
        ("audience_types", "New viewers"),
    }
    assert all(r["item_id"] == "7301" and r["business_id"] == OPEN_ID for r in breakdowns)
    assert len(breakdowns) == 3 + 1 + 2 + 2 + 1 + 1 + 1


def test_videos_are_paged_by_tiktoks_cursor(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    pages = requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        [
            {
                "json": business_envelope(
                    {"videos": [business_video("2", 2000)], "cursor": 1999000, "has_more": True}
                )
            },
            {
                "json": business_envelope(
                    {"videos": [business_video("1", 1000)], "cursor": 999000, "has_more": False}
                )
            },
        ],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_videos"))

    assert [r["item_id"] for r in run.records("business_videos")] == ["2", "1"]
    assert "cursor" not in query(pages.request_history[0])
    assert query(pages.request_history[1])["cursor"] == ["1999000"]
    assert "video_view_retention" in json.loads(query(pages.request_history[0])["fields"][0])


@pytest.mark.parametrize(
    "code", [business_protocol.CODE_ACCESS_TOKEN_EXPIRED, business_protocol.CODE_ACCESS_TOKEN_EMPTY, 40105]
)
def test_an_expired_empty_or_invalid_access_token_code_refreshes_once_and_retries(
    run_connector: Any, requests_mock: Any, code: int
) -> None:
    refresh = requests_mock.post(
        REFRESH_URL,
        [
            {"json": business_token_body()},
            {
                "json": business_token_body(
                    access_token=BUSINESS_SECOND_ACCESS_TOKEN, refresh_token="rft.third"
                )
            },
        ],
    )
    profile = requests_mock.get(
        BUSINESS_GET_URL,
        [
            {"json": business_envelope(code=code, message="Access token is expired, empty or invalid.")},
            {"json": answer_business_get},
        ],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert refresh.call_count == 2
    assert profile.request_history[1].headers["Access-Token"] == BUSINESS_SECOND_ACCESS_TOKEN
    assert len(run.records("business_profile")) == 1


@pytest.mark.parametrize("code", [40100, business_protocol.CODE_FREQUENCY_LIMITED, 61000])
def test_a_throttled_account_waits_then_retries(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float], code: int
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BUSINESS_GET_URL,
        [
            {"json": business_envelope(code=code, message="Too many requests.")},
            {"json": answer_business_get},
        ],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert len(run.records("business_profile")) == 1
    assert recorded_sleeps == [300 + 1]  # TikTok asks for about five minutes (plus the CDK's second)


@pytest.mark.parametrize("code", [50000, 50002, 51010, 60001])
def test_system_error_and_maintenance_codes_are_retried(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float], code: int
) -> None:
    mock_business_token_ok(requests_mock)
    profile = requests_mock.get(
        BUSINESS_GET_URL,
        [{"json": business_envelope(code=code, message="System busy.")}, {"json": answer_business_get}],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert profile.call_count == 2
    assert len(run.records("business_profile")) == 1 and not run.errors


def test_a_spent_daily_quota_fails_at_once_saying_when_to_retry(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float]
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BUSINESS_GET_URL, json=business_envelope(code=40100, message="Daily request limit reached.")
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    [error] = [e for e in run.errors if e.failure_type == FailureType.transient_error]
    assert "00:00 UTC" in error.message
    assert recorded_sleeps == []


@pytest.mark.parametrize("code", [40001, business_protocol.CODE_SCOPE_NOT_AUTHORIZED])
def test_a_missing_scope_is_a_config_error_naming_it(
    run_connector: Any, requests_mock: Any, code: int
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BUSINESS_GET_URL, json=business_envelope(code=code, message="No permission: user.insights.")
    )

    run = run_connector(
        "read", make_business_config(), business_catalog(run_connector, "business_profile_daily")
    )

    error = run.config_errors[0]
    assert "user.insights" in error.message and "re-authorise" in error.message


@pytest.mark.parametrize(
    "code, message",
    [(40002, "Invalid parameter: start_date."), (41001, "Interface offline.")],
)
def test_any_other_code_fails_with_code_message_and_request_id(
    run_connector: Any, requests_mock: Any, code: int, message: str
) -> None:
    mock_business_token_ok(requests_mock)
    body = business_envelope(code=code, message=message)
    requests_mock.get(BUSINESS_GET_URL, json=body)

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    error = run.errors[0]
    assert error.failure_type == FailureType.system_error
    assert str(code) in error.message and message in error.message and body["request_id"] in error.message


TOKEN_INFO_URL = business_protocol.BUSINESS_API_BASE_URL + business_protocol.BUSINESS_TOKEN_INFO_PATH


def mock_account_ok(requests_mock: Any) -> None:
    requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [business_video("1", 1000)], "cursor": 0, "has_more": False}),
    )


def with_live_access_token(config: dict[str, Any]) -> dict[str, Any]:
    return with_live_token(config, BUSINESS_ACCESS_TOKEN, open_id=OPEN_ID)


def mock_token_info(requests_mock: Any, scope: str) -> Any:
    """TikTok's token inspector, telling the scopes of the live access token."""
    return requests_mock.post(
        TOKEN_INFO_URL, json=business_envelope({"app_id": APP_ID, "creator_id": OPEN_ID, "scope": scope})
    )


def test_a_refused_refresh_is_a_config_error_without_secrets(run_connector: Any, requests_mock: Any) -> None:
    requests_mock.post(
        REFRESH_URL,
        json=business_envelope(code=40104, message=f"Invalid refresh_token {BUSINESS_REFRESH_TOKEN}"),
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    (error, *_) = run.errors
    assert error.failure_type == FailureType.config_error
    assert "tiktok-organic-auth --business" in error.message and "40104" in error.message
    assert_no_secrets(run.text_without_emitted_configs, SECRETS)


def test_check_reads_profile_videos_and_daily_metrics(run_connector: Any, requests_mock: Any) -> None:
    refresh = mock_business_token_ok(requests_mock)
    mock_token_info(requests_mock, ",".join(business_protocol.BUSINESS_REQUIRED_SCOPES))
    business_get = requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)
    videos = requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [business_video("1", 1000)], "cursor": 0, "has_more": False}),
    )

    run = run_connector("check", with_live_access_token(make_business_config()))

    assert run.connection_status.status == Status.SUCCEEDED
    assert refresh.call_count == 0 and run.emitted_configs == []
    assert videos.call_count == 1
    asked = [json.loads(query(r)["fields"][0]) for r in business_get.request_history]
    assert any("followers_count" in fields for fields in asked)  # the profile
    assert any(
        "video_views" in fields and "start_date" in query(r)
        for fields, r in zip(asked, business_get.request_history, strict=True)
    )
    assert all(r.headers["Access-Token"] == BUSINESS_ACCESS_TOKEN for r in business_get.request_history)


@pytest.mark.parametrize(
    "stored, reason",
    [
        ({"open_id": OPEN_ID}, "no access token is stored"),
        (
            {"access_token": BUSINESS_ACCESS_TOKEN, "token_expiry_date": FAR_FUTURE},
            "Account ID",
        ),
    ],
)
def test_a_business_check_that_would_need_a_refresh_sends_nothing(
    run_connector: Any, requests_mock: Any, stored: dict[str, str], reason: str
) -> None:
    """The docs' form of the Airbyte UI with what the user pasted: only a refresh would prove the
    credentials (or tell the open_id), and a check never spends the refresh token."""
    refresh = mock_business_token_ok(requests_mock)
    mock_account_ok(requests_mock)
    config = make_business_config()
    config["credentials"].update(stored)

    run = run_connector("check", config)

    status = run.connection_status
    assert status.status == Status.SUCCEEDED
    assert "were not sent to TikTok" in status.message and reason in status.message
    assert refresh.call_count == 0
    assert [r.url for r in requests_mock.request_history if "token_info" not in r.url] == []
    assert run.emitted_configs == []


@pytest.mark.parametrize("include_comments", [False, True])
def test_a_repeated_check_with_a_live_access_token_names_every_missing_scope(
    run_connector: Any, requests_mock: Any, include_comments: bool
) -> None:
    """No refresh tells the scopes of a stored access token: the token inspector does, once."""
    refresh = mock_business_token_ok(requests_mock)
    granted = (
        "user.info.basic,user.info.username,user.info.profile,user.info.stats,user.account.type,video.list"
    )
    inspector = mock_token_info(requests_mock, granted)
    mock_account_ok(requests_mock)
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL, json=business_envelope(code=40130, message="Scope not authorized.")
    )
    config = with_live_access_token(make_business_config(include_comments=include_comments))

    run = run_connector("check", config)

    assert refresh.call_count == 0 and inspector.call_count == 1
    assert inspector.last_request.json() == {"app_id": APP_ID, "access_token": BUSINESS_ACCESS_TOKEN}
    status = run.connection_status
    assert status.status == Status.FAILED
    listed = status.message.split("missing the scope(s) ")[1].split(" (granted")[0].split(", ")
    assert listed == ["user.insights", "video.insights", *(["comment.list"] if include_comments else [])]


def test_check_names_comment_list_when_comments_are_on_though_no_request_needed_it(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_token_info(requests_mock, ",".join(business_protocol.BUSINESS_REQUIRED_SCOPES))
    mock_account_ok(requests_mock)

    checked = run_connector("check", with_live_access_token(make_business_config()))
    assert checked.connection_status.status == Status.SUCCEEDED
    run = run_connector("check", with_live_access_token(make_business_config(include_comments=True)))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert (
        "missing the scope(s) comment.list" in status.message
        and "tiktok-organic-auth --business" in status.message
    )


def test_a_throttled_check_says_to_try_again_in_five_minutes(
    run_connector: Any, requests_mock: Any, monkeypatch: pytest.MonkeyPatch, recorded_sleeps: list[float]
) -> None:
    from source_tiktok_organic import source

    monkeypatch.setattr(source, "CHECK_DEADLINE_SECONDS", 2.0)
    mock_token_info(requests_mock, ",".join(business_protocol.BUSINESS_REQUIRED_SCOPES))
    requests_mock.get(BUSINESS_GET_URL, json=business_envelope(code=40100, message="Too many requests."))

    run = run_connector("check", with_live_access_token(make_business_config()))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "throttling" in status.message and "Try again in five minutes" in status.message
    assert "did not answer" not in status.message


def test_a_business_check_deadline_names_the_business_api(
    run_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from source_tiktok_organic import source

    monkeypatch.setattr(source, "CHECK_DEADLINE_SECONDS", 0.5)
    config = make_business_config(business_api_base_url="https://business-proxy.invalid")

    run = run_connector("check", with_live_access_token(config))

    message = run.connection_status.message
    assert "did not answer within" in message
    assert "https://business-proxy.invalid" in message and "business_api_base_url" in message


def comment(comment_id: str, video_id: str = "recent", **fields: Any) -> dict[str, Any]:
    """A comment as comment/list and reply/list send it: create_time a string, hidden or public."""
    return {
        "comment_id": comment_id,
        "video_id": video_id,
        "create_time": "1627617835",
        "text": f"Comment {comment_id}",
        "likes": 2,
        "status": "PUBLIC",
        "owner": False,
        "liked": False,
        "pinned": False,
        "unique_identifier": f"+uid-{comment_id}",
        **fields,
    }


def test_comments_and_every_reply_arrive_once_hidden_included_for_recent_videos_only(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    now = int(datetime.now(timezone.utc).timestamp())
    recent, old = business_video("recent", now - 2 * 86400), business_video("old", now - 90 * 86400)
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [recent, old], "cursor": 0, "has_more": True}),
    )
    hidden = comment("c1", replies=31, status="HIDDEN", pinned=True)
    quiet, unknown = comment("c2", replies=0), comment("c3")  # no reply count: asked too
    # The second page repeats c1, as TikTok's pages may past a video's 500th comment. Pages are
    # answered by cursor: the comments are read twice (as a stream, and as the replies' parent).
    pages = {None: ([hidden, quiet], 2, True), "2": ([unknown, hidden], 4, False)}

    def answer_comments(request: Any, context: Any) -> dict[str, Any]:
        listed, cursor, has_more = pages[query(request).get("cursor", [None])[0]]
        return business_envelope({"comments": listed, "cursor": cursor, "has_more": has_more})

    comments = requests_mock.get(COMMENT_LIST_URL, json=answer_comments)
    first_replies = [comment(f"r{n}", parent_comment_id="c1") for n in range(30)]
    last_reply = comment("r30", parent_comment_id="c1", status="HIDDEN")

    def answer_replies(request: Any, context: Any) -> dict[str, Any]:
        asked = query(request)
        if asked["comment_id"] == ["c3"]:
            return business_envelope({"comments": [comment("r-c3")], "cursor": 1, "has_more": False})
        if "cursor" not in asked:
            return business_envelope({"comments": first_replies, "cursor": 30, "has_more": True})
        return business_envelope({"comments": [last_reply], "cursor": 31, "has_more": False})

    replies = requests_mock.get(
        business_protocol.BUSINESS_API_BASE_URL + business_protocol.BUSINESS_COMMENT_REPLY_LIST_PATH,
        json=answer_replies,
    )
    config = make_business_config(include_comments=True, comment_days=30)
    discovered = run_connector("discover", config).catalog
    assert [s.name for s in discovered.streams][-2:] == ["business_comments", "business_comment_replies"]
    assert "business_comments" not in {
        s.name for s in run_connector("discover", make_business_config()).catalog.streams
    }
    discovered.streams = [s for s in discovered.streams if s.name.startswith("business_comment")]

    run = run_connector("read", config, configure(discovered))

    top = run.records("business_comments")
    assert [c["comment_id"] for c in top] == ["c1", "c2", "c3"]
    assert top[0]["status"] == "HIDDEN" and top[0]["pinned"] is True and top[0]["create_time"] == 1627617835
    assert all(c["business_id"] == OPEN_ID and c.get("parent_comment_id") is None for c in top)
    got = run.records("business_comment_replies")
    assert sorted(r["comment_id"] for r in got) == sorted([*(f"r{n}" for n in range(31)), "r-c3"])
    assert {r["comment_id"]: r["parent_comment_id"] for r in got}["r-c3"] == "c3"
    assert {r["parent_comment_id"] for r in got if r["comment_id"] != "r-c3"} == {"c1"}
    assert [r["status"] for r in got if r["comment_id"] == "r30"] == ["HIDDEN"]
    comment_requests = [query(r) for r in comments.request_history]
    assert {q["video_id"][0] for q in comment_requests} == {"recent"}
    assert all(q["status"] == ["ALL"] and q["include_replies"] == ["false"] for q in comment_requests)
    asked = [(query(r)["comment_id"][0], query(r).get("cursor")) for r in replies.request_history]
    assert sorted(asked, key=str) == sorted([("c1", None), ("c1", ["30"]), ("c3", None)], key=str)
    assert all(
        query(r)["video_id"] == ["recent"] and query(r)["status"] == ["ALL"] for r in replies.request_history
    )


def test_a_throttled_page_of_a_parent_stream_is_asked_again_not_replayed(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float]
) -> None:
    """The CDK caches parent streams' pages; TikTok's throttling comes as HTTP 200, which a cache
    would replay to every retry."""
    mock_business_token_ok(requests_mock)
    now = int(datetime.now(timezone.utc).timestamp())
    listed = {"videos": [business_video("recent", now - 86400)], "cursor": 0, "has_more": False}
    videos = requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        [
            {"json": business_envelope(code=40100, message="Too many requests.")},
            {"json": business_envelope(listed)},
        ],
    )
    requests_mock.get(
        COMMENT_LIST_URL,
        json=business_envelope({"comments": [comment("c1", replies=0)], "cursor": 1, "has_more": False}),
    )
    config = make_business_config(include_comments=True)
    discovered = run_connector("discover", config).catalog
    discovered.streams = [s for s in discovered.streams if s.name == "business_comments"]

    run = run_connector("read", config, configure(discovered))

    assert videos.call_count == 2
    assert [c["comment_id"] for c in run.records("business_comments")] == ["c1"] and not run.errors


def test_comments_without_comment_list_scope_name_it(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock, scope=",".join(business_protocol.BUSINESS_REQUIRED_SCOPES))
    now = int(datetime.now(timezone.utc).timestamp())
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [business_video("v", now)], "cursor": 0, "has_more": False}),
    )
    requests_mock.get(COMMENT_LIST_URL, json=business_envelope(code=40001, message="No permission."))
    config = make_business_config(include_comments=True)
    discovered = run_connector("discover", config).catalog
    discovered.streams = [s for s in discovered.streams if s.name == "business_comments"]

    run = run_connector("read", config, configure(discovered))

    error = run.config_errors[0]
    assert "missing the scope(s) comment.list" in error.message


def test_a_refresh_token_near_its_yearly_end_is_a_warning(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock, refresh_token_expires_in=5 * 86400 + 3600)
    requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    levels = {
        m.log.message: m.log.level.value
        for m in run.of_type("LOG")
        if m.log and "expires in" in m.log.message
    }
    assert [(text.split(";")[0], level) for text, level in levels.items()] == [
        ("The TikTok refresh token expires in 5 days", "WARN")
    ]
