"""What happens when TikTok or the network misbehaves during a sync."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from airbyte_cdk.models import FailureType

from testkit.catalogs import configured_catalog
from testkit.configs import make_config
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    SECOND_ACCESS_TOKEN,
    TOKEN_URL,
    USER_INFO_URL,
    VIDEO_LIST_URL,
    envelope,
    token_body,
    user,
    video,
    videos_page,
)

NEWEST = 1_763_000_000
PAGE_ONE = videos_page([video(0, NEWEST), video(1, NEWEST - 60)], has_more=True)
PAGE_TWO = videos_page([video(2, NEWEST - 120)], has_more=False)
ALL_IDS = [video(i, 0)["id"] for i in range(3)]


def ids(run: Any) -> list[str]:
    return [r["id"] for r in run.records("videos")]


def test_access_token_invalid_mid_sync_refreshes_once_and_retries(
    run_connector: Any, requests_mock: Any
) -> None:
    token = requests_mock.post(
        TOKEN_URL,
        [
            {"json": token_body(access_token=ACCESS_TOKEN)},
            {"json": token_body(access_token=SECOND_ACCESS_TOKEN, refresh_token="rft.third")},
        ],
    )
    responses = [
        (200, PAGE_ONE),
        (
            401,
            envelope({}, "access_token_invalid", "The access token is invalid or not found in the request."),
        ),
        (200, PAGE_TWO),
    ]
    sent_tokens: list[str] = []

    def answer(request: Any, context: Any) -> dict[str, Any]:
        # Recorded at call time: the CDK re-signs the same request object when it retries.
        sent_tokens.append(request.headers["Authorization"])
        context.status_code, body = responses[len(sent_tokens) - 1]
        return body

    requests_mock.post(VIDEO_LIST_URL, json=answer)

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert ids(run) == ALL_IDS
    assert token.call_count == 2
    assert sent_tokens == [
        f"Bearer {ACCESS_TOKEN}",
        f"Bearer {ACCESS_TOKEN}",
        f"Bearer {SECOND_ACCESS_TOKEN}",
    ]
    assert run.emitted_configs[-1]["credentials"]["refresh_token"] == "rft.third"


@pytest.mark.parametrize(
    "throttled, expected_wait",
    [
        # The first step of the backoff, the shortest wait the CDK takes that is not below 1 s.
        ({"status_code": 429, "headers": {"Retry-After": "1"}}, 1.125),
        ({"status_code": 429, "headers": {"Retry-After": "7"}}, 7.0),
        ({"status_code": 429, "headers": {"Retry-After": "599"}}, 599.0),  # just under the cap
        ({"status_code": 429}, 61.0),  # no Retry-After: a minute, TikTok's sliding window
        ({"status_code": 200, "json": envelope({}, "rate_limit_exceeded", "Too many requests.")}, 61.0),
    ],
    ids=["retry-after-1", "retry-after-7", "retry-after-599", "no-retry-after", "rate-limit-in-200"],
)
def test_rate_limit_waits_then_retries(
    run_connector: Any,
    requests_mock: Any,
    recorded_sleeps: list[float],
    throttled: dict[str, Any],
    expected_wait: float,
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    throttled.setdefault("json", envelope({}, "rate_limit_exceeded", "Too many requests."))
    videos = requests_mock.post(VIDEO_LIST_URL, [{"json": PAGE_ONE}, throttled, {"json": PAGE_TWO}])

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert ids(run) == ALL_IDS
    assert videos.call_count == 3
    # That one wait (the CDK's extra second included), not also a budget pause.
    assert recorded_sleeps == [expected_wait]


@pytest.mark.parametrize("retry_after", ["600", "3600"])
def test_a_retry_after_of_ten_minutes_or_more_stops_the_stream_instead_of_waiting(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float], retry_after: str
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    throttled = {
        "status_code": 429,
        "headers": {"Retry-After": retry_after},
        "json": envelope({}, "rate_limit_exceeded", "Too many requests."),
    }
    videos = requests_mock.post(VIDEO_LIST_URL, [{"json": PAGE_ONE}, throttled, {"json": PAGE_TWO}])

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert recorded_sleeps == [], "neither that wait nor a shorter one instead"
    assert videos.call_count == 2
    [refusal] = [error for error in run.errors if error.failure_type == FailureType.transient_error]
    assert "longer than the connector is allowed to wait" in refusal.message


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 500, "json": envelope({}, "internal_error", "Something went wrong.")},
        {"status_code": 503, "text": "<html>Service Unavailable</html>"},
        {"status_code": 502, "text": ""},
        {"status_code": 200, "json": envelope({}, "internal_error", "Something went wrong.")},
        {"exc": requests.exceptions.ConnectionError("Connection reset by peer")},
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        # TikTok saying "now": not a minute, only the first steps of the exponential backoff.
        {
            "status_code": 429,
            "headers": {"Retry-After": "0"},
            "json": envelope({}, "rate_limit_exceeded", "Too many requests."),
        },
        # Not TikTok's envelope (a proxy's 429, say): nothing says TikTok's window is full.
        {"status_code": 429, "text": "Too Many Requests"},
    ],
    ids=[
        "500",
        "503-html",
        "502-empty",
        "internal-error-in-200",
        "connection-reset",
        "read-timeout",
        "429-retry-after-0",
        "429-not-tiktoks",
    ],
)
def test_transient_failures_are_retried_with_backoff(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float], failure: dict[str, Any]
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    videos = requests_mock.post(VIDEO_LIST_URL, [{"json": PAGE_ONE}, failure, failure, {"json": PAGE_TWO}])

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert ids(run) == ALL_IDS
    assert videos.call_count == 4
    # 1/8 s, then 1/4 s (plus the CDK's second each), never a minute
    assert recorded_sleeps == [0.125 + 1, 0.25 + 1]


def test_persistent_server_errors_eventually_fail_the_stream(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float]
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    requests_mock.post(
        VIDEO_LIST_URL, status_code=500, json=envelope({}, "internal_error", "Something went wrong.")
    )

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert run.errors, "giving up must be reported"
    # Twelve waits doubling from 1/8 s to 256 s: the sync outlasts an outage of about 8.7 minutes.
    assert recorded_sleeps == [2**attempt / 16 + 1 for attempt in range(1, 13)]


@pytest.mark.parametrize("status_code", [200, 400])
def test_other_tiktok_errors_fail_with_code_message_and_log_id(
    run_connector: Any, requests_mock: Any, status_code: int
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    videos = requests_mock.post(
        VIDEO_LIST_URL,
        status_code=status_code,
        json=envelope({}, "invalid_params", "The max_count is invalid.", log_id="20261122LOG999"),
    )

    run = run_connector("read", make_config(), configured_catalog("videos"))

    messages = " ".join(error.message for error in run.errors)
    assert (
        "invalid_params" in messages
        and "The max_count is invalid." in messages
        and "20261122LOG999" in messages
    )
    # Not retried: asked once more with the core fields alone and once without each of them, which
    # tells an invalid request from a field TikTok does not serve (see test_refused_fields).
    asked = [parse_qs(urlparse(request.url).query)["fields"][0] for request in videos.request_history]
    assert asked[1:] == ["id,create_time", "id", "create_time"], asked
    assert ids(run) == []


@pytest.mark.parametrize(
    "code, scopes",
    [("scope_not_authorized", "video.list"), ("scope_permission_missed", "video.list")],
)
def test_missing_scope_during_a_sync_is_a_config_error_naming_the_scope(
    run_connector: Any, requests_mock: Any, code: str, scopes: str
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    requests_mock.post(
        VIDEO_LIST_URL, status_code=401, json=envelope({}, code, "The user did not authorize the scope.")
    )

    run = run_connector("read", make_config(), configured_catalog("videos"))

    error = run.config_errors[0]
    assert scopes in error.message and "stream videos" in error.message and code in error.message


def test_user_info_scope_error_names_the_user_scopes(run_connector: Any, requests_mock: Any) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    requests_mock.get(
        USER_INFO_URL, status_code=400, json=envelope({}, "scope_permission_missed", "Missing scope.")
    )

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    error = run.config_errors[0]
    assert "user.info.basic, user.info.profile and user.info.stats" in error.message


def test_a_response_that_is_not_tiktoks_envelope_is_a_config_error(
    run_connector: Any, requests_mock: Any
) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    requests_mock.get(USER_INFO_URL, status_code=200, text="<html>Welcome to nginx</html>")

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    error = run.config_errors[0]
    assert "api_base_url" in error.message
    assert run.records("user_info") == []


@pytest.mark.parametrize(
    "body",
    [
        {
            "error": "invalid_grant",
            "error_description": "Refresh token is invalid or expired.",
            "log_id": "L2",
        },
        {"access_token": None, "expires_in": 86400, "refresh_token": None},
        {"message": "unexpected"},
    ],
    ids=["error-body", "null-token", "no-token"],
)
def test_token_endpoint_answering_200_without_a_token_never_sends_bearer_none(
    run_connector: Any, requests_mock: Any, body: dict[str, Any]
) -> None:
    requests_mock.post(TOKEN_URL, status_code=200, json=body)
    api = requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    assert api.call_count == 0
    assert run.errors
    assert all(c["credentials"].get("access_token") for c in run.emitted_configs), (
        "a null token is never persisted"
    )
    assert not any("Bearer None" in str(r.headers) for r in requests_mock.request_history)


def test_token_endpoint_outage_is_retried_before_the_sync_goes_on(
    run_connector: Any, requests_mock: Any, recorded_sleeps: list[float]
) -> None:
    token = requests_mock.post(
        TOKEN_URL,
        [
            {"status_code": 503, "text": "busy"},
            {"exc": requests.exceptions.ConnectionError("reset")},
            {"json": token_body()},
        ],
    )
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    assert run.records("user_info") == [user()]
    assert token.call_count == 3
