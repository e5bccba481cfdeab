"""Tests of the fault rules on the emulated Accounts API: tokens killed mid-sync as expired (40102)
or revoked (40105), throttling (40100, or 40132), 5xx and dropped connections, on every data
endpoint including the comment and reply lists.

Why: a connector's resilience tests script these faults; a rule that fired on the wrong request,
or answered another code than TikTok's, would make them prove nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import business_call, business_code, business_data, user_info
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.business.envelope import CODE_ERROR_IN_200, CODE_INTERNAL_ERROR
from tiktok_emulator.documented.business import (
    BENCHMARK_PATH,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_REQUEST_FREQUENCY_LIMITED,
    CODE_REQUEST_TOO_FREQUENT,
    COMMENT_LIST_PATH,
    GET_PATH,
    REPLY_LIST_PATH,
    VIDEO_LIST_PATH,
)

TODAY = datetime.date(2026, 3, 15)


def _valid_params(emu: TikTokEmulator, s: requests.Session, path: str) -> dict[str, Any]:
    """The parameters of a valid request to ``path`` (a long thread's video and its first comment)."""
    video_id = next(v["id"] for v in emu.videos if v["comment_count"] >= 80)
    if path == REPLY_LIST_PATH:
        token = emu.issue_business_access_token()
        page = business_data(business_call(emu, s, COMMENT_LIST_PATH, token, video_id=video_id))
        return {"video_id": video_id, "comment_id": page["comments"][0]["comment_id"]}
    return {
        GET_PATH: {"fields": ["username"]},
        VIDEO_LIST_PATH: {"fields": ["item_id"]},
        COMMENT_LIST_PATH: {"video_id": video_id},
        BENCHMARK_PATH: {"business_category": "PETS"},
    }[path]


@pytest.mark.parametrize(
    "path", [GET_PATH, VIDEO_LIST_PATH, COMMENT_LIST_PATH, REPLY_LIST_PATH, BENCHMARK_PATH]
)
def test_every_fault_on_every_data_endpoint(path: str, http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=50, today=TODAY) as emu:
        params = _valid_params(emu, http_session, path)

        def _call(token: str) -> requests.Response:
            return business_call(emu, http_session, path, token, **params)

        token = emu.issue_business_access_token()
        assert business_code(_call(token)) == 0
        for rule in (
            FaultRule("http_503", endpoint=path),
            FaultRule("http_429", endpoint=path, after=1, retry_after=3),
            FaultRule("http_429", endpoint=path, after=2, error_code="40132"),
            FaultRule("error_in_200", endpoint=path, after=3),
            FaultRule("drop_connection", endpoint=path, after=4),
            FaultRule("access_token_expired", endpoint=path, after=5),
        ):
            emu.add_fault(rule)
        unavailable = _call(token)
        assert unavailable.status_code == 503 and unavailable.json()["code"] == CODE_INTERNAL_ERROR
        throttled = _call(token)
        assert (
            business_code(throttled) == CODE_REQUEST_TOO_FREQUENT and throttled.headers["Retry-After"] == "3"
        )
        assert business_code(_call(token)) == CODE_REQUEST_FREQUENCY_LIMITED
        assert business_code(_call(token)) == CODE_ERROR_IN_200
        with pytest.raises(requests.ConnectionError):
            _call(token)
        assert business_code(_call(token)) == CODE_ACCESS_TOKEN_EXPIRE
        assert business_code(_call(token)) == CODE_ACCESS_TOKEN_EXPIRE  # stays expired
        fresh = emu.issue_business_access_token()
        assert business_code(_call(fresh)) == 0
        emu.add_fault(FaultRule("access_token_invalid", endpoint=path))
        assert business_code(_call(fresh)) == CODE_INVALID_ACCESS_TOKEN
        assert business_code(_call(fresh)) == CODE_INVALID_ACCESS_TOKEN  # really revoked
        assert emu.snapshot()["faults_fired"] == {
            "http_503": 1,
            "http_429": 2,
            "error_in_200": 1,
            "drop_connection": 1,
            "access_token_expired": 1,
            "access_token_invalid": 1,
        }


def test_the_throttle_code_setting_answers_http_429_faults(http_session: requests.Session) -> None:
    with TikTokEmulator(
        video_count=3, today=TODAY, business_throttle_code=CODE_REQUEST_FREQUENCY_LIMITED
    ) as emu:
        emu.add_fault(FaultRule("http_429", endpoint=GET_PATH))
        token = emu.issue_business_access_token()
        throttled = business_call(emu, http_session, GET_PATH, token, ["username"])
        assert business_code(throttled) == CODE_REQUEST_FREQUENCY_LIMITED


def test_business_faults_only_when_the_path_is_named(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=3, today=TODAY, faults=[FaultRule("http_500", every=1)]) as emu:
        token = emu.issue_business_access_token()
        assert business_code(business_call(emu, http_session, GET_PATH, token, ["username"])) == 0
        assert user_info(emu, http_session, emu.issue_access_token()).status_code == 500  # the rule is live


def test_page_faults_on_the_business_video_list(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=10, faults=[FaultRule("short_page", endpoint=VIDEO_LIST_PATH)]) as emu:
        emu.add_fault(FaultRule("repeat_cursor", endpoint=VIDEO_LIST_PATH, after=1))
        token = emu.issue_business_access_token()
        short = business_data(
            business_call(emu, http_session, VIDEO_LIST_PATH, token, ["item_id"], max_count=4)
        )
        assert len(short["videos"]) == 2 and short["has_more"] is True
        params = {"max_count": 4, "cursor": short["cursor"]}
        repeated = business_data(
            business_call(emu, http_session, VIDEO_LIST_PATH, token, ["item_id"], **params)
        )
        assert repeated["cursor"] == short["cursor"] and repeated["has_more"] is True
