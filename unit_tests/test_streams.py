"""Both streams' records: every field requested, TikTok's names and types kept."""

from __future__ import annotations

from typing import Any

from testkit.catalogs import configured_catalog
from testkit.configs import make_config
from testkit.tiktok_responses import (
    USER_FIELDS,
    USER_INFO_URL,
    VIDEO_FIELDS,
    VIDEO_LIST_URL,
    envelope,
    mock_token_ok,
    user,
    video,
    videos_page,
)


def test_user_info_is_one_record_with_all_fields(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    endpoint = requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))

    run = run_connector("read", make_config(), configured_catalog("user_info"))

    assert run.records("user_info") == [user()]
    assert endpoint.last_request.qs["fields"] == [",".join(USER_FIELDS)]


def test_user_info_values_are_normalised_to_the_schema_types(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    stringly = dict(user(), follower_count="12345", video_count="3")
    requests_mock.get(USER_INFO_URL, json=envelope({"user": stringly}))

    (record,) = run_connector("read", make_config(), configured_catalog("user_info")).records("user_info")

    assert record["follower_count"] == 12345 and record["video_count"] == 3


def test_videos_keep_string_ids_integer_metrics_and_gain_created_at(
    run_connector: Any, requests_mock: Any
) -> None:
    mock_token_ok(requests_mock)
    first = dict(video(1, 1_700_000_000), id="7312345678901234567")
    untitled = video(2, 1_699_000_000)
    del untitled["title"]
    endpoint = requests_mock.post(VIDEO_LIST_URL, json=videos_page([first, untitled], has_more=False))

    records = run_connector("read", make_config(), configured_catalog("videos")).records("videos")

    assert [r["id"] for r in records] == ["7312345678901234567", untitled["id"]]
    assert records[0]["created_at"] == "2023-11-14T22:13:20Z"
    assert records[0]["like_count"] == 10 and isinstance(records[0]["view_count"], int)
    assert "title" not in records[1]
    assert endpoint.last_request.qs["fields"] == [",".join(VIDEO_FIELDS)]
    body = endpoint.last_request.json()
    assert body["max_count"] == 20 and body["cursor"] > first["create_time"] * 1000


def test_start_date_drops_older_videos_and_stops_paging(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    day = 86_400
    newest = 1_704_067_200 + 10 * day  # 2024-01-11
    pages = [
        videos_page([video(i, newest - i * day) for i in range(0, 5)], has_more=True),
        videos_page([video(i, newest - i * day) for i in range(5, 15)], has_more=True),
        videos_page([video(i, newest - i * day) for i in range(15, 20)], has_more=False),
    ]
    endpoint = requests_mock.post(VIDEO_LIST_URL, [{"json": page} for page in pages])

    records = run_connector(
        "read", make_config(start_date="2024-01-01T00:00:00Z"), configured_catalog("videos")
    ).records("videos")

    assert [r["create_time"] for r in records] == [newest - i * day for i in range(0, 11)]
    assert endpoint.call_count == 2, "the page that reached start_date is the last one requested"
