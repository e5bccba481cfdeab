"""TikTok's HTTP answers for mocked requests (requests-mock): URLs, builders and a fake video list.

Builders return the JSON bodies TikTok sends: ``envelope`` wraps any Display API payload as
``{"data": ..., "error": {"code": "ok", "message": "", "log_id": ...}}`` (an error is the same
envelope with another code); ``user`` and ``video`` are fully populated objects, ``videos_page`` one
page of ``/v2/video/list/``, ``token_body`` a successful ``/v2/oauth/token/`` answer and
``token_error`` a refused one. ``FakeVideoList`` answers the video list from a whole history, as
TikTok pages it, for tests whose requests are not known in advance.

URLs, scopes and field lists come from ``source_tiktok_organic.tiktok_protocol``, their one home
(``unit_tests/test_protocol_facts.py`` keeps the manifest's copies equal to it).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests_mock

from source_tiktok_organic import tiktok_protocol as tiktok

__all__ = [
    "ACCESS_TOKEN",
    "ALL_SCOPES",
    "API",
    "ROTATED_REFRESH_TOKEN",
    "SECOND_ACCESS_TOKEN",
    "TOKEN_URL",
    "USER_FIELDS",
    "USER_INFO_URL",
    "VIDEO_FIELDS",
    "VIDEO_LIST_URL",
    "FakeVideoList",
    "envelope",
    "mock_token_ok",
    "posting_history",
    "token_body",
    "token_error",
    "user",
    "video",
    "videos_page",
]

API = tiktok.API_BASE_URL
TOKEN_URL = API + tiktok.TOKEN_PATH
USER_INFO_URL = API + tiktok.USER_INFO_PATH
VIDEO_LIST_URL = API + tiktok.VIDEO_LIST_PATH

ACCESS_TOKEN = "act.first-access-token-Lm53"
SECOND_ACCESS_TOKEN = "act.second-access-token-Yb19"
ROTATED_REFRESH_TOKEN = "rft.rotated-refresh-token-Pw77"
ALL_SCOPES = ",".join(tiktok.REQUIRED_SCOPES)

# Lists, as the tests compare them with the manifest's comma-separated field lists split apart.
USER_FIELDS = list(tiktok.USER_FIELDS)
VIDEO_FIELDS = list(tiktok.VIDEO_FIELDS)

# The first video id: TikTok's ids exceed 2^53, so they only survive as strings.
_FIRST_VIDEO_ID = 7_300_000_000_000_000_000


def envelope(
    data: Any, code: str = "ok", message: str = "", log_id: str = "202611220000LOGID"
) -> dict[str, Any]:
    """A Display API answer: ``data`` and TikTok's ``error`` object (code ``ok`` when it worked)."""
    return {"data": data, "error": {"code": code, "message": message, "log_id": log_id}}


def token_body(
    access_token: str = ACCESS_TOKEN,
    refresh_token: str = ROTATED_REFRESH_TOKEN,
    scope: str = ALL_SCOPES,
    expires_in: int = 7200,
    refresh_expires_in: int = 180 * 86400,
) -> dict[str, Any]:
    """A successful refresh at ``/v2/oauth/token/``: TikTok rotates the refresh token each time.
    Lifetimes as TikTok's November 2026 page gives them: 2 hours, and 180 days for the refresh token."""
    return {
        "access_token": access_token,
        "expires_in": expires_in,
        "open_id": "open-id-1",
        "refresh_token": refresh_token,
        "refresh_expires_in": refresh_expires_in,
        "scope": scope,
        "token_type": "Bearer",
    }


def token_error(
    error: str = "invalid_grant",
    description: str = "Refresh token is invalid or expired.",
    log_id: str = "LOG-TOKEN-1",
) -> dict[str, Any]:
    """A refused token request: the OAuth error object (no envelope), with 200 or 4xx alike."""
    return {"error": error, "error_description": description, "log_id": log_id}


def user() -> dict[str, Any]:
    """The authorising account with every field, non-ASCII and a count beyond 2^31 included."""
    return {
        "open_id": "open-id-1",
        "union_id": "union-id-1",
        "avatar_url": "https://p16.example/avatar.jpeg",
        "avatar_url_100": "https://p16.example/avatar100.jpeg",
        "avatar_large_url": "https://p16.example/avatar-large.jpeg",
        "display_name": "Zoë 🎬 創作者",
        "bio_description": 'Line one\nline "two"',
        "profile_deep_link": "https://vm.tiktok.com/ZMabc/",
        "username": "zoe.creates",
        "is_verified": False,
        "follower_count": 12345,
        "following_count": 12,
        "likes_count": 3000000000,
        "video_count": 3,
    }


def video(index: int, create_time: int) -> dict[str, Any]:
    """Video number ``index`` with every field; its id depends on ``index`` only."""
    video_id = _FIRST_VIDEO_ID + index
    return {
        "id": str(video_id),
        "create_time": create_time,
        "cover_image_url": f"https://p16.example/cover{index}.jpeg?x-expires=1",
        "share_url": f"https://www.tiktok.com/@zoe.creates/video/{video_id}",
        "video_description": f"video {index} ✨",
        "title": f"title {index}",
        "duration": 15 + index,
        "height": 1920,
        "width": 1080,
        "embed_html": "<blockquote>embed</blockquote>",
        "embed_link": f"https://www.tiktok.com/embed/v2/{index}",
        "like_count": 10 * index,
        "comment_count": index,
        "share_count": 0,
        "view_count": 1000 * index,
    }


def videos_page(videos: list[dict[str, Any]], has_more: bool, cursor: int | None = None) -> dict[str, Any]:
    """One page of ``/v2/video/list/``; the cursor defaults to the last video's time in ms."""
    if cursor is None:
        cursor = videos[-1]["create_time"] * 1000 if videos else 0
    return envelope({"videos": videos, "cursor": cursor, "has_more": has_more})


def mock_token_ok(mocker: requests_mock.Mocker, **token: Any) -> Any:
    """Every token request succeeds with ``token_body(**token)``; returns the matcher."""
    return mocker.post(TOKEN_URL, json=token_body(**token))


class FakeVideoList:
    """Answers POST /v2/video/list/ like TikTok: newest first, only videos created before the cursor.

    Records every cursor it was sent and the peak number of requests in flight at once.
    """

    def __init__(self, videos: list[dict[str, Any]], delay: float = 0.0) -> None:
        self.videos = sorted(videos, key=lambda v: -v["create_time"])
        self.delay = delay
        self.cursors: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        body = request.json()
        with self._lock:
            self.cursors.append(body["cursor"])
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            older = [v for v in self.videos if v["create_time"] * 1000 < body["cursor"]]
            page = older[: body.get("max_count", 10)]
            next_cursor = page[-1]["create_time"] * 1000 if page else body["cursor"]
            return videos_page(page, has_more=len(older) > len(page), cursor=next_cursor)
        finally:
            with self._lock:
                self.in_flight -= 1


def posting_history(pattern: str, count: int, newest: int = 1_763_000_000) -> list[dict[str, Any]]:
    """Videos with unique create_times: `clustered` bursts minutes apart separated by months,
    `sparse` a video every 10 to 50 days, `daily` one a day."""
    times: list[int] = []
    moment = newest
    for index in range(count):
        times.append(moment)
        if pattern == "clustered":
            moment -= 240 if (index + 1) % 25 else 200 * 86_400
        elif pattern == "sparse":
            moment -= (10 + (index * 37) % 40) * 86_400
        else:
            moment -= 86_400
    return [video(index, create_time) for index, create_time in enumerate(times)]
