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
from testkit.catalogs import BUSINESS_STREAMS, configure
from testkit.configs import APP_ID, APP_SECRET, BUSINESS_REFRESH_TOKEN, SECRETS, make_business_config
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
    discovered = run_connector("discover", make_business_config()).catalog
    discovered.streams = [s for s in discovered.streams if s.name in streams]
    return configure(discovered, incremental=incremental)


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
    assert query(daily.last_request)["end_date"] == [today.isoformat()]
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


def test_an_invalid_access_token_code_refreshes_once_and_retries(
    run_connector: Any, requests_mock: Any
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
            {"json": business_envelope(code=40105, message="Access token is invalid.")},
            {"json": answer_business_get},
        ],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert refresh.call_count == 2
    assert profile.request_history[1].headers["Access-Token"] == BUSINESS_SECOND_ACCESS_TOKEN
    assert len(run.records("business_profile")) == 1


def test_a_throttled_account_waits_then_retries(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float]
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BUSINESS_GET_URL,
        [
            {"json": business_envelope(code=40100, message="Too many requests.")},
            {"json": answer_business_get},
        ],
    )

    run = run_connector("read", make_business_config(), business_catalog(run_connector, "business_profile"))

    assert len(run.records("business_profile")) == 1
    assert recorded_sleeps == [300 + 1]  # TikTok asks for about five minutes (plus the CDK's second)


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


def test_a_missing_scope_is_a_config_error_naming_it(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BUSINESS_GET_URL, json=business_envelope(code=40001, message="No permission: user.insights.")
    )

    run = run_connector(
        "read", make_business_config(), business_catalog(run_connector, "business_profile_daily")
    )

    error = run.config_errors[0]
    assert "user.insights" in error.message and "re-authorise" in error.message


@pytest.mark.parametrize(
    "code, message",
    [(40002, "Invalid parameter: start_date."), (51234, "Something unexpected.")],
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


def test_a_refused_refresh_is_a_config_error_without_secrets(run_connector: Any, requests_mock: Any) -> None:
    requests_mock.post(
        REFRESH_URL,
        json=business_envelope(code=40104, message=f"Invalid refresh_token {BUSINESS_REFRESH_TOKEN}"),
    )

    run = run_connector("check", make_business_config())

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "tiktok-organic-auth --business" in status.message and "40104" in status.message
    assert_no_secrets(run.text_without_emitted_configs, SECRETS)


def test_check_reads_profile_videos_and_daily_metrics(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    business_get = requests_mock.get(BUSINESS_GET_URL, json=answer_business_get)
    videos = requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [business_video("1", 1000)], "cursor": 0, "has_more": False}),
    )

    run = run_connector("check", make_business_config())

    assert run.connection_status.status == Status.SUCCEEDED
    assert videos.call_count == 1
    asked = [json.loads(query(r)["fields"][0]) for r in business_get.request_history]
    assert any("followers_count" in fields for fields in asked)  # the profile
    assert any(
        "video_views" in fields and "start_date" in query(r)
        for fields, r in zip(asked, business_get.request_history, strict=True)
    )


def test_comments_are_read_for_recent_videos_only_with_their_replies(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    now = int(datetime.now(timezone.utc).timestamp())
    recent, old = business_video("recent", now - 2 * 86400), business_video("old", now - 90 * 86400)
    requests_mock.get(
        BUSINESS_VIDEO_LIST_URL,
        json=business_envelope({"videos": [recent, old], "cursor": 0, "has_more": True}),
    )
    top = {"comment_id": "c1", "video_id": "recent", "text": "Nice!", "replies": 1}
    reply = {"comment_id": "c2", "video_id": "recent", "text": "Thanks", "parent_comment_id": "c1"}
    comments = requests_mock.get(
        COMMENT_LIST_URL,
        [
            {"json": business_envelope({"comments": [top], "cursor": 1, "has_more": True})},
            {"json": business_envelope({"comments": [reply], "cursor": 2, "has_more": False})},
        ],
    )
    config = make_business_config(include_comments=True, comment_days=30)
    discovered = run_connector("discover", config).catalog
    assert [s.name for s in discovered.streams][-1] == "business_comments"
    assert "business_comments" not in {
        s.name for s in run_connector("discover", make_business_config()).catalog.streams
    }
    discovered.streams = [s for s in discovered.streams if s.name == "business_comments"]

    run = run_connector("read", config, configure(discovered))

    assert run.records("business_comments") == [
        dict(top, business_id=OPEN_ID),
        dict(reply, business_id=OPEN_ID),
    ]
    assert [query(r)["video_id"] for r in comments.request_history] == [["recent"], ["recent"]]
    assert query(comments.request_history[1])["cursor"] == ["1"]
    assert query(comments.request_history[0])["include_replies"] == ["true"]


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
        ("The TikTok Business refresh token expires in 5 days", "WARN")
    ]
