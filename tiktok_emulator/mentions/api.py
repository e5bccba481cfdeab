"""The Mentions API's read endpoints, behind the Accounts API's gate (``business.api``): the same
``Access-Token``, ``business_id``, rate limits, faults and answer envelope.

Each endpoint checks what its page documents (``documented.mentions``) and refuses the rest with
40002: an unknown field, sort field or region, ``number_of_days`` outside 1-90, ``max_count``
outside 1-100, and the order parameter of the sibling endpoints (``sort_type`` on the hashtag posts,
``sort_order`` on the others: TikTok may well ignore it, but a connector sending it would silently
get the default order, so the emulator makes the slip loud).  Every endpoint needs the mention
permission (``MENTION_SCOPE``, *inferred*); without it the answer is the missing-scope code.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from tiktok_emulator.business import params
from tiktok_emulator.documented.mentions import (
    BRAND_HASHTAG_FIELDS,
    BRAND_HASHTAGS_PATH,
    COMMENT_FIELDS,
    COMMENT_SORT_FIELDS,
    COMMENTS_DEFAULT_COUNT,
    COMMENTS_ORDER_PARAMETER,
    COMMENTS_PATH,
    DEFAULT_COMMENT_FIELDS,
    DEFAULT_HASHTAG_POST_FIELDS,
    DEFAULT_POST_FIELDS,
    HASHTAG_POST_FIELDS,
    HASHTAG_POST_SORT_FIELDS,
    HASHTAG_POSTS_DEFAULT_COUNT,
    HASHTAG_POSTS_ORDER_PARAMETER,
    HASHTAG_POSTS_PATH,
    MAX_COUNT,
    MAX_DAYS,
    MENTION_SCOPE,
    MIN_DAYS,
    POST_FIELDS,
    POST_SORT_FIELDS,
    POSTS_DEFAULT_COUNT,
    POSTS_ORDER_PARAMETER,
    POSTS_PATH,
    SORT_ORDERS,
    TOP_HASHTAGS_PATH,
    TOP_WORDS_PATH,
)
from tiktok_emulator.field_refusals import FieldRefusals
from tiktok_emulator.mentions.data import MentionList, Mentions
from tiktok_emulator.routing import Handler, Route
from tiktok_emulator.tokens import Grant
from tiktok_emulator.wire import Request

_ORDER_PARAMETERS: Final = frozenset({"sort_type", "sort_order"})
_REGION_LENGTH: Final = 2


class MentionAccount(Protocol):
    open_id: str
    user: Mapping[str, Any]
    mentions: Mentions


Endpoint = Callable[[Request, Grant, Any], dict[str, Any]]


class MentionSettings(Protocol):
    business_missing_scope_code: int
    field_refusals: FieldRefusals
    mention_arrivals_per_page: int


@dataclass(frozen=True)
class PagedList:
    """What distinguishes one paged list: its fields, sorting and page size, and where it is kept."""

    path: str
    fields: tuple[str, ...]
    default_fields: tuple[str, ...]
    sort_fields: tuple[str, ...]
    order_parameter: str
    default_count: int
    items_key: str
    #: Which of ``Mentions.lists`` it is.
    index: int


PAGED_LISTS: Final[tuple[PagedList, ...]] = (
    PagedList(
        POSTS_PATH, POST_FIELDS, DEFAULT_POST_FIELDS, POST_SORT_FIELDS, POSTS_ORDER_PARAMETER,
        POSTS_DEFAULT_COUNT, "videos", 0,
    ),
    PagedList(
        COMMENTS_PATH, COMMENT_FIELDS, DEFAULT_COMMENT_FIELDS, COMMENT_SORT_FIELDS,
        COMMENTS_ORDER_PARAMETER, COMMENTS_DEFAULT_COUNT, "comments", 1,
    ),
    PagedList(
        HASHTAG_POSTS_PATH, HASHTAG_POST_FIELDS, DEFAULT_HASHTAG_POST_FIELDS, HASHTAG_POST_SORT_FIELDS,
        HASHTAG_POSTS_ORDER_PARAMETER, HASHTAG_POSTS_DEFAULT_COUNT, "videos", 2,
    ),
)  # fmt: skip

# A sort field names the answer field it sorts by.
_SORT_KEYS: Final[dict[str, str]] = {
    "CREATE_TIME": "_time",
    "COMMENT_CREATE_TIME": "_time",
    "LIKES": "likes",
    "COMMENTS": "comments",
    "SHARES": "shares",
    "VIDEO_LIKES": "video_likes",
    "COMMENT_LIKES": "comment_likes",
}


def regions(request: Request) -> list[str] | None:
    """``regions``: a JSON array of two-letter region codes; None if absent."""
    value = params.string_list(request, "regions")
    if value is not None and not all(len(r) == _REGION_LENGTH and r.isalpha() and r.isupper() for r in value):
        raise params.invalid('regions must be a JSON array of region codes, e.g. ["US", "GB"].')
    return value


class MentionEndpoints:
    """The six read endpoints, for every account (``gate`` is the Accounts API's)."""

    def __init__(self, *, settings: MentionSettings, today: Callable[[], datetime.date]) -> None:
        self._settings = settings
        self._today = today

    def routes(self, gate: Callable[[Endpoint], Handler]) -> list[Route]:
        routes = [Route("GET", paged.path, gate(self._lister(paged))) for paged in PAGED_LISTS]
        routes.append(Route("GET", TOP_HASHTAGS_PATH, gate(lambda r, g, a: self._top(r, g, a, "hashtag"))))
        routes.append(Route("GET", TOP_WORDS_PATH, gate(lambda r, g, a: self._top(r, g, a, "word"))))
        routes.append(Route("GET", BRAND_HASHTAGS_PATH, gate(self._brand_hashtags)))
        return routes

    def _anchor(self) -> int:
        return midnight(self._today())

    def _permitted(self, request: Request, grant: Grant, account: MentionAccount) -> None:
        params.business_id(request, account.open_id)
        params.require_scopes(grant, {MENTION_SCOPE}, self._settings.business_missing_scope_code)

    def _lister(self, paged: PagedList) -> Endpoint:
        def serve(request: Request, grant: Grant, account: MentionAccount) -> dict[str, Any]:
            self._permitted(request, grant, account)
            fields = params.fields(request, paged.fields, paged.default_fields, self._settings.field_refusals)
            sibling = next(iter(_ORDER_PARAMETERS - {paged.order_parameter}))
            if request.param(sibling) is not None:
                raise params.invalid(
                    f"{sibling} is not a parameter of this endpoint; the order is {paged.order_parameter}."
                )
            sort_field = params.choice(request, "sort_field", paged.sort_fields) or paged.sort_fields[0]
            order = params.choice(request, paged.order_parameter, SORT_ORDERS) or SORT_ORDERS[0]
            days = params.integer(request, "number_of_days", MAX_DAYS, MIN_DAYS, MAX_DAYS)
            cursor = params.integer(request, "cursor", 0, 0, 2**31 - 1)
            max_count = params.integer(request, "max_count", paged.default_count, 1, MAX_COUNT)
            anchor = self._anchor()
            listed = account.mentions.lists(anchor)[paged.index]
            arrivals = self._settings.mention_arrivals_per_page
            if cursor and arrivals:
                listed.arrive(anchor, arrivals)
            key = _SORT_KEYS[sort_field]
            rows, next_cursor, has_more = listed.page(
                anchor,
                days,
                regions(request),
                lambda row: row.get(key) or 0,
                order == "DESC",
                cursor,
                max_count,
            )
            return {
                paged.items_key: [{f: row.get(f) for f in fields} for row in rows],
                "cursor": next_cursor,
                "has_more": has_more,
            }

        return serve

    def _top(self, request: Request, grant: Grant, account: MentionAccount, kind: str) -> dict[str, Any]:
        self._permitted(request, grant, account)
        return {"results": account.mentions.top(self._anchor(), kind, regions(request))}

    def _brand_hashtags(self, request: Request, grant: Grant, account: MentionAccount) -> dict[str, Any]:
        self._permitted(request, grant, account)
        username = request.param("username")
        if not username:
            raise params.invalid("username is required: the handle of the business account.")
        if username.lstrip("@") != account.user["username"]:
            raise params.invalid("username is not the handle of the account of business_id.")
        return {
            "hashtag_list": [{f: h[f] for f in BRAND_HASHTAG_FIELDS} for h in account.mentions.brand_hashtags]
        }


def midnight(day: datetime.date) -> int:
    """The day's midnight (UTC), in Unix seconds: a list serves what was posted before it."""
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp())


def visible(
    listed: MentionList, anchor: int, days: int = MAX_DAYS, regions: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every item a complete read of ``listed`` over ``days`` (and ``regions``) returns, newest
    first: the window, capped, without the withheld items, as answered (every field)."""
    rows, _, _ = listed.page(anchor, days, regions, lambda row: row["_time"], True, 0, 10**9)
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
