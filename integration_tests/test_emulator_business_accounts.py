"""Tests of the emulator's several business accounts: one business app authorised by several TikTok
accounts, each with its own rotating refresh token, open_id, data, rate limit and faults.

Why: a connector that reads several accounts in one connection must keep each account's tokens,
``business_id`` and records apart, and share the app's rate limit between them; the emulator can
only prove that if each account really is separate in it, and account 0 stays the account every
single-account test was written against.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from integration_tests.emulator_helpers import (
    REDIRECT_URI,
    business_call,
    business_code,
    business_data,
    business_refresh,
)
from integration_tests.test_emulator_cli import emulator_process
from testkit.clock import ManualClock
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.business.accounts import BusinessAccount
from tiktok_emulator.business.envelope import CODE_ERROR_IN_200, CODE_INVALID_GRANT
from tiktok_emulator.documented.business import (
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_OK,
    CODE_PARAM_ERROR,
    CODE_REQUEST_FREQUENCY_LIMITED,
    CODE_REQUEST_TOO_FREQUENT,
    COMMENT_LIST_PATH,
    GET_PATH,
    REFRESH_TOKEN_PATH,
    TOKEN_INFO_PATH,
    TOKEN_PATH,
    VIDEO_LIST_PATH,
)
from tiktok_emulator.documented.insights import AUDIENCE_ACTIVITY_FIELD, DAILY_METRIC_FIELDS

TODAY = datetime.date(2026, 3, 15)
PROFILE = ["username", "display_name", "followers_count", "videos_count"]
METRICS = [*DAILY_METRIC_FIELDS, AUDIENCE_ACTIVITY_FIELD]


def _refresh(emu: TikTokEmulator, s: requests.Session, refresh_token: str) -> requests.Response:
    return business_refresh(emu, s, refresh_token=refresh_token)


def _call(
    emu: TikTokEmulator,
    s: requests.Session,
    account: BusinessAccount,
    path: str,
    token: str,
    **params: Any,
) -> requests.Response:
    """A data call of ``account``: its ``business_id`` unless ``params`` names another."""
    params.setdefault("business_id", account.open_id)
    return business_call(emu, s, path, token, **params)


def _get(emu: TikTokEmulator, s: requests.Session, account: BusinessAccount, token: str) -> requests.Response:
    return _call(emu, s, account, GET_PATH, token, fields=["username"])


def _video_ids(emu: TikTokEmulator, s: requests.Session, account: BusinessAccount, token: str) -> list[str]:
    ids: list[str] = []
    cursor = 0
    for _ in range(100):
        data = business_data(
            _call(emu, s, account, VIDEO_LIST_PATH, token, fields=["item_id"], max_count=20, cursor=cursor)
        )
        ids += [v["item_id"] for v in data["videos"]]
        if not data["has_more"]:
            return ids
        cursor = data["cursor"]
    raise AssertionError("paging never finished")


def test_each_account_refreshes_with_its_own_token_and_gets_its_own_open_id(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=5, business_accounts=3, business_refresh_token="base-token")
    accounts = emu.business_accounts
    assert [a.index for a in accounts] == [0, 1, 2]
    assert [a.current_refresh_token for a in accounts] == [
        "base-token",
        "base-token-account-1",
        "base-token-account-2",
    ]
    assert accounts[0].open_id == emu.user["open_id"] and accounts[0].videos is emu.videos
    assert len({a.open_id for a in accounts}) == 3

    first_of_account_0 = emu.current_business_refresh_token
    for account in (accounts[2], accounts[1]):
        presented = account.current_refresh_token
        response = _refresh(emu, http_session, presented)
        data = business_data(response)
        assert data["open_id"] == account.open_id
        assert data["refresh_token"] == account.current_refresh_token != presented  # rotated
        assert business_code(_refresh(emu, http_session, presented)) == CODE_INVALID_GRANT
        # The new access token opens its own account, and token info names it.
        assert business_code(_get(emu, http_session, account, data["access_token"])) == CODE_OK
        info = http_session.post(
            emu.base_url + TOKEN_INFO_PATH,
            json={"app_id": emu.app_id, "access_token": data["access_token"]},
            timeout=5,
        )
        assert business_data(info)["creator_id"] == account.open_id
    # Rotating the others left account 0's refresh token alone, and it still works.
    assert emu.current_business_refresh_token == first_of_account_0 == accounts[0].current_refresh_token
    assert business_data(_refresh(emu, http_session, first_of_account_0))["open_id"] == accounts[0].open_id

    # A consent of account 2 exchanges to account 2's tokens.
    code = emu.issue_business_auth_code(REDIRECT_URI, account=2)
    exchanged = http_session.post(
        emu.base_url + TOKEN_PATH,
        json={
            "client_id": emu.app_id,
            "client_secret": emu.app_secret,
            "grant_type": "authorization_code",
            "auth_code": code,
            "redirect_uri": REDIRECT_URI,
        },
        timeout=5,
    )
    data = business_data(exchanged)
    assert data["open_id"] == accounts[2].open_id
    assert data["refresh_token"] == accounts[2].current_refresh_token
    assert data["scope"].split(",") == list(emu.business_granted_scopes)


def test_data_differs_per_account_and_business_id_must_match_the_token(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(
        video_count=12, business_accounts=3, business_video_counts=[12, 7, 30], today=TODAY
    )
    accounts = emu.business_accounts
    assert [len(a.videos) for a in accounts] == [12, 7, 30]
    tokens = [emu.issue_business_access_token(account=a.index) for a in accounts]

    profiles = [
        business_data(_call(emu, http_session, a, GET_PATH, t, fields=PROFILE))
        for a, t in zip(accounts, tokens, strict=True)
    ]
    assert [p["username"] for p in profiles] == [a.user["username"] for a in accounts]
    assert len({p["username"] for p in profiles}) == 3
    assert [p["videos_count"] for p in profiles] == [12, 7, 30]
    assert [p["followers_count"] for p in profiles] == [a.followers for a in accounts]

    video_ids = [_video_ids(emu, http_session, a, t) for a, t in zip(accounts, tokens, strict=True)]
    assert video_ids == [[v["id"] for v in a.videos] for a in accounts]
    assert not set(video_ids[0]) & set(video_ids[1]) and not set(video_ids[1]) & set(video_ids[2])

    metrics = [
        business_data(
            _call(
                emu,
                http_session,
                a,
                GET_PATH,
                t,
                fields=METRICS,
                start_date="2026-03-01",
                end_date="2026-03-07",
            )
        )["metrics"]
        for a, t in zip(accounts, tokens, strict=True)
    ]
    assert all(len(m) == 7 for m in metrics)
    assert [row["video_views"] for row in metrics[0]] != [row["video_views"] for row in metrics[1]]

    # Comments: account 1's most commented video, read with account 1's token.
    crowded = accounts[1].crowded_video_id
    assert crowded is not None and crowded in video_ids[1]
    page = business_data(
        _call(emu, http_session, accounts[1], COMMENT_LIST_PATH, tokens[1], video_id=crowded)
    )
    expected = [c["comment_id"] for c in accounts[1].comment_thread(crowded).comments]
    assert page["comments"] and all(c["comment_id"] in expected for c in page["comments"])
    assert {c["video_id"] for c in page["comments"]} == {crowded}

    # A token opens its own account only: another account's business_id is refused (40002),
    # and so is another account's video under the token's own business_id.
    for path, params in (
        (GET_PATH, {"fields": ["username"]}),
        (VIDEO_LIST_PATH, {"fields": ["item_id"]}),
    ):
        wrong = _call(
            emu, http_session, accounts[0], path, tokens[0], business_id=accounts[1].open_id, **params
        )
        assert business_code(wrong) == CODE_PARAM_ERROR
        assert "business_id" in wrong.json()["message"]
    foreign_video = _call(
        emu, http_session, accounts[1], COMMENT_LIST_PATH, tokens[1], video_id=video_ids[0][1]
    )
    assert business_code(foreign_video) == CODE_PARAM_ERROR


def test_business_video_counts_must_give_one_count_per_account() -> None:
    with pytest.raises(ValueError, match="one count per business account"):
        TikTokEmulator(video_count=5, business_accounts=2, business_video_counts=[5])
    with pytest.raises(ValueError, match="must equal video_count"):
        TikTokEmulator(video_count=5, business_accounts=2, business_video_counts=[6, 5])
    with pytest.raises(ValueError, match="business_accounts"):
        TikTokEmulator(business_accounts=0)


def test_revoking_one_account_leaves_the_others_working(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=5, business_accounts=3)
    accounts = emu.business_accounts
    issued = [business_data(_refresh(emu, http_session, a.current_refresh_token)) for a in accounts]
    minted = emu.issue_business_access_token(account=1)
    dead_refresh_token = accounts[1].current_refresh_token

    emu.revoke_business_account(1)

    for token in (issued[1]["access_token"], minted):
        assert business_code(_get(emu, http_session, accounts[1], token)) == CODE_INVALID_ACCESS_TOKEN
    assert business_code(_refresh(emu, http_session, dead_refresh_token)) == CODE_INVALID_GRANT
    for i in (0, 2):
        assert business_code(_get(emu, http_session, accounts[i], issued[i]["access_token"])) == CODE_OK
        refreshed = business_data(_refresh(emu, http_session, accounts[i].current_refresh_token))
        assert refreshed["open_id"] == accounts[i].open_id

    # A new consent authorises account 1 again; the revoked tokens stay dead.
    code = emu.issue_business_auth_code(REDIRECT_URI, account=1)
    body = {
        "client_id": emu.app_id,
        "client_secret": emu.app_secret,
        "grant_type": "authorization_code",
        "auth_code": code,
        "redirect_uri": REDIRECT_URI,
    }
    again = business_data(http_session.post(emu.base_url + TOKEN_PATH, json=body, timeout=5))
    assert again["open_id"] == accounts[1].open_id
    assert business_code(_get(emu, http_session, accounts[1], again["access_token"])) == CODE_OK
    assert business_code(_get(emu, http_session, accounts[1], minted)) == CODE_INVALID_ACCESS_TOKEN

    # invalidate_business_access_tokens still expires every account's access tokens.
    emu.invalidate_business_access_tokens()
    live = [issued[0]["access_token"], again["access_token"], issued[2]["access_token"]]
    for account, token in zip(accounts, live, strict=True):
        assert business_code(_get(emu, http_session, account, token)) == CODE_ACCESS_TOKEN_EXPIRE


def test_the_rate_limit_is_per_account_and_endpoint(emulator: Any, http_session: requests.Session) -> None:
    clock = ManualClock()
    emu: TikTokEmulator = emulator(
        video_count=5, business_accounts=2, rate_limit_per_minute=2, rate_limit_clock=clock
    )
    first, second = emu.business_accounts
    token_0 = emu.issue_business_access_token(account=0)
    token_1 = emu.issue_business_access_token(account=1)

    assert [business_code(_get(emu, http_session, first, token_0)) for _ in range(3)] == [
        CODE_OK,
        CODE_OK,
        CODE_REQUEST_TOO_FREQUENT,
    ]
    # The other account's minute is its own, and so is the other endpoint's.
    assert [business_code(_get(emu, http_session, second, token_1)) for _ in range(3)] == [
        CODE_OK,
        CODE_OK,
        CODE_REQUEST_TOO_FREQUENT,
    ]
    listing = _call(emu, http_session, first, VIDEO_LIST_PATH, token_0, fields=["item_id"])
    assert business_code(listing) == CODE_OK
    clock.now += 59.0
    assert business_code(_get(emu, http_session, first, token_0)) == CODE_REQUEST_TOO_FREQUENT
    clock.now += 1.0  # the first request slid out of the window
    assert business_code(_get(emu, http_session, first, token_0)) == CODE_OK


def test_the_app_wide_limit_counts_every_account_and_endpoint(
    emulator: Any, http_session: requests.Session
) -> None:
    clock = ManualClock()
    emu: TikTokEmulator = emulator(
        video_count=5,
        business_accounts=3,
        business_app_rate_limit_per_minute=3,
        rate_limit_clock=clock,
        business_throttle_code=CODE_REQUEST_FREQUENCY_LIMITED,
    )
    accounts = emu.business_accounts
    tokens = [emu.issue_business_access_token(account=a.index) for a in accounts]
    video_list: dict[str, Any] = {"fields": ["item_id"]}
    assert business_code(_get(emu, http_session, accounts[0], tokens[0])) == CODE_OK
    assert business_code(_get(emu, http_session, accounts[1], tokens[1])) == CODE_OK
    assert business_code(_call(emu, http_session, accounts[2], VIDEO_LIST_PATH, tokens[2], **video_list)) == 0
    # The fourth request of the minute, whichever account and endpoint, is refused.
    refused = _call(emu, http_session, accounts[1], VIDEO_LIST_PATH, tokens[1], **video_list)
    assert business_code(refused) == CODE_REQUEST_FREQUENCY_LIMITED
    assert business_code(_get(emu, http_session, accounts[2], tokens[2])) == CODE_REQUEST_FREQUENCY_LIMITED
    clock.now += 60.0
    assert business_code(_get(emu, http_session, accounts[2], tokens[2])) == CODE_OK


def test_a_request_one_limit_refuses_uses_no_slot_of_the_other(
    emulator: Any, http_session: requests.Session
) -> None:
    clock = ManualClock()
    emu: TikTokEmulator = emulator(
        video_count=5,
        business_accounts=3,
        rate_limit_per_minute=1,
        business_app_rate_limit_per_minute=2,
        rate_limit_clock=clock,
    )
    accounts = emu.business_accounts
    tokens = [emu.issue_business_access_token(account=a.index) for a in accounts]
    codes = [
        business_code(_get(emu, http_session, accounts[i], tokens[i]))
        for i in (0, 0, 1, 2)  # ok; the account's limit; ok (the refused one took no app slot); app's
    ]
    assert codes == [CODE_OK, CODE_REQUEST_TOO_FREQUENT, CODE_OK, CODE_REQUEST_TOO_FREQUENT]


def test_a_fault_rule_with_business_id_hits_only_that_account(
    emulator: Any, http_session: requests.Session
) -> None:
    emu: TikTokEmulator = emulator(video_count=5, business_accounts=3)
    accounts = emu.business_accounts
    tokens = [emu.issue_business_access_token(account=a.index) for a in accounts]
    # Skips account 1's first business/get and fires on its second, whatever the others do.
    emu.add_fault(
        FaultRule("error_in_200", endpoint=GET_PATH, business_id=accounts[1].open_id, after=1, times=1)
    )
    assert [business_code(_get(emu, http_session, accounts[0], tokens[0])) for _ in range(3)] == [CODE_OK] * 3
    assert [business_code(_get(emu, http_session, accounts[1], tokens[1])) for _ in range(3)] == [
        CODE_OK,
        CODE_ERROR_IN_200,
        CODE_OK,
    ]

    # Without an endpoint: every data endpoint of that account, and nobody else's.
    emu.clear_faults()
    emu.add_fault(FaultRule("http_429", business_id=accounts[2].open_id, every=1))
    listing = _call(emu, http_session, accounts[2], VIDEO_LIST_PATH, tokens[2], fields=["item_id"])
    assert business_code(listing) == CODE_REQUEST_TOO_FREQUENT
    assert business_code(_get(emu, http_session, accounts[2], tokens[2])) == CODE_REQUEST_TOO_FREQUENT
    assert business_code(_get(emu, http_session, accounts[0], tokens[0])) == CODE_OK

    # On a token endpoint, the account is the presented refresh token's.
    emu.clear_faults()
    emu.add_fault(FaultRule("http_500", endpoint=REFRESH_TOKEN_PATH, business_id=accounts[1].open_id))
    assert business_code(_refresh(emu, http_session, accounts[0].current_refresh_token)) == CODE_OK
    assert _refresh(emu, http_session, accounts[1].current_refresh_token).status_code == 500
    assert business_code(_refresh(emu, http_session, accounts[1].current_refresh_token)) == CODE_OK


def test_requests_are_counted_per_account_and_endpoint(emulator: Any, http_session: requests.Session) -> None:
    emu: TikTokEmulator = emulator(video_count=5, business_accounts=2)
    first, second = emu.business_accounts
    token_0 = emu.issue_business_access_token(account=0)
    refreshed = business_data(_refresh(emu, http_session, second.current_refresh_token))
    for _ in range(2):
        _get(emu, http_session, first, token_0)
    _call(emu, http_session, second, VIDEO_LIST_PATH, refreshed["access_token"], fields=["item_id"])
    _get(emu, http_session, second, "act.nobody-issued-this")  # an unknown token is nobody's

    counters = emu.counters
    assert counters.business_calls(first.open_id, GET_PATH) == 2
    assert counters.business_calls(first.open_id, VIDEO_LIST_PATH) == 0
    assert counters.business_calls(second.open_id, GET_PATH) == 0
    assert counters.business_calls(second.open_id) == 2  # one refresh, one video/list
    assert emu.snapshot()["business_calls_by_account"] == {
        first.open_id: {GET_PATH: 2},
        second.open_id: {REFRESH_TOKEN_PATH: 1, VIDEO_LIST_PATH: 1},
    }
    assert emu.requests_by_endpoint[GET_PATH] == 3


def _answers(emu: TikTokEmulator, s: requests.Session) -> list[Any]:
    """What account 0 serves: profile, metrics, every video with every field, a comment page."""
    account = emu.business_accounts[0]
    token = emu.issue_business_access_token()
    refreshed = business_data(_refresh(emu, s, emu.current_business_refresh_token))
    fields = [*PROFILE, *METRICS]
    crowded = emu.crowded_video_id
    calls = [
        _call(
            emu, s, account, GET_PATH, token, fields=fields, start_date="2026-03-01", end_date="2026-03-10"
        ),
        _call(emu, s, account, VIDEO_LIST_PATH, token, max_count=20),
        _call(emu, s, account, COMMENT_LIST_PATH, token, video_id=crowded, include_replies="true"),
    ]
    return [
        refreshed["open_id"],
        refreshed["scope"],
        emu.user,
        emu.videos,
        crowded,
        *(business_data(c) for c in calls),
    ]


def test_account_0_is_the_same_with_one_account_or_three(http_session: requests.Session) -> None:
    settings: dict[str, Any] = {"video_count": 25, "today": TODAY, "seed": 11}
    with TikTokEmulator(**settings) as alone, TikTokEmulator(**settings, business_accounts=3) as three:
        assert alone.current_business_refresh_token == three.current_business_refresh_token
        assert three.business_accounts[0].open_id == alone.user["open_id"] == three.user["open_id"]
        assert _answers(alone, http_session) == _answers(three, http_session)
        # ...while the other accounts really are others.
        assert three.business_accounts[1].user["open_id"] != alone.user["open_id"]
        assert three.business_accounts[1].videos != alone.videos


def test_the_cli_announces_every_business_account(tmp_path: Path) -> None:
    accounts_path = tmp_path / "accounts.json"
    config_path = tmp_path / "business.json"
    with emulator_process(
        "--videos",
        "5",
        "--business-accounts",
        "3",
        "--write-business-accounts",
        str(accounts_path),
        "--write-business-config",
        str(config_path),
    ) as url:
        written = json.loads(accounts_path.read_text())
        assert [a["index"] for a in written] == [0, 1, 2]
        assert len({a["open_id"] for a in written}) == 3
        config = json.loads(config_path.read_text())
        assert config["credentials"]["refresh_token"] == written[0]["refresh_token"]
        with requests.Session() as s:
            for account in written:
                body = {
                    "client_id": config["credentials"]["app_id"],
                    "client_secret": config["credentials"]["app_secret"],
                    "grant_type": "refresh_token",
                    "refresh_token": account["refresh_token"],
                }
                answer = s.post(url + REFRESH_TOKEN_PATH, json=body, timeout=5).json()
                assert answer["code"] == 0 and answer["data"]["open_id"] == account["open_id"]
