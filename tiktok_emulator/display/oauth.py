"""Login Kit's OAuth endpoints: authorize (auto-consenting), token (refresh, code exchange), revoke.

They answer with TikTok's flat OAuth body (``{"error", "error_description", "log_id"}`` on failure)
rather than the data envelope, take form-encoded bodies only, and are faulted only by rules that
name them explicitly.

Every account of ``business.accounts`` authorised the Display app, each in a token store of its own:
a refresh is answered from the account whose Display grant issued the presented refresh token, a
code exchange from the account the code was issued for (``issue_auth_code(..., account=i)``), a
revocation from the account that issued the access token; what no account issued goes to account 0,
which refuses it as with one account.  The answer's ``open_id`` is that account's.  The authorize
page consents as account 0.  That account's ``open_id`` is what fault rules with a ``business_id``
are matched against, and what ``counters.display_calls`` counts the request under.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from tiktok_emulator.business.accounts import BusinessAccount, BusinessAccounts
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.display.envelope import ERROR_MESSAGES
from tiktok_emulator.documented.display import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH
from tiktok_emulator.faults import RESPONSE_FAULTS, FaultRule, FaultSchedule, retry_after_headers
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import IssuedTokens
from tiktok_emulator.wire import LogIds, Request, Response, ResponseHeaders, to_json


class OAuthSettings(Protocol):
    """The emulator settings the OAuth endpoints read on every request."""

    client_key: str
    client_secret: str
    granted_scopes: tuple[str, ...]
    rotate_refresh_tokens: bool
    access_token_expires_in: int
    refresh_expires_in: int
    token_endpoint_error_in_200: bool


class OAuthError(Exception):
    """Raised by the OAuth endpoints, which answer with a flat ``{"error", ...}`` body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description


def _form(request: Request) -> dict[str, str]:
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            400,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded; JSON is not accepted.",
        )
    try:
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "The request body is not valid UTF-8.") from None
    return {key: values[0] for key, values in parsed.items()}


def _peek_form(request: Request) -> dict[str, str]:
    """The form fields if the body parses as one, else empty: only to tell whose token it presents."""
    try:
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {key: values[0] for key, values in parsed.items()}


Serve = Callable[[Request, BusinessAccount], Response]
#: Finds the account whose Display grant issued what a form presents; None if none did.
Owner = Callable[[Mapping[str, str]], "BusinessAccount | None"]


def _require(form: Mapping[str, str], *names: str) -> None:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise OAuthError(400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}.")


