"""The API for Business's ``{"code", "message", "request_id", "data"}`` answer, and its error codes.

Why a module of its own: the Accounts API's OAuth and data endpoints answer in this one shape (HTTP
200 even for errors, the outcome is in ``code``), unlike the Display API's ``{"data", "error"}``
envelope, and both render fired fault rules the same way.  The codes are TikTok's
(``documented.business``, from its SDK's code table); which code answers which OAuth failure is the
emulator's choice where no page says, and marked so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from tiktok_emulator.documented.business import (
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_AUTH_CODE_ERROR,
    CODE_EMPTY_ACCESS_TOKEN,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_INVALID_REFRESH_TOKEN,
    CODE_OK,
    CODE_PERMISSION_ERROR,
    CODE_REFRESH_TOKEN_EXPIRE,
    CODE_REQUEST_FREQUENCY_LIMITED,
    CODE_REQUEST_TOO_FREQUENT,
    CODE_SCOPE_NOT_AUTHORIZED,
    CODE_SYS_ERROR,
    CODE_SYS_TIMEOUT,
    CODE_TOO_MANY_REQUESTS_BL,
)
from tiktok_emulator.faults import FaultRule, retry_after_headers
from tiktok_emulator.wire import LogIds, Response, ResponseHeaders, to_json

#: Wrong app id or app secret on an OAuth call (emulator's choice: no page names a code).
CODE_INVALID_CLIENT: Final = CODE_PERMISSION_ERROR
#: An unknown, revoked or already rotated refresh token.
CODE_INVALID_GRANT: Final = CODE_INVALID_REFRESH_TOKEN
#: A refresh token past its year from the consent.
CODE_REFRESH_EXPIRED: Final = CODE_REFRESH_TOKEN_EXPIRE
#: An unknown, spent or expired auth_code, or one issued for another redirect_uri.
CODE_BAD_AUTH_CODE: Final = CODE_AUTH_CODE_ERROR
#: TikTok's side failed (served with HTTP 500/503 by the ``http_5xx`` faults).
CODE_INTERNAL_ERROR: Final = CODE_SYS_ERROR
#: An error wrapped in an otherwise normal HTTP 200 (the ``error_in_200`` fault's default).
CODE_ERROR_IN_200: Final = CODE_SYS_TIMEOUT

MESSAGES: Final[dict[int, str]] = {
    CODE_OK: "OK",
    CODE_REQUEST_TOO_FREQUENT: "Too many requests. Please retry in some time.",
    CODE_REQUEST_FREQUENCY_LIMITED: "Request frequency limited. Please retry in some time.",
    CODE_TOO_MANY_REQUESTS_BL: "Too many requests.",
    CODE_ACCESS_TOKEN_EXPIRE: "The access token has expired.",
    CODE_EMPTY_ACCESS_TOKEN: "The access token is empty.",
    CODE_INVALID_ACCESS_TOKEN: "The access token is invalid or has been revoked.",
    CODE_SCOPE_NOT_AUTHORIZED: "The scope is not authorized.",
    CODE_PERMISSION_ERROR: "No permission to perform this operation.",
    CODE_INTERNAL_ERROR: "Internal service error. Please try again later.",
    CODE_ERROR_IN_200: "System error. Please try again later.",
}

#: Ends the request's access token: ``expired`` True makes it expired (40102), else invalid (40105).
KillToken = Callable[[bool], None]


class BusinessError(Exception):
    """Raised while handling a business request to answer with a non-zero ``code``."""

    def __init__(self, code: int, message: str | None = None, headers: ResponseHeaders = ()) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, f"Request failed with code {code}.")
        self.headers = headers


def business_envelope(
    log_ids: LogIds,
    code: int,
    message: str,
    data: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: ResponseHeaders = (),
) -> Response:
    """One answer; ``request_id`` is the response's unique log id, ``display.data`` is ``{}`` when none."""
    request_id = log_ids.next()
    body = {"code": code, "message": message, "request_id": request_id, "data": data or {}}
    return Response(status, to_json(body), request_id, headers=headers)


def error_answer(log_ids: LogIds, error: BusinessError) -> Response:
    return business_envelope(log_ids, error.code, error.message, headers=error.headers)


def _numeric_code(rule: FaultRule) -> int | None:
    return int(rule.error_code) if rule.error_code.isdigit() else None


def render_fault(
    log_ids: LogIds,
    rule: FaultRule,
    kill_token: KillToken | None = None,
    throttle_code: int = CODE_REQUEST_TOO_FREQUENT,
) -> Response | None:
    """A fired response-replacing fault, as the API for Business would show it.

    ``http_5xx`` keep their HTTP status (a gateway failure happens before the envelope is
    written); every other fault is an HTTP 200 whose ``code`` says what went wrong.
    ``http_429`` answers ``throttle_code`` (or the rule's numeric ``error_code``, e.g. 40132).
    With ``kill_token``, ``access_token_invalid`` (40105) and ``access_token_expired`` (40102)
    really end the token, so only a refresh helps.
    """
    if rule.kind == "drop_connection":
        return None
    if rule.kind == "http_429":
        code = _numeric_code(rule) or throttle_code
        return business_envelope(
            log_ids,
            code,
            MESSAGES.get(code, MESSAGES[CODE_REQUEST_TOO_FREQUENT]),
            headers=retry_after_headers(rule),
        )
    if rule.kind in ("http_500", "http_503"):
        return business_envelope(
            log_ids, CODE_INTERNAL_ERROR, MESSAGES[CODE_INTERNAL_ERROR], status=int(rule.kind[-3:])
        )
    if rule.kind in ("access_token_invalid", "access_token_expired"):
        expired = rule.kind == "access_token_expired"
        if kill_token is not None:
            kill_token(expired)
        code = CODE_ACCESS_TOKEN_EXPIRE if expired else CODE_INVALID_ACCESS_TOKEN
        return business_envelope(log_ids, code, MESSAGES[code])
    # error_in_200: a numeric error_code is used as the code, anything else gives CODE_ERROR_IN_200.
    code = _numeric_code(rule) or CODE_ERROR_IN_200
    return business_envelope(log_ids, code, MESSAGES.get(code, f"Request failed with code {code}."))
