"""Tests of the emulator's several accounts on the Display API: every account of
``business_accounts`` also authorised the Display app, with a Display grant of its own.

Why: a connector that reads several creators through one Display app must keep each account's
refresh token, access token and records apart; the emulator can only prove that if each account's
Display grant really is separate in it (its own rotation, revocation and faults, its own user and
videos behind its own Bearer token), and account 0 stays the account every single-account test was
written against.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from integration_tests.emulator_helpers import (
    ALL_USER_FIELDS,
    ALL_VIDEO_FIELDS,
    REDIRECT_URI,
    bearer,
    business_code,
    business_refresh,
    error_code,
    exchange,
    page_all,
    pkce_pair,
    refresh,
    user_info,
    video_list,
)
from testkit.clock import ManualClock
from tiktok_emulator import (
    REVOKE_PATH,
    TOKEN_PATH,
    USER_INFO_PATH,
    VIDEO_LIST_PATH,
    VIDEO_QUERY_PATH,
    FaultRule,
    TikTokEmulator,
)
from tiktok_emulator.business.envelope import CODE_INVALID_GRANT
from tiktok_emulator.documented.business import GET_PATH

REPO_ROOT = Path(__file__).resolve().parents[1]


def _refresh(emu: TikTokEmulator, s: requests.Session, refresh_token: str) -> requests.Response:
    return refresh(emu, s, refresh_token=refresh_token)


def _tokens(emu: TikTokEmulator, s: requests.Session) -> list[dict[str, Any]]:
    """Every account's Display token answer, each refreshed with its own current refresh token."""
    answers = []
    for account in emu.business_accounts:
        response = _refresh(emu, s, account.current_display_refresh_token)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


def _user(emu: TikTokEmulator, s: requests.Session, token: str, fields: str = "open_id") -> dict[str, Any]:
    response = user_info(emu, s, token, fields)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()["data"]["user"]
    return user


