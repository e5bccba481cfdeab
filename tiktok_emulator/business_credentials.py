"""``TikTokEmulator``'s methods for the Accounts API's credentials: config, tokens, auth codes.

Why a mixin: they are the business app's counterpart of the emulator's Display credential methods,
and keeping them apart keeps ``emulator`` about settings, wiring and the server's lifecycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiktok_emulator.business_oauth import BusinessGrants


class BusinessCredentials:
    """What tests and demos need to reach the Accounts API of a running emulator."""

    app_id: str
    app_secret: str
    business_granted_scopes: tuple[str, ...]
    _business: BusinessGrants

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    @property
    def current_business_refresh_token(self) -> str:
        """The business refresh token most recently issued (rotation changes it)."""
        return self._business.tokens.current_refresh_token

    def business_connector_config(self, **extra: Any) -> dict[str, Any]:
        """A connector config reading the Accounts API of this emulator."""
        return {
            "credentials": {
                "auth_type": "business_oauth2.0",
                "app_id": self.app_id,
                "app_secret": self.app_secret,
                "refresh_token": self.current_business_refresh_token,
            },
            "business_api_base_url": self.base_url,
            **extra,
        }

    def add_business_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        """Register another business authorisation granting only ``scopes`` (see add_refresh_token)."""
        self._business.add_refresh_token(refresh_token, scopes)

    def issue_business_access_token(self, scopes: Sequence[str] | None = None) -> str:
        """A valid ``Access-Token`` (default: ``business_granted_scopes``), bypassing OAuth."""
        return self._business.tokens.issue_access_token(
            self.business_granted_scopes if scopes is None else scopes
        )

    def invalidate_business_access_tokens(self) -> None:
        """Expire every business access token issued so far: the next calls answer 40102."""
        self._business.tokens.invalidate_access_tokens()

    def issue_business_auth_code(self, redirect_uri: str, scopes: Sequence[str] | None = None) -> str:
        """An ``auth_code`` as TikTok's consent page would redirect with, for the token endpoint."""
        granted = self.business_granted_scopes if scopes is None else scopes
        return self._business.issue_auth_code(self.app_id, redirect_uri, granted)
