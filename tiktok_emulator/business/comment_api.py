"""The Accounts API's comment endpoints: business/comment/list and business/comment/reply/list.

As their reference pages describe them: comment/list pages the top-level comments of one video
(``include_replies`` nests at most three replies in each one's ``reply_list``; ``comment_ids``
picks comments or replies by id), reply/list pages every reply of one comment; both filter by
``status`` (ALL, the default, or PUBLIC) and sort by ``sort_field``/``sort_order``, and page with
an offset ``cursor``.  Past the repeat threshold (500 comments by default) comment/list serves the
rest by likes, descending, without removing the comments already served: later pages repeat some.
The gate in front (rate limit, faults, authentication) is ``business.api``'s.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from tiktok_emulator.business import params
from tiktok_emulator.business.comments import Thread, Threads
from tiktok_emulator.business.scopes import COMMENT_SCOPE
from tiktok_emulator.display.data import Account
from tiktok_emulator.documented.comments import (
    COMMENT_FIELDS,
    COMMENT_IDS_MAX,
    COMMENT_LIST_DEFAULT_COUNT,
    COMMENT_LIST_MAX_COUNT,
    COMMENT_LIST_MIN_COUNT,
    COMMENT_SORT_ORDERS,
    COMMENT_STATUSES,
    NESTED_REPLIES_MAX,
    NESTED_REPLY_FIELDS,
    REPLY_FIELDS,
    REPLY_LIST_DEFAULT_COUNT,
    REPLY_LIST_FIELD,
    REPLY_LIST_MAX_COUNT,
    REPLY_LIST_MIN_COUNT,
    REPLY_SORT_ORDERS,
    SORT_FIELDS,
    STATUS_FILTERS,
)
from tiktok_emulator.tokens import Grant
from tiktok_emulator.wire import Request

Comment = dict[str, Any]
_PUBLIC = COMMENT_STATUSES[0]


class CommentSettings(Protocol):
    """The emulator settings the comment endpoints read on every request."""

    seed: int
    comments_repeat_after: int
    business_missing_scope_code: int


def _served(comment: Mapping[str, Any], fields: Sequence[str]) -> Comment:
    return {f: comment[f] for f in fields}


def _as_served(comment: Mapping[str, Any]) -> Comment:
    """A comment or reply with the fields comment/list and reply/list answer for it."""
    return _served(comment, REPLY_FIELDS if comment["parent_comment_id"] else COMMENT_FIELDS)


def _scrambled(comment: Mapping[str, Any]) -> int:
    """TikTok's "random"/"smart" order, made stable so that paging neither loses nor repeats."""
    return zlib.crc32(comment["comment_id"].encode())


def _ordered(
    items: Iterable[Comment],
    sort_field: str | None,
    sort_order: str | None,
    default: Callable[[Comment], Any],
) -> list[Comment]:
    if sort_field is None or sort_order in (None, "smart"):
        return sorted(items, key=default)
    return sorted(
        items,
        key=lambda c: (int(c[sort_field]), int(c["comment_id"])),  # create_time is a string
        reverse=sort_order == "desc",
    )


def _visible(items: Iterable[Comment], status: str) -> list[Comment]:
    return [c for c in items if status == "ALL" or c["status"] == _PUBLIC]


def _page(items: Sequence[Comment], request: Request, default: int, low: int, high: int) -> dict[str, Any]:
    """An offset page: ``cursor`` is where the next page starts."""
    cursor = params.integer(request, "cursor", 0, 0, 2**31 - 1)
    max_count = params.integer(request, "max_count", default, low, high)
    page = list(items[cursor : cursor + max_count])
    end = cursor + len(page)
    return {"comments": page, "cursor": end, "has_more": end < len(items)}


