"""Tests of the emulator's data endpoints: user/info fields and scopes, video/list paging and
parameters, video/query.

Why: if paging lost or repeated a video, or a scope check drifted, the connector's tests
would pass or fail for the wrong reason.
These tests pin the emulated protocol down over real HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import bearer, error_code, page_all, user_info, video_list
from tiktok_emulator import USER_INFO_PATH, VIDEO_LIST_PATH, VIDEO_QUERY_PATH, TikTokEmulator


def test_user_info_returns_exactly_the_requested_fields(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    token = shared_emulator.issue_access_token()
    response = user_info(shared_emulator, http_session, token)
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["error"]["code"] == "ok" and envelope["error"]["log_id"]
    user = envelope["data"]["user"]
    assert user == shared_emulator.user and len(user) == 14
    assert user["video_count"] == 95
    assert isinstance(user["is_verified"], bool)
    assert all(isinstance(user[f], int) for f in ("follower_count", "following_count", "likes_count"))
    assert any(ord(ch) > 0xFFFF for ch in user["display_name"])  # non-BMP unicode survives
    subset = user_info(shared_emulator, http_session, token, "open_id,display_name").json()["data"]["user"]
    assert set(subset) == {"open_id", "display_name"}


@pytest.mark.parametrize("fields", [None, "", "open_id,favourite_colour"])
def test_user_info_rejects_missing_or_unknown_fields(
    shared_emulator: TikTokEmulator, http_session: requests.Session, fields: str | None
) -> None:
    params = {} if fields is None else {"fields": fields}
    token = shared_emulator.issue_access_token()
    response = http_session.get(
        shared_emulator.base_url + USER_INFO_PATH, params=params, headers=bearer(token), timeout=5
    )
    assert response.status_code == 400 and error_code(response) == "invalid_params"


def test_user_info_scope_enforcement(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, granted_scopes=("user.info.basic", "video.list")) as emu:
        token = emu.issue_access_token()
        assert user_info(emu, http_session, token, "open_id,display_name").status_code == 200
        missed = user_info(emu, http_session, token, "open_id,follower_count,username")
        assert missed.status_code == 400 and error_code(missed) == "scope_permission_missed"
        message = missed.json()["error"]["message"]
        assert "user.info.stats" in message and "user.info.profile" in message
    with TikTokEmulator(video_count=1, granted_scopes=("user.info.stats",)) as emu:
        token = emu.issue_access_token()
        denied = user_info(emu, http_session, token, "follower_count")
        assert denied.status_code == 401 and error_code(denied) == "scope_not_authorized"
        no_videos = video_list(emu, http_session, token)
        assert no_videos.status_code == 401 and error_code(no_videos) == "scope_not_authorized"


def test_user_info_can_omit_the_fields_of_ungranted_scopes(http_session: requests.Session) -> None:
    scopes = ("user.info.basic", "video.list")
    with TikTokEmulator(video_count=1, granted_scopes=scopes, user_info_omits_ungranted_fields=True) as emu:
        token = emu.issue_access_token()
        response = user_info(emu, http_session, token, "open_id,follower_count,username")
        assert response.status_code == 200 and error_code(response) == "ok"
        assert response.json()["data"]["user"] == {"open_id": emu.user["open_id"]}
        emu.user_info_omits_ungranted_fields = False  # read per request
        assert (
            error_code(user_info(emu, http_session, token, "open_id,username")) == "scope_permission_missed"
        )
    with TikTokEmulator(
        video_count=1, granted_scopes=("video.list",), user_info_omits_ungranted_fields=True
    ) as emu:
        empty = user_info(emu, http_session, emu.issue_access_token(), "open_id")
        assert empty.status_code == 200 and empty.json()["data"]["user"] == {}


# ----------------------------------------------------------------------------- video/list


@pytest.mark.parametrize("pattern", ["uniform", "clustered", "sparse"])
def test_paging_yields_every_video_once_newest_first(pattern: str, http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=95, posting_pattern=pattern, seed=11) as emu:
        pages = page_all(emu, http_session, emu.issue_access_token())
        assert [len(p) for p in pages] == [20, 20, 20, 20, 15]
        videos = [v for page in pages for v in page]
        assert videos == emu.videos  # every field, byte for byte, in order
        assert {v["is_aigc"] for v in videos} == {True, False}  # August 2026's field, a boolean
        times = [v["create_time"] for v in videos]
        assert times == sorted(times, reverse=True) and len(set(times)) == 95
        assert len({v["id"] for v in videos}) == 95


def test_cursor_is_milliseconds_and_strictly_older(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    token = shared_emulator.issue_access_token()
    videos = shared_emulator.videos
    k = 40
    ms = videos[k]["create_time"] * 1000

    def first_after(cursor: int) -> dict[str, Any]:
        response = video_list(shared_emulator, http_session, token, {"cursor": cursor, "max_count": 3})
        data: dict[str, Any] = response.json()["data"]
        return data

    assert first_after(ms)["videos"][0]["id"] == videos[k + 1]["id"]  # strictly before
    assert first_after(ms + 1)["videos"][0]["id"] == videos[k]["id"]
    assert first_after(ms + 999)["videos"][0]["id"] == videos[k]["id"]
    data = first_after(ms)
    assert data["cursor"] == videos[k + 3]["create_time"] * 1000 and data["has_more"] is True
    oldest = videos[-1]["create_time"] * 1000
    tail = first_after(oldest + 1)
    assert [v["id"] for v in tail["videos"]] == [videos[-1]["id"]] and tail["has_more"] is False
    empty = first_after(oldest)
    assert empty["videos"] == [] and empty["has_more"] is False
    default_page = video_list(shared_emulator, http_session, token, {}).json()["data"]["videos"]
    assert len(default_page) == 10  # default max_count


@pytest.mark.parametrize(
    "body", [{"max_count": 0}, {"max_count": 21}, {"max_count": "5"}, {"cursor": -1}, {"cursor": 1.5}]
)
def test_video_list_rejects_bad_parameters(
    shared_emulator: TikTokEmulator, http_session: requests.Session, body: dict[str, Any]
) -> None:
    response = video_list(shared_emulator, http_session, shared_emulator.issue_access_token(), body)
    assert response.status_code == 400 and error_code(response) == "invalid_params"


def test_video_list_rejects_non_json_body_and_bad_fields(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    token = shared_emulator.issue_access_token()
    not_json = http_session.post(
        shared_emulator.base_url + VIDEO_LIST_PATH,
        params={"fields": "id"},
        data="max_count=5",
        headers=bearer(token),
        timeout=5,
    )
    assert not_json.status_code == 400 and error_code(not_json) == "invalid_params"
    for fields in ("id,colour", ""):
        assert error_code(video_list(shared_emulator, http_session, token, fields=fields)) == "invalid_params"
    only_ids = video_list(shared_emulator, http_session, token, {"max_count": 2}, fields="id,create_time")
    assert [set(v) for v in only_ids.json()["data"]["videos"]] == [{"id", "create_time"}] * 2


def test_video_query(shared_emulator: TikTokEmulator, http_session: requests.Session) -> None:
    token = shared_emulator.issue_access_token()
    videos = shared_emulator.videos
    wanted = [videos[3]["id"], "7000000000000000001", videos[70]["id"]]

    def query(ids: Any) -> requests.Response:
        return http_session.post(
            shared_emulator.base_url + VIDEO_QUERY_PATH,
            params={"fields": "id,view_count"},
            json={"filters": {"video_ids": ids}},
            headers=bearer(token),
            timeout=5,
        )

    found = query(wanted).json()["data"]["videos"]
    assert found == [
        {"id": videos[3]["id"], "view_count": videos[3]["view_count"]},
        {"id": videos[70]["id"], "view_count": videos[70]["view_count"]},
    ]
    assert error_code(query([v["id"] for v in videos[:21]])) == "invalid_params"
    assert error_code(query([int(videos[0]["id"])])) == "invalid_params"
