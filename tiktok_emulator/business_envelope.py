"""The API for Business's ``{"code", "message", "request_id", "data"}`` answer, and its error codes.

Why a module of its own: the Accounts API's OAuth and data endpoints answer in this one shape (HTTP
200 even for errors, the outcome is in ``code``), unlike the Display API's ``{"data", "error"}``
envelope, and both render fired fault rules the same way.  The documented codes come from
``business_protocol``; the few this emulator needs beyond them are defined here and marked as its
own choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from source_tiktok_organic.business_protocol import (
    CODE_ACCESS_TOKEN_INVALID,
    CODE_NO_PERMISSION,
    CODE_OK,
    CODE_THROTTLED,
)
from tiktok_emulator.faults import FaultRule, retry_after_headers
from tiktok_emulator.wire import LogIds, Response, ResponseHeaders, to_json

# Codes business_protocol does not know (emulator's choice, unverified).
#: Wrong app id or app secret on an OAuth call: TikTok's "no permission" family.
CODE_INVALID_CLIENT: Final = CODE_NO_PERMISSION
#: An unknown, revoked, expired or already rotated refresh token, or a bad auth code.
CODE_INVALID_GRANT: Final = 40104
#: TikTok's side failed (served with HTTP 500/503 by the ``http_5xx`` faults).
CODE_INTERNAL_ERROR: Final = 50000
#: An error wrapped in an otherwise normal HTTP 200 (the ``error_in_200`` fault's default).
CODE_ERROR_IN_200: Final = 50002

MESSAGES: Final[dict[int, str]] = {
    CODE_OK: "OK",
    CODE_THROTTLED: "Too many requests. Please retry in some time.",
    CODE_ACCESS_TOKEN_INVALID: "The access token is invalid or has been revoked.",
    CODE_INTERNAL_ERROR: "Internal service error. Please try again later.",
    CODE_ERROR_IN_200: "System error. Please try again later.",
}


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
    """One answer; ``request_id`` is the response's unique log id, ``data`` is ``{}`` when none."""
    request_id = log_ids.next()
    body = {"code": code, "message": message, "request_id": request_id, "data": data or {}}
    return Response(status, to_json(body), request_id, headers=headers)


def error_answer(log_ids: LogIds, error: BusinessError) -> Response:
    return business_envelope(log_ids, error.code, error.message, headers=error.headers)


def render_fault(
    log_ids: LogIds, rule: FaultRule, kill_token: Callable[[], None] | None = None
) -> Response | None:
    """A fired response-replacing fault, as the API for Business would show it.

    ``http_5xx`` keep their HTTP status (a gateway failure happens before the envelope is
    written); every other fault is an HTTP 200 whose ``code`` says what went wrong.  With
    ``kill_token``, ``access_token_invalid`` really ends the token, so only a refresh helps.
    """
    if rule.kind == "drop_connection":
        return None
    if rule.kind == "http_429":
        return business_envelope(
            log_ids, CODE_THROTTLED, MESSAGES[CODE_THROTTLED], headers=retry_after_headers(rule)
        )
    if rule.kind in ("http_500", "http_503"):
        return business_envelope(
            log_ids, CODE_INTERNAL_ERROR, MESSAGES[CODE_INTERNAL_ERROR], status=int(rule.kind[-3:])
        )
    if rule.kind == "access_token_invalid":
        if kill_token is not None:
            kill_token()
        return business_envelope(log_ids, CODE_ACCESS_TOKEN_INVALID, MESSAGES[CODE_ACCESS_TOKEN_INVALID])
    # error_in_200: a numeric error_code is used as the code, anything else gives CODE_ERROR_IN_200.
    code = int(rule.error_code) if rule.error_code.isdigit() else CODE_ERROR_IN_200
    return business_envelope(log_ids, code, MESSAGES.get(code, f"Request failed with code {code}."))
