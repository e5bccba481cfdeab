"""``TikTokEmulator``'s methods for the Accounts API's credentials: config, tokens, auth codes, and
the business accounts themselves.

Why a mixin: they are the business app's counterpart of the emulator's Display credential methods,
and keeping them apart keeps ``emulator`` about settings, wiring and the server's lifecycle.
Every method that concerns one account takes ``account`` (its index; default 0, the account the
Display API also serves), so a single-account test reads as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiktok_emulator.business.accounts import BusinessAccount, BusinessAccounts


class BusinessCredentials:
    """What tests and demos need to reach the Accounts API of a running emulator."""

    app_id: str
    app_secret: str
    business_granted_scopes: tuple[str, ...]
    _business_accounts: BusinessAccounts

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    @property
    def business_accounts(self) -> BusinessAccounts:
        """Every business account, by index (``business_accounts[0]`` is the Display API's
        creator); each has ``index``, ``open_id``, ``user``, ``videos`` and
        ``current_refresh_token`` (see ``BusinessAccount``)."""
        return self._business_accounts

    def business_account(self, account: int | str) -> BusinessAccount:
        """One business account, by index or by ``open_id``."""
        if isinstance(account, str):
            found = self._business_accounts.by_open_id(account)
            if found is None:
                raise KeyError(f"no business account has open_id {account!r}")
            return found
        return self._business_accounts[account]

    @property
    def current_business_refresh_token(self) -> str:
        """Account 0's business refresh token most recently issued (rotation changes it)."""
        return self._business_accounts[0].current_refresh_token

    def business_connector_config(self, **extra: Any) -> dict[str, Any]:
        """A connector config reading the Accounts API of this emulator (account 0)."""
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

    def add_business_refresh_token(self, refresh_token: str, scopes: Sequence[str], account: int = 0) -> None:
        """Register another authorisation of business account ``account`` granting only ``scopes``
        (see add_refresh_token); it does not become the account's current refresh token."""
        self._business_accounts[account].grants.add_refresh_token(refresh_token, scopes)

    def issue_business_access_token(self, scopes: Sequence[str] | None = None, account: int = 0) -> str:
        """A valid ``Access-Token`` of business account ``account`` (default scopes:
        ``business_granted_scopes``), bypassing OAuth."""
        return self._business_accounts[account].tokens.issue_access_token(
            self.business_granted_scopes if scopes is None else scopes
        )

    def invalidate_business_access_tokens(self) -> None:
        """Expire every business access token of every account issued so far: the next calls
        answer 40102."""
        for business_account in self._business_accounts:
            business_account.tokens.invalidate_access_tokens()

    def issue_business_auth_code(
        self, redirect_uri: str, scopes: Sequence[str] | None = None, account: int = 0
    ) -> str:
        """An ``auth_code`` as TikTok's consent page would redirect with after business account
        ``account`` consented; the token endpoint answers that account's tokens and ``open_id``."""
        granted = self.business_granted_scopes if scopes is None else scopes
        return self._business_accounts[account].grants.issue_auth_code(self.app_id, redirect_uri, granted)

    def revoke_business_account(self, account: int) -> None:
        """The user of business account ``account`` withdraws the app's access: every refresh and
        access token of that account issued so far stops working (calls answer 40105, refreshes
        the invalid-grant error); the other accounts are unaffected.  A later consent
        (``issue_business_auth_code``) authorises the account again."""
        target = self._business_accounts[account]
        target.tokens.revoke_all()
        target.revoked = True
