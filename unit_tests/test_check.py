"""`check` proves the credentials and every scope, and says precisely what to fix."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import Status

from testkit.configs import make_config
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    TOKEN_URL,
    USER_INFO_URL,
    VIDEO_LIST_URL,
    envelope,
    mock_token_ok,
    token_error,
    user,
    video,
    videos_page,
)


def mock_api_ok(requests_mock: Any) -> None:
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    requests_mock.post(VIDEO_LIST_URL, json=videos_page([video(1, 1_700_000_000)], has_more=True))


def test_check_succeeds_with_valid_credentials_and_all_scopes(run_connector: Any, requests_mock: Any) -> None:
    token = mock_token_ok(requests_mock)
    mock_api_ok(requests_mock)

    run = run_connector("check", make_config())

    assert run.connection_status.status == Status.SUCCEEDED
    assert token.call_count == 1
    assert "client_key=awclientkey123" in token.last_request.text
    assert "grant_type=refresh_token" in token.last_request.text
    api_calls = [r for r in requests_mock.request_history if r.url.split("?")[0] != TOKEN_URL]
    assert {r.url.split("?")[0] for r in api_calls} == {USER_INFO_URL, VIDEO_LIST_URL}
    assert all(r.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}" for r in api_calls)


@pytest.mark.parametrize(
    "granted, missing",
    [
        ("user.info.basic", ["user.info.profile", "user.info.stats", "video.list"]),
        ("user.info.basic,user.info.profile,user.info.stats", ["video.list"]),
        ("user.info.basic,video.list", ["user.info.profile", "user.info.stats"]),
        ("user.info.basic,user.info.profile,video.list", ["user.info.stats"]),
        ("video.list", ["user.info.basic", "user.info.profile", "user.info.stats"]),
    ],
)
def test_check_names_every_missing_scope(
    run_connector: Any, requests_mock: Any, granted: str, missing: list[str]
) -> None:
    mock_token_ok(requests_mock, scope=granted)
    requests_mock.get(
        USER_INFO_URL,
        status_code=400,
        json=envelope(
            {},
            "scope_permission_missed",
            "The user did not authorize the scope required for completing this request.",
        ),
    )
    requests_mock.post(
        VIDEO_LIST_URL,
        status_code=401,
        json=envelope(
            {},
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        ),
    )

    run = run_connector("check", make_config())

    status = run.connection_status
    assert status.status == Status.FAILED
    listed = status.message.split("missing the scope(s) ")[1].split(" (granted")[0]
    assert listed.split(", ") == missing
    assert "Re-authenticate" in status.message


def test_check_with_a_cached_access_token_still_names_every_missing_scope(
    run_connector: Any, requests_mock: Any
) -> None:
    """A still-valid stored access token tells no scopes: the check refreshes once to learn them,
    so a repeated check names every missing scope, not only the failing stream's."""
    token = mock_token_ok(requests_mock, scope="user.info.basic")
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    requests_mock.post(
        VIDEO_LIST_URL,
        status_code=401,
        json=envelope({}, "scope_not_authorized", "The user did not authorize the scope.", log_id="LOG-77"),
    )
    config = make_config()
    config["credentials"].update(access_token=ACCESS_TOKEN, token_expiry_date="2999-01-01T00:00:00+00:00")

    run = run_connector("check", config)

    assert token.call_count == 1
    status = run.connection_status
    assert status.status == Status.FAILED
    listed = status.message.split("missing the scope(s) ")[1].split(" (granted")[0]
    assert listed.split(", ") == ["user.info.profile", "user.info.stats", "video.list"]
    assert "LOG-77" in status.message


def test_check_names_a_scope_whose_fields_tiktok_silently_left_out(
    run_connector: Any, requests_mock: Any
) -> None:
    """TikTok may answer 200 without the fields of an ungranted scope: the grant itself is compared."""
    mock_token_ok(requests_mock, scope="user.info.basic,user.info.profile,video.list")
    stats_fields = ("follower_count", "following_count", "likes_count", "video_count")
    requests_mock.get(
        USER_INFO_URL, json=envelope({"user": {k: v for k, v in user().items() if k not in stats_fields}})
    )
    requests_mock.post(VIDEO_LIST_URL, json=videos_page([video(1, 1_700_000_000)], has_more=False))

    run = run_connector("check", make_config())

    status = run.connection_status
    assert status.status == Status.FAILED
    assert (
        "missing the scope(s) user.info.stats (granted: user.info.basic, user.info.profile, video.list)"
        in status.message
    )
    assert "Re-authenticate" in status.message or "re-authenticate" in status.message


@pytest.mark.parametrize(
    "status_code, error, expected",
    [
        (401, "invalid_client", "Check that Client Key and Client Secret"),
        (400, "invalid_grant", "TikTok rotates refresh tokens"),
        (200, "invalid_grant", "TikTok rotates refresh tokens"),
        (200, "invalid_client", "Check that Client Key and Client Secret"),
    ],
)
def test_rejected_credentials_fail_check_with_an_actionable_config_error(
    run_connector: Any, requests_mock: Any, status_code: int, error: str, expected: str
) -> None:
    requests_mock.post(TOKEN_URL, status_code=status_code, json=token_error(error, log_id="LOG-TOKEN-1"))
    user_info = requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    run = run_connector("check", make_config())

    status = run.connection_status
    assert status.status == Status.FAILED
    assert expected in status.message
    assert error in status.message and "LOG-TOKEN-1" in status.message
    assert user_info.call_count == 0, "no API call may go out without a token (never Bearer None)"


def test_check_fails_fast_when_the_token_endpoint_is_unreachable(
    run_connector: Any, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    from source_tiktok_organic import source

    monkeypatch.setattr(source, "CHECK_TOKEN_REFRESH_RETRY_SECONDS", 1.0)
    token = requests_mock.post(TOKEN_URL, exc=requests.exceptions.ConnectionError("connection refused"))

    run = run_connector("check", make_config())

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "Could not reach TikTok's token endpoint" in status.message
    assert "api_base_url" in status.message
    assert token.call_count >= 1


@pytest.mark.usefixtures("token_endpoint_that_hangs")
def test_check_gives_up_at_its_deadline(run_connector: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from source_tiktok_organic import source

    monkeypatch.setattr(source, "CHECK_DEADLINE_SECONDS", 0.5)

    run = run_connector("check", make_config(api_base_url="https://tiktok-proxy.invalid"))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "did not answer within" in status.message
    assert "https://tiktok-proxy.invalid" in status.message


@pytest.mark.parametrize(
    "config_change, expected",
    [
        ({"api_base_url": "not a url"}, "'not a url' does not match"),
        ({"start_date": "yesterday"}, "'yesterday' does not match"),
        # With two kinds of credentials, the CDK's validator reports the mismatch it finds deepest
        # (the other kind's auth_type), not the missing field: the check still fails before a request.
        ({"credentials": {"auth_type": "oauth2.0", "client_id": "x"}}, "Config validation error"),
    ],
)
def test_malformed_config_is_a_config_error_before_any_request(
    run_connector: Any, requests_mock: Any, config_change: dict[str, Any], expected: str
) -> None:
    token = mock_token_ok(requests_mock)

    run = run_connector("check", make_config(**config_change))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert expected in status.message
    assert token.call_count == 0
