"""Tests of the TikTok emulator itself.

Why: every end-to-end test, the demo and the benchmark trust the emulator to behave like
TikTok.  If the emulator drifted (lost a video while paging, stopped rotating refresh
tokens, fired a fault on the wrong request), connector tests would pass or fail for the
wrong reason.  These tests pin the emulated protocol down over real HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tiktok_emulator import (
    TOKEN_PATH,
    USER_FIELD_SCOPES,
    USER_INFO_PATH,
    VIDEO_FIELDS,
    VIDEO_LIST_PATH,
    VIDEO_QUERY_PATH,
    FaultRule,
    SlidingWindowRateLimiter,
    TikTokEmulator,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_VIDEO_FIELDS = ",".join(VIDEO_FIELDS)
ALL_USER_FIELDS = ",".join(USER_FIELD_SCOPES)


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def shared() -> Iterator[TikTokEmulator]:
    """One read-only emulator for tests that neither add faults nor change tokens."""
    with TikTokEmulator(video_count=95) as emulator:
        yield emulator


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def refresh(emu: TikTokEmulator, s: requests.Session, **overrides: str) -> requests.Response:
    form = {
        "client_key": emu.client_key,
        "client_secret": emu.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": emu.current_refresh_token,
        **overrides,
    }
    return s.post(emu.base_url + TOKEN_PATH, data=form, timeout=5)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_info(emu: TikTokEmulator, s: requests.Session, token: str, fields: str = ALL_USER_FIELDS) -> requests.Response:
    return s.get(emu.base_url + USER_INFO_PATH, params={"fields": fields}, headers=bearer(token), timeout=5)


def video_list(
    emu: TikTokEmulator, s: requests.Session, token: str, body: Any = None, fields: str = ALL_VIDEO_FIELDS
) -> requests.Response:
    return s.post(
        emu.base_url + VIDEO_LIST_PATH,
        params={"fields": fields},
        json={"max_count": 20} if body is None else body,
        headers=bearer(token),
        timeout=5,
    )


def error_code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def page_all(emu: TikTokEmulator, s: requests.Session, token: str, max_count: int = 20) -> list[list[dict[str, Any]]]:
    """Follow the cursor like a correct client; guard against loops so a bug fails fast."""
    pages: list[list[dict[str, Any]]] = []
    body: dict[str, Any] = {"max_count": max_count}
    for _ in range(10_000):
        response = video_list(emu, s, token, body)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        pages.append(data["videos"])
        if not data["has_more"]:
            return pages
        assert data["cursor"] != body.get("cursor"), "cursor did not advance"
        body = {"max_count": max_count, "cursor": data["cursor"]}
    raise AssertionError("paging never finished")


def pkce_pair(verifier: str = "v" * 43 + "-._~") -> tuple[str, str]:
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


def authorize(emu: TikTokEmulator, s: requests.Session, **overrides: str) -> requests.Response:
    params = {
        "client_key": emu.client_key,
        "scope": "user.info.basic,video.list,user.info.unknown",
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "state": "st@te/42",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **overrides,
    }
    return s.get(emu.base_url + "/v2/auth/authorize/", params=params, allow_redirects=False, timeout=5)


def exchange(emu: TikTokEmulator, s: requests.Session, code: str, verifier: str, **overrides: str) -> requests.Response:
    form = {
        "client_key": emu.client_key,
        "client_secret": emu.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "code_verifier": verifier,
        **overrides,
    }
    return s.post(emu.base_url + TOKEN_PATH, data=form, timeout=5)


# ----------------------------------------------------------------------------- OAuth


def test_refresh_succeeds_and_rotation_invalidates_the_old_refresh_token(session: requests.Session) -> None:
    with TikTokEmulator(video_count=3) as emu:
        old = emu.current_refresh_token
        response = refresh(emu, session)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "expires_in", "open_id", "refresh_token", "refresh_expires_in", "scope", "token_type"}
        assert body["access_token"].startswith("act.")
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
        assert body["open_id"] == emu.user["open_id"]
        assert body["expires_in"] == 86400 and body["refresh_expires_in"] == 31536000
        assert body["refresh_token"] != old and body["refresh_token"].startswith("rft.")
        assert emu.current_refresh_token == body["refresh_token"]

        reused = refresh(emu, session, refresh_token=old)
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        assert reused.json()["log_id"]
        assert refresh(emu, session).status_code == 200  # the rotated token works
        assert user_info(emu, session, body["access_token"]).status_code == 200


def test_refresh_without_rotation_returns_the_same_refresh_token(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, rotate_refresh_tokens=False) as emu:
        first = refresh(emu, session).json()
        second = refresh(emu, session).json()
        assert first["refresh_token"] == second["refresh_token"] == "emulator-refresh-token-0"
        assert first["access_token"] != second["access_token"]


def test_wrong_client_secret_is_invalid_client(shared: TikTokEmulator, session: requests.Session) -> None:
    response = refresh(shared, session, client_secret="nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_unknown_refresh_token_is_invalid_grant(shared: TikTokEmulator, session: requests.Session) -> None:
    response = refresh(shared, session, refresh_token="rft.never-issued")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_endpoint_rejects_json_bodies(shared: TikTokEmulator, session: requests.Session) -> None:
    response = session.post(
        shared.base_url + TOKEN_PATH,
        json={
            "client_key": shared.client_key,
            "client_secret": shared.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": shared.current_refresh_token,
        },
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_error_in_200(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, token_endpoint_error_in_200=True) as emu:
        response = refresh(emu, session)
        assert response.status_code == 200
        assert response.json()["error"] == "invalid_grant"
        assert "access_token" not in response.json()


def test_access_token_dies_after_its_request_budget(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, access_token_lifetime_requests=3) as emu:
        token = refresh(emu, session).json()["access_token"]
        statuses = [user_info(emu, session, token, "open_id").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 401, 401]
        fresh = refresh(emu, session).json()["access_token"]
        assert user_info(emu, session, fresh, "open_id").status_code == 200


def test_invalidate_access_tokens_and_bad_bearer(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        token = emu.issue_access_token()
        assert user_info(emu, session, token).status_code == 200
        emu.invalidate_access_tokens()
        response = user_info(emu, session, token)
        assert response.status_code == 401 and error_code(response) == "access_token_invalid"
        assert user_info(emu, session, "None").status_code == 401
        no_header = session.get(emu.base_url + USER_INFO_PATH, params={"fields": "open_id"}, timeout=5)
        assert no_header.status_code == 401 and error_code(no_header) == "access_token_invalid"


def test_authorization_code_with_hex_pkce(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        verifier, challenge = pkce_pair()
        response = authorize(emu, session)
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == "http://127.0.0.1:8765/callback"
        query = parse_qs(location.query)
        assert query["state"] == ["st@te/42"]
        assert query["scopes"] == ["user.info.basic,video.list"]  # intersection, unknown scope dropped
        code = query["code"][0]

        granted = exchange(emu, session, code, verifier)
        assert granted.status_code == 200, granted.text
        body = granted.json()
        assert body["scope"] == "user.info.basic,video.list"
        assert emu.current_refresh_token == body["refresh_token"]
        assert refresh(emu, session, refresh_token=body["refresh_token"]).status_code == 200
        # The grant only has basic scopes: stats fields are refused.
        denied = user_info(emu, session, body["access_token"], "follower_count")
        assert error_code(denied) == "scope_permission_missed"

        # Single use: the same code never works twice.
        again = exchange(emu, session, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_authorization_code_rejects_wrong_verifier_redirect_and_base64url(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        verifier, _ = pkce_pair()

        def new_code(challenge: str | None = None) -> str:
            overrides = {"code_challenge": challenge} if challenge else {}
            return parse_qs(urlsplit(authorize(emu, session, **overrides).headers["Location"]).query)["code"][0]

        wrong = exchange(emu, session, new_code(), "another-verifier-" + "x" * 30)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        mismatch = exchange(emu, session, new_code(), verifier, redirect_uri="http://127.0.0.1:9/other")
        assert mismatch.json()["error"] == "invalid_grant"
        # RFC 7636 base64url challenges do not work: TikTok wants hex.
        b64 = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        assert exchange(emu, session, new_code(b64), verifier).json()["error"] == "invalid_grant"
        assert exchange(emu, session, new_code(), verifier).status_code == 200


def test_authorize_validates_parameters(shared: TikTokEmulator, session: requests.Session) -> None:
    no_pkce = authorize(shared, session, code_challenge="")
    assert no_pkce.status_code == 302
    assert parse_qs(urlsplit(no_pkce.headers["Location"]).query)["error"] == ["invalid_request"]
    plain = authorize(shared, session, code_challenge_method="plain")
    assert parse_qs(urlsplit(plain.headers["Location"]).query)["error"] == ["invalid_request"]
    token_type = authorize(shared, session, response_type="token")
    assert parse_qs(urlsplit(token_type.headers["Location"]).query)["error"] == ["unsupported_response_type"]
    bad_redirect = authorize(shared, session, redirect_uri="not a url")
    assert bad_redirect.status_code == 400 and bad_redirect.json()["error"] == "invalid_request"
    bad_client = authorize(shared, session, client_key="someone-else")
    assert bad_client.status_code == 400 and bad_client.json()["error"] == "invalid_client"


def test_revoke_ends_the_whole_grant(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        token = refresh(emu, session).json()["access_token"]
        form = {"client_key": emu.client_key, "client_secret": emu.client_secret, "token": token}
        wrong = session.post(emu.base_url + "/v2/oauth/revoke/", data={**form, "client_secret": "x"}, timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        response = session.post(emu.base_url + "/v2/oauth/revoke/", data=form, timeout=5)
        assert response.status_code == 200 and response.json() == {}
        assert user_info(emu, session, token).status_code == 401
        assert refresh(emu, session).json()["error"] == "invalid_grant"


# ----------------------------------------------------------------------------- user/info


def test_user_info_returns_exactly_the_requested_fields(shared: TikTokEmulator, session: requests.Session) -> None:
    token = shared.issue_access_token()
    response = user_info(shared, session, token)
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["error"]["code"] == "ok" and envelope["error"]["log_id"]
    user = envelope["data"]["user"]
    assert user == shared.user and len(user) == 14
    assert user["video_count"] == 95
    assert isinstance(user["is_verified"], bool)
    assert all(isinstance(user[f], int) for f in ("follower_count", "following_count", "likes_count"))
    assert any(ord(ch) > 0xFFFF for ch in user["display_name"])  # non-BMP unicode survives
    subset = user_info(shared, session, token, "open_id,display_name").json()["data"]["user"]
    assert set(subset) == {"open_id", "display_name"}


@pytest.mark.parametrize("fields", [None, "", "open_id,favourite_colour"])
def test_user_info_rejects_missing_or_unknown_fields(
    shared: TikTokEmulator, session: requests.Session, fields: str | None
) -> None:
    params = {} if fields is None else {"fields": fields}
    token = shared.issue_access_token()
    response = session.get(shared.base_url + USER_INFO_PATH, params=params, headers=bearer(token), timeout=5)
    assert response.status_code == 400 and error_code(response) == "invalid_params"


def test_user_info_scope_enforcement(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, granted_scopes=("user.info.basic", "video.list")) as emu:
        token = emu.issue_access_token()
        assert user_info(emu, session, token, "open_id,display_name").status_code == 200
        missed = user_info(emu, session, token, "open_id,follower_count,username")
        assert missed.status_code == 400 and error_code(missed) == "scope_permission_missed"
        message = missed.json()["error"]["message"]
        assert "user.info.stats" in message and "user.info.profile" in message
    with TikTokEmulator(video_count=1, granted_scopes=("user.info.stats",)) as emu:
        token = emu.issue_access_token()
        denied = user_info(emu, session, token, "follower_count")
        assert denied.status_code == 401 and error_code(denied) == "scope_not_authorized"
        no_videos = video_list(emu, session, token)
        assert no_videos.status_code == 401 and error_code(no_videos) == "scope_not_authorized"


# ----------------------------------------------------------------------------- video/list


@pytest.mark.parametrize("pattern", ["uniform", "clustered", "sparse"])
def test_paging_yields_every_video_once_newest_first(pattern: str, session: requests.Session) -> None:
    with TikTokEmulator(video_count=95, posting_pattern=pattern, seed=11) as emu:
        pages = page_all(emu, session, emu.issue_access_token())
        assert [len(p) for p in pages] == [20, 20, 20, 20, 15]
        videos = [v for page in pages for v in page]
        assert videos == emu.videos  # every field, byte for byte, in order
        times = [v["create_time"] for v in videos]
        assert times == sorted(times, reverse=True) and len(set(times)) == 95
        assert len({v["id"] for v in videos}) == 95


def test_cursor_is_milliseconds_and_strictly_older(shared: TikTokEmulator, session: requests.Session) -> None:
    token = shared.issue_access_token()
    k = 40
    ms = shared.videos[k]["create_time"] * 1000

    def first_after(cursor: int) -> dict[str, Any]:
        data = video_list(shared, session, token, {"cursor": cursor, "max_count": 3}).json()["data"]
        return data

    assert first_after(ms)["videos"][0]["id"] == shared.videos[k + 1]["id"]  # strictly before
    assert first_after(ms + 1)["videos"][0]["id"] == shared.videos[k]["id"]
    assert first_after(ms + 999)["videos"][0]["id"] == shared.videos[k]["id"]
    data = first_after(ms)
    assert data["cursor"] == shared.videos[k + 3]["create_time"] * 1000 and data["has_more"] is True
    oldest = shared.videos[-1]["create_time"] * 1000
    tail = first_after(oldest + 1)
    assert [v["id"] for v in tail["videos"]] == [shared.videos[-1]["id"]] and tail["has_more"] is False
    empty = first_after(oldest)
    assert empty["videos"] == [] and empty["has_more"] is False
    assert len(video_list(shared, session, token, {}).json()["data"]["videos"]) == 10  # default max_count


@pytest.mark.parametrize("body", [{"max_count": 0}, {"max_count": 21}, {"max_count": "5"}, {"cursor": -1}, {"cursor": 1.5}])
def test_video_list_rejects_bad_parameters(shared: TikTokEmulator, session: requests.Session, body: dict[str, Any]) -> None:
    response = video_list(shared, session, shared.issue_access_token(), body)
    assert response.status_code == 400 and error_code(response) == "invalid_params"


def test_video_list_rejects_non_json_body_and_bad_fields(shared: TikTokEmulator, session: requests.Session) -> None:
    token = shared.issue_access_token()
    not_json = session.post(
        shared.base_url + VIDEO_LIST_PATH, params={"fields": "id"}, data="max_count=5", headers=bearer(token), timeout=5
    )
    assert not_json.status_code == 400 and error_code(not_json) == "invalid_params"
    assert error_code(video_list(shared, session, token, fields="id,colour")) == "invalid_params"
    assert error_code(video_list(shared, session, token, fields="")) == "invalid_params"
    only_ids = video_list(shared, session, token, {"max_count": 2}, fields="id,create_time").json()["data"]["videos"]
    assert [set(v) for v in only_ids] == [{"id", "create_time"}] * 2


def test_video_query(shared: TikTokEmulator, session: requests.Session) -> None:
    token = shared.issue_access_token()
    wanted = [shared.videos[3]["id"], "7000000000000000001", shared.videos[70]["id"]]

    def query(ids: Any) -> requests.Response:
        return session.post(
            shared.base_url + VIDEO_QUERY_PATH,
            params={"fields": "id,view_count"},
            json={"filters": {"video_ids": ids}},
            headers=bearer(token),
            timeout=5,
        )

    found = query(wanted).json()["data"]["videos"]
    assert found == [
        {"id": shared.videos[3]["id"], "view_count": shared.videos[3]["view_count"]},
        {"id": shared.videos[70]["id"], "view_count": shared.videos[70]["view_count"]},
    ]
    assert error_code(query([v["id"] for v in shared.videos[:21]])) == "invalid_params"
    assert error_code(query([int(shared.videos[0]["id"])])) == "invalid_params"


def test_ids_are_big_unique_strings_and_data_is_awkward(shared: TikTokEmulator, session: requests.Session) -> None:
    raw = video_list(shared, session, shared.issue_access_token()).text
    assert f'"id":"{shared.videos[0]["id"]}"' in raw  # a JSON string, never a number
    for video in shared.videos:
        assert isinstance(video["id"], str) and len(video["id"]) == 19 and int(video["id"]) > 2**53
        assert len(video["video_description"]) <= 150 and len(video.get("title", "")) <= 150
    texts = "".join(v["video_description"] + v.get("title", "") for v in shared.videos)
    for needle in ("\U0001f602", "東京", "مرحبا", "e\u0301", '"', "'", "\\", "\n", "\t", "<b>Bold &amp;"):
        assert needle in texts, needle
    assert any(v["video_description"] == "" for v in shared.videos)
    assert any("title" not in v for v in shared.videos)
    counts = [v[f] for v in shared.videos for f in ("like_count", "comment_count", "share_count", "view_count")]
    assert all(isinstance(c, int) for c in counts)
    assert 0 in counts and max(counts) > 2**31
    assert "x-expires=" in shared.videos[0]["cover_image_url"]


def test_generation_is_deterministic_and_patterns_differ() -> None:
    assert TikTokEmulator(video_count=30, seed=3).videos == TikTokEmulator(video_count=30, seed=3).videos
    assert TikTokEmulator(video_count=30, seed=3).videos != TikTokEmulator(video_count=30, seed=4).videos

    def gaps(pattern: str) -> list[int]:
        times = [v["create_time"] for v in TikTokEmulator(video_count=95, posting_pattern=pattern).videos]
        return [a - b for a, b in zip(times, times[1:])]

    day = 86_400
    assert 0.8 * day < statistics.median(gaps("uniform")) < 1.2 * day
    clustered = gaps("clustered")
    assert min(clustered) < 3600 and max(clustered) > 30 * day
    assert min(gaps("sparse")) > day
    assert TikTokEmulator(video_count=3, now=1_700_000_000).videos[0]["create_time"] == 1_700_000_000


# ----------------------------------------------------------------------------- faults


def test_http_429_fault_with_retry_after(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_429", endpoint=USER_INFO_PATH, retry_after=2.0)]) as emu:
        emu.add_fault(FaultRule("http_429", endpoint=USER_INFO_PATH, after=1, retry_after=1.5))
        emu.add_fault(FaultRule("http_429", endpoint=USER_INFO_PATH, after=2))
        token = emu.issue_access_token()
        first, second, third, fourth = (user_info(emu, session, token) for _ in range(4))
        assert first.status_code == 429 and error_code(first) == "rate_limit_exceeded"
        assert first.headers["Retry-After"] == "2"
        assert second.headers["Retry-After"] == "1.5"
        assert third.status_code == 429 and "Retry-After" not in third.headers
        assert fourth.status_code == 200
        assert emu.rate_limited == 3 and emu.snapshot()["faults_fired"] == {"http_429": 3}


@pytest.mark.parametrize("kind,status", [("http_500", 500), ("http_503", 503)])
def test_5xx_faults_follow_every_and_after(kind: str, status: int, session: requests.Session) -> None:
    with TikTokEmulator(video_count=5) as emu:
        token = emu.issue_access_token()
        emu.add_fault(FaultRule(kind, every=2))
        statuses = [video_list(emu, session, token).status_code for _ in range(4)]
        assert statuses == [200, status, 200, status]
        emu.clear_faults()
        emu.add_fault(FaultRule(kind, after=1, times=2))
        statuses = [user_info(emu, session, token).status_code for _ in range(4)]
        assert statuses == [200, status, status, 200]
        assert error_code(video_list(emu, session, token)) == "ok"


def test_drop_connection_fault(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("drop_connection", endpoint=VIDEO_LIST_PATH)]) as emu:
        token = emu.issue_access_token()
        with pytest.raises(requests.ConnectionError):
            video_list(emu, session, token)
        assert video_list(emu, session, token).status_code == 200
        assert emu.snapshot()["dropped_connections"] == 1
        assert emu.requests_by_endpoint[VIDEO_LIST_PATH] == 2


def test_access_token_invalid_fault_really_kills_the_token(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("access_token_invalid", after=1)]) as emu:
        token = refresh(emu, session).json()["access_token"]
        assert user_info(emu, session, token).status_code == 200
        killed = user_info(emu, session, token)
        assert killed.status_code == 401 and error_code(killed) == "access_token_invalid"
        assert user_info(emu, session, token).status_code == 401  # stays dead
        assert user_info(emu, session, refresh(emu, session).json()["access_token"]).status_code == 200


def test_error_in_200_fault(session: requests.Session) -> None:
    rule = FaultRule("error_in_200", endpoint=VIDEO_LIST_PATH, error_code="spam_risk_too_many_requests")
    with TikTokEmulator(video_count=1, faults=[rule]) as emu:
        response = video_list(emu, session, emu.issue_access_token())
        assert response.status_code == 200
        assert response.json()["data"] == {} and error_code(response) == "spam_risk_too_many_requests"


def test_repeat_cursor_fault_loops_forever(session: requests.Session) -> None:
    with TikTokEmulator(video_count=50, faults=[FaultRule("repeat_cursor", every=1)]) as emu:
        token = emu.issue_access_token()
        first = video_list(emu, session, token).json()["data"]
        again = video_list(emu, session, token).json()["data"]
        assert first["has_more"] and first["cursor"] == again["cursor"]
        looping = video_list(emu, session, token, {"max_count": 20, "cursor": first["cursor"]}).json()["data"]
        assert looping["cursor"] == first["cursor"] and looping["has_more"] is True
        later = emu.videos[30]["create_time"] * 1000
        assert video_list(emu, session, token, {"max_count": 5, "cursor": later}).json()["data"]["cursor"] == later


def test_short_page_fault_loses_nothing(session: requests.Session) -> None:
    with TikTokEmulator(video_count=95, faults=[FaultRule("short_page", every=2)]) as emu:
        pages = page_all(emu, session, emu.issue_access_token())
        assert [len(p) for p in pages[:4]] == [20, 10, 20, 10]
        assert [v["id"] for p in pages for v in p] == [v["id"] for v in emu.videos]


def test_fault_scoping_token_endpoint_only_when_named(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_500", every=1)]) as emu:
        assert refresh(emu, session).status_code == 200  # endpoint=None never hits OAuth
        emu.clear_faults()
        emu.add_fault(FaultRule("http_503", endpoint=TOKEN_PATH))
        failed = refresh(emu, session)
        assert failed.status_code == 503 and "error" in failed.json()
        assert refresh(emu, session).status_code == 200


def test_fault_rule_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        FaultRule("http_418")


# ----------------------------------------------------------------------------- rate limit


def test_rate_limiter_per_endpoint(session: requests.Session) -> None:
    with TikTokEmulator(video_count=5, rate_limit_per_minute=5) as emu:
        token = emu.issue_access_token()
        statuses = [video_list(emu, session, token).status_code for _ in range(5)]
        assert statuses == [200] * 5
        limited = video_list(emu, session, token)
        assert limited.status_code == 429 and error_code(limited) == "rate_limit_exceeded"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert user_info(emu, session, token).status_code == 200  # counted per endpoint
        assert emu.rate_limited == 1 and emu.responses_by_status[429] == 1


def test_sliding_window_rejections_do_not_consume_slots() -> None:
    now = [1000.0]
    limiter = SlidingWindowRateLimiter(2, clock=lambda: now[0])
    assert limiter.acquire("a") is None
    now[0] += 30
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 30  # first slot frees at t=1060
    now[0] += 29.5
    assert limiter.acquire("a") == 1  # rounded up; still rejected, consumes nothing
    now[0] += 0.5
    assert limiter.acquire("a") is None  # t=1060: the first request slid out
    assert limiter.acquire("b") is None


# ----------------------------------------------------------------------------- HTTP, counters, CLI


def test_routing_errors_and_keep_alive(shared: TikTokEmulator) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", int(shared.base_url.rsplit(":", 1)[1]), timeout=5)
    try:
        connection.request("GET", "/v2/nothing/")
        missing = connection.getresponse()
        assert missing.status == 404 and json.loads(missing.read())["error"]["log_id"]
        sock = connection.sock
        connection.request("GET", VIDEO_LIST_PATH)
        wrong = connection.getresponse()
        body = wrong.read()
        assert wrong.status == 405 and wrong.getheader("Allow") == "POST"
        assert int(wrong.getheader("Content-Length")) == len(body)
        assert connection.sock is sock  # the same TCP connection served both
    finally:
        connection.close()


def test_counters_and_concurrency() -> None:
    with TikTokEmulator(video_count=5, latency=0.3) as emu:
        token = emu.issue_access_token()
        emu.reset_counters()
        start = time.perf_counter()
        results: list[int] = []

        def call() -> None:
            with requests.Session() as s:
                results.append(user_info(emu, s, token).status_code)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.perf_counter() - start < 1.0  # served in parallel, not 4 x 0.3 s
        assert results == [200] * 4
        assert emu.max_concurrent >= 2
        snapshot = emu.snapshot()
        json.dumps(snapshot)
        assert snapshot["requests_by_endpoint"] == {USER_INFO_PATH: 4}
        assert snapshot["responses_by_status"] == {200: 4} and snapshot["in_flight"] == 0
        emu.reset_counters()
        assert emu.requests_by_endpoint == {} and emu.max_concurrent == 0


def test_counters_are_current_as_soon_as_a_response_arrives(session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_500", every=3)]) as emu:
        token = emu.issue_access_token()
        for n in range(1, 16):
            user_info(emu, session, token, "open_id")
            snapshot = emu.snapshot()
            assert snapshot["in_flight"] == 0
            assert sum(snapshot["responses_by_status"].values()) == n == snapshot["total_requests"]
        assert emu.responses_by_status == {200: 10, 500: 5}


def test_log_ids_are_unique(shared: TikTokEmulator, session: requests.Session) -> None:
    token = shared.issue_access_token()
    ids = {user_info(shared, session, token, "open_id").json()["error"]["log_id"] for _ in range(5)}
    assert len(ids) == 5


def test_connector_config_and_stop_with_open_connection(session: requests.Session) -> None:
    emu = TikTokEmulator(video_count=1)
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    url = emu.start()
    config = emu.connector_config(start_date="2020-01-01T00:00:00Z")
    assert config == {
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "emulator-client-key",
            "client_secret": "emulator-client-secret",
            "refresh_token": "emulator-refresh-token-0",
        },
        "api_base_url": url,
        "start_date": "2020-01-01T00:00:00Z",
    }
    assert refresh(emu, session).status_code == 200  # leaves a keep-alive connection open
    began = time.perf_counter()
    emu.stop()
    emu.stop()
    assert time.perf_counter() - began < 2


def test_cli_prints_its_address_and_writes_config(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tiktok_emulator", "--port", "0", "--videos", "30",
         "--no-rotation", "--write-config", str(config_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 15)
        assert ready, "the emulator did not announce itself"
        line = process.stdout.readline().strip()
        assert line.startswith("TikTok emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        config = json.loads(config_path.read_text())
        assert config["api_base_url"] == url
        credentials = config["credentials"]
        with requests.Session() as s:
            form = {
                "client_key": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "grant_type": "refresh_token",
                "refresh_token": credentials["refresh_token"],
            }
            for _ in range(2):  # --no-rotation keeps the written token usable
                token = s.post(url + TOKEN_PATH, data=form, timeout=5).json()["access_token"]
            response = s.post(url + VIDEO_LIST_PATH + "?fields=id", json={"max_count": 20}, headers=bearer(token), timeout=5)
            assert len(response.json()["data"]["videos"]) == 20
            stats = s.get(url + "/__emulator__/stats", timeout=5).json()
            assert stats["requests_by_endpoint"][VIDEO_LIST_PATH] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
