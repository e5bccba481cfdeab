"""The Accounts API's data endpoints: business/get, business/video/list and the comment lists.

Every request goes through the same gate as the Display API's, in the same order: the rate limiter
(per endpoint), the response-replacing faults (only rules that name a business path), authentication
by the ``Access-Token`` header, then the endpoint's scope and parameter checks; video/list finally
consults the page faults.  Answers, good or bad, are HTTP 200 with a ``code`` (except the
``http_5xx`` faults), as the API for Business answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol

from source_tiktok_organic.business_protocol import (
    ACCESS_TOKEN_HEADER,
    AUDIENCE_ACTIVITY_FIELD,
    BUSINESS_COMMENT_LIST_PATH,
    BUSINESS_COMMENT_REPLY_LIST_PATH,
    BUSINESS_GET_PATH,
    BUSINESS_VIDEO_LIST_PATH,
    CODE_ACCESS_TOKEN_INVALID,
    CODE_OK,
    CODE_THROTTLED,
    COMMENT_LIST_MAX_COUNT,
    COMMENT_SCOPE,
    DAILY_METRIC_FIELDS,
    DEMOGRAPHIC_FIELDS,
    INSIGHTS_SCOPE,
    PROFILE_FIELDS,
    VIDEO_INSIGHT_FIELDS,
    VIDEO_INSIGHTS_SCOPE,
    VIDEO_LIST_FIELDS,
    VIDEO_LIST_MAX_COUNT,
    VIDEO_LIST_SCOPE,
)
from tiktok_emulator import business_params as params
from tiktok_emulator.business_data import (
    DEMOGRAPHICS_MIN_FOLLOWERS,
    PROFILE_FIELD_SCOPES,
    daily_metrics,
    demographics,
    metric_days,
    profile,
)
from tiktok_emulator.business_envelope import BusinessError, business_envelope, error_answer, render_fault
from tiktok_emulator.business_media import COMMENT_STATUSES, business_video, thread
from tiktok_emulator.data import Account
from tiktok_emulator.faults import PAGE_FAULTS, RESPONSE_FAULTS, FaultSchedule
from tiktok_emulator.rate_limit import SlidingWindowRateLimiter
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, Grant, TokenStore
from tiktok_emulator.wire import LogIds, Request, Response

#: The data endpoints: Access-Token auth, the per-endpoint rate limit, faulted only when named.
BUSINESS_API_PATHS: Final = frozenset(
    {
        BUSINESS_GET_PATH,
        BUSINESS_VIDEO_LIST_PATH,
        BUSINESS_COMMENT_LIST_PATH,
        BUSINESS_COMMENT_REPLY_LIST_PATH,
    }
)
#: business/get's fields and the scope each needs (lifetime, daily, hourly, demographic).
GET_FIELD_SCOPES: Final[dict[str, str]] = {
    **dict.fromkeys((*DAILY_METRIC_FIELDS, AUDIENCE_ACTIVITY_FIELD, *DEMOGRAPHIC_FIELDS), INSIGHTS_SCOPE),
    **PROFILE_FIELD_SCOPES,  # followers_count is both: its lifetime value needs only the stats scope
}
VIDEO_FIELD_SCOPES: Final[dict[str, str]] = {
    **dict.fromkeys(VIDEO_LIST_FIELDS, VIDEO_LIST_SCOPE),
    **dict.fromkeys(VIDEO_INSIGHT_FIELDS, VIDEO_INSIGHTS_SCOPE),
}
#: Comment list options (emulator's choice of spelling, unverified); the first is the default.
COMMENT_STATUS_FILTERS: Final = ("PUBLIC", "ALL")
COMMENT_SORT_FIELDS: Final = ("create_time", "likes", "replies")
COMMENT_SORT_ORDERS: Final = ("desc", "asc")

Endpoint = Callable[[Request, Grant], dict[str, Any]]


class BusinessSettings(Protocol):
    """The emulator settings the data endpoints read on every request."""

    seed: int
    is_business_account: bool
    followers: int
    analytics_days: int
    today: datetime.date | None


def _project(item: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: item[f] for f in fields}


def _page(items: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    """An offset page of ``items``: ``cursor`` is the offset of the next page."""
    cursor = params.integer(request, "cursor", 0, 0, 2**31 - 1)
    max_count = params.integer(request, "max_count", COMMENT_LIST_MAX_COUNT, 1, COMMENT_LIST_MAX_COUNT)
    page = items[cursor : cursor + max_count]
    return {"comments": page, "cursor": cursor + len(page), "has_more": cursor + len(page) < len(items)}


class BusinessApi:
    """The data endpoints over the same generated account as the Display API."""

    def __init__(
        self,
        *,
        settings: BusinessSettings,
        account: Account,
        tokens: TokenStore,
        faults: FaultSchedule,
        limiter: SlidingWindowRateLimiter | None,
        log_ids: LogIds,
    ) -> None:
        self._settings = settings
        self._account = account
        self._open_id: str = account.user["open_id"]
        self._tokens = tokens
        self._faults = faults
        self._limiter = limiter
        self._log_ids = log_ids

    def routes(self) -> list[Route]:
        return [
            Route("GET", BUSINESS_GET_PATH, self._endpoint(self._business_get)),
            Route("GET", BUSINESS_VIDEO_LIST_PATH, self._endpoint(self._video_list)),
            Route("GET", BUSINESS_COMMENT_LIST_PATH, self._endpoint(self._comment_list)),
            Route("GET", BUSINESS_COMMENT_REPLY_LIST_PATH, self._endpoint(self._reply_list)),
        ]

    def today(self) -> datetime.date:
        """The emulated UTC day: the ``today`` setting, or the real one when it is None."""
        return self._settings.today or datetime.datetime.now(datetime.timezone.utc).date()

    def _endpoint(self, serve: Endpoint) -> Handler:
        """``serve`` behind the rate limiter, the response faults and authentication."""

        def handle(request: Request) -> Response | None:
            token = request.headers.get(ACCESS_TOKEN_HEADER)
            try:
                if self._limiter is not None:
                    wait = self._limiter.acquire(request.path)
                    if wait is not None:
                        raise BusinessError(CODE_THROTTLED, f"Too many requests. Please retry in {wait} s.")
                rule = self._faults.next(request.path, RESPONSE_FAULTS, data_endpoint=False)
                if rule is not None:
                    return render_fault(self._log_ids, rule, lambda: self._tokens.kill_access_token(token))
                data = serve(request, self._authenticate(request, token))
            except BusinessError as error:
                return error_answer(self._log_ids, error)
            return business_envelope(self._log_ids, CODE_OK, "OK", data)

        return handle

    def _authenticate(self, request: Request, token: str | None) -> Grant:
        if not token and request.headers.get("Authorization"):
            raise BusinessError(
                CODE_ACCESS_TOKEN_INVALID,
                f"Send the access token in the {ACCESS_TOKEN_HEADER} header, not Authorization.",
            )
        try:
            return self._tokens.authenticate(token)
        except AccessTokenRejected as rejected:
            message = "The access token has expired." if rejected.expired else None
            raise BusinessError(CODE_ACCESS_TOKEN_INVALID, message) from None

    # -- endpoints -------------------------------------------------------------------
    def _business_get(self, request: Request, grant: Grant) -> dict[str, Any]:
        params.business_id(request, self._open_id)
        fields = params.fields(request, GET_FIELD_SCOPES)
        params.require_scopes(grant, {GET_FIELD_SCOPES[f] for f in fields})
        today = self.today()
        start, end = params.date_range(request, today)
        settings = self._settings
        lifetime = profile(
            self._account.user, is_business_account=settings.is_business_account, followers=settings.followers
        )
        data: dict[str, Any] = {f: lifetime[f] for f in fields if f in PROFILE_FIELDS}
        daily = [f for f in fields if f in DAILY_METRIC_FIELDS or f == AUDIENCE_ACTIVITY_FIELD]
        # followers_count alone is the lifetime count; any other daily field asks for metrics.
        if any(f not in PROFILE_FIELDS for f in daily):
            data["metrics"] = [
                _project(
                    daily_metrics(
                        settings.seed,
                        day,
                        followers=settings.followers,
                        is_business=settings.is_business_account,
                    ),
                    ["date", *daily],
                )
                for day in metric_days(start, end, today, settings.analytics_days)
            ]
        if settings.followers >= DEMOGRAPHICS_MIN_FOLLOWERS:
            audience = demographics(settings.seed)
            data.update({f: audience[f] for f in fields if f in DEMOGRAPHIC_FIELDS})
        return data

    def _video_list(self, request: Request, grant: Grant) -> dict[str, Any]:
        params.business_id(request, self._open_id)
        fields = params.fields(request, VIDEO_FIELD_SCOPES)
        if "item_id" not in fields:
            raise params.invalid("fields must include item_id.")
        params.require_scopes(grant, {VIDEO_FIELD_SCOPES[f] for f in fields})
        filters = params.json_param(request, "filters")
        if filters is not None:
            ids = filters.get("video_ids") if isinstance(filters, dict) else None
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise params.invalid('filters must be {"video_ids": [<video id string>, ...]}.')
            if len(ids) > VIDEO_LIST_MAX_COUNT:
                raise params.invalid(f"filters.video_ids accepts at most {VIDEO_LIST_MAX_COUNT} ids.")
            return {"videos": self._items(self._account.find(ids), fields), "cursor": 0, "has_more": False}
        cursor = params.integer(request, "cursor", 0, 0, 2**63 - 1)
        max_count = params.integer(request, "max_count", VIDEO_LIST_MAX_COUNT, 1, VIDEO_LIST_MAX_COUNT)

        rule = self._faults.next(request.path, PAGE_FAULTS, data_endpoint=False)
        page, next_cursor, has_more = self._account.page(cursor, max_count, rule.kind if rule else None)
        return {"videos": self._items(page, fields), "cursor": next_cursor, "has_more": has_more}

    def _items(self, videos: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
        business = self._settings.is_business_account
        return [
            _project(business_video(v, self._settings.seed, is_business=business), fields) for v in videos
        ]

    def _commented_video(self, request: Request, grant: Grant) -> tuple[Mapping[str, Any], str]:
        """The video a comment request names, and the status filter it asks for."""
        params.business_id(request, self._open_id)
        params.require_scopes(grant, {COMMENT_SCOPE})
        video_id = request.param("video_id")
        if not video_id:
            raise params.invalid("video_id is required.")
        found = self._account.find([video_id])
        if not found:
            raise params.invalid(f"video_id {video_id} is not a video of this account.")
        return found[0], params.choice(request, "status", COMMENT_STATUS_FILTERS)

    def _comment_list(self, request: Request, grant: Grant) -> dict[str, Any]:
        video, status = self._commented_video(request, grant)
        include_replies = params.boolean(request, "include_replies")
        sort_field = params.choice(request, "sort_field", COMMENT_SORT_FIELDS)
        descending = params.choice(request, "sort_order", COMMENT_SORT_ORDERS) == "desc"
        comments = thread(video, self._settings.seed)
        top = sorted(
            (c for c in comments.comments if status == "ALL" or c["status"] == COMMENT_STATUSES[0]),
            key=lambda c: (c[sort_field], c["comment_id"]),
            reverse=descending,
        )
        items: list[dict[str, Any]] = []
        for comment in top:
            items.append(comment)
            if include_replies:
                replies = comments.replies.get(comment["comment_id"], [])
                items.extend(r for r in replies if status == "ALL" or r["status"] == COMMENT_STATUSES[0])
        return _page(items, request)

    def _reply_list(self, request: Request, grant: Grant) -> dict[str, Any]:
        video, status = self._commented_video(request, grant)
        comment_id = request.param("comment_id")
        if not comment_id:
            raise params.invalid("comment_id is required.")
        comments = thread(video, self._settings.seed)
        if not any(c["comment_id"] == comment_id for c in comments.comments):
            raise params.invalid(f"comment_id {comment_id} is not a comment on video {video['id']}.")
        replies = comments.replies.get(comment_id, [])
        return _page([r for r in replies if status == "ALL" or r["status"] == COMMENT_STATUSES[0]], request)
