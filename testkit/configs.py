"""Connector configs for runs against mocked TikTok (``tiktok_responses``), and their secrets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from testkit.tiktok_responses import ACCESS_TOKEN, ROTATED_REFRESH_TOKEN, SECOND_ACCESS_TOKEN

if TYPE_CHECKING:
    from tiktok_emulator import TikTokEmulator

__all__ = [
    "APP_ID",
    "APP_SECRET",
    "BUSINESS_REFRESH_TOKEN",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "FAR_FUTURE",
    "REFRESH_TOKEN",
    "SECRETS",
    "credentials_option",
    "emulator_accounts_config",
    "make_business_config",
    "make_config",
    "whole_history_config",
    "with_live_token",
]

CLIENT_ID = "awclientkey123"
CLIENT_SECRET = "client-secret-Zq81"
REFRESH_TOKEN = "rft.original-refresh-token-Xk42"
APP_ID = "7391234567890123456"
APP_SECRET = "app-secret-Bz73"
BUSINESS_REFRESH_TOKEN = "rft.business-refresh-token-Qp19"
#: Every secret a mocked run handles: the config's and the tokens TikTok's mocked answers hand out.
SECRETS = (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ROTATED_REFRESH_TOKEN,
    ACCESS_TOKEN,
    SECOND_ACCESS_TOKEN,
    APP_SECRET,
    BUSINESS_REFRESH_TOKEN,
)

# One time window from the start date to now, so a test scripts TikTok's answers in the order one
# sequential pager asks for them; test_windows.py covers many concurrent windows.
SINGLE_WINDOW = {"start_date": "2023-01-01T00:00:00Z", "window_days": 3650}


def make_config(**overrides: Any) -> dict[str, Any]:
    """Valid OAuth credentials and a single time window; ``overrides`` replace top-level keys."""
    config: dict[str, Any] = {
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        },
        **SINGLE_WINDOW,
    }
    config.update(overrides)
    return config


def whole_history_config(**overrides: Any) -> dict[str, Any]:
    """A config without the single window: the history since 2014, in many windows."""
    config = make_config(**overrides)
    if "start_date" not in overrides:
        del config["start_date"]
    return config


def make_business_config(**overrides: Any) -> dict[str, Any]:
    """Valid TikTok API for Business credentials; ``overrides`` replace top-level keys."""
    config: dict[str, Any] = {
        "credentials": {
            "auth_type": "business_oauth2.0",
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "refresh_token": BUSINESS_REFRESH_TOKEN,
        },
    }
    config.update(overrides)
    return config


#: An expiry no test outlives: the stored access token is still valid.
FAR_FUTURE = "2999-01-01T00:00:00+00:00"


def with_live_token(
    config: dict[str, Any], access_token: str = ACCESS_TOKEN, scope: str | None = None, **fields: Any
) -> dict[str, Any]:
    """``config`` holding what the Airbyte UI's OAuth flow (or tiktok-organic-auth) stores beside
    the refresh token: a still-valid access token and, given ``scope``, the grant TikTok named."""
    credentials = config["credentials"]
    credentials.update(access_token=access_token, token_expiry_date=FAR_FUTURE, **fields)
    if scope is not None:
        credentials["granted_scopes"] = scope
    return config


def credentials_option(connection_specification: dict[str, Any], auth_type: str) -> dict[str, Any]:
    """The spec's ``credentials`` option (one per kind of credentials) whose auth_type is ``auth_type``."""
    options = connection_specification["properties"]["credentials"]["oneOf"]
    (option,) = [o for o in options if o["properties"]["auth_type"]["const"] == auth_type]
    return dict(option)


def emulator_accounts_config(
    emulator: TikTokEmulator,
    accounts: int,
    labels: Sequence[str | None] = (),
    display: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A connection reading the emulator's first ``accounts`` accounts through the Accounts API (or
    the Display API, ``display``): the first one in ``credentials`` (as a single-account config
    holds it), the others in ``credentials.accounts`` with their open_id, as
    ``tiktok-organic-auth --add-account`` writes them. ``labels[i]`` labels account i (none when
    missing or None)."""
    config = emulator.connector_config(**extra) if display else emulator.business_connector_config(**extra)
    labelled = [*labels, *[None] * accounts]
    if labelled[0]:
        config["credentials"]["label"] = labelled[0]
    others: list[dict[str, str]] = []
    for account in list(emulator.business_accounts)[1:accounts]:
        label = labelled[account.index]
        token = account.current_display_refresh_token if display else account.current_refresh_token
        others.append(
            {"refresh_token": token, "open_id": account.open_id} | ({"label": label} if label else {})
        )
    config["credentials"]["accounts"] = others
    return config
