"""`check` proves the credentials and every scope without spending the refresh token, and says
precisely what to fix, or what it could not prove."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests_mock as requests_mock_module
from airbyte_cdk.models import FailureType, Status

from testkit.catalogs import configured_catalog
from testkit.configs import make_business_config, make_config, with_live_token
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    ALL_SCOPES,
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


def test_check_with_a_live_access_token_proves_it_without_a_token_request(
    run_connector: Any, requests_mock: Any
) -> None:
    """The Airbyte UI's OAuth flow stores a live access token: the check uses it and never spends
    the refresh token, whose rotated successor the platform would drop for a new source."""
    token = mock_token_ok(requests_mock)
    mock_api_ok(requests_mock)

    run = run_connector("check", with_live_token(make_config(), scope=ALL_SCOPES))

    assert run.connection_status.status == Status.SUCCEEDED
    assert token.call_count == 0
    assert run.emitted_configs == []
    api_calls = [r for r in requests_mock.request_history if r.url.split("?")[0] != TOKEN_URL]
    assert {r.url.split("?")[0] for r in api_calls} == {USER_INFO_URL, VIDEO_LIST_URL}
    assert all(r.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}" for r in api_calls)


@pytest.mark.parametrize(
    "stored, reason",
    [
        ({}, "no access token is stored"),
        (
            {"access_token": ACCESS_TOKEN, "token_expiry_date": "2026-01-01T00:00:00+00:00"},
            "the stored access token has expired",
        ),
    ],
)
def test_check_without_a_live_access_token_sends_nothing_and_says_what_it_could_not_prove(
    run_connector: Any, requests_mock: Any, stored: dict[str, str], reason: str
) -> None:
    """A hand-typed refresh token, or a scheduled sync's check long after the last refresh: a
    refresh here would strand the rotated token, so the check passes on the config alone, saying so."""
    token = mock_token_ok(requests_mock)
    mock_api_ok(requests_mock)
    config = make_config()
    config["credentials"].update(stored)

    run = run_connector("check", config)

    status = run.connection_status
    assert status.status == Status.SUCCEEDED
    assert f"were not sent to TikTok: {reason}" in status.message
    assert "The first sync refreshes the token" in status.message
    assert requests_mock.request_history == [] and token.call_count == 0
    assert run.emitted_configs == []


def test_check_with_an_access_token_tiktok_refuses_fails_without_refreshing(
    run_connector: Any, requests_mock: Any
) -> None:
    """A stored token TikTok refuses before its stored expiry (a revoked grant): a sync would
    refresh and retry; a check fails, saying so, instead of spending the refresh token."""
    token = mock_token_ok(requests_mock)
    requests_mock.get(
        USER_INFO_URL, status_code=401, json=envelope({}, "access_token_invalid", "The token is invalid.")
    )
    requests_mock.post(
        VIDEO_LIST_URL, status_code=401, json=envelope({}, "access_token_invalid", "The token is invalid.")
    )

    run = run_connector("check", with_live_token(make_config(), scope=ALL_SCOPES))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "TikTok refused the stored access token before its stored expiry" in status.message
    assert "re-authorise" in status.message
    assert token.call_count == 0 and run.emitted_configs == []


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
    token = mock_token_ok(requests_mock)
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

    run = run_connector("check", with_live_token(make_config(), scope=granted))

    status = run.connection_status
    assert status.status == Status.FAILED
    listed = status.message.split("missing the scope(s) ")[1].split(" (granted")[0]
    assert listed.split(", ") == missing
    assert "Re-authenticate" in status.message
    assert token.call_count == 0


def test_a_stored_grant_without_a_scope_fails_the_check_with_no_request(
    run_connector: Any, requests_mock: Any
) -> None:
    """Even with no live access token, the grant stored with the refresh token names what is missing."""
    token = mock_token_ok(requests_mock)
    config = make_config()
    config["credentials"]["granted_scopes"] = "user.info.basic,user.info.profile,user.info.stats"

    run = run_connector("check", config)

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "missing the scope(s) video.list" in status.message
    assert "the check sent nothing to TikTok" in status.message
    assert requests_mock.request_history == [] and token.call_count == 0


def test_with_no_stored_grant_the_failing_stream_names_its_scopes_from_tiktoks_answer(
    run_connector: Any, requests_mock: Any
) -> None:
    """A config whose grant is unknown (written before the grant was stored): TikTok's own refusal
    says which stream, and so which scopes, the token lacks."""
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    requests_mock.post(
        VIDEO_LIST_URL,
        status_code=401,
        json=envelope({}, "scope_not_authorized", "The user did not authorize the scope.", log_id="LOG-77"),
    )

    run = run_connector("check", with_live_token(make_config()))

    status = run.connection_status
    assert status.status == Status.FAILED
    assert "missing a scope that stream videos needs (video.list)" in status.message
    assert "LOG-77" in status.message


def test_check_names_a_scope_whose_fields_tiktok_silently_left_out(
    run_connector: Any, requests_mock: Any
) -> None:
    """TikTok may answer 200 without the fields of an ungranted scope: the grant itself is compared."""
    stats_fields = ("follower_count", "following_count", "likes_count", "video_count")
    requests_mock.get(
        USER_INFO_URL, json=envelope({"user": {k: v for k, v in user().items() if k not in stats_fields}})
    )
    requests_mock.post(VIDEO_LIST_URL, json=videos_page([video(1, 1_700_000_000)], has_more=False))

    run = run_connector(
        "check", with_live_token(make_config(), scope="user.info.basic,user.info.profile,video.list")
    )

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
def test_rejected_credentials_fail_the_sync_with_an_actionable_config_error(
    run_connector: Any, requests_mock: Any, status_code: int, error: str, expected: str
) -> None:
    """Only a sync spends the refresh token, so a sync is where a refused one is told."""
    requests_mock.post(TOKEN_URL, status_code=status_code, json=token_error(error, log_id="LOG-TOKEN-1"))
    user_info = requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    told = [e for e in run.errors if expected in e.message and error in e.message]
    assert told and all(e.failure_type == FailureType.config_error for e in told)
    assert all("LOG-TOKEN-1" in e.message for e in told)
    assert user_info.call_count == 0, "no API call may go out without a token (never Bearer None)"


def test_check_fails_fast_when_tiktok_is_unreachable(
    run_connector: Any, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from source_tiktok_organic import source

    monkeypatch.setattr(source, "CHECK_DEADLINE_SECONDS", 0.5)
    released = threading.Event()

    def no_answer(request: Any, context: Any) -> dict[str, Any]:
        """A host that does not answer until the test is done; then a refusal ends the check's
        thread, which would otherwise go on retrying into the next test's mocks."""
        released.wait(30)
        context.status_code = 401
        return envelope({}, "access_token_invalid", "The token is invalid.")

    requests_mock.register_uri(requests_mock_module.ANY, requests_mock_module.ANY, json=no_answer)

    run = run_connector(
        "check", with_live_token(make_config(api_base_url="https://tiktok-proxy.invalid"), scope=ALL_SCOPES)
    )
    released.set()
    for thread in threading.enumerate():
        if thread.name == "tiktok-check":
            thread.join(10)

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


@pytest.mark.parametrize("business", [False, True])
def test_discover_sends_nothing_even_with_an_expired_access_token(
    run_connector: Any, requests_mock: Any, business: bool
) -> None:
    """Discover runs on a config the platform may not save back (it keeps discover's output only
    for an existing source, on a copy taken when the operation was created): it must spend nothing."""
    config = make_business_config() if business else make_config()
    config["credentials"].update(access_token=ACCESS_TOKEN, token_expiry_date="2026-01-01T00:00:00+00:00")
    any_request = requests_mock.register_uri(requests_mock_module.ANY, requests_mock_module.ANY, json={})

    run = run_connector("discover", config)

    assert run.catalog.streams
    assert any_request.call_count == 0 and run.emitted_configs == []
