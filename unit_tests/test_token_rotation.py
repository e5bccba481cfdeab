"""TikTok rotates refresh tokens: the new one is emitted for the platform and works next time."""

from __future__ import annotations

from typing import Any

from testkit.catalogs import configured_catalog
from testkit.configs import REFRESH_TOKEN, make_config
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    ROTATED_REFRESH_TOKEN,
    SECOND_ACCESS_TOKEN,
    TOKEN_URL,
    USER_INFO_URL,
    envelope,
    token_body,
    token_error,
    user,
)

THIRD_REFRESH_TOKEN = "rft.third-refresh-token-Qa08"


def mock_rotating_token_endpoint(requests_mock: Any) -> None:
    """Each refresh token works once and is replaced by the next one, like TikTok's."""
    chain = {
        REFRESH_TOKEN: (ACCESS_TOKEN, ROTATED_REFRESH_TOKEN),
        ROTATED_REFRESH_TOKEN: (SECOND_ACCESS_TOKEN, THIRD_REFRESH_TOKEN),
    }
    used: set[str] = set()

    def answer(request: Any, context: Any) -> dict[str, Any]:
        presented = dict(pair.split("=", 1) for pair in request.text.split("&"))["refresh_token"]
        if presented not in chain or presented in used:
            context.status_code = 400
            return token_error(description="Refresh token is invalid.", log_id="L1")
        used.add(presented)
        access, refresh = chain[presented]
        return token_body(access_token=access, refresh_token=refresh)

    requests_mock.post(TOKEN_URL, json=answer)


def test_rotated_refresh_token_is_emitted_and_the_next_sync_uses_it(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_rotating_token_endpoint(requests_mock)
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    first = run_connector("read", make_config(), configured_catalog("user_info"))

    (emitted,) = first.emitted_configs
    assert emitted["credentials"]["refresh_token"] == ROTATED_REFRESH_TOKEN
    assert emitted["credentials"]["access_token"] == ACCESS_TOKEN
    assert emitted["credentials"]["token_expiry_date"]
    assert first.records("user_info") == [user()]

    # The platform saves the emitted config; an expired access token forces the next refresh.
    saved = dict(
        emitted, credentials=dict(emitted["credentials"], token_expiry_date="2000-01-01T00:00:00+00:00")
    )
    second = run_connector("read", saved, configured_catalog("user_info"))

    assert second.records("user_info") == [user()]
    assert second.emitted_configs[-1]["credentials"]["refresh_token"] == THIRD_REFRESH_TOKEN
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {SECOND_ACCESS_TOKEN}"


def test_reusing_the_retired_refresh_token_is_a_config_error(run_connector: Any, requests_mock: Any) -> None:
    mock_rotating_token_endpoint(requests_mock)
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    run_connector("read", make_config(), configured_catalog("user_info"))

    stale = run_connector("read", make_config(), configured_catalog("user_info"))

    error = stale.config_errors[0]
    assert "TikTok rotates refresh tokens" in error.message and "Re-authenticate" in error.message
    assert stale.records("user_info") == []


def test_a_valid_stored_access_token_is_reused_without_refreshing(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_rotating_token_endpoint(requests_mock)
    api = requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    config = make_config()
    config["credentials"].update(
        access_token=SECOND_ACCESS_TOKEN, token_expiry_date="2999-01-01T00:00:00+00:00"
    )

    run = run_connector("read", config, configured_catalog("user_info"))

    assert run.records("user_info") == [user()]
    assert [r.url for r in requests_mock.request_history if r.url == TOKEN_URL] == []
    assert api.last_request.headers["Authorization"] == f"Bearer {SECOND_ACCESS_TOKEN}"


def refresh_token_lifetime_logs(run: Any) -> list[tuple[str, str]]:
    return [
        (m.log.message.split(";")[0], m.log.level.value)
        for m in run.of_type("LOG")
        if m.log and "refresh token expires in" in m.log.message
    ]


def test_the_days_a_display_refresh_token_has_left_are_logged_and_warned_in_its_last_two_weeks(
    run_connector: Any, requests_mock: Any
) -> None:
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    catalog = configured_catalog("user_info")

    requests_mock.post(TOKEN_URL, json=token_body(refresh_expires_in=120 * 86400))
    calm = run_connector("read", make_config(), catalog)
    requests_mock.post(TOKEN_URL, json=token_body(refresh_expires_in=13 * 86400 + 600))
    near = run_connector("read", make_config(), catalog)

    assert refresh_token_lifetime_logs(calm) == [("The TikTok refresh token expires in 120 days", "INFO")]
    assert refresh_token_lifetime_logs(near) == [("The TikTok refresh token expires in 13 days", "WARN")]
    assert "tiktok-organic-auth" in next(
        m.log.message for m in near.of_type("LOG") if "expires in 13" in m.log.message
    )


class _Unwalkable(dict):  # type: ignore[type-arg]
    """A config whose every walk fails, as one does while another account's refresh adds a key."""

    def _walked(self, *args: Any) -> Any:
        raise RuntimeError("dictionary changed size during iteration")

    __iter__ = items = keys = values = _walked  # type: ignore[assignment]


def _unwalkable(node: Any) -> Any:
    if isinstance(node, dict):
        return _Unwalkable({key: _unwalkable(value) for key, value in dict.items(node)})
    if isinstance(node, list):
        return [_unwalkable(item) for item in node]
    return node


def test_an_accounts_tokens_are_read_without_walking_the_config() -> None:
    """With several accounts, one account's refresh writes the config while another account's
    thread reads its tokens: the CDK's dpath reads walk the whole config and fail then."""
    from airbyte_cdk.sources.declarative.auth.oauth import DeclarativeSingleUseRefreshTokenOauth2Authenticator

    from source_tiktok_organic.components import TikTokOAuthAuthenticator

    config = make_config()
    second = {
        "refresh_token": "rft.second",
        "access_token": "act.second",
        "token_expiry_date": "2099-01-01T00:00:00Z",
    }
    config["credentials"]["accounts"] = [second]
    oauth = DeclarativeSingleUseRefreshTokenOauth2Authenticator(  # type: ignore[abstract]
        connector_config=config,
        token_refresh_endpoint="https://open.tiktokapis.com/v2/oauth/token/",
        client_id="key",
        client_secret="secret",
    )
    account = TikTokOAuthAuthenticator(oauth, config).for_account(("credentials", "accounts", 0))
    account._connector_config = _unwalkable(config)

    assert (account.get_refresh_token(), account.access_token) == ("rft.second", "act.second")
    assert not account.token_has_expired()
