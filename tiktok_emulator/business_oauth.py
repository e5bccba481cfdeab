"""The API for Business's token endpoints: code exchange, refresh, revoke and token info.

Why apart from ``oauth``: these take JSON bodies (``client_id`` is the app id), answer HTTP 200 with
the ``{"code", "message", "request_id", "data"}`` envelope, and keep their grants in a token store of
their own, so a connector that mixes up the two APIs' token endpoints fails here as it would at
TikTok.  Like the Display API's OAuth endpoints they are faulted only by rules that name them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from tiktok_emulator.business_envelope import (
    CODE_BAD_AUTH_CODE,
    CODE_INVALID_CLIENT,
    CODE_INVALID_GRANT,
    CODE_REFRESH_EXPIRED,
    BusinessError,
    business_envelope,
    error_answer,
    render_fault,
)
from tiktok_emulator.documented_business import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_INVALID_GRANT_TYPE,
    CODE_OK,
    CODE_PARAM_ERROR,
    REFRESH_TOKEN_LIFETIME_SECONDS,
    REFRESH_TOKEN_PATH,
    REVOKE_PATH,
    TOKEN_INFO_PATH,
    TOKEN_PATH,
)
from tiktok_emulator.faults import RESPONSE_FAULTS, FaultSchedule
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, IssuedTokens, TokenLifetimes, TokenStore
from tiktok_emulator.wire import LogIds, Request, Response


class BusinessOAuthSettings(Protocol):
    """The emulator settings these endpoints read on every request."""

    app_id: str
    app_secret: str
    rotate_refresh_tokens: bool


class BusinessTokenLifetimes:
    """The business store's lifetimes: TikTok's fixed day and year; the per-use limit is shared.

    Why: the Display settings ``access_token_expires_in``/``refresh_expires_in`` describe another
    API's tokens, but a test that makes access tokens die after N calls means every API's tokens.
    """

    def __init__(self, settings: TokenLifetimes) -> None:
        self._settings = settings
        self.access_token_expires_in = ACCESS_TOKEN_LIFETIME_SECONDS
        self.refresh_expires_in = REFRESH_TOKEN_LIFETIME_SECONDS

    @property
    def access_token_lifetime_requests(self) -> int | None:
        return self._settings.access_token_lifetime_requests

    @access_token_lifetime_requests.setter
    def access_token_lifetime_requests(self, value: int | None) -> None:
        self._settings.access_token_lifetime_requests = value


class BusinessGrants:
    """The business app's grants, in a token store of its own.

    Why apart from the Display store: the two APIs are two apps at TikTok; a Display token must
    not open business endpoints, nor the other way round.  The store dates each refresh token by
    its grant's consent (rotation keeps the date), so ``refresh_token_expires_in`` counts down a
    year from the consent, as the refresh page's example suggests, and a yearly re-consent is
    unavoidable.
    """

    def __init__(self, settings: TokenLifetimes, refresh_token: str, scopes: Sequence[str]) -> None:
        self.tokens = TokenStore(BusinessTokenLifetimes(settings), refresh_token, scopes)

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        self.tokens.add_refresh_token(refresh_token, scopes)

    def issue_auth_code(self, app_id: str, redirect_uri: str, scopes: Sequence[str]) -> str:
        """What TikTok's consent page would send back to ``redirect_uri`` as ``auth_code``."""
        return self.tokens.new_auth_code(app_id, redirect_uri, code_challenge="", scopes=tuple(scopes))


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


