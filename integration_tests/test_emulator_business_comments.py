"""Tests of the emulated business/comment/list and business/comment/reply/list.

Why: a connector reading comments must get every comment and every reply once, although
comment/list nests at most three replies per comment, hidden comments come with the default
status filter, and past 500 comments a video's later pages repeat earlier ones, as the reference
pages say.  The emulator must do all of that, or a connector that ignores it passes here and
fails at TikTok.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import business_call, business_code, business_data, business_pages
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.business.comments import LONG_THREAD_REPLIES, crowd_size
from tiktok_emulator.business.scopes import VIDEO_LIST_SCOPE
from tiktok_emulator.documented.business import (
    CODE_PARAM_ERROR,
    CODE_SCOPE_NOT_AUTHORIZED,
    COMMENT_LIST_PATH,
    REPLY_LIST_PATH,
)
from tiktok_emulator.documented.comments import (
    COMMENT_FIELDS,
    COMMENT_LIST_DEFAULT_COUNT,
    COMMENT_LIST_MAX_COUNT,
    NESTED_REPLIES_MAX,
    NESTED_REPLY_FIELDS,
    REPLY_FIELDS,
    REPLY_LIST_MAX_COUNT,
)

TODAY = datetime.date(2026, 3, 15)
#: A small repeat threshold, so that a test reads few pages past it.
REPEAT_AFTER = 12


@pytest.fixture(scope="module")
def emu() -> Any:
    """The documented threshold (500): no thread but the crowded video's passes it."""
    with TikTokEmulator(video_count=95, today=TODAY) as emulator:
        yield emulator


def _comments(emu: TikTokEmulator, s: requests.Session, token: str, **params: Any) -> list[dict[str, Any]]:
    pages = business_pages(
        emu, s, COMMENT_LIST_PATH, token, **{"max_count": COMMENT_LIST_MAX_COUNT, **params}
    )
    return [c for page in pages for c in page["comments"]]


def _replies(emu: TikTokEmulator, s: requests.Session, token: str, **params: Any) -> list[dict[str, Any]]:
    pages = business_pages(emu, s, REPLY_LIST_PATH, token, **{"max_count": REPLY_LIST_MAX_COUNT, **params})
    assert all(len(page["comments"]) <= REPLY_LIST_MAX_COUNT for page in pages)
    return [c for page in pages for c in page["comments"]]


def _long_thread_video(emu: TikTokEmulator) -> str:
    """A video with a long thread that is not the crowded one."""
    video_id: str = next(
        v["id"] for v in emu.videos if v["comment_count"] >= 80 and v["id"] != emu.crowded_video_id
    )
    return video_id


