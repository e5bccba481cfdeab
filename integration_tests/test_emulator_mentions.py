"""Tests of the emulated Mentions API (mentioned posts, comments, brand-hashtag posts, top hashtags
and words, enabled brand hashtags).

Why: a connector reading mentions meets offset cursors whose pages may be short while ``has_more``
is true, a cap of 1,000 items, a 1-90 day window, null views under 1,000, two names for the sort
order, and pages that shift when a mention arrives mid-read.  The emulator must do each as TikTok's
pages say (``documented.mentions``), or a connector that ignores one passes here and fails at TikTok.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import (
    business_call,
    business_code,
    business_data,
    business_pages,
    fixture,
    shape,
)
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.business.scopes import DEFAULT_GRANTED_SCOPES
from tiktok_emulator.documented.business import CODE_PARAM_ERROR, CODE_SCOPE_NOT_AUTHORIZED
from tiktok_emulator.documented.mentions import (
    BRAND_HASHTAGS_PATH,
    COMMENT_FIELDS,
    COMMENTS_PATH,
    HASHTAG_POST_FIELDS,
    HASHTAG_POSTS_PATH,
    LIST_CAP,
    MENTION_SCOPE,
    POST_FIELDS,
    POSTS_PATH,
    TOP_COUNT,
    TOP_HASHTAGS_PATH,
    TOP_WORDS_PATH,
)

TODAY = datetime.date(2026, 3, 15)
MIDNIGHT = int(datetime.datetime(2026, 3, 15, tzinfo=datetime.timezone.utc).timestamp())
DAY = 86_400
LISTS = (
    (POSTS_PATH, POST_FIELDS, "videos", "item_id", "sort_type"),
    (COMMENTS_PATH, COMMENT_FIELDS, "comments", "comment_id", "sort_type"),
    (HASHTAG_POSTS_PATH, HASHTAG_POST_FIELDS, "videos", "item_id", "sort_order"),
)


@pytest.fixture(scope="module")
def emu() -> Any:
    with TikTokEmulator(today=TODAY) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def token(emu: TikTokEmulator) -> str:
    return emu.issue_business_access_token()


def _read(
    emu: TikTokEmulator, s: requests.Session, token: str, path: str, fields: Any, key: str, **params: Any
) -> list[dict[str, Any]]:
    pages = business_pages(emu, s, path, token, fields=fields, **{"max_count": 100, **params})
    return [row for page in pages for row in page[key]]


def _time(row: dict[str, Any]) -> int:
    return int(row.get("create_time") or row["comment_create_time"])


@pytest.mark.parametrize(("path", "fields", "key", "id_field", "order"), LISTS)
def test_a_paged_read_gets_each_item_of_the_window_once_and_nothing_older(
    emu: TikTokEmulator, http_session: requests.Session, token: str, path: str, fields: Any, key: str,
    id_field: str, order: str,
) -> None:  # fmt: skip
    rows = _read(emu, http_session, token, path, fields, key, number_of_days=30, max_count=7)
    ids = [row[id_field] for row in rows]
    assert len(ids) == len(set(ids)) > 0
    assert all(MIDNIGHT - 30 * DAY <= _time(row) < MIDNIGHT for row in rows)
    times = [_time(row) for row in rows]
    assert times == sorted(times, reverse=True), "CREATE_TIME, DESC by default"
    everything = _read(emu, http_session, token, path, fields, key)
    assert len(everything) > len(rows), "90 days (the default) reach further than 30"
    assert all(set(row) == set(fields) for row in everything)


@pytest.mark.parametrize(("path", "fields", "key", "id_field", "order"), LISTS)
def test_pages_are_offsets_and_some_are_short_while_has_more_is_true(
    emu: TikTokEmulator, http_session: requests.Session, token: str, path: str, fields: Any, key: str,
    id_field: str, order: str,
) -> None:  # fmt: skip
    pages = business_pages(emu, http_session, path, token, fields=fields, max_count=10)
    assert [page["cursor"] for page in pages] == [10 * (n + 1) for n in range(len(pages))]
    short = [page for page in pages if page["has_more"] and len(page[key]) < 10]
    assert short, "the trust-and-safety short page never happened"


def test_the_lists_stop_at_the_top_1000() -> None:
    with TikTokEmulator(today=TODAY, mentioned_posts=1_600) as emu, requests.Session() as s:
        token = emu.issue_business_access_token()
        pages = business_pages(emu, s, POSTS_PATH, token, fields=["item_id"], max_count=100)
        assert len(pages) == LIST_CAP // 100
        assert pages[-1]["has_more"] is False
        read = sum(len(page["videos"]) for page in pages)
        in_window = emu.business_accounts[0].mentions.lists(MIDNIGHT)[0].window(MIDNIGHT, 90, None)
        assert len(in_window) > LIST_CAP > read


def test_views_and_reach_are_null_below_1000_and_photo_posts_have_no_thumbnail(
    emu: TikTokEmulator, http_session: requests.Session, token: str
) -> None:
    rows = _read(emu, http_session, token, POSTS_PATH, POST_FIELDS, "videos")
    assert any(row["views"] is None for row in rows) and any(row["views"] for row in rows)
    assert all(row["views"] is None or row["views"] >= 1_000 for row in rows)
    assert all(row["reach"] is None or row["reach"] >= 1_000 for row in rows)
    assert any(row["thumbnail_url"] == "" for row in rows)
    assert all(isinstance(row["create_time"], str) and isinstance(row["item_id"], str) for row in rows)


def test_the_order_parameter_is_sort_type_on_posts_and_comments_and_sort_order_on_hashtag_posts(
    emu: TikTokEmulator, http_session: requests.Session, token: str
) -> None:
    for path, fields, key, _, order in LISTS:
        sibling = "sort_order" if order == "sort_type" else "sort_type"
        refused = business_call(emu, http_session, path, token, fields=fields, **{sibling: "ASC"})
        assert business_code(refused) == CODE_PARAM_ERROR
        assert order in refused.json()["message"]
        rows = business_data(business_call(emu, http_session, path, token, fields=fields, **{order: "ASC"}))[
            key
        ]
        times = [_time(row) for row in rows]
        assert times == sorted(times) and len(times) > 1


@pytest.mark.parametrize(
    "params",
    [
        {"number_of_days": 0},
        {"number_of_days": 91},
        {"max_count": 101},
        {"cursor": -1},
        {"sort_field": "VIEWS"},
        {"regions": '["usa"]'},
        {"regions": "US"},
    ],
)
def test_out_of_range_parameters_are_refused(
    emu: TikTokEmulator, http_session: requests.Session, token: str, params: dict[str, Any]
) -> None:
    answer = business_call(emu, http_session, POSTS_PATH, token, fields=["item_id"], **params)
    assert business_code(answer) == CODE_PARAM_ERROR


def test_regions_filter_the_lists_and_the_top_lists(
    emu: TikTokEmulator, http_session: requests.Session, token: str
) -> None:
    everywhere = _read(emu, http_session, token, POSTS_PATH, ["item_id", "caption"], "videos")
    japan = _read(emu, http_session, token, POSTS_PATH, ["item_id", "caption"], "videos", regions='["JP"]')
    assert 0 < len(japan) < len(everywhere)
    assert {r["item_id"] for r in japan} < {r["item_id"] for r in everywhere}
    top_everywhere = business_data(business_call(emu, http_session, TOP_HASHTAGS_PATH, token))["results"]
    top_japan = business_data(business_call(emu, http_session, TOP_HASHTAGS_PATH, token, regions='["JP"]'))
    assert top_japan["results"] != top_everywhere


@pytest.mark.parametrize(("path", "kind"), [(TOP_HASHTAGS_PATH, "hashtag"), (TOP_WORDS_PATH, "word")])
def test_the_top_lists_count_the_captions_of_the_mentioned_posts(
    emu: TikTokEmulator, http_session: requests.Session, token: str, path: str, kind: str
) -> None:
    results = business_data(business_call(emu, http_session, path, token))["results"]
    assert 0 < len(results) <= TOP_COUNT
    counts = [r["count"] for r in results]
    assert counts == sorted(counts, reverse=True)
    captions = [
        r["caption"] for r in _read(emu, http_session, token, POSTS_PATH, ["item_id", "caption"], "videos")
    ]
    if kind == "hashtag":
        seen = Counter(tag.lower() for c in captions for tag in re.findall(r"#(\w+)", c))
        assert {r["hashtag"]: r["count"] for r in results} == {
            r["hashtag"]: seen[r["hashtag"]] for r in results
        }
    else:
        text = " ".join(captions).lower()
        assert all(r["word"] in text and r["count"] >= 1 for r in results)


def test_brand_hashtags_need_the_accounts_username_and_match_the_hashtag_posts(
    emu: TikTokEmulator, http_session: requests.Session, token: str
) -> None:
    assert business_code(business_call(emu, http_session, BRAND_HASHTAGS_PATH, token)) == CODE_PARAM_ERROR
    wrong = business_call(emu, http_session, BRAND_HASHTAGS_PATH, token, username="someone.else")
    assert business_code(wrong) == CODE_PARAM_ERROR
    listed = business_data(
        business_call(emu, http_session, BRAND_HASHTAGS_PATH, token, username=emu.user["username"])
    )["hashtag_list"]
    assert listed and all(set(h) == {"hashtag", "create_date"} for h in listed)
    assert all(datetime.date.fromisoformat(h["create_date"]) for h in listed)
    posts = _read(emu, http_session, token, HASHTAG_POSTS_PATH, HASHTAG_POST_FIELDS, "videos")
    enabled = {h["hashtag"] for h in listed}
    assert all(row["matched_hashtags"] and set(row["matched_hashtags"]) <= enabled for row in posts)


@pytest.mark.parametrize(
    "path", [POSTS_PATH, COMMENTS_PATH, HASHTAG_POSTS_PATH, TOP_HASHTAGS_PATH, TOP_WORDS_PATH]
)
def test_a_token_without_the_mention_permission_is_refused_naming_it(
    emu: TikTokEmulator, http_session: requests.Session, path: str
) -> None:
    token = emu.issue_business_access_token([s for s in DEFAULT_GRANTED_SCOPES if s != MENTION_SCOPE])
    answer = business_call(emu, http_session, path, token)
    assert business_code(answer) == CODE_SCOPE_NOT_AUTHORIZED
    assert MENTION_SCOPE in answer.json()["message"]


def test_mentions_arriving_mid_read_shift_the_offsets_so_items_repeat() -> None:
    with TikTokEmulator(today=TODAY, mention_arrivals_per_page=2) as emu, requests.Session() as s:
        token = emu.issue_business_access_token()
        before = {p.fields["item_id"] for p in emu.business_accounts[0].mentions.lists(MIDNIGHT)[0].items}
        rows = _read(emu, s, token, POSTS_PATH, ["item_id"], "videos", max_count=20)
        ids = Counter(row["item_id"] for row in rows)
        assert any(n > 1 for n in ids.values()), "no repeat: the offsets did not shift"
        listed = {p.fields["item_id"] for p in emu.business_accounts[0].mentions.lists(MIDNIGHT)[0].items}
        assert len(listed) > len(before)


@pytest.mark.parametrize(
    ("path", "name", "fields", "params"),
    [
        (POSTS_PATH, "mention_video_list.json", POST_FIELDS, {}),
        (COMMENTS_PATH, "mention_comment_list.json", COMMENT_FIELDS, {}),
        (HASHTAG_POSTS_PATH, "mention_hashtag_video_list.json", HASHTAG_POST_FIELDS, {}),
        (TOP_HASHTAGS_PATH, "mention_top_hashtag_list.json", None, {}),
        (TOP_WORDS_PATH, "mention_top_word_list.json", None, {}),
        (BRAND_HASHTAGS_PATH, "mention_hashtag_manage_list.json", None, {"username": "USERNAME"}),
    ],
)
def test_answers_have_the_shape_of_the_pages_examples(
    emu: TikTokEmulator, http_session: requests.Session, token: str, path: str, name: str,
    fields: Any, params: dict[str, Any],
) -> None:  # fmt: skip
    if params.get("username"):
        params = {"username": emu.user["username"]}
    body = business_call(emu, http_session, path, token, fields=fields, **params).json()
    expected = fixture(name)
    data, want = body["data"], expected["data"]
    listed = next(k for k, v in want.items() if isinstance(v, list))
    # One element: the first whose views are a number (the example's first; the page's second is null).
    data[listed] = [next(e for e in data[listed] if e.get("views", 0) is not None)]
    assert shape({**body, "data": data}) == shape(expected), json.dumps(body)[:400]
