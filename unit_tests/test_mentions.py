"""The Mentions API streams (include_mentions), TikTok mocked: what they ask, and what they make of
the answers (offset pages read to the end, short pages, repeats, JSON regions, the two top lists)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from source_tiktok_organic import business_protocol as business
from testkit.business_responses import OPEN_ID, business_envelope, mock_business_token_ok
from testkit.catalogs import MENTION_STREAMS, configure, discovered
from testkit.configs import make_business_config

BASE = business.BUSINESS_API_BASE_URL


def query(request: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(request.url).query)


def mention_catalog(run_connector: Any, config: dict[str, Any], *streams: str) -> Any:
    catalog = discovered(run_connector, config)
    assert {s.name for s in catalog.streams} >= set(MENTION_STREAMS)
    return configure(catalog, only=streams)


def post(item_id: str, create_time: int) -> dict[str, Any]:
    return {"item_id": item_id, "create_time": str(create_time), "likes": 3, "views": None, "caption": "hi"}


def test_mention_streams_are_offered_only_when_include_mentions_is_on(run_connector: Any) -> None:
    names = {s.name for s in run_connector("discover", make_business_config()).catalog.streams}
    assert not names & set(MENTION_STREAMS)


def test_mentioned_posts_page_by_offset_past_short_pages_and_keep_each_post_once(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_business_token_ok(requests_mock)
    # A short page with has_more true; then a page that repeats p2 (a mention arrived mid-read).
    pages = {
        None: ([post("p1", 1700000300), post("p2", 1700000200)], 100, True),
        "100": ([post("p2", 1700000200), post("p3", 1700000100)], 200, True),
        "200": ([], 300, False),
    }

    def answer(request: Any, context: Any) -> dict[str, Any]:
        listed, cursor, has_more = pages[query(request).get("cursor", [None])[0]]
        return business_envelope({"videos": listed, "cursor": cursor, "has_more": has_more})

    mocked = requests_mock.get(BASE + business.MENTION_POSTS_PATH, json=answer)
    config = make_business_config(include_mentions=True, mention_days=14, mention_regions=["US", "GB"])

    run = run_connector("read", config, mention_catalog(run_connector, config, "business_mentioned_posts"))

    records = run.records("business_mentioned_posts")
    assert [r["item_id"] for r in records] == ["p1", "p2", "p3"]
    assert all(r["business_id"] == OPEN_ID and r["create_time"] > 1_699_000_000 for r in records)
    assert all(isinstance(r["create_time"], int) and r["read_at"].endswith("Z") for r in records)
    first = query(mocked.request_history[0])
    assert json.loads(first["fields"][0]) == list(business.MENTION_POST_FIELDS)
    assert json.loads(first["regions"][0]) == ["US", "GB"], "regions go as JSON text, like fields"
    assert (first["number_of_days"], first["max_count"]) == (["14"], ["100"])
    assert (first["sort_field"], first["sort_type"]) == (["CREATE_TIME"], ["DESC"])
    assert [query(r).get("cursor") for r in mocked.request_history] == [None, ["100"], ["200"]]


def test_a_cursor_that_does_not_grow_ends_the_paging(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    stuck = {
        "comments": [{"comment_id": "c1", "comment_create_time": "1700000000"}],
        "cursor": 10,
        "has_more": True,
    }
    mocked = requests_mock.get(BASE + business.MENTION_COMMENTS_PATH, json=business_envelope(stuck))
    config = make_business_config(include_mentions=True)

    run = run_connector("read", config, mention_catalog(run_connector, config, "business_mentioned_comments"))

    assert [r["comment_id"] for r in run.records("business_mentioned_comments")] == ["c1"]
    assert [query(r).get("cursor") for r in mocked.request_history] == [None, ["10"]]
    assert any("did not move on" in line for line in run.logs)


def test_brand_hashtag_posts_ask_sort_order_not_sort_type(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    mocked = requests_mock.get(
        BASE + business.BRAND_HASHTAG_POSTS_PATH,
        json=business_envelope({"videos": [post("h1", 1700000000)], "cursor": 100, "has_more": False}),
    )
    config = make_business_config(include_mentions=True)

    run = run_connector(
        "read", config, mention_catalog(run_connector, config, "business_brand_hashtag_posts")
    )

    assert [r["item_id"] for r in run.records("business_brand_hashtag_posts")] == ["h1"]
    asked = query(mocked.request_history[0])
    assert asked["sort_order"] == ["DESC"] and "sort_type" not in asked
    assert "regions" not in asked, "no regions configured: none sent"


def test_top_hashtags_and_words_each_get_their_own_answer(run_connector: Any, requests_mock: Any) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(
        BASE + business.MENTION_TOP_HASHTAGS_PATH,
        json=business_envelope(
            {"results": [{"hashtag": "2024", "count": 7}, {"hashtag": "fyp", "count": 3}]}
        ),
    )
    requests_mock.get(
        BASE + business.MENTION_TOP_WORDS_PATH,
        json=business_envelope({"results": [{"word": "bread", "count": 5}]}),
    )
    config = make_business_config(include_mentions=True)

    run = run_connector("read", config, mention_catalog(run_connector, config, "business_mention_keywords"))

    rows = sorted((r["kind"], r["term"], r["count"]) for r in run.records("business_mention_keywords"))
    # Two requests differing only by path: each is its own page, never the other's shared answer.
    assert rows == [("hashtag", "2024", 7), ("hashtag", "fyp", 3), ("word", "bread", 5)]
    assert all("hashtag" not in r and "word" not in r for r in run.records("business_mention_keywords"))