class OAuthApi:
    """The OAuth endpoints of one emulated TikTok app and the accounts that authorised it."""

    def __init__(
        self,
        *,
        settings: OAuthSettings,
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

        def token_owner(form: Mapping[str, str]) -> BusinessAccount | None:
            if form.get("grant_type") == "authorization_code":
                return accounts.by_display_auth_code(form.get("code"))
            return accounts.by_display_refresh_token(form.get("refresh_token"))

        return [
            Route("POST", TOKEN_PATH, self._endpoint(self._token, token_owner)),
            Route(
                "POST",
                REVOKE_PATH,
                self._endpoint(self._revoke, lambda f: accounts.by_display_access_token(f.get("token"))),
            ),
            Route("GET", AUTHORIZE_PATH, self._endpoint(self._authorize, lambda f: None)),
        ]

    def _endpoint(self, serve: Serve, owner: Owner) -> Handler:
        """``serve`` behind the explicitly targeted faults, with OAuth errors rendered; the account
        is the one whose Display grant issued what the form presents (else account 0)."""

        def handle(request: Request) -> Response | None:
            account = owner(_peek_form(request)) if request.method == "POST" else None
            if account is not None:
                self._counters.display_call(account.open_id, request.path)
            rule = self._faults.next(
                request.path,
                RESPONSE_FAULTS,
                data_endpoint=False,
                business_id=account.open_id if account is not None else None,
            )
            if rule is not None:
                return self._fault(rule)
            try:
                return serve(request, account or self._accounts[0])
            except OAuthError as error:
                return self._error(error.status, error.error, error.description)

        return handle

    # -- responses -------------------------------------------------------------------
    def _error(self, status: int, error: str, description: str, headers: ResponseHeaders = ()) -> Response:
        log_id = self._log_ids.next()
        body = to_json({"error": error, "error_description": description, "log_id": log_id})
        return Response(status, body, log_id, headers=headers)

    def _ok(self, payload: dict[str, Any]) -> Response:
        return Response(200, to_json(payload), self._log_ids.next())

    def _fault(self, rule: FaultRule) -> Response | None:
        if rule.kind == "drop_connection":
            return None
        if rule.kind == "http_429":
            return self._error(
                429,
                "rate_limit_exceeded",
                ERROR_MESSAGES["rate_limit_exceeded"],
                retry_after_headers(rule),
            )
        if rule.kind in ("http_500", "http_503"):
            return self._error(int(rule.kind[-3:]), "internal_error", ERROR_MESSAGES["internal_error"])
        if rule.kind in ("access_token_invalid", "access_token_expired"):
            return self._error(401, "access_token_invalid", ERROR_MESSAGES["access_token_invalid"])
        return self._error(200, rule.error_code, f"Request failed with {rule.error_code}.")

    # -- token and revoke ------------------------------------------------------------
    def _client_form(self, request: Request) -> dict[str, str]:
        """The form of a request from this app's client, or ``invalid_client``."""
        form = _form(request)
        _require(form, "client_key", "client_secret")
        if (
            form["client_key"] != self._settings.client_key
            or form["client_secret"] != self._settings.client_secret
        ):
            raise OAuthError(401, "invalid_client", "Client key or client secret is invalid.")
        return form

    def _token(self, request: Request, account: BusinessAccount) -> Response:
        if self._settings.token_endpoint_error_in_200:
            raise OAuthError(200, "invalid_grant", "Refresh token is invalid or expired.")
        form = self._client_form(request)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError(400, "invalid_request", "Missing required parameter(s): grant_type.")
        if grant_type == "refresh_token":
            return self._refresh(form, account)
        if grant_type == "authorization_code":
            return self._exchange_code(form, account)
        raise OAuthError(400, "unsupported_grant_type", f"Grant type {grant_type} is not supported.")

    def _token_body(self, issued: IssuedTokens, account: BusinessAccount) -> Response:
        return self._ok(
            {
                "access_token": issued.access_token,
                "expires_in": self._settings.access_token_expires_in,
                "open_id": account.open_id,
                "refresh_token": issued.refresh_token,
                "refresh_expires_in": issued.refresh_expires_in,
                "scope": ",".join(issued.grant.scopes),
                "token_type": "Bearer",
            }
        )

    def _refresh(self, form: Mapping[str, str], account: BusinessAccount) -> Response:
        _require(form, "refresh_token")
        tokens = account.display_tokens
        issued = tokens.refresh(form["refresh_token"], rotate=self._settings.rotate_refresh_tokens)
        if issued is None:
            raise OAuthError(400, "invalid_grant", "Refresh token is invalid or expired.")
        return self._token_body(issued, account)

    def _exchange_code(self, form: Mapping[str, str], account: BusinessAccount) -> Response:
        _require(form, "code", "redirect_uri", "code_verifier")
        code = account.display_tokens.redeem_auth_code(form["code"])
        if code is None:
            raise OAuthError(400, "invalid_grant", "Authorization code is invalid, expired or already used.")
        if code.client_key != form["client_key"]:
            raise OAuthError(400, "invalid_grant", "Authorization code was issued to another client.")
        if code.redirect_uri != form["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", "Redirect URI does not match the one used to authorize.")
        # TikTok's PKCE challenge is the HEX digest of SHA-256(verifier), not base64url.
        if hashlib.sha256(form["code_verifier"].encode("utf-8")).hexdigest() != code.code_challenge:
            raise OAuthError(400, "invalid_grant", "Code verifier or code challenge is invalid.")
        return self._token_body(account.display_tokens.issue(code.scopes), account)

    def _revoke(self, request: Request, account: BusinessAccount) -> Response:
        """TikTok's documented revocation: an access token ends its whole authorisation (every
        access and refresh token of it), and the answer is an empty HTTP 200.

        TikTok documents no revocation by refresh token: one is taken like an unknown token
        (success, as RFC 7009 asks, and nothing ends), so a client relying on it fails here.
        """
        form = self._client_form(request)
        _require(form, "token")
        account.display_tokens.revoke(form["token"], by_refresh_token=False)
        return Response(200, b"", self._log_ids.next())

    # -- authorize -------------------------------------------------------------------
    def _authorize(self, request: Request, account: BusinessAccount) -> Response:
        """An auto-consenting stand-in for TikTok's consent page, signed in as account 0 (another
        account's consent: ``TikTokEmulator.issue_auth_code(..., account=i)``)."""
        redirect_uri = request.param("redirect_uri") or ""
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise OAuthError(
                400, "invalid_request", "redirect_uri is missing or is not an absolute http(s) URL."
            )
        if request.param("client_key") != self._settings.client_key:
            raise OAuthError(400, "invalid_client", "client_key is missing or unknown.")
        state = request.param("state")

        def redirect(params: dict[str, str]) -> Response:
            if state is not None:
                params["state"] = state
            separator = "&" if target.query else "?"
            location = quote(redirect_uri, safe=":/?#[]@!$&'()*+,;=%~") + separator + urlencode(params)
            return Response(302, b"", self._log_ids.next(), headers=(("Location", location),))

        def refuse(error: str, description: str) -> Response:
            return redirect({"error": error, "error_description": description})

        if request.param("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code.")
        if not request.param("code_challenge"):
            return refuse("invalid_request", "code_challenge is required.")
        if request.param("code_challenge_method") != "S256":
            return refuse("invalid_request", "code_challenge_method must be S256.")
        requested = {s.strip() for s in (request.param("scope") or "").split(",") if s.strip()}
        scopes = tuple(s for s in self._settings.granted_scopes if s in requested)
        if not scopes:
            return refuse("invalid_scope", "No requested scope can be granted.")
        code = account.display_tokens.new_auth_code(
            client_key=self._settings.client_key,
            redirect_uri=redirect_uri,
            code_challenge=request.param("code_challenge") or "",
            scopes=scopes,
        )
        return redirect({"code": code, "scopes": ",".join(scopes)})
