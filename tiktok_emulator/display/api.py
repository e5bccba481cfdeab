"""The Display API's data endpoints: user/info, video/list and video/query.

Every request goes through the same gate, in this order: the rate limiter (a rejected request goes
no further), the response-replacing faults, bearer authentication, then the endpoint's own scope
and parameter checks; video/list finally consults the page faults. Answers, good or bad, use the
``{"data", "error"}`` envelope.

Every account of ``business.accounts`` authorised the Display app too: a request is served from
the account whose Display grant issued its Bearer token (alive or not; a token no account issued is
account 0's to refuse, as with one account), with that account's user and videos, projected and
paged as for account 0.  That account's ``open_id`` is what fault rules with a ``business_id`` are
matched against, and what ``counters.display_calls`` counts the request under.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from tiktok_emulator.business.accounts import BusinessAccount, BusinessAccounts
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.display.envelope import ERROR_MESSAGES, ApiError, envelope, error_envelope
from tiktok_emulator.documented.display import (
    BASIC_SCOPE,
    USER_FIELD_SCOPES,
    USER_INFO_PATH,
    VIDEO_FIELDS,
    VIDEO_LIST_DEFAULT_COUNT,
    VIDEO_LIST_MAX_COUNT,
    VIDEO_LIST_PATH,
    VIDEO_QUERY_MAX_IDS,
    VIDEO_QUERY_PATH,
    VIDEO_SCOPE,
)
from tiktok_emulator.faults import PAGE_FAULTS, RESPONSE_FAULTS, FaultRule, FaultSchedule, retry_after_headers
from tiktok_emulator.field_refusals import FieldRefusals
from tiktok_emulator.rate_limit import SlidingWindowRateLimiter
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, Grant
from tiktok_emulator.wire import LogIds, Request, Response

#: The data endpoints: they use the ``{"data", "error"}`` envelope, bearer auth, the
#: per-endpoint rate limit, and are what a ``FaultRule`` with ``endpoint=None`` targets.
API_PATHS: frozenset[str] = frozenset({USER_INFO_PATH, VIDEO_LIST_PATH, VIDEO_QUERY_PATH})

Endpoint = Callable[[Request, Grant, BusinessAccount], dict[str, Any]]


class DisplaySettings(Protocol):
    """The emulator settings the data endpoints read on every request."""

    #: user/info leaves out the fields of ungranted scopes instead of refusing the request (some
    #: clients report TikTok answers so; its documentation says it refuses).
    user_info_omits_ungranted_fields: bool
    #: Fields refused as not served to this app or region (see ``field_refusals``).
    field_refusals: FieldRefusals


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _fields(request: Request, known: Iterable[str], refusals: FieldRefusals) -> list[str]:
    raw = request.param("fields")
    fields = list(dict.fromkeys(f.strip() for f in (raw or "").split(",") if f.strip()))
    if not fields:
        raise ApiError("invalid_params", "The fields parameter is required.")
    known_fields = set(known)
    unknown = [f for f in fields if f not in known_fields]
    if unknown:
        raise ApiError("invalid_params", f"Invalid field(s): {', '.join(unknown)}.")
    refused = refusals.refused(fields)
    if refused:
        raise ApiError("invalid_params", refusals.message(refused))
    return fields


def _json_body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("invalid_params", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError("invalid_params", "The request body must be a JSON object.")
    return body


def _require_video_scope(grant: Grant) -> None:
    if VIDEO_SCOPE not in grant.scopes:
        raise ApiError(
            "scope_not_authorized",
            f"The user did not authorize the scope required for completing this request: {VIDEO_SCOPE}.",
        )


def _project(video: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: video[f] for f in fields if f in video}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DisplayApi:
    """The data endpoints over every generated account, each reached with its own Display grant.

    The rate limiter counts per endpoint, every account's requests together: TikTok documents the
    Display API's limit per endpoint (``documented.display.REQUESTS_PER_ENDPOINT_MINUTE``) without saying
    whether it is counted per app or per user token; per app is the stricter reading, so a
    connector that keeps under it here keeps under it either way (unverified against TikTok).
    """

    def __init__(
        self,
        *,
        settings: DisplaySettings,
        accounts: BusinessAccounts,
        faults: FaultSchedule,
        limiter: SlidingWindowRateLimiter | None,
        counters: EmulatorCounters,
        log_ids: LogIds,
    ) -> None:
        self._settings = settings
        self._accounts = accounts
        self._faults = faults
        self._limiter = limiter
        self._counters = counters
        self._log_ids = log_ids

    def routes(self) -> list[Route]:
        return [
            Route("GET", USER_INFO_PATH, self._endpoint(self._user_info)),
            Route("POST", VIDEO_LIST_PATH, self._endpoint(self._video_list)),
            Route("POST", VIDEO_QUERY_PATH, self._endpoint(self._video_query)),
        ]

    def _endpoint(self, serve: Endpoint) -> Handler:
        """``serve`` behind the rate limiter, the response faults and authentication."""

        def handle(request: Request) -> Response | None:
            token = _bearer(request)
            owner = self._accounts.by_display_access_token(token)
            if owner is not None:
                self._counters.display_call(owner.open_id, request.path)
            # A token no account issued is account 0's to refuse, as with one account.
            account = owner or self._accounts[0]
            try:
                if self._limiter is not None:
                    wait = self._limiter.acquire(request.path)
                    if wait is not None:
                        raise ApiError("rate_limit_exceeded", headers=(("Retry-After", str(wait)),))
                rule = self._faults.next(
                    request.path,
                    RESPONSE_FAULTS,
                    data_endpoint=True,
                    business_id=owner.open_id if owner is not None else None,
                )
                if rule is not None:
                    return self._fault(rule, token, account)
                data = serve(request, self._authenticate(token, account), account)
            except ApiError as error:
                return error_envelope(self._log_ids, error.code, error.message, error.headers)
            return envelope(self._log_ids, 200, "ok", "", data)

        return handle

    @staticmethod
    def _authenticate(token: str | None, account: BusinessAccount) -> Grant:
        """The grant behind the request's bearer token, or 401 access_token_invalid."""
        try:
            return account.display_tokens.authenticate(token)
        except AccessTokenRejected as rejected:
            message = "The access token has expired." if rejected.expired else None
            raise ApiError("access_token_invalid", message) from None

    def _fault(self, rule: FaultRule, token: str | None, account: BusinessAccount) -> Response | None:
        if rule.kind == "drop_connection":
            return None
        if rule.kind == "http_429":
            return error_envelope(self._log_ids, "rate_limit_exceeded", headers=retry_after_headers(rule))
        if rule.kind in ("http_500", "http_503"):
            status = int(rule.kind[-3:])
            return envelope(self._log_ids, status, "internal_error", ERROR_MESSAGES["internal_error"])
        if rule.kind in ("access_token_invalid", "access_token_expired"):
            expired = rule.kind == "access_token_expired"
            account.display_tokens.kill_access_token(token, expired)  # really dead: only a refresh helps
            message = "The access token has expired." if expired else None
            return error_envelope(self._log_ids, "access_token_invalid", message)
        # error_in_200
        message = ERROR_MESSAGES.get(rule.error_code, f"Request failed with {rule.error_code}.")
        return envelope(self._log_ids, 200, rule.error_code, message)

    # -- endpoints -------------------------------------------------------------------
    def _user_info(self, request: Request, grant: Grant, account: BusinessAccount) -> dict[str, Any]:
        fields = _fields(request, USER_FIELD_SCOPES, self._settings.field_refusals)
        user = account.data.user
        if self._settings.user_info_omits_ungranted_fields:
            return {"user": {f: user[f] for f in fields if USER_FIELD_SCOPES[f] in grant.scopes}}
        if BASIC_SCOPE not in grant.scopes:
            raise ApiError("scope_not_authorized")
        missing = sorted({USER_FIELD_SCOPES[f] for f in fields} - set(grant.scopes))
        if missing:
            raise ApiError(
                "scope_permission_missed",
                f"The user did not grant the scope(s) needed for the requested fields: {', '.join(missing)}.",
            )
        return {"user": {f: user[f] for f in fields}}

    def _video_list(self, request: Request, grant: Grant, account: BusinessAccount) -> dict[str, Any]:
        _require_video_scope(grant)
        fields = _fields(request, VIDEO_FIELDS, self._settings.field_refusals)
        body = _json_body(request)
        cursor = body.get("cursor")
        if cursor is None:
            cursor = 0
        if not _is_int(cursor) or not 0 <= cursor < 2**63:
            raise ApiError("invalid_params", "cursor must be a non-negative int64 (unix milliseconds).")
        max_count = body.get("max_count")
        if max_count is None:
            max_count = VIDEO_LIST_DEFAULT_COUNT
        if not _is_int(max_count) or not 1 <= max_count <= VIDEO_LIST_MAX_COUNT:
            raise ApiError(
                "invalid_params", f"max_count must be an integer between 1 and {VIDEO_LIST_MAX_COUNT}."
            )

        rule = self._faults.next(request.path, PAGE_FAULTS, data_endpoint=True, business_id=account.open_id)
        page, next_cursor, has_more = account.data.page(cursor, max_count, rule.kind if rule else None)
        return {
            "videos": [_project(v, fields) for v in page],
            "cursor": next_cursor,
            "has_more": has_more,
        }

    def _video_query(self, request: Request, grant: Grant, account: BusinessAccount) -> dict[str, Any]:
        _require_video_scope(grant)
        fields = _fields(request, VIDEO_FIELDS, self._settings.field_refusals)
        body = _json_body(request)
        filters = body.get("filters")
        ids = filters.get("video_ids") if isinstance(filters, dict) else None
        if not isinstance(ids, list):
            raise ApiError("invalid_params", "filters.video_ids must be a list of video id strings.")
        if len(ids) > VIDEO_QUERY_MAX_IDS:
            raise ApiError("invalid_params", f"filters.video_ids accepts at most {VIDEO_QUERY_MAX_IDS} ids.")
        if not all(isinstance(i, str) for i in ids):
            raise ApiError("invalid_params", "Video ids must be strings.")
        found = account.data.find(ids)
        return {"videos": [_project(v, fields) for v in found], "cursor": 0, "has_more": False}