def test_every_comment_and_reply_once_with_the_documented_fields(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    top = _comments(emu, http_session, token, video_id=video_id)
    assert len({c["comment_id"] for c in top}) == len(top) > COMMENT_LIST_MAX_COUNT
    assert all(list(c) == list(COMMENT_FIELDS) for c in top)  # no parent_comment_id, no reply_list
    assert all(isinstance(c["create_time"], str) and c["video_id"] == video_id for c in top)
    assert {c["status"] for c in top} == {"PUBLIC", "HIDDEN"}  # status ALL is the default
    assert (
        sum(c["pinned"] for c in top) == 1 and any(c["owner"] for c in top) and any(c["liked"] for c in top)
    )

    longest = max(top, key=lambda c: c["replies"])
    assert longest["replies"] == LONG_THREAD_REPLIES > REPLY_LIST_MAX_COUNT
    replies = _replies(emu, http_session, token, video_id=video_id, comment_id=longest["comment_id"])
    assert len(replies) == len({r["comment_id"] for r in replies}) == longest["replies"]
    assert all(list(r) == list(REPLY_FIELDS) for r in replies)
    assert {r["parent_comment_id"] for r in replies} == {longest["comment_id"]}
    assert {r["status"] for r in replies} == {"PUBLIC", "HIDDEN"}
    times = [int(r["create_time"]) for r in replies]
    assert times == sorted(times)  # without a sort: the thread in order
    default_page = business_data(
        business_call(
            emu, http_session, REPLY_LIST_PATH, token, video_id=video_id, comment_id=longest["comment_id"]
        )
    )
    assert len(default_page["comments"]) == 20 and default_page["cursor"] == 20 and default_page["has_more"]


def test_include_replies_nests_at_most_three(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    nested = _comments(emu, http_session, token, video_id=video_id, include_replies="true")
    plain = _comments(emu, http_session, token, video_id=video_id)
    assert [c["comment_id"] for c in nested] == [c["comment_id"] for c in plain]  # replies stay nested
    for comment in nested:
        reply_list = comment.pop("reply_list")
        assert len(reply_list) == min(comment["replies"], NESTED_REPLIES_MAX)
        assert all(list(r) == list(NESTED_REPLY_FIELDS) for r in reply_list)
        assert all(r["parent_comment_id"] == comment["comment_id"] for r in reply_list)
    assert nested == plain
    assert any(c["replies"] > NESTED_REPLIES_MAX for c in plain)


def test_status_public_drops_hidden_comments_and_replies(
    emu: TikTokEmulator, http_session: requests.Session
) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    every = _comments(emu, http_session, token, video_id=video_id, status="ALL")
    public = _comments(emu, http_session, token, video_id=video_id, status="PUBLIC", include_replies="true")
    assert [c["comment_id"] for c in public] == [c["comment_id"] for c in every if c["status"] == "PUBLIC"]
    assert all(r["status"] == "PUBLIC" for c in public for r in c["reply_list"])
    longest = max(every, key=lambda c: c["replies"])
    replies = _replies(
        emu, http_session, token, video_id=video_id, comment_id=longest["comment_id"], status="PUBLIC"
    )
    assert replies and {r["status"] for r in replies} == {"PUBLIC"} and len(replies) < longest["replies"]


@pytest.mark.parametrize("field", ["likes", "replies", "create_time"])
def test_sorting(field: str, emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    ascending = _comments(emu, http_session, token, video_id=video_id, sort_field=field, sort_order="asc")
    values = [int(c[field]) for c in ascending]
    assert values == sorted(values)
    descending = _comments(emu, http_session, token, video_id=video_id, sort_field=field, sort_order="desc")
    assert [int(c[field]) for c in descending] == sorted(values, reverse=True)


def test_comment_ids_pick_comments_and_replies(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    top = _comments(emu, http_session, token, video_id=video_id)
    longest = max(top, key=lambda c: c["replies"])
    reply = _replies(emu, http_session, token, video_id=video_id, comment_id=longest["comment_id"])[0]
    wanted = [top[3]["comment_id"], reply["comment_id"], "123"]
    picked = _comments(emu, http_session, token, video_id=video_id, comment_ids=json.dumps(wanted))
    assert sorted(c["comment_id"] for c in picked) == sorted(wanted[:2])
    assert (
        next(c for c in picked if c["comment_id"] == reply["comment_id"]) == reply
    )  # a reply, as reply/list has it


def test_pages_past_the_threshold_repeat_earlier_comments(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=95, today=TODAY, comments_repeat_after=REPEAT_AFTER) as emu:
        _check_repeats(emu, http_session)


def _check_repeats(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = emu.crowded_video_id
    assert video_id is not None
    served = _comments(emu, http_session, token, video_id=video_id, max_count=7)
    ids = [c["comment_id"] for c in served]
    distinct = set(ids)
    assert len(distinct) == crowd_size(REPEAT_AFTER) > REPEAT_AFTER  # every comment is reachable
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    assert repeated and all(ids.index(i) < REPEAT_AFTER for i in repeated)  # repeats of the first ones
    assert len(set(ids[:REPEAT_AFTER])) == REPEAT_AFTER  # no repeat before the threshold
    tail_likes = [c["likes"] for c in served[REPEAT_AFTER:]]
    assert tail_likes == sorted(tail_likes, reverse=True)  # the rest by likes, descending
    default_page = business_data(
        business_call(emu, http_session, COMMENT_LIST_PATH, token, video_id=video_id)
    )
    assert len(default_page["comments"]) == COMMENT_LIST_DEFAULT_COUNT


def test_the_default_threshold_is_500(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=50, today=TODAY) as emu:
        token = emu.issue_business_access_token()
        assert emu.crowded_video_id is not None
        served = _comments(emu, http_session, token, video_id=emu.crowded_video_id, status="ALL")
        ids = [c["comment_id"] for c in served]
        assert len(set(ids)) == crowd_size(500) and len(ids) > len(set(ids))
        assert len(set(ids[:500])) == 500


def test_refusals(emu: TikTokEmulator, http_session: requests.Session) -> None:
    token = emu.issue_business_access_token()
    video_id = _long_thread_video(emu)
    comment_id = _comments(emu, http_session, token, video_id=video_id)[0]["comment_id"]
    reply_id = _replies(
        emu,
        http_session,
        token,
        video_id=video_id,
        comment_id=max(_comments(emu, http_session, token, video_id=video_id), key=lambda c: c["replies"])[
            "comment_id"
        ],
    )[0]["comment_id"]
    for path, params in (
        (COMMENT_LIST_PATH, {"video_id": video_id, "max_count": COMMENT_LIST_MAX_COUNT + 1}),
        (COMMENT_LIST_PATH, {"video_id": video_id, "max_count": 0}),
        (COMMENT_LIST_PATH, {}),
        (COMMENT_LIST_PATH, {"video_id": "123"}),
        (COMMENT_LIST_PATH, {"video_id": video_id, "status": "HIDDEN"}),
        (COMMENT_LIST_PATH, {"video_id": video_id, "sort_field": "text"}),
        (COMMENT_LIST_PATH, {"video_id": video_id, "comment_ids": json.dumps([str(n) for n in range(31)])}),
        (REPLY_LIST_PATH, {"video_id": video_id}),
        (REPLY_LIST_PATH, {"video_id": video_id, "comment_id": "123"}),
        (REPLY_LIST_PATH, {"video_id": video_id, "comment_id": reply_id}),  # a reply has no replies list
        (REPLY_LIST_PATH, {"video_id": video_id, "comment_id": comment_id, "sort_order": "smart"}),
        (REPLY_LIST_PATH, {"video_id": video_id, "comment_id": comment_id, "max_count": 31}),
    ):
        assert business_code(business_call(emu, http_session, path, token, **params)) == CODE_PARAM_ERROR, (
            params
        )
    no_comments = emu.issue_business_access_token(scopes=(VIDEO_LIST_SCOPE,))
    for path in (COMMENT_LIST_PATH, REPLY_LIST_PATH):
        refused = business_call(
            emu, http_session, path, no_comments, video_id=video_id, comment_id=comment_id
        )
        assert (
            business_code(refused) == CODE_SCOPE_NOT_AUTHORIZED
            and "comment.list" in refused.json()["message"]
        )


def test_threads_are_deterministic(http_session: requests.Session) -> None:
    def read() -> list[dict[str, Any]]:
        with TikTokEmulator(video_count=95) as emu:
            token = emu.issue_business_access_token()
            return _comments(
                emu, http_session, token, video_id=_long_thread_video(emu), include_replies="true"
            )

    assert read() == read()