def test_each_account_refreshes_with_its_own_display_token_and_gets_its_own_open_id(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(
        video_count=5, business_accounts=3, refresh_token="base-token", business_refresh_token="biz"
    )
    accounts = emu.business_accounts
    assert [a.current_display_refresh_token for a in accounts] == [
        "base-token",
        "base-token-account-1",
        "base-token-account-2",
    ]
    assert emu.current_refresh_token == "base-token"

    for account in (accounts[2], accounts[1]):
        presented = account.current_display_refresh_token
        body = _refresh(emu, http_session, presented).json()
        assert body["open_id"] == account.open_id == account.user["open_id"]  # one creator, one id
        assert body["scope"].split(",") == list(emu.granted_scopes)
        assert body["refresh_token"] == account.current_display_refresh_token != presented  # rotated
        assert _refresh(emu, http_session, presented).json()["error"] == "invalid_grant"
        assert _user(emu, http_session, body["access_token"]) == {"open_id": account.open_id}
        # The two apps stay apart: a Display token is not a business one, nor the other way round.
        assert business_code(business_refresh(emu, http_session, refresh_token=body["refresh_token"])) == (
            CODE_INVALID_GRANT
        )
        assert _refresh(emu, http_session, account.current_refresh_token).json()["error"] == "invalid_grant"
    # Rotating the others left account 0's Display refresh token alone, and it still works.
    assert emu.current_refresh_token == "base-token" == accounts[0].current_display_refresh_token
    assert _refresh(emu, http_session, "base-token").json()["open_id"] == accounts[0].open_id
    assert emu.current_refresh_token == accounts[0].current_display_refresh_token != "base-token"

    # A consent of account 2 exchanges to account 2's tokens.
    verifier, challenge = pkce_pair()
    code = emu.issue_auth_code(REDIRECT_URI, challenge, scopes=["user.info.basic", "video.list"], account=2)
    exchanged = exchange(emu, http_session, code, verifier)
    assert exchanged.status_code == 200, exchanged.text
    data = exchanged.json()
    assert data["open_id"] == accounts[2].open_id and data["scope"] == "user.info.basic,video.list"
    assert data["refresh_token"] == accounts[2].current_display_refresh_token
    assert _user(emu, http_session, data["access_token"]) == {"open_id": accounts[2].open_id}
    # The code is single use, and PKCE holds for every account.
    assert exchange(emu, http_session, code, verifier).json()["error"] == "invalid_grant"
    wrong = emu.issue_auth_code(REDIRECT_URI, challenge, account=1)
    assert (
        exchange(emu, http_session, wrong, "another-verifier-" + "x" * 30).json()["error"] == "invalid_grant"
    )


def test_without_rotation_every_account_keeps_its_display_refresh_token(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=2, business_accounts=2, rotate_refresh_tokens=False)
    second = emu.business_accounts[1]
    first = _refresh(emu, http_session, second.current_display_refresh_token).json()
    again = _refresh(emu, http_session, second.current_display_refresh_token).json()
    assert first["refresh_token"] == again["refresh_token"] == "emulator-refresh-token-0-account-1"
    assert first["open_id"] == again["open_id"] == second.open_id


def test_user_info_and_video_list_answer_the_tokens_account(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=12, business_accounts=3, business_video_counts=[12, 25, 3])
    accounts = emu.business_accounts
    refreshed = _tokens(emu, http_session)
    for account, answer in zip(accounts, refreshed, strict=True):
        for token in (answer["access_token"], emu.issue_access_token(account=account.index)):
            assert _user(emu, http_session, token, ALL_USER_FIELDS) == account.user
            pages = page_all(emu, http_session, token, max_count=10)
            assert [v for page in pages for v in page] == account.videos  # every field, in order
    assert [a.user["video_count"] for a in accounts] == [12, 25, 3]
    assert emu.videos is accounts[0].videos and emu.user is accounts[0].user

    # Projected as for account 0: only the fields asked for.
    token_1 = refreshed[1]["access_token"]
    only = video_list(emu, http_session, token_1, {"max_count": 2}, fields="id,create_time")
    assert only.json()["data"]["videos"] == [
        {"id": v["id"], "create_time": v["create_time"]} for v in accounts[1].videos[:2]
    ]
    assert _user(emu, http_session, token_1, "open_id,display_name") == {
        "open_id": accounts[1].open_id,
        "display_name": accounts[1].user["display_name"],
    }

    # video/query finds the token's account's videos, and no other account's.
    def query(token: str, ids: list[str]) -> list[dict[str, Any]]:
        response = http_session.post(
            emu.base_url + VIDEO_QUERY_PATH,
            params={"fields": "id"},
            json={"filters": {"video_ids": ids}},
            headers=bearer(token),
            timeout=5,
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["data"]["videos"]
        return found

    ids = [accounts[1].videos[4]["id"], accounts[0].videos[0]["id"]]
    assert query(token_1, ids) == [{"id": ids[0]}]
    assert query(refreshed[0]["access_token"], ids) == [{"id": ids[1]}]


def test_revoking_one_accounts_display_grant_leaves_the_others_working(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=3, business_accounts=3)
    accounts = emu.business_accounts
    issued = _tokens(emu, http_session)
    minted = emu.issue_access_token(account=1)
    dead_refresh_token = accounts[1].current_display_refresh_token

    emu.revoke_display_account(1)

    assert accounts[1].display_revoked and not accounts[0].display_revoked and not accounts[1].revoked
    for token in (issued[1]["access_token"], minted):
        response = user_info(emu, http_session, token, "open_id")
        assert response.status_code == 401 and error_code(response) == "access_token_invalid"
        assert "expired" not in response.json()["error"]["message"]  # revoked, not expired
    refused = _refresh(emu, http_session, dead_refresh_token)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    for i in (0, 2):
        assert _user(emu, http_session, issued[i]["access_token"]) == {"open_id": accounts[i].open_id}
        assert _refresh(emu, http_session, accounts[i].current_display_refresh_token).status_code == 200
    # Its business grant is another authorisation, and still works.
    business = business_refresh(emu, http_session, refresh_token=accounts[1].current_refresh_token)
    assert business_code(business) == 0

    # A new consent authorises account 1 again; the revoked tokens stay dead.
    verifier, challenge = pkce_pair()
    again = exchange(emu, http_session, emu.issue_auth_code(REDIRECT_URI, challenge, account=1), verifier)
    assert again.json()["open_id"] == accounts[1].open_id
    assert _user(emu, http_session, again.json()["access_token"]) == {"open_id": accounts[1].open_id}
    assert user_info(emu, http_session, minted, "open_id").status_code == 401

    # Revocation over HTTP (by access token) ends that account's grant only.
    form = {"client_key": emu.client_key, "client_secret": emu.client_secret}
    fresh_2 = _refresh(emu, http_session, accounts[2].current_display_refresh_token).json()
    revoked = http_session.post(
        emu.base_url + REVOKE_PATH, data={**form, "token": fresh_2["access_token"]}, timeout=5
    )
    assert revoked.status_code == 200
    assert user_info(emu, http_session, fresh_2["access_token"], "open_id").status_code == 401
    assert _refresh(emu, http_session, fresh_2["refresh_token"]).json()["error"] == "invalid_grant"
    assert _user(emu, http_session, again.json()["access_token"]) == {"open_id": accounts[1].open_id}

    # invalidate_access_tokens expires every account's Display access tokens.
    live = [issued[0]["access_token"], again.json()["access_token"], emu.issue_access_token(account=2)]
    emu.invalidate_access_tokens()
    for token in live:
        expired = user_info(emu, http_session, token, "open_id")
        assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]


def test_a_fault_rule_with_business_id_hits_only_that_accounts_display_requests(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=30, business_accounts=3)
    accounts = emu.business_accounts
    tokens = [emu.issue_access_token(account=a.index) for a in accounts]

    def status(i: int) -> str:
        return error_code(user_info(emu, http_session, tokens[i], "open_id"))

    # Skips account 1's first user/info and fires on its second, whatever the others do.
    emu.add_fault(
        FaultRule("error_in_200", endpoint=USER_INFO_PATH, business_id=accounts[1].open_id, after=1, times=1)
    )
    assert [status(0) for _ in range(3)] == ["ok"] * 3
    assert [status(1) for _ in range(3)] == ["ok", "internal_error", "ok"]
    assert emu.snapshot()["faults_fired"] == {"error_in_200": 1}

    # A page fault narrowed to account 2: only its pages come short.
    emu.clear_faults()
    emu.add_fault(FaultRule("short_page", endpoint=VIDEO_LIST_PATH, business_id=accounts[2].open_id, every=1))
    page_sizes = [len(video_list(emu, http_session, t).json()["data"]["videos"]) for t in tokens]
    assert page_sizes[:2] == [20, 20] and page_sizes[2] < 20

    # On the token endpoint, the account is the presented refresh token's.
    emu.clear_faults()
    emu.add_fault(FaultRule("http_500", endpoint=TOKEN_PATH, business_id=accounts[1].open_id))
    assert _refresh(emu, http_session, accounts[0].current_display_refresh_token).status_code == 200
    assert _refresh(emu, http_session, accounts[1].current_display_refresh_token).status_code == 500
    assert _refresh(emu, http_session, accounts[1].current_display_refresh_token).status_code == 200

    # With business_id and no endpoint a rule stays on the Accounts API; with neither it hits
    # every account's Display requests, as before.
    emu.clear_faults()
    emu.add_fault(FaultRule("http_503", business_id=accounts[0].open_id, every=1))
    assert status(0) == "ok"
    emu.clear_faults()
    emu.add_fault(FaultRule("http_503", every=1))
    assert [user_info(emu, http_session, t, "open_id").status_code for t in tokens] == [503] * 3


def test_display_requests_are_counted_per_account_and_endpoint(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=5, business_accounts=2)
    first, second = emu.business_accounts
    token_0 = emu.issue_access_token()
    refreshed = _refresh(emu, http_session, second.current_display_refresh_token).json()
    for _ in range(2):
        user_info(emu, http_session, token_0, "open_id")
    video_list(emu, http_session, refreshed["access_token"])
    user_info(emu, http_session, "act.nobody-issued-this", "open_id")  # an unknown token is nobody's

    counters = emu.counters
    assert counters.display_calls(first.open_id, USER_INFO_PATH) == 2
    assert counters.display_calls(second.open_id, USER_INFO_PATH) == 0
    assert counters.display_calls(second.open_id) == 2  # one refresh, one video/list
    assert emu.snapshot()["display_calls_by_account"] == {
        first.open_id: {USER_INFO_PATH: 2},
        second.open_id: {TOKEN_PATH: 1, VIDEO_LIST_PATH: 1},
    }
    assert emu.requests_by_endpoint[USER_INFO_PATH] == 3
    # The Accounts API's counts are apart; account_calls adds both up.
    business_refresh(emu, http_session, refresh_token=second.current_refresh_token)
    assert counters.business_calls(second.open_id) == 1
    assert counters.account_calls(second.open_id) == 3
    assert counters.account_calls(first.open_id, GET_PATH) == 0
    emu.reset_counters()
    assert counters.display_calls_by_account == {}


def test_the_display_rate_limit_is_per_endpoint_shared_by_every_account(
    emulator: Any, http_session: requests.Session
) -> None:
    clock = ManualClock()
    emu: TikTokEmulator = emulator(
        video_count=3, business_accounts=3, rate_limit_per_minute=2, rate_limit_clock=clock
    )
    tokens = [emu.issue_access_token(account=a.index) for a in emu.business_accounts]
    statuses = [user_info(emu, http_session, t, "open_id").status_code for t in tokens]
    assert statuses == [200, 200, 429]  # the third account finds the endpoint's minute used up
    assert video_list(emu, http_session, tokens[2]).status_code == 200  # another endpoint
    clock.now += 61
    assert user_info(emu, http_session, tokens[2], "open_id").status_code == 200


def _answers(emu: TikTokEmulator, s: requests.Session) -> list[Any]:
    """What account 0 serves on the Display API: token answer, profile, every video."""
    first_refresh_token = emu.current_refresh_token
    body = _refresh(emu, s, first_refresh_token).json()
    token = body["access_token"]
    return [
        first_refresh_token,
        body["open_id"],
        body["scope"],
        body["expires_in"],
        emu.connector_config()["credentials"]["client_id"],
        _user(emu, s, token, ALL_USER_FIELDS),
        page_all(emu, s, token),
        page_all(emu, s, emu.issue_access_token()),
        video_list(emu, s, token, fields=ALL_VIDEO_FIELDS).json()["data"],
    ]


def test_account_0_is_the_same_with_one_account_or_three(http_session: requests.Session) -> None:
    settings: dict[str, Any] = {"video_count": 45, "seed": 11}
    with TikTokEmulator(**settings) as alone, TikTokEmulator(**settings, business_accounts=3) as three:
        assert alone.current_refresh_token == three.current_refresh_token == "emulator-refresh-token-0"
        assert _answers(alone, http_session) == _answers(three, http_session)
        assert three.current_refresh_token == three.business_accounts[0].current_display_refresh_token
        # ...while the other accounts really are others.
        others = three.business_accounts[1]
        token = _refresh(three, http_session, others.current_display_refresh_token).json()["access_token"]
        assert _user(three, http_session, token, ALL_USER_FIELDS) != alone.user


def test_the_cli_prints_every_accounts_display_refresh_token(tmp_path: Path) -> None:
    accounts_path = tmp_path / "accounts.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiktok_emulator",
            "--videos",
            "3",
            "--business-accounts",
            "3",
            "--write-business-accounts",
            str(accounts_path),
            "--write-config",
            str(tmp_path / "config.json"),
        ],
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
        url = process.stdout.readline().strip().rsplit(" ", 1)[1]
        printed = [process.stdout.readline().strip() for _ in range(3)]
        written = json.loads(accounts_path.read_text())
        config = json.loads((tmp_path / "config.json").read_text())["credentials"]
        assert [a["display_refresh_token"] for a in written] == [
            "emulator-refresh-token-0",
            "emulator-refresh-token-0-account-1",
            "emulator-refresh-token-0-account-2",
        ]
        for line, account in zip(printed, written, strict=True):
            assert line == (
                f"business account {account['index']}: open_id={account['open_id']} "
                f"refresh_token={account['refresh_token']} "
                f"display_refresh_token={account['display_refresh_token']}"
            )
        with requests.Session() as s:
            for account in written:
                form = {
                    "client_key": config["client_id"],
                    "client_secret": config["client_secret"],
                    "grant_type": "refresh_token",
                    "refresh_token": account["display_refresh_token"],
                }
                answer = s.post(url + TOKEN_PATH, data=form, timeout=5).json()
                assert answer["open_id"] == account["open_id"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
