"""Several TikTok accounts in one Display API connection (``credentials.accounts``), TikTok mocked.

The same mechanism as the Accounts API's (test_several_accounts.py): every request goes out with
its own account's rotating token, every record names its account (``open_id``), and the state of
the windowed ``videos`` stream is per account.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import requests_mock as requests_mock_module

from testkit.catalogs import configure, discovered
from testkit.configs import CLIENT_SECRET, make_config
from testkit.secrets import assert_no_secrets
from testkit.tiktok_responses import (
    TOKEN_URL,
    USER_INFO_URL,
    VIDEO_LIST_URL,
    envelope,
    token_body,
    token_error,
    user,
    video,
    videos_page,
)

NEWEST = 1_764_000_000  # the accounts' videos are posted up to here, an hour apart


@dataclass
class Account:
    open_id: str
    refresh_token: str
    videos: list[dict[str, Any]]
    label: str | None = None
    revoked: bool = False
    access_tokens: set[str] = field(default_factory=set)


class TikTokForSeveralCreators:
    """The Display API's token endpoint, user/info and video/list, each answering the token's account."""

    def __init__(self, mocker: requests_mock_module.Mocker, videos_per_account: list[int]) -> None:
        self.accounts = [
            Account(
                f"open-id-{n}",
                f"rft.creator-{n}-original",
                [video(100 * n + i, NEWEST - 3600 * (100 * n + i)) for i in range(count)],
                label=f"Creator {n}" if n else None,
            )
            for n, count in enumerate(videos_per_account)
        ]
        self._serial = itertools.count()
        self.refresh = mocker.post(TOKEN_URL, json=self._refresh)
        mocker.get(USER_INFO_URL, json=self._user_info)
        self.video_list = mocker.post(VIDEO_LIST_URL, json=self._video_list)

    def _account(self, request: Any) -> Account | None:
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        return next((a for a in self.accounts if token in a.access_tokens and not a.revoked), None)

    def _refresh(self, request: Any, context: Any) -> dict[str, Any]:
        presented = parse_qs(request.body)["refresh_token"][0]
        account = next((a for a in self.accounts if a.refresh_token == presented), None)
        if account is None or account.revoked:
            context.status_code = 400
            return token_error()
        serial = next(self._serial)
        account.refresh_token = f"rft.{account.open_id}-rotated-{serial}"
        access_token = f"act.{account.open_id}-{serial}"
        account.access_tokens.add(access_token)
        return dict(token_body(access_token, account.refresh_token), open_id=account.open_id)

    def _user_info(self, request: Any, context: Any) -> dict[str, Any]:
        account = self._account(request)
        if account is None:
            context.status_code = 401
            return envelope({}, code="access_token_invalid", message="invalid token")
        return envelope({"user": dict(user(), open_id=account.open_id, video_count=len(account.videos))})

    def _video_list(self, request: Any, context: Any) -> dict[str, Any]:
        account = self._account(request)
        if account is None:
            context.status_code = 401
            return envelope({}, code="access_token_invalid", message="invalid token")
        before = request.json()["cursor"] // 1000
        older = [v for v in account.videos if v["create_time"] < before][:20]
        return videos_page(older, has_more=len(older) == 20)

    def config(self, accounts: int | None = None, **extra: Any) -> dict[str, Any]:
        first, *others = self.accounts[: accounts or len(self.accounts)]
        config = make_config(**extra)
        config["credentials"]["refresh_token"] = first.refresh_token
        config["credentials"]["accounts"] = [
            {"refresh_token": other.refresh_token, "open_id": other.open_id, "label": other.label}
            for other in others
        ]
        return config

    def secrets(self) -> tuple[str, ...]:
        tokens = [a.refresh_token for a in self.accounts] + [
            t for a in self.accounts for t in a.access_tokens
        ]
        return (CLIENT_SECRET, *tokens)


def catalog(run_connector: Any, config: dict[str, Any], *streams: str) -> Any:
    return configure(discovered(run_connector, config), incremental=True, only=streams)


def test_every_creator_is_read_into_one_table_with_its_own_token_and_every_new_token_is_kept(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralCreators(requests_mock, [3, 45, 0])
    config = tiktok.config()

    run = run_connector("read", config, catalog(run_connector, config, "user_info", "videos"))

    assert not run.errors, run.transcript()
    profiles = {r["open_id"]: r for r in run.records("user_info")}
    assert {open_id: p["video_count"] for open_id, p in profiles.items()} == {
        "open-id-0": 3,
        "open-id-1": 45,
        "open-id-2": 0,
    }
    assert profiles["open-id-1"]["account_label"] == "Creator 1"
    assert "account_label" not in profiles["open-id-0"], "an account without a label gets none"
    for account in tiktok.accounts:
        own = [r for r in run.records("videos") if r["open_id"] == account.open_id]
        assert sorted(r["id"] for r in own) == sorted(v["id"] for v in account.videos)
        assert {r.get("account_label") for r in own} <= {account.label}
    saved = run.latest_config["credentials"]
    assert saved["refresh_token"] == tiktok.accounts[0].refresh_token
    assert [a["refresh_token"] for a in saved["accounts"]] == [a.refresh_token for a in tiktok.accounts[1:]]
    assert_no_secrets(run.text_without_emitted_configs, tiktok.secrets())


def test_the_video_windows_keep_a_cursor_per_creator_and_an_added_one_reads_its_whole_history(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralCreators(requests_mock, [5, 5, 30])
    two = tiktok.config(accounts=2, lookback_days=0)
    first = run_connector("read", two, catalog(run_connector, two, "videos"))
    assert not first.errors, first.transcript()

    three = tiktok.config(lookback_days=0)
    second = run_connector("read", three, catalog(run_connector, three, "videos"), state=first.final_state)

    assert not second.errors, second.transcript()
    again = Counter(r["open_id"] for r in second.records("videos"))
    # The two known creators resume at their newest video (re-read, lookback 0); the added one
    # is read from the start.
    assert again == {"open-id-0": 1, "open-id-1": 1, "open-id-2": 30}


def test_a_revoked_creator_fails_alone_and_the_sync_names_it(run_connector: Any, requests_mock: Any) -> None:
    tiktok = TikTokForSeveralCreators(requests_mock, [4, 4, 4])
    config = tiktok.config()
    tiktok.accounts[1].revoked = True

    run = run_connector("read", config, catalog(run_connector, config, "user_info", "videos"))

    assert Counter(r["open_id"] for r in run.records("videos")) == {"open-id-0": 4, "open-id-2": 4}
    assert {r["open_id"] for r in run.records("user_info")} == {"open-id-0", "open-id-2"}
    assert run.errors and all("'Creator 1' (open_id open-id-1)" in e.message for e in run.errors)
    assert_no_secrets(run.text_without_emitted_configs, tiktok.secrets())


def test_check_names_the_bad_creator(run_connector: Any, requests_mock: Any) -> None:
    tiktok = TikTokForSeveralCreators(requests_mock, [2, 2, 2])
    # A sync refreshed every creator's token; then the third creator revoked the app's access.
    synced = run_connector("read", tiktok.config(), catalog(run_connector, tiktok.config(), "user_info"))
    config = synced.latest_config
    refreshes = tiktok.refresh.call_count
    tiktok.accounts[2].revoked = True

    status = run_connector("check", config).connection_status

    assert tiktok.refresh.call_count == refreshes, "no check spends a refresh token"

    assert status.message is not None and status.message.startswith(
        "1 of 3 TikTok accounts failed the check."
    )
    assert "Account 'Creator 2' (open_id open-id-2): " in status.message
    assert (
        "The others passed: number 1 (open_id open-id-0), 'Creator 1' (open_id open-id-1)." in status.message
    )
