"""Pages shared within one sync (issue 21): ``SharedPages`` asks each page once and hands on only
answers the asking stream called a success; ``KeepFields`` keeps a stream's own fields of them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillWaiting
from typing import Any

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget

from source_tiktok_organic.components import KeepFields, SharedPages, sync_scoped_attribute

READER = object()


def answer(body: str = "page") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body.encode()
    return response


def test_streams_asking_for_a_page_at_once_get_one_answer() -> None:
    pages = SharedPages(keep=8)
    asked = []
    release = threading.Event()

    def ask() -> requests.Response:
        asked.append(1)
        release.wait(5)
        return answer()

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(pages.get, "/list", "page 1", object(), ask, lambda _: True) for _ in range(4)]
        release.set()
        got = [f.result(5) for f in futures]

    assert len(asked) == 1
    assert all(response is got[0] for response in got)
    assert pages.get("/list", "page 1", READER, lambda: pytest.fail("asked again"), lambda _: True) is got[0]


def test_an_answer_that_is_no_success_is_never_handed_on() -> None:
    pages = SharedPages(keep=8)
    throttled, good = answer("throttled"), answer("videos")
    answers = iter([throttled, good])
    release = threading.Event()

    def ask() -> requests.Response:
        release.wait(5)
        return next(answers)

    with ThreadPoolExecutor(2) as pool:
        leader = pool.submit(pages.get, "/list", "page 1", object(), ask, lambda r: r is not throttled)
        waiter = pool.submit(pages.get, "/list", "page 1", object(), ask, lambda r: r is not throttled)
        release.set()
        results = {leader.result(5), waiter.result(5)}

    # The stream that asked got its throttled answer (its own retries handle it); the other asked again.
    assert results == {throttled, good}
    assert pages.get("/list", "page 1", READER, lambda: pytest.fail("asked again"), lambda _: True) is good


def test_a_failed_request_leaves_the_page_to_be_asked_again() -> None:
    pages = SharedPages(keep=8)

    def fail() -> requests.Response:
        raise requests.ConnectionError("dropped")

    with pytest.raises(requests.ConnectionError):
        pages.get("/list", "page 1", READER, fail, lambda _: True)
    good = answer()
    assert pages.get("/list", "page 1", READER, lambda: good, lambda _: True) is good


def test_only_the_latest_answers_are_kept() -> None:
    pages = SharedPages(keep=2)
    first = answer("1")
    pages.get("/list", "page 1", READER, lambda: first, lambda _: True)
    pages.get("/list", "page 2", READER, answer, lambda _: True)
    pages.get("/list", "page 3", READER, answer, lambda _: True)
    assert pages.get("/other", "other page", READER, answer, lambda _: True)
    again = answer("1 again")
    assert pages.get("/list", "page 1", READER, lambda: again, lambda _: True) is again
    assert pages.get("/list", "page 3", READER, lambda: pytest.fail("asked again"), lambda _: True)


def test_the_answers_of_one_endpoint_do_not_push_out_another_s() -> None:
    pages = SharedPages(keep=1)
    video_page = answer("videos")
    pages.get("/video/list", "videos 1", READER, lambda: video_page, lambda _: True)
    for comment_page in range(5):
        pages.get("/comment/list", f"comments {comment_page}", READER, answer, lambda _: True)
    assert (
        pages.get("/video/list", "videos 1", READER, lambda: pytest.fail("asked again"), lambda _: True)
        is video_page
    )


def test_what_hangs_on_a_sync_s_budget_is_that_sync_s_alone() -> None:
    one, other = HttpAPIBudget(policies=[]), HttpAPIBudget(policies=[])
    made = sync_scoped_attribute(one, "pages", lambda: SharedPages(keep=1))
    assert sync_scoped_attribute(one, "pages", lambda: pytest.fail("made twice")) is made
    assert sync_scoped_attribute(other, "pages", lambda: SharedPages(keep=1)) is not made


def test_keep_fields_keeps_the_named_fields_only() -> None:
    record: dict[str, Any] = {"item_id": "1", "likes": 3, "video_view_retention": [{"second": 0}]}
    KeepFields(fields=["item_id", "likes", "absent"], parameters={}).transform(record)
    assert record == {"item_id": "1", "likes": 3}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_reader_far_ahead_waits_for_the_one_behind_until_it_catches_up() -> None:
    pages, fast, slow = SharedPages(keep=2, clock=Clock()), object(), object()
    pages.get("/list", "page 0", slow, answer, lambda _: True)
    for page in range(3):
        pages.get("/list", f"page {page}", fast, answer, lambda _: True)
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(pages.get, "/list", "page 3", fast, answer, lambda _: True)
        with pytest.raises(StillWaiting):
            ahead.result(0.2)  # three pages ahead of the slow reader, two kept: it waits
        pages.get("/list", "page 1", slow, lambda: pytest.fail("asked again"), lambda _: True)
        assert ahead.result(5)
    assert pages.get("/list", "page 2", slow, lambda: pytest.fail("asked again"), lambda _: True)


def test_a_reader_that_took_no_page_for_a_while_holds_nobody_back() -> None:
    clock = Clock()
    pages, fast, stopped = SharedPages(keep=1, idle_seconds=15, clock=clock), object(), object()
    pages.get("/list", "page 0", stopped, answer, lambda _: True)
    pages.get("/list", "page 0", fast, answer, lambda _: True)
    pages.get("/list", "page 1", fast, answer, lambda _: True)
    clock.now = 15.0
    got: list[requests.Response | None] = []
    asker = threading.Thread(
        target=lambda: got.append(pages.get("/list", "page 2", fast, answer, lambda _: True)), daemon=True
    )
    asker.start()
    asker.join(5)
    assert got, "the fast reader waited for one that stopped reading"
