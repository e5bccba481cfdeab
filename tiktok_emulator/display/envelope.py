"""TikTok v2's ``{"data": ..., "error": {"code", "message", "log_id"}}`` response envelope.

The data endpoints answer in it, success or failure, and so does the server for requests that no
route accepts. The error codes and their HTTP statuses are TikTok's (``documented.display.ERROR_STATUS``); the
wording is the emulator's, in TikTok's style.
"""

from __future__ import annotations

from typing import Any

from tiktok_emulator.documented.display import ERROR_STATUS
from tiktok_emulator.wire import LogIds, Response, ResponseHeaders, to_json

#: Human sentences in TikTok's style, so that connector error messages read naturally.
ERROR_MESSAGES: dict[str, str] = {
    "ok": "",
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing this request.",
    "scope_permission_missed": "The user did not grant the scope(s) needed for the requested fields.",
    "invalid_params": "The request parameters are malformed.",
    "rate_limit_exceeded": "API rate limit exceeded, please retry later.",
    "internal_error": "Something went wrong on TikTok's side. Please try again later.",
}


class ApiError(Exception):
    """Raised while handling a data request to answer with an error envelope."""

    def __init__(self, code: str, message: str | None = None, headers: ResponseHeaders = ()) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, code)
        self.headers = headers


def envelope(
    log_ids: LogIds,
    status: int,
    code: str,
    message: str,
    data: dict[str, Any] | None = None,
    headers: ResponseHeaders = (),
) -> Response:
    """One enveloped response; ``display.data`` is ``{}`` when there is none, as TikTok sends it."""
    log_id = log_ids.next()
    body = to_json(
        {
            "data": data if data is not None else {},
            "error": {"code": code, "message": message, "log_id": log_id},
        }
    )
    return Response(status, body, log_id, headers=headers)


def error_envelope(
    log_ids: LogIds, code: str, message: str | None = None, headers: ResponseHeaders = ()
) -> Response:
    """An error envelope whose HTTP status (and, by default, message) follow from ``code``."""
    return envelope(log_ids, ERROR_STATUS[code], code, message or ERROR_MESSAGES[code], headers=headers)
