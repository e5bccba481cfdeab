"""Tests of the emulator's fault rules: which request each kind hits, and what a client sees.

Why: a fault that fired on the wrong request would make a connector resilience test prove
nothing.
These tests pin the emulated protocol down over real HTTP.
"""

from __future__ import annotations

import pytest
import requests

from integration_tests.emulator_helpers import error_code, page_all, refresh, user_info, video_list
from tiktok_emulator import TOKEN_PATH, USER_INFO_PATH, VIDEO_LIST_PATH, FaultRule, TikTokEmulator


def test_http_429_fault_with_retry_after(http_session: requests.Session) -> None:
    with TikTokEmulator(
        video_count=1, faults=[FaultRule("http_429", endpoint=USER_INFO_PATH, retry_after=2.0)]
    ) as emu:
        emu.add_fault(FaultRule("http_429", endpoint=USER_INFO_PATH, after=1, retry_after=1.5))
        emu.add_fault(FaultRule("http_429", endpoint=USER_INFO_PATH, after=2))
        token = emu.issue_access_token()
        first, second, third, fourth = (user_info(emu, http_session, token) for _ in range(4))
        assert first.status_code == 429 and error_code(first) == "rate_limit_exceeded"
        assert first.headers["Retry-After"] == "2"
        assert second.headers["Retry-After"] == "1.5"
        assert third.status_code == 429 and "Retry-After" not in third.headers
        assert fourth.status_code == 200
        assert emu.rate_limited == 3 and emu.snapshot()["faults_fired"] == {"http_429": 3}


@pytest.mark.parametrize("kind,status", [("http_500", 500), ("http_503", 503)])
def test_5xx_faults_follow_every_and_after(kind: str, status: int, http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=5) as emu:
        token = emu.issue_access_token()
        emu.add_fault(FaultRule(kind, every=2))
        statuses = [video_list(emu, http_session, token).status_code for _ in range(4)]
        assert statuses == [200, status, 200, status]
        emu.clear_faults()
        emu.add_fault(FaultRule(kind, after=1, times=2))
        statuses = [user_info(emu, http_session, token).status_code for _ in range(4)]
        assert statuses == [200, status, status, 200]
        assert error_code(video_list(emu, http_session, token)) == "ok"


def test_drop_connection_fault(http_session: requests.Session) -> None:
    with TikTokEmulator(
        video_count=1, faults=[FaultRule("drop_connection", endpoint=VIDEO_LIST_PATH)]
    ) as emu:
        token = emu.issue_access_token()
        with pytest.raises(requests.ConnectionError):
            video_list(emu, http_session, token)
        assert video_list(emu, http_session, token).status_code == 200
        assert emu.snapshot()["dropped_connections"] == 1
        assert emu.requests_by_endpoint[VIDEO_LIST_PATH] == 2


def test_access_token_invalid_fault_really_kills_the_token(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("access_token_invalid", after=1)]) as emu:
        token = refresh(emu, http_session).json()["access_token"]
        assert user_info(emu, http_session, token).status_code == 200
        killed = user_info(emu, http_session, token)
        assert killed.status_code == 401 and error_code(killed) == "access_token_invalid"
        assert user_info(emu, http_session, token).status_code == 401  # stays dead
        fresh = refresh(emu, http_session).json()["access_token"]
        assert user_info(emu, http_session, fresh).status_code == 200


def test_access_token_expired_fault_expires_the_token(http_session: requests.Session) -> None:
    with TikTokEmulator(
        video_count=1, faults=[FaultRule("access_token_expired", endpoint=USER_INFO_PATH)]
    ) as emu:
        token = refresh(emu, http_session).json()["access_token"]
        expired = user_info(emu, http_session, token)
        assert expired.status_code == 401 and error_code(expired) == "access_token_invalid"
        assert "expired" in expired.json()["error"]["message"]
        again = user_info(emu, http_session, token)
        assert again.status_code == 401 and "expired" in again.json()["error"]["message"]  # stays expired
        assert emu.snapshot()["faults_fired"] == {"access_token_expired": 1}


def test_error_in_200_fault(http_session: requests.Session) -> None:
    rule = FaultRule("error_in_200", endpoint=VIDEO_LIST_PATH, error_code="spam_risk_too_many_requests")
    with TikTokEmulator(video_count=1, faults=[rule]) as emu:
        response = video_list(emu, http_session, emu.issue_access_token())
        assert response.status_code == 200
        assert response.json()["data"] == {} and error_code(response) == "spam_risk_too_many_requests"


def test_repeat_cursor_fault_loops_forever(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=50, faults=[FaultRule("repeat_cursor", every=1)]) as emu:
        token = emu.issue_access_token()
        first = video_list(emu, http_session, token).json()["data"]
        again = video_list(emu, http_session, token).json()["data"]
        assert first["has_more"] and first["cursor"] == again["cursor"]
        body = {"max_count": 20, "cursor": first["cursor"]}
        looping = video_list(emu, http_session, token, body).json()["data"]
        assert looping["cursor"] == first["cursor"] and looping["has_more"] is True
        later = emu.videos[30]["create_time"] * 1000
        from_later = video_list(emu, http_session, token, {"max_count": 5, "cursor": later})
        assert from_later.json()["data"]["cursor"] == later


def test_short_page_fault_loses_nothing(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=95, faults=[FaultRule("short_page", every=2)]) as emu:
        pages = page_all(emu, http_session, emu.issue_access_token())
        assert [len(p) for p in pages[:4]] == [20, 10, 20, 10]
        assert [v["id"] for p in pages for v in p] == [v["id"] for v in emu.videos]


def test_fault_scoping_token_endpoint_only_when_named(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_500", every=1)]) as emu:
        assert refresh(emu, http_session).status_code == 200  # endpoint=None never hits OAuth
        emu.clear_faults()
        emu.add_fault(FaultRule("http_503", endpoint=TOKEN_PATH))
        failed = refresh(emu, http_session)
        assert failed.status_code == 503 and "error" in failed.json()
        assert refresh(emu, http_session).status_code == 200


def test_fault_rule_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        FaultRule("http_418")
