"""The API for Business's token endpoints: code exchange, refresh, revoke and token info.

Why apart from ``display.oauth``: these take JSON bodies (``client_id`` is the app id), answer HTTP 200 with
the ``{"code", "message", "request_id", "data"}`` envelope, and keep their grants in token stores of
their own (one per business account), so a connector that mixes up the two APIs' token endpoints
fails here as it would at TikTok.  Like the Display API's OAuth endpoints they are faulted only by
rules that name them.

Every request is routed to the business account that issued what it presents: the refresh token
(refresh), the auth code (exchange) or the access token (revoke, token info); one that no account
issued goes to account 0, which refuses it as with a single account.  The answer's ``open_id``
(``creator_id`` for token info) is that account's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from tiktok_emulator.business.accounts import BusinessAccount, BusinessAccounts
from tiktok_emulator.business.envelope import (
    CODE_BAD_AUTH_CODE,
    CODE_INVALID_CLIENT,
    CODE_INVALID_GRANT,
    CODE_REFRESH_EXPIRED,
    BusinessError,
    business_envelope,
    error_answer,
    render_fault,
)
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.documented.business import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_INVALID_GRANT_TYPE,
    CODE_OK,
    CODE_PARAM_ERROR,
    REFRESH_TOKEN_PATH,
    REVOKE_PATH,
    TOKEN_INFO_PATH,
    TOKEN_PATH,
)
from tiktok_emulator.faults import RESPONSE_FAULTS, FaultSchedule
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, IssuedTokens
from tiktok_emulator.wire import LogIds, Request, Response


class BusinessOAuthSettings(Protocol):
    """The emulator settings these endpoints read on every request."""

    app_id: str
    app_secret: str
    rotate_refresh_tokens: bool


def _json_body(request: Request) -> dict[str, Any]:
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BusinessError(CODE_PARAM_ERROR, "Content-Type must be application/json.")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BusinessError(CODE_PARAM_ERROR, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BusinessError(CODE_PARAM_ERROR, "The request body must be a JSON object.")
    return body


def _peek_body(request: Request) -> Mapping[str, Any]:
    """The JSON body if it is one, else empty: only to tell whose token a request presents."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def _require(body: Mapping[str, Any], *names: str) -> None:
    missing = [name for name in names if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise BusinessError(CODE_PARAM_ERROR, f"Missing or invalid parameter(s): {', '.join(missing)}.")


Serve = Callable[[dict[str, Any], BusinessAccount], dict[str, Any]]
#: Finds the account that issued what a request body presents; None if none did.
Owner = Callable[[Mapping[str, Any]], "BusinessAccount | None"]


class BusinessOAuthApi:
    """The token endpoints of one emulated business app and the accounts that authorised it."""

    def __init__(
        self,
        *,
        settings: BusinessOAuthSettings,
        accounts: BusinessAccounts,
        faults: FaultSchedule,
        counters: EmulatorCounters,
        log_ids: LogIds,
    ) -> None:
        self._settings = settings
        self._accounts = accounts
        self._faults = faults
        self._counters = counters
        self._log_ids = log_ids

    def routes(self) -> list[Route]:
        accounts = self._accounts
        return [
            Route(
                "POST",
                TOKEN_PATH,
                self._endpoint(self._exchange_code, lambda b: accounts.by_auth_code(_text(b, "auth_code"))),
            ),
            Route(
                "POST",
                REFRESH_TOKEN_PATH,
                self._endpoint(self._refresh, lambda b: accounts.by_refresh_token(_text(b, "refresh_token"))),
            ),
            Route(
                "POST",
                REVOKE_PATH,
                self._endpoint(self._revoke, lambda b: accounts.by_access_token(_text(b, "access_token"))),
            ),
            Route(
                "POST",
                TOKEN_INFO_PATH,
                self._endpoint(
                    self._token_info, lambda b: accounts.by_access_token(_text(b, "access_token"))
                ),
            ),
        ]

    def _endpoint(self, serve: Serve, owner: Owner) -> Handler:
        """``serve`` (JSON body, account -> data) behind the explicitly targeted faults, errors
        enveloped; the account is the one that issued what the body presents (else account 0)."""

        def handle(request: Request) -> Response | None:
            account = owner(_peek_body(request))
            if account is not None:
                self._counters.business_call(account.open_id, request.path)
            rule = self._faults.next(
                request.path,
                RESPONSE_FAULTS,
                data_endpoint=False,
                business_id=account.open_id if account is not None else None,
            )
            if rule is not None:
                return render_fault(self._log_ids, rule)
            try:
                data = serve(_json_body(request), account or self._accounts[0])
            except BusinessError as error:
                return error_answer(self._log_ids, error)
            return business_envelope(self._log_ids, CODE_OK, "OK", data)

        return handle

    def _check_client(self, body: Mapping[str, Any], id_name: str = "client_id") -> None:
        _require(body, id_name, "client_secret")
        if body[id_name] != self._settings.app_id or body["client_secret"] != self._settings.app_secret:
            raise BusinessError(CODE_INVALID_CLIENT, "The app id or app secret is invalid.")

    @staticmethod
    def _token_data(issued: IssuedTokens, account: BusinessAccount) -> dict[str, Any]:
        return {
            "access_token": issued.access_token,
            "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
            "refresh_token": issued.refresh_token,
            "refresh_token_expires_in": issued.refresh_expires_in,
            "open_id": account.open_id,
            "scope": ",".join(issued.grant.scopes),
            "token_type": "Bearer",
        }

    def _exchange_code(self, body: dict[str, Any], account: BusinessAccount) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "grant_type", "auth_code", "redirect_uri")
        if body["grant_type"] != "authorization_code":
            raise BusinessError(CODE_INVALID_GRANT_TYPE, "grant_type must be authorization_code.")
        code = account.tokens.redeem_auth_code(body["auth_code"])
        if code is None or code.client_key != body["client_id"]:
            raise BusinessError(CODE_BAD_AUTH_CODE, "The auth_code is invalid, expired or already used.")
        if code.redirect_uri != body["redirect_uri"]:
            raise BusinessError(CODE_BAD_AUTH_CODE, "redirect_uri does not match the authorization's.")
        return self._token_data(account.tokens.issue(code.scopes), account)

    def _refresh(self, body: dict[str, Any], account: BusinessAccount) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "grant_type", "refresh_token")
        if body["grant_type"] != "refresh_token":
            raise BusinessError(CODE_INVALID_GRANT_TYPE, "grant_type must be refresh_token.")
        presented = body["refresh_token"]
        if account.tokens.refresh_lifetime_left(presented) == 0:  # a year after consent: re-consent
            raise BusinessError(CODE_REFRESH_EXPIRED, "The refresh token has expired; authorize again.")
        issued = account.tokens.refresh(presented, rotate=self._settings.rotate_refresh_tokens)
        if issued is None:
            raise BusinessError(
                CODE_INVALID_GRANT, "The refresh token is invalid, revoked or already rotated."
            )
        return self._token_data(issued, account)

    def _revoke(self, body: dict[str, Any], account: BusinessAccount) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "access_token")
        account.tokens.revoke(body["access_token"])  # unknown tokens: success too
        return {}

    def _token_info(self, body: dict[str, Any], account: BusinessAccount) -> dict[str, Any]:
        _require(body, "app_id", "access_token")
        if body["app_id"] != self._settings.app_id:
            raise BusinessError(CODE_INVALID_CLIENT, "The app id is invalid.")
        try:
            grant = account.tokens.authenticate(body["access_token"])  # counts as one use of the token
        except AccessTokenRejected as rejected:
            raise BusinessError(
                CODE_ACCESS_TOKEN_EXPIRE if rejected.expired else CODE_INVALID_ACCESS_TOKEN
            ) from None
        # As documented: no expiry, no open_id; creator_id is the business_id.
        return {
            "app_id": self._settings.app_id,
            "creator_id": account.open_id,
            "scope": ",".join(grant.scopes),
        }
