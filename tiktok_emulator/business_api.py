"""The Accounts API's data endpoints: business/get and business/video/list here, behind one gate that
also guards the comment endpoints (``business_comment_api``) and business/benchmark
(``business_benchmark``).

The gate, in the Display API's order: the rate limiter (per endpoint), the response-replacing faults
(only rules that name a business path), authentication by the ``Access-Token`` header (missing or
empty: 40104; expired: 40102; revoked or unknown: 40105), then the endpoint's scope (40130, or 40001
when told so) and parameter (40002) checks; video/list finally consults the page faults.  Answers,
good or bad, are HTTP 200 with a ``code`` (except the ``http_5xx`` faults), as the API for Business
answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol

from tiktok_emulator import business_params as params
from tiktok_emulator.business_benchmark import BenchmarkEndpoint
from tiktok_emulator.business_comment_api import CommentEndpoints, CommentSettings
from tiktok_emulator.business_data import daily_metrics, demographics, metric_days, profile
from tiktok_emulator.business_envelope import BusinessError, business_envelope, error_answer, render_fault
from tiktok_emulator.business_media import business_video
from tiktok_emulator.business_scopes import GET_FIELD_SCOPES, VIDEO_FIELD_SCOPES
from tiktok_emulator.data import Account
from tiktok_emulator.documented_business import (
    ACCESS_TOKEN_HEADER,
    BENCHMARK_PATH,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_EMPTY_ACCESS_TOKEN,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_OK,
    COMMENT_LIST_PATH,
    GET_PATH,
    REPLY_LIST_PATH,
    VIDEO_LIST_PATH,
)
from tiktok_emulator.documented_insights import (
    AUDIENCE_ACTIVITY_FIELD,
    DAILY_METRIC_FIELDS,
    DEFAULT_PROFILE_FIELDS,
    DEFAULT_VIDEO_FIELDS,
    DEMOGRAPHIC_FIELDS,
    DEMOGRAPHICS_MIN_FOLLOWERS,
    PROFILE_FIELDS,
    VIDEO_LIST_DEFAULT_COUNT,
    VIDEO_LIST_MAX_COUNT,
)
from tiktok_emulator.faults import PAGE_FAULTS, RESPONSE_FAULTS, FaultSchedule
from tiktok_emulator.rate_limit import SlidingWindowRateLimiter
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, Grant, TokenStore
from tiktok_emulator.wire import LogIds, Request, Response

#: The data endpoints: Access-Token auth, the per-endpoint rate limit, faulted only when named.
BUSINESS_API_PATHS: Final = frozenset(
    {GET_PATH, VIDEO_LIST_PATH, COMMENT_LIST_PATH, REPLY_LIST_PATH, BENCHMARK_PATH}
)
_FILTER_KEYS: Final = frozenset({"video_ids", "ad_post_only"})

Endpoint = Callable[[Request, Grant], dict[str, Any]]


class BusinessSettings(CommentSettings, Protocol):
    """The emulator settings the data endpoints read on every request."""

    is_business_account: bool
    followers: int
    analytics_days: int
    today: datetime.date | None
    business_throttle_code: int


def _project(item: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: item[f] for f in fields}


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
        self.comments = CommentEndpoints(settings=settings, account=account)
        self._benchmark = BenchmarkEndpoint(seed=settings.seed, open_id=self._open_id)

    def routes(self) -> list[Route]:
        return [
            Route("GET", GET_PATH, self._endpoint(self._business_get)),
            Route("GET", VIDEO_LIST_PATH, self._endpoint(self._video_list)),
            Route("GET", COMMENT_LIST_PATH, self._endpoint(self.comments.comment_list)),
            Route("GET", REPLY_LIST_PATH, self._endpoint(self.comments.reply_list)),
            Route("GET", BENCHMARK_PATH, self._endpoint(self._benchmark.benchmark)),
        ]

    def today(self) -> datetime.date:
        """The emulated UTC day: the ``today`` setting, or the real one when it is None."""
        return self._settings.today or datetime.datetime.now(datetime.timezone.utc).date()

    def _endpoint(self, serve: Endpoint) -> Handler:
        """``serve`` behind the rate limiter, the response faults and authentication."""

        def handle(request: Request) -> Response | None:
            token = request.headers.get(ACCESS_TOKEN_HEADER)
            throttle_code = self._settings.business_throttle_code
            try:
                if self._limiter is not None:
                    wait = self._limiter.acquire(request.path)
                    if wait is not None:
                        raise BusinessError(throttle_code, f"Too many requests. Please retry in {wait} s.")
                rule = self._faults.next(request.path, RESPONSE_FAULTS, data_endpoint=False)
                if rule is not None:
                    return render_fault(
                        self._log_ids,
                        rule,
                        lambda expired: self._tokens.kill_access_token(token, expired),
                        throttle_code,
                    )
                data = serve(request, self._authenticate(request, token))
            except BusinessError as error:
                return error_answer(self._log_ids, error)
            return business_envelope(self._log_ids, CODE_OK, "OK", data)

        return handle

    def _authenticate(self, request: Request, token: str | None) -> Grant:
        if not token or not token.strip():
            hint = ", not in Authorization" if request.headers.get("Authorization") else ""
            raise BusinessError(
                CODE_EMPTY_ACCESS_TOKEN,
                f"The access token is empty: send it in the {ACCESS_TOKEN_HEADER} header{hint}.",
            )
        try:
            return self._tokens.authenticate(token)
        except AccessTokenRejected as rejected:
            raise BusinessError(
                CODE_ACCESS_TOKEN_EXPIRE if rejected.expired else CODE_INVALID_ACCESS_TOKEN
            ) from None

    # -- endpoints -------------------------------------------------------------------
    def _business_get(self, request: Request, grant: Grant) -> dict[str, Any]:
        settings = self._settings
        params.business_id(request, self._open_id)
        fields = params.fields(request, GET_FIELD_SCOPES, DEFAULT_PROFILE_FIELDS)
        params.require_scopes(
            grant, {GET_FIELD_SCOPES[f] for f in fields}, settings.business_missing_scope_code
        )
        today = self.today()
        start, end = params.date_range(request, today)
        lifetime = profile(
            self._account.user, is_business_account=settings.is_business_account, followers=settings.followers
        )
        data: dict[str, Any] = {f: lifetime[f] for f in fields if f in PROFILE_FIELDS}
        daily = [f for f in fields if f in DAILY_METRIC_FIELDS or f == AUDIENCE_ACTIVITY_FIELD]
        # followers_count is a lifetime field; asked for with dates, it also comes day by day.
        if any(f not in PROFILE_FIELDS for f in daily) or (daily and params.dates_given(request)):
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
        fields = params.fields(request, VIDEO_FIELD_SCOPES, DEFAULT_VIDEO_FIELDS)
        if "item_id" not in fields:
            raise params.invalid("fields must include item_id.")
        params.require_scopes(
            grant, {VIDEO_FIELD_SCOPES[f] for f in fields}, self._settings.business_missing_scope_code
        )
        filters = params.json_param(request, "filters")
        if filters is not None:
            return {"videos": self._filtered(filters, fields), "cursor": 0, "has_more": False}
        cursor = params.integer(request, "cursor", 0, 0, 2**63 - 1)
        max_count = params.integer(request, "max_count", VIDEO_LIST_DEFAULT_COUNT, 1, VIDEO_LIST_MAX_COUNT)

        rule = self._faults.next(request.path, PAGE_FAULTS, data_endpoint=False)
        page, next_cursor, has_more = self._account.page(cursor, max_count, rule.kind if rule else None)
        return {"videos": self._items(page, fields), "cursor": next_cursor, "has_more": has_more}

    def _filtered(self, filters: Any, fields: Sequence[str]) -> list[dict[str, Any]]:
        """``filters``: ``video_ids`` (strings), and ``ad_post_only``, valid only with them."""
        if not isinstance(filters, dict) or not set(filters) <= _FILTER_KEYS:
            raise params.invalid(
                'filters must be {"video_ids": [<video id string>, ...], "ad_post_only": <bool>}.'
            )
        ids = filters.get("video_ids")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            raise params.invalid("filters.video_ids must be a list of video id strings.")
        ad_post_only = filters.get("ad_post_only", False)
        if not isinstance(ad_post_only, bool) or (ad_post_only and ids is None):
            raise params.invalid("filters.ad_post_only is a boolean, valid only with filters.video_ids.")
        if ad_post_only:
            return []  # no video of the emulated account was used as a Spark Ad
        return self._items(self._account.find(ids or []), fields)

    def _items(self, videos: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
        business = self._settings.is_business_account
        return [
            _project(business_video(v, self._settings.seed, is_business=business), fields) for v in videos
        ]
