"""``TikTokEmulator``'s methods for the Display API's credentials: config, tokens, further grants.

Why a mixin: they are the Display app's counterpart of ``business_credentials``, and keeping them
apart keeps ``emulator`` about settings, wiring and the server's lifecycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiktok_emulator.tokens import TokenStore


class DisplayCredentials:
    """What tests and demos need to reach the Display API of a running emulator."""

    client_key: str
    client_secret: str
    granted_scopes: tuple[str, ...]
    _tokens: TokenStore

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    @property
    def current_refresh_token(self) -> str:
        """The refresh token most recently issued (rotation changes it)."""
        return self._tokens.current_refresh_token

    def connector_config(self, **extra: Any) -> dict[str, Any]:
        """A connector config pointing at this emulator with the currently valid refresh token."""
        return {
            "credentials": {
                "auth_type": "oauth2.0",
                "client_id": self.client_key,
                "client_secret": self.client_secret,
                "refresh_token": self.current_refresh_token,
            },
            "api_base_url": self.base_url,
            **extra,
        }

    def invalidate_access_tokens(self) -> None:
        """Expire every Display API access token issued so far, as if they had all expired at once."""
        self._tokens.invalidate_access_tokens()

    def issue_access_token(self) -> str:
        """Mint a valid access token with the default grant, bypassing OAuth.

        Why: tests of the data endpoints (and the emulator's own tests) should not need a
        token round-trip when the token flow is not what they test.
        """
        return self._tokens.issue_access_token(self.granted_scopes)

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        """Register another account authorisation: ``refresh_token`` granting only ``scopes``.

        Why: one emulator can then serve a fully authorised config and one missing scopes,
        as TikTok serves users who unticked a scope on its consent screen.
        """
        self._tokens.add_refresh_token(refresh_token, scopes)
