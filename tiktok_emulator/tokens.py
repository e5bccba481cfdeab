"""What the emulated server remembers about authorisation: grants, tokens and authorization codes.

The OAuth endpoints issue, rotate and revoke through this store; the data endpoints ask it whether
an access token may be used. It knows nothing of HTTP, so another API with another way of sending
the token can share it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: Authorization codes are short-lived; ten minutes is ample for an automated test.
AUTH_CODE_LIFETIME = 600.0


class TokenLifetimes(Protocol):
    """The emulator settings the store reads each time it needs them."""

    access_token_expires_in: int
    refresh_expires_in: int
    access_token_lifetime_requests: int | None


@dataclass
class Grant:
    """One user authorisation; revoking any of its tokens ends all of them."""

    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class _AccessToken:
    grant: Grant
    expires_at: float
    valid: bool = True
    uses: int = 0


@dataclass
class _RefreshToken:
    grant: Grant
    expires_at: float


@dataclass
class AuthCode:
    client_key: str
    redirect_uri: str
    code_challenge: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class IssuedTokens:
    """The outcome of a token request: a fresh access token and the refresh token to keep."""

    grant: Grant
    access_token: str
    refresh_token: str
    refresh_expires_in: int


class AccessTokenRejected(Exception):
    """The access token is unknown, revoked or dead; ``expired`` if it died of old age or use."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class TokenStore:
    """Every token issued so far and what it grants; thread-safe."""

    def __init__(self, lifetimes: TokenLifetimes, refresh_token: str, scopes: Sequence[str]) -> None:
        self._lifetimes = lifetimes
        self._lock = threading.Lock()
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self._auth_codes: dict[str, AuthCode] = {}
        self._serial = 0
        # Every refresh token and auth code ever issued, live or not: who owns a presented one
        # stays known after rotation, redemption or revocation (for routing, faults, counters).
        self._issued_refresh_tokens: set[str] = {refresh_token}
        self._issued_auth_codes: set[str] = set()
        self._current_refresh_token = refresh_token
        self._refresh_tokens[refresh_token] = _RefreshToken(
            Grant(scopes=tuple(scopes)), time.time() + lifetimes.refresh_expires_in
        )

    @property
    def current_refresh_token(self) -> str:
        """The refresh token most recently issued (rotation changes it)."""
        with self._lock:
            return self._current_refresh_token

    # -- issuing ---------------------------------------------------------------------
    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        """Register another authorisation, granting ``scopes``, without making it current."""
        with self._lock:
            grant = Grant(scopes=tuple(scopes))
            self._refresh_tokens[refresh_token] = _RefreshToken(
                grant, time.time() + self._lifetimes.refresh_expires_in
            )
            self._issued_refresh_tokens.add(refresh_token)

    def issue_access_token(self, scopes: Sequence[str]) -> str:
        """A valid access token for a new grant of ``scopes``, with no refresh token."""
        with self._lock:
            return self._mint_access_token(Grant(scopes=tuple(scopes)))

    def issue(self, scopes: Sequence[str]) -> IssuedTokens:
        """A new grant of ``scopes``: its refresh token (now the current one) and an access token."""
        grant = Grant(scopes=tuple(scopes))
        with self._lock:
            refresh_token = self._mint_refresh_token(grant)
            access_token = self._mint_access_token(grant)
            return IssuedTokens(grant, access_token, refresh_token, self._lifetimes.refresh_expires_in)

    def refresh(self, presented: str, rotate: bool) -> IssuedTokens | None:
        """Redeem a refresh token; None if it is unknown, revoked or expired.

        With ``rotate`` the presented token stops working at once and a new one replaces it, as
        TikTok does; without, the same token comes back.  Either way the refresh token's lifetime
        keeps counting from the consent (the grant's first refresh token): rotation does not
        reset the clock.
        """
        with self._lock:
            record = self._refresh_tokens.get(presented)
            if record is None or record.grant.revoked:
                return None
            if time.time() >= record.expires_at:
                del self._refresh_tokens[presented]
                return None
            if rotate:
                del self._refresh_tokens[presented]
                refresh_token = self._mint_refresh_token(record.grant, record.expires_at)
            else:
                refresh_token = presented
            remaining = max(0, int(record.expires_at - time.time()))
            access_token = self._mint_access_token(record.grant)
            return IssuedTokens(record.grant, access_token, refresh_token, remaining)

    def _mint_access_token(self, grant: Grant) -> str:
        self._serial += 1
        token = f"act.{secrets.token_hex(24)}!{6000 + self._serial}.va"
        self._access_tokens[token] = _AccessToken(
            grant, time.time() + self._lifetimes.access_token_expires_in
        )
        return token

    def _mint_refresh_token(self, grant: Grant, expires_at: float | None = None) -> str:
        """A new refresh token of ``grant``; ``expires_at`` None starts a new consent's lifetime."""
        self._serial += 1
        token = f"rft.{self._serial}.{secrets.token_hex(20)}!6197.va"
        if expires_at is None:
            expires_at = time.time() + self._lifetimes.refresh_expires_in
        self._refresh_tokens[token] = _RefreshToken(grant, expires_at)
        self._issued_refresh_tokens.add(token)
        self._current_refresh_token = token
        return token

    # -- authorization codes ---------------------------------------------------------
    def new_auth_code(
        self, client_key: str, redirect_uri: str, code_challenge: str, scopes: tuple[str, ...]
    ) -> str:
        with self._lock:
            self._serial += 1
            code = f"{secrets.token_urlsafe(30)}*0!{6000 + self._serial}.va"
            self._auth_codes[code] = AuthCode(
                client_key=client_key,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                scopes=scopes,
                expires_at=time.time() + AUTH_CODE_LIFETIME,
            )
            self._issued_auth_codes.add(code)
            return code

    def redeem_auth_code(self, code: str) -> AuthCode | None:
        """Take ``code`` out of the store: None if it is unknown, already used or expired.

        A code is single use even when the exchange then fails (wrong verifier, wrong client).
        """
        with self._lock:
            record = self._auth_codes.pop(code, None)
        if record is None or time.time() >= record.expires_at:
            return None
        return record

    # -- ownership -------------------------------------------------------------------
    def issued_refresh_token(self, token: str) -> bool:
        """Whether this store ever issued ``token`` as a refresh token (even if it is dead now)."""
        with self._lock:
            return token in self._issued_refresh_tokens

    def issued_access_token(self, token: str) -> bool:
        """Whether this store ever issued ``token`` as an access token (even if it is dead now)."""
        with self._lock:
            return token in self._access_tokens

    def issued_auth_code(self, code: str) -> bool:
        """Whether this store ever issued ``code`` (even if it is spent or expired now)."""
        with self._lock:
            return code in self._issued_auth_codes

    # -- using and ending ------------------------------------------------------------
    def authenticate(self, token: str | None) -> Grant:
        """The grant behind an access token, counting one use; raises ``AccessTokenRejected``.

        An expired token stays expired (``expired=True`` on every later use), as a revoked or
        unknown one stays invalid: a client must be told the same thing each time it asks.
        """
        with self._lock:
            record = self._access_tokens.get(token) if token else None
            if record is None or not record.valid or record.grant.revoked:
                raise AccessTokenRejected()
            if time.time() >= record.expires_at:
                raise AccessTokenRejected(expired=True)
            record.uses += 1
            limit = self._lifetimes.access_token_lifetime_requests
            if limit is not None and record.uses > limit:
                record.expires_at = 0.0  # worn out: expired from now on
                raise AccessTokenRejected(expired=True)
            return record.grant

    def kill_access_token(self, token: str | None, expired: bool = False) -> None:
        """Make this access token really dead (expired, or invalid as if revoked): only a refresh helps."""
        with self._lock:
            record = self._access_tokens.get(token) if token else None
            if record is None:
                return
            if expired:
                record.expires_at = 0.0
            else:
                record.valid = False

    def invalidate_access_tokens(self) -> None:
        """Kill every access token issued so far, as if they had all expired at once."""
        with self._lock:
            for token in self._access_tokens.values():
                token.expires_at = 0.0

    def refresh_lifetime_left(self, refresh_token: str) -> int | None:
        """Seconds until ``refresh_token`` expires (0: expired); None if it is unknown or revoked."""
        with self._lock:
            record = self._refresh_tokens.get(refresh_token)
            if record is None or record.grant.revoked:
                return None
            return max(0, int(record.expires_at - time.time()))

    def revoke(self, token: str, *, by_refresh_token: bool = True) -> None:
        """End the whole grant behind an access token (or, ``by_refresh_token``, a refresh token):
        every access and refresh token of it stops working. Other tokens are ignored."""
        with self._lock:
            record: _AccessToken | _RefreshToken | None = self._access_tokens.get(token)
            if record is None and by_refresh_token:
                record = self._refresh_tokens.get(token)
            if record is None:
                return
            grant = record.grant
            grant.revoked = True
            for key in [k for k, v in self._refresh_tokens.items() if v.grant is grant]:
                del self._refresh_tokens[key]

    def revoke_all(self) -> None:
        """End every grant issued so far: no access or refresh token (nor pending auth code)
        issued until now works again.  A later consent (an auth code exchanged afterwards) starts
        a new, working grant.
        """
        with self._lock:
            grants = [r.grant for r in self._access_tokens.values()]
            grants += [r.grant for r in self._refresh_tokens.values()]
            for grant in grants:
                grant.revoked = True
            self._refresh_tokens.clear()
            self._auth_codes.clear()  # a consent under way dies with the authorisation
