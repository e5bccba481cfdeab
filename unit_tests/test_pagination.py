"""Cursor pagination over the video list: no cap, short pages, a cursor that does not advance."""

from __future__ import annotations

from typing import Any

from testkit.catalogs import configured_catalog
from testkit.configs import make_config
from testkit.tiktok_responses import VIDEO_LIST_URL, mock_token_ok, video, videos_page

NEWEST = 1_763_000_000


def test_every_page_is_read_until_has_more_is_false(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    all_videos = [video(i, NEWEST - i * 3600) for i in range(250)]  # beyond the 200 some peers stop at
    pages = [all_videos[i : i + 20] for i in range(0, 250, 20)]
    endpoint = requests_mock.post(
        VIDEO_LIST_URL,
        [{"json": videos_page(page, has_more=n < len(pages) - 1)} for n, page in enumerate(pages)],
    )

    records = run_connector("read", make_config(), configured_catalog("videos")).records("videos")

    assert [r["id"] for r in records] == [v["id"] for v in all_videos]
    sent_cursors = [request.json().get("cursor") for request in endpoint.request_history]
    assert sent_cursors[0] > all_videos[0]["create_time"] * 1000, (
        "the first page starts after the newest video"
    )
    assert sent_cursors[1:] == [page[-1]["create_time"] * 1000 for page in pages[:-1]]


def test_a_short_page_with_has_more_does_not_end_the_list(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    responses = [
        videos_page([video(0, NEWEST), video(1, NEWEST - 10)], has_more=True),
        videos_page([], has_more=True, cursor=(NEWEST - 20) * 1000),
        videos_page([video(2, NEWEST - 30)], has_more=False),
    ]
    requests_mock.post(VIDEO_LIST_URL, [{"json": r} for r in responses])

    records = run_connector("read", make_config(), configured_catalog("videos")).records("videos")

    assert [r["id"] for r in records] == [video(i, 0)["id"] for i in range(3)]


def test_a_repeated_cursor_stops_paging_without_duplicates(run_connector: Any, requests_mock: Any) -> None:
    mock_token_ok(requests_mock)
    stuck_cursor = (NEWEST - 10) * 1000
    responses = [
        videos_page([video(0, NEWEST), video(1, NEWEST - 10)], has_more=True, cursor=stuck_cursor),
        videos_page([video(2, NEWEST - 20)], has_more=True, cursor=stuck_cursor),
        videos_page([video(2, NEWEST - 20)], has_more=True, cursor=stuck_cursor),
    ]
    endpoint = requests_mock.post(VIDEO_LIST_URL, [{"json": r} for r in responses])

    run = run_connector("read", make_config(), configured_catalog("videos"))

    assert [r["id"] for r in run.records("videos")] == [video(i, 0)["id"] for i in range(3)]
    assert endpoint.call_count == 2
    assert any("cursor did not move back in time" in log for log in run.logs)
