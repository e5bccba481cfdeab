"""``TikTokEmulator``'s methods for the Display API's credentials: config, tokens, further grants.

Why a mixin: they are the Display app's counterpart of ``business.credentials``, and keeping them
apart keeps ``emulator`` about settings, wiring and the server's lifecycle.  Every account of
``business.accounts`` authorised the Display app too, each in a token store of its own; every
method that concerns one account takes ``account`` (its index; default 0, the account a
single-account emulator has), so a single-account test reads as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiktok_emulator.business.accounts import BusinessAccounts
from tiktok_emulator.tokens import TokenStore


class DisplayCredentials:
    """What tests and demos need to reach the Display API of a running emulator."""

    client_key: str
    client_secret: str
    granted_scopes: tuple[str, ...]
    _tokens: TokenStore
    _business_accounts: BusinessAccounts

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    @property
    def current_refresh_token(self) -> str:
        """Account 0's Display refresh token most recently issued (rotation changes it); another
        account's: ``business_accounts[i].current_display_refresh_token``."""
        return self._tokens.current_refresh_token

    def connector_config(self, **extra: Any) -> dict[str, Any]:
        """A connector config pointing at this emulator with account 0's currently valid refresh token."""
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
        """Expire every Display API access token of every account issued so far, as if they had all
        expired at once."""
        for account in self._business_accounts:
            account.display_tokens.invalidate_access_tokens()

    def issue_access_token(self, scopes: Sequence[str] | None = None, account: int = 0) -> str:
        """Mint a valid Display access token of account ``account`` (default scopes:
        ``granted_scopes``), bypassing OAuth.

        Why: tests of the data endpoints (and the emulator's own tests) should not need a
        token round-trip when the token flow is not what they test.
        """
        granted = self.granted_scopes if scopes is None else scopes
        return self._business_accounts[account].display_tokens.issue_access_token(granted)

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str], account: int = 0) -> None:
        """Register another authorisation of account ``account``: ``refresh_token`` granting only
        ``scopes``; it does not become the account's current refresh token.

        Why: one emulator can then serve a fully authorised config and one missing scopes,
        as TikTok serves users who unticked a scope on its consent screen.
        """
        self._business_accounts[account].display_tokens.add_refresh_token(refresh_token, scopes)

    def issue_auth_code(
        self,
        redirect_uri: str,
        code_challenge: str,
        scopes: Sequence[str] | None = None,
        account: int = 0,
    ) -> str:
        """The ``code`` TikTok's consent page would redirect to ``redirect_uri`` with after account
        ``account`` consented (default scopes: ``granted_scopes``).

        ``code_challenge`` is the authorize URL's (TikTok's: the hex SHA-256 of the verifier); the
        token endpoint exchanges the code, with that verifier, for that account's tokens and
        ``open_id``.  The emulator's authorize page consents as account 0 only; this is how a test
        plays the page signed in as another account.
        """
        granted = tuple(self.granted_scopes if scopes is None else scopes)
        return self._business_accounts[account].display_tokens.new_auth_code(
            client_key=self.client_key,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            scopes=granted,
        )

    def revoke_display_account(self, account: int) -> None:
        """The user of account ``account`` withdraws the Display app's access: every Display
        refresh and access token of that account issued so far stops working (calls answer 401
        ``access_token_invalid``, refreshes ``invalid_grant``); its business grant and the other
        accounts are unaffected.  A later consent (``issue_auth_code``) authorises it again."""
        target = self._business_accounts[account]
        target.display_tokens.revoke_all()
        target.display_revoked = True