def repeat_past(items: list[Comment], threshold: int) -> list[Comment]:
    """The listing past ``threshold`` comments: the first ``threshold`` as asked, then the rest
    together with the most liked tenth of those first ones, by likes descending."""
    if len(items) <= threshold:
        return items
    head, rest = items[:threshold], items[threshold:]
    repeated = sorted(head, key=lambda c: (-c["likes"], c["comment_id"]))[: max(1, threshold // 10)]
    return head + sorted(rest + repeated, key=lambda c: (-c["likes"], c["comment_id"]))


class CommentEndpoints:
    """comment/list and reply/list over one generated account's videos."""

    def __init__(self, *, settings: CommentSettings, account: Account, seed: int | None = None) -> None:
        """``seed``: the account's own (default: the emulator's, that of account 0)."""
        self._settings = settings
        self._account = account
        self._open_id: str = account.user["open_id"]
        self._threads = Threads(
            seed=settings.seed if seed is None else seed, owner=account.user, videos=account.videos
        )

    @property
    def crowded_video_id(self) -> str | None:
        """The video whose comments pass the repeat threshold (the most commented one)."""
        return self._threads.crowded_video_id

    def thread_of(self, video_id: str) -> Thread:
        """Every comment and reply of a video, hidden ones included: what a full read must find."""
        return self._threads.of(self._account.find([video_id])[0], self._settings.comments_repeat_after)

    def _thread(self, request: Request, grant: Grant) -> tuple[Thread, str]:
        """The thread of the video a request names, and the status filter it asks for."""
        params.business_id(request, self._open_id)
        params.require_scopes(grant, {COMMENT_SCOPE}, self._settings.business_missing_scope_code)
        video_id = request.param("video_id")
        if not video_id:
            raise params.invalid("video_id is required.")
        found = self._account.find([video_id])
        if not found:
            raise params.invalid(f"video_id {video_id} is not a video of this account.")
        status = params.choice(request, "status", STATUS_FILTERS) or "ALL"
        return self._threads.of(found[0], self._settings.comments_repeat_after), status

    def comment_list(self, request: Request, grant: Grant) -> dict[str, Any]:
        thread, status = self._thread(request, grant)
        include_replies = params.boolean(request, "include_replies")
        sort_field = params.choice(request, "sort_field", SORT_FIELDS)
        sort_order = params.choice(request, "sort_order", COMMENT_SORT_ORDERS)
        wanted = params.string_list(request, "comment_ids", COMMENT_IDS_MAX)
        candidates: Iterable[Comment] = thread.comments
        if wanted is not None:  # ids of comments or of replies
            ids = set(wanted)
            everything = [*thread.comments, *(r for rs in thread.replies.values() for r in rs)]
            candidates = [c for c in everything if c["comment_id"] in ids]
        listing = _ordered(_visible(candidates, status), sort_field, sort_order, _scrambled)
        listing = repeat_past(listing, self._settings.comments_repeat_after)
        page = _page(
            listing, request, COMMENT_LIST_DEFAULT_COUNT, COMMENT_LIST_MIN_COUNT, COMMENT_LIST_MAX_COUNT
        )
        served = []
        for comment in page["comments"]:
            item = _as_served(comment)
            if include_replies and not comment["parent_comment_id"]:
                replies = _visible(thread.replies_of(comment["comment_id"]), status)
                # "Smart" nesting: the most liked replies first, unless a sort is asked for.
                nested = _ordered(replies, sort_field, sort_order, lambda r: (-r["likes"], r["comment_id"]))
                item[REPLY_LIST_FIELD] = [
                    _served(r, NESTED_REPLY_FIELDS) for r in nested[:NESTED_REPLIES_MAX]
                ]
            served.append(item)
        return {**page, "comments": served}

    def reply_list(self, request: Request, grant: Grant) -> dict[str, Any]:
        thread, status = self._thread(request, grant)
        comment_id = request.param("comment_id")
        if not comment_id:
            raise params.invalid("comment_id is required.")
        if thread.find(comment_id) is None:
            raise params.invalid(f"comment_id {comment_id} is not a top-level comment on this video.")
        sort_field = params.choice(request, "sort_field", SORT_FIELDS)
        sort_order = params.choice(request, "sort_order", REPLY_SORT_ORDERS)
        # Without a sort, "by semantics": the emulator reads a thread oldest first.
        replies = _ordered(
            _visible(thread.replies_of(comment_id), status),
            sort_field,
            sort_order,
            lambda r: (int(r["create_time"]), r["comment_id"]),
        )
        page = _page(replies, request, REPLY_LIST_DEFAULT_COUNT, REPLY_LIST_MIN_COUNT, REPLY_LIST_MAX_COUNT)
        return {**page, "comments": [_served(r, REPLY_FIELDS) for r in page["comments"]]}
