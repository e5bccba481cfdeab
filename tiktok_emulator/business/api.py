"""The Accounts API's data endpoints: business/get and business/video/list here, behind one gate that
also guards the comment endpoints (``business.comment_api``) and business/benchmark
(``business.benchmark``), for every business account (``business.accounts``).

The gate, in the Display API's order: the account is the one that issued the ``Access-Token``
(account 0 for a token no account issued, which then fails authentication as before); the rate
limiters (per account per endpoint, and app-wide over every account and endpoint when set), the
response-replacing faults (only rules that name a business path, or the ``business_id`` asked
for), authentication by the ``Access-Token`` header (missing or empty: 40104; expired: 40102;
revoked or unknown: 40105), then the endpoint's scope (40130, or 40001 when told so) and parameter
(40002; ``business_id`` must be the token's account's ``open_id``) checks; video/list finally
consults the page faults.  Answers, good or bad, are HTTP 200 with a ``code`` (except the
``http_5xx`` faults), as the API for Business answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol

from tiktok_emulator.business import params
from tiktok_emulator.business.accounts import BusinessAccount, BusinessAccounts
from tiktok_emulator.business.comment_api import CommentSettings
from tiktok_emulator.business.data import daily_metrics, demographics, metric_days, profile
from tiktok_emulator.business.envelope import BusinessError, business_envelope, error_answer, render_fault
from tiktok_emulator.business.media import business_video, post_kind
from tiktok_emulator.business.scopes import GET_FIELD_SCOPES, VIDEO_FIELD_SCOPES
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.documented.business import (
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
from tiktok_emulator.documented.insights import (
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
from tiktok_emulator.field_refusals import FieldRefusals
from tiktok_emulator.mentions.api import MentionEndpoints, MentionSettings
from tiktok_emulator.rate_limit import SlidingWindowRateLimiter, acquire_all
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import AccessTokenRejected, Grant
from tiktok_emulator.wire import LogIds, Request, Response

#: The data endpoints: Access-Token auth, the per-endpoint rate limit, faulted only when named.
BUSINESS_API_PATHS: Final = frozenset(
    {GET_PATH, VIDEO_LIST_PATH, COMMENT_LIST_PATH, REPLY_LIST_PATH, BENCHMARK_PATH}
)
_FILTER_KEYS: Final = frozenset({"video_ids", "ad_post_only"})

Endpoint = Callable[[Request, Grant, BusinessAccount], dict[str, Any]]
#: The app-wide limiter's one key: every account's requests to every endpoint.
_APP_KEY: Final = "app"


class BusinessSettings(CommentSettings, MentionSettings, Protocol):
    """The emulator settings the data endpoints read on every request."""

    is_business_account: bool
    analytics_days: int
    today: datetime.date | None
    business_throttle_code: int
    field_refusals: FieldRefusals


def _project(item: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: item[f] for f in fields}


class BusinessApi:
    """The data endpoints of every business account (account 0 is the Display API's creator).

    ``account_limiter`` counts per account per endpoint, ``app_limiter`` every request of every
    account to every endpoint together; a request must pass both and uses a slot in neither when
    one refuses it.
    """

    def __init__(
        self,
        *,
        settings: BusinessSettings,
        accounts: BusinessAccounts,
        faults: FaultSchedule,
        account_limiter: SlidingWindowRateLimiter | None,
        app_limiter: SlidingWindowRateLimiter | None,
        counters: EmulatorCounters,
        log_ids: LogIds,
    ) -> None:
        self._settings = settings
        self._accounts = accounts
        self._faults = faults
        self._account_limiter = account_limiter
        self._app_limiter = app_limiter
        self._counters = counters
        self._log_ids = log_ids

    def routes(self) -> list[Route]:
        return [
            Route("GET", GET_PATH, self._endpoint(self._business_get)),
            Route("GET", VIDEO_LIST_PATH, self._endpoint(self._video_list)),
            Route("GET", COMMENT_LIST_PATH, self._endpoint(lambda r, g, a: a.comments.comment_list(r, g))),
            Route("GET", REPLY_LIST_PATH, self._endpoint(lambda r, g, a: a.comments.reply_list(r, g))),
            Route("GET", BENCHMARK_PATH, self._endpoint(lambda r, g, a: a.benchmark.benchmark(r, g))),
            *MentionEndpoints(settings=self._settings, today=self.today).routes(self._endpoint),
        ]

    def today(self) -> datetime.date:
        """The emulated UTC day: the ``today`` setting, or the real one when it is None."""
        return self._settings.today or datetime.datetime.now(datetime.timezone.utc).date()

    def _endpoint(self, serve: Endpoint) -> Handler:
        """``serve`` behind the rate limiters, the response faults and authentication."""

        def handle(request: Request) -> Response | None:
            token = request.headers.get(ACCESS_TOKEN_HEADER)
            owner = self._accounts.by_access_token(token)
            if owner is not None:
                self._counters.business_call(owner.open_id, request.path)
            # A token no account issued is account 0's to refuse, as with one account.
            account = owner or self._accounts[0]
            throttle_code = self._settings.business_throttle_code
            try:
                wait = self._throttle(request.path, account)
                if wait is not None:
                    raise BusinessError(throttle_code, f"Too many requests. Please retry in {wait} s.")
                rule = self._faults.next(
                    request.path,
                    RESPONSE_FAULTS,
                    data_endpoint=False,
                    business_id=request.param("business_id"),
                    business_data_endpoint=True,
                )
                if rule is not None:
                    return render_fault(
                        self._log_ids,
                        rule,
                        lambda expired: account.tokens.kill_access_token(token, expired),
                        throttle_code,
                    )
                data = serve(request, self._authenticate(request, token, account), account)
            except BusinessError as error:
                return error_answer(self._log_ids, error)
            return business_envelope(self._log_ids, CODE_OK, "OK", data)

        return handle

    def _throttle(self, path: str, account: BusinessAccount) -> int | None:
        """None if the request passes every limiter in force (using a slot in each), else the
        seconds to wait (using none)."""
        claims = []
        if self._account_limiter is not None:
            claims.append((self._account_limiter, f"{account.open_id} {path}"))
        if self._app_limiter is not None:
            claims.append((self._app_limiter, _APP_KEY))
        return acquire_all(claims) if claims else None

    def _authenticate(self, request: Request, token: str | None, account: BusinessAccount) -> Grant:
        if not token or not token.strip():
            hint = ", not in Authorization" if request.headers.get("Authorization") else ""
            raise BusinessError(
                CODE_EMPTY_ACCESS_TOKEN,
                f"The access token is empty: send it in the {ACCESS_TOKEN_HEADER} header{hint}.",
            )
        try:
            return account.tokens.authenticate(token)
        except AccessTokenRejected as rejected:
            raise BusinessError(
                CODE_ACCESS_TOKEN_EXPIRE if rejected.expired else CODE_INVALID_ACCESS_TOKEN
            ) from None

    # -- endpoints -------------------------------------------------------------------
    def _business_get(self, request: Request, grant: Grant, account: BusinessAccount) -> dict[str, Any]:
        settings = self._settings
        params.business_id(request, account.open_id)
        fields = params.fields(request, GET_FIELD_SCOPES, DEFAULT_PROFILE_FIELDS, settings.field_refusals)
        params.require_scopes(
            grant, {GET_FIELD_SCOPES[f] for f in fields}, settings.business_missing_scope_code
        )
        today = self.today()
        start, end = params.date_range(request, today)
        followers = account.followers
        lifetime = profile(
            account.user, is_business_account=settings.is_business_account, followers=followers
        )
        data: dict[str, Any] = {f: lifetime[f] for f in fields if f in PROFILE_FIELDS}
        daily = [f for f in fields if f in DAILY_METRIC_FIELDS or f == AUDIENCE_ACTIVITY_FIELD]
        # followers_count is a lifetime field; asked for with dates, it also comes day by day.
        if any(f not in PROFILE_FIELDS for f in daily) or (daily and params.dates_given(request)):
            data["metrics"] = [
                _project(
                    daily_metrics(
                        account.seed,
                        day,
                        followers=followers,
                        is_business=settings.is_business_account,
                    ),
                    ["date", *daily],
                )
                for day in metric_days(start, end, today, settings.analytics_days)
            ]
        if followers >= DEMOGRAPHICS_MIN_FOLLOWERS:
            audience = demographics(account.seed)
            data.update({f: audience[f] for f in fields if f in DEMOGRAPHIC_FIELDS})
        return data

    def _video_list(self, request: Request, grant: Grant, account: BusinessAccount) -> dict[str, Any]:
        params.business_id(request, account.open_id)
        fields = params.fields(
            request, VIDEO_FIELD_SCOPES, DEFAULT_VIDEO_FIELDS, self._settings.field_refusals
        )
        if "item_id" not in fields:
            raise params.invalid("fields must include item_id.")
        params.require_scopes(
            grant, {VIDEO_FIELD_SCOPES[f] for f in fields}, self._settings.business_missing_scope_code
        )
        filters = params.json_param(request, "filters")
        if filters is not None:
            return {"videos": self._filtered(account, filters, fields), "cursor": 0, "has_more": False}
        cursor = params.integer(request, "cursor", 0, 0, 2**63 - 1)
        max_count = params.integer(request, "max_count", VIDEO_LIST_DEFAULT_COUNT, 1, VIDEO_LIST_MAX_COUNT)

        rule = self._faults.next(
            request.path,
            PAGE_FAULTS,
            data_endpoint=False,
            business_id=account.open_id,
            business_data_endpoint=True,
        )
        page, next_cursor, has_more = account.data.page(cursor, max_count, rule.kind if rule else None)
        return {"videos": self._items(account, page, fields), "cursor": next_cursor, "has_more": has_more}

    def _filtered(
        self, account: BusinessAccount, filters: Any, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
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
        videos = account.data.find(ids or [])
        if ad_post_only:
            videos = [v for v in videos if post_kind(v, account.seed)["is_ad"]]
        return self._items(account, videos, fields)

    def _items(
        self, account: BusinessAccount, videos: Sequence[Mapping[str, Any]], fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        business = self._settings.is_business_account
        return [_project(business_video(v, account.seed, is_business=business), fields) for v in videos]
