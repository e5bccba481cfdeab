"""No secret in any log line, trace, exception or test output, whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from testkit.configs import CLIENT_SECRET, REFRESH_TOKEN, SECRETS, make_config
from testkit.secrets import assert_no_secrets
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    TOKEN_URL,
    USER_INFO_URL,
    VIDEO_LIST_URL,
    envelope,
    token_body,
    token_error,
    user,
    video,
    videos_page,
)


def successful_sync(requests_mock: Any) -> None:
    requests_mock.post(TOKEN_URL, json=token_body())
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    requests_mock.post(VIDEO_LIST_URL, json=videos_page([video(1, 1_700_000_000)], has_more=False))


def token_echoing_the_secrets(requests_mock: Any) -> None:
    """A provider that echoes what it was sent in its error must not leak it through us."""
    requests_mock.post(
        TOKEN_URL,
        status_code=400,
        json=token_error(
            description=f"token {REFRESH_TOKEN} for secret {CLIENT_SECRET} is invalid", log_id="L"
        ),
    )


def token_200_error(requests_mock: Any) -> None:
    requests_mock.post(TOKEN_URL, json=token_error("invalid_request", f"bad {REFRESH_TOKEN}", log_id="L"))


def api_rejects_then_recovers(requests_mock: Any) -> None:
    requests_mock.post(
        TOKEN_URL, [{"json": token_body()}, {"json": token_body(access_token="act.refreshed-Secret-55")}]
    )
    requests_mock.get(
        USER_INFO_URL,
        [
            {
                "status_code": 401,
                "json": envelope({}, "access_token_invalid", f"token {ACCESS_TOKEN} expired"),
            },
            {"json": envelope({"user": user()})},
        ],
    )
    requests_mock.post(VIDEO_LIST_URL, status_code=400, json=envelope({}, "invalid_params", "bad"))


SCENARIOS: dict[str, Callable[[Any], None]] = {
    "successful-sync": successful_sync,
    "provider-echoes-secrets": token_echoing_the_secrets,
    "token-error-in-200": token_200_error,
    "api-errors": api_rejects_then_recovers,
}


@pytest.mark.parametrize("command", ["check", "read"])
@pytest.mark.parametrize("debug", [False, True], ids=["info", "debug"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_secret_in_any_output(
    run_connector: Any,
    requests_mock: Any,
    caplog: pytest.LogCaptureFixture,
    recorded_sleeps: list[float],
    command: str,
    debug: bool,
    scenario: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    SCENARIOS[scenario](requests_mock)

    run = run_connector(command, make_config(), debug=debug)

    # CONNECTOR_CONFIG control messages carry the credentials to the platform by design; nothing else may.
    assert_no_secrets(
        run.text_without_emitted_configs + "\n" + caplog.text, SECRETS + ("act.refreshed-Secret-55",)
    )
    assert run.messages, "the scenario produced output to scan"