def _require(body: Mapping[str, Any], *names: str) -> None:
    missing = [name for name in names if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise BusinessError(CODE_PARAM_ERROR, f"Missing or invalid parameter(s): {', '.join(missing)}.")


class BusinessOAuthApi:
    """The token endpoints of one emulated business app and its account."""

    def __init__(
        self,
        *,
        settings: BusinessOAuthSettings,
        open_id: str,
        grants: BusinessGrants,
        faults: FaultSchedule,
        log_ids: LogIds,
    ) -> None:
        self._settings = settings
        self._open_id = open_id
        self._tokens = grants.tokens
        self._faults = faults
        self._log_ids = log_ids

    def routes(self) -> list[Route]:
        return [
            Route("POST", TOKEN_PATH, self._endpoint(self._exchange_code)),
            Route("POST", REFRESH_TOKEN_PATH, self._endpoint(self._refresh)),
            Route("POST", REVOKE_PATH, self._endpoint(self._revoke)),
            Route("POST", TOKEN_INFO_PATH, self._endpoint(self._token_info)),
        ]

    def _endpoint(self, serve: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
        """``serve`` (JSON body -> data) behind the explicitly targeted faults, errors enveloped."""

        def handle(request: Request) -> Response | None:
            rule = self._faults.next(request.path, RESPONSE_FAULTS, data_endpoint=False)
            if rule is not None:
                return render_fault(self._log_ids, rule)
            try:
                data = serve(_json_body(request))
            except BusinessError as error:
                return error_answer(self._log_ids, error)
            return business_envelope(self._log_ids, CODE_OK, "OK", data)

        return handle

    def _check_client(self, body: Mapping[str, Any], id_name: str = "client_id") -> None:
        _require(body, id_name, "client_secret")
        if body[id_name] != self._settings.app_id or body["client_secret"] != self._settings.app_secret:
            raise BusinessError(CODE_INVALID_CLIENT, "The app id or app secret is invalid.")

    def _token_data(self, issued: IssuedTokens) -> dict[str, Any]:
        return {
            "access_token": issued.access_token,
            "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
            "refresh_token": issued.refresh_token,
            "refresh_token_expires_in": issued.refresh_expires_in,
            "open_id": self._open_id,
            "scope": ",".join(issued.grant.scopes),
            "token_type": "Bearer",
        }

    def _exchange_code(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "grant_type", "auth_code", "redirect_uri")
        if body["grant_type"] != "authorization_code":
            raise BusinessError(CODE_INVALID_GRANT_TYPE, "grant_type must be authorization_code.")
        code = self._tokens.redeem_auth_code(body["auth_code"])
        if code is None or code.client_key != body["client_id"]:
            raise BusinessError(CODE_BAD_AUTH_CODE, "The auth_code is invalid, expired or already used.")
        if code.redirect_uri != body["redirect_uri"]:
            raise BusinessError(CODE_BAD_AUTH_CODE, "redirect_uri does not match the authorization's.")
        return self._token_data(self._tokens.issue(code.scopes))

    def _refresh(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "grant_type", "refresh_token")
        if body["grant_type"] != "refresh_token":
            raise BusinessError(CODE_INVALID_GRANT_TYPE, "grant_type must be refresh_token.")
        presented = body["refresh_token"]
        if self._tokens.refresh_lifetime_left(presented) == 0:  # a year after consent: re-consent
            raise BusinessError(CODE_REFRESH_EXPIRED, "The refresh token has expired; authorize again.")
        issued = self._tokens.refresh(presented, rotate=self._settings.rotate_refresh_tokens)
        if issued is None:
            raise BusinessError(
                CODE_INVALID_GRANT, "The refresh token is invalid, revoked or already rotated."
            )
        return self._token_data(issued)

    def _revoke(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_client(body)
        _require(body, "access_token")
        self._tokens.revoke(body["access_token"])  # unknown tokens: success too
        return {}

    def _token_info(self, body: dict[str, Any]) -> dict[str, Any]:
        _require(body, "app_id", "access_token")
        if body["app_id"] != self._settings.app_id:
            raise BusinessError(CODE_INVALID_CLIENT, "The app id is invalid.")
        try:
            grant = self._tokens.authenticate(body["access_token"])  # counts as one use of the token
        except AccessTokenRejected as rejected:
            raise BusinessError(
                CODE_ACCESS_TOKEN_EXPIRE if rejected.expired else CODE_INVALID_ACCESS_TOKEN
            ) from None
        # As documented: no expiry, no open_id; creator_id is the business_id.
        return {"app_id": self._settings.app_id, "creator_id": self._open_id, "scope": ",".join(grant.scopes)}
