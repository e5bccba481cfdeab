"""Several TikTok accounts in one business connection (``credentials.accounts``), TikTok mocked.

Each account has its own rotating refresh token and open_id; every request goes out with its own
account's token and business_id, every record names its account, and the state, the failures and
the check are per account.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests_mock as requests_mock_module
from airbyte_cdk.models import FailureType, Status

from source_tiktok_organic import business_protocol
from testkit.business_responses import (
    BUSINESS_GET_URL,
    BUSINESS_SCOPES,
    REFRESH_URL,
    business_envelope,
    daily_metrics,
)
from testkit.catalogs import configure, discovered
from testkit.configs import APP_SECRET, make_business_config
from testkit.secrets import assert_no_secrets

TOKEN_INFO_URL = business_protocol.BUSINESS_API_BASE_URL + business_protocol.BUSINESS_TOKEN_INFO_PATH
DAILY = "business_profile_daily"
PROFILE = "business_profile"


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


@dataclass
class Account:
    """One authorised account as TikTok sees it: its open_id and the refresh token it honours now."""

    open_id: str
    refresh_token: str
    label: str | None = None
    revoked: bool = False
    quota_spent: bool = False
    refreshes: int = 0
    access_tokens: set[str] = field(default_factory=set)


class TikTokForSeveralAccounts:
    """TikTok's refresh endpoint and business/get, each answering the account the token belongs to."""

    def __init__(self, mocker: requests_mock_module.Mocker, count: int) -> None:
        self.accounts = [
            Account(f"open-id-{n}", f"rft.account-{n}-original", label=None if n == 0 else f"Brand {n}")
            for n in range(count)
        ]
        self._serial = itertools.count()
        self.refresh = mocker.post(REFRESH_URL, json=self._refresh)
        self.daily = mocker.get(BUSINESS_GET_URL, json=self._business_get)
        mocker.post(TOKEN_INFO_URL, json=self._token_info)

    def _refresh(self, request: Any, context: Any) -> dict[str, Any]:
        presented = json.loads(request.body)["refresh_token"]
        account = next((a for a in self.accounts if a.refresh_token == presented), None)
        if account is None or account.revoked:
            # Refused, echoing the token it was sent: the connector must not print it.
            return business_envelope(code=40105, message=f"refresh_token {presented} is invalid")
        account.refreshes += 1
        serial = next(self._serial)
        account.refresh_token = f"rft.{account.open_id}-rotated-{serial}"
        access_token = f"act.{account.open_id}-{serial}"
        account.access_tokens.add(access_token)
        return business_envelope(
            {
                "access_token": access_token,
                "expires_in": 86400,
                "refresh_token": account.refresh_token,
                "refresh_token_expires_in": 300 * 86400,
                "open_id": account.open_id,
                "scope": BUSINESS_SCOPES,
            }
        )

    def _token_info(self, request: Any, context: Any) -> dict[str, Any]:
        token = json.loads(request.body)["access_token"]
        account = next((a for a in self.accounts if token in a.access_tokens and not a.revoked), None)
        if account is None:
            return business_envelope(code=40105, message="access token invalid")
        return business_envelope({"creator_id": account.open_id, "scope": BUSINESS_SCOPES})

    def _business_get(self, request: Any, context: Any) -> dict[str, Any]:
        token = request.headers.get("Access-Token")
        account = next((a for a in self.accounts if token in a.access_tokens), None)
        if account is None or account.revoked:
            return business_envelope(code=40105, message="access token invalid")
        if account.quota_spent:
            return business_envelope(code=40100, message="The daily request limit of this account is reached")
        params = parse_qs(urlparse(request.url).query)
        assert params["business_id"] == [account.open_id], "a request went out with another account's id"
        if "start_date" not in params:
            return business_envelope({"display_name": account.open_id, "followers_count": 10})
        start, end = (date.fromisoformat(params[name][0]) for name in ("start_date", "end_date"))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return business_envelope({"metrics": [daily_metrics(day) for day in days]})

    def config(self, accounts: int | None = None, **extra: Any) -> dict[str, Any]:
        """The connection's config with the first ``accounts`` accounts (all by default)."""
        first, *others = self.accounts[: accounts or len(self.accounts)]
        config = make_business_config(**extra)
        config["credentials"]["refresh_token"] = first.refresh_token
        config["credentials"]["accounts"] = [
            {"refresh_token": other.refresh_token, "open_id": other.open_id, "label": other.label}
            for other in others
        ]
        return config

    def start_dates(self, since: int) -> dict[str, str]:
        """The start_date each account's daily request asked for, of the requests from ``since`` on."""
        started: dict[str, str] = {}
        for request in self.daily.request_history[since:]:
            params = parse_qs(urlparse(request.url).query)
            if "start_date" in params:
                started[params["business_id"][0]] = params["start_date"][0]
        return started

    def secrets(self) -> tuple[str, ...]:
        tokens = [a.refresh_token for a in self.accounts] + [
            t for a in self.accounts for t in a.access_tokens
        ]
        return (APP_SECRET, *tokens)


def catalog(run_connector: Any, config: dict[str, Any], *streams: str) -> Any:
    return configure(discovered(run_connector, config), incremental=True, only=streams)


def test_every_account_is_read_into_one_table_with_its_own_token_and_every_new_token_is_kept(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    config = tiktok.config()

    run = run_connector("read", config, catalog(run_connector, config, PROFILE, DAILY))

    assert not run.errors, run.transcript()
    profiles = {r["business_id"]: r for r in run.records(PROFILE)}
    assert set(profiles) == {a.open_id for a in tiktok.accounts}
    for account in tiktok.accounts:
        # The request of each account answered that account's profile (business/get checks the id).
        assert profiles[account.open_id]["display_name"] == account.open_id
        assert profiles[account.open_id].get("account_label") == account.label
    daily = Counter(r["business_id"] for r in run.records(DAILY))
    assert daily == {a.open_id: 59 for a in tiktok.accounts}, "59 days of each account"
    # Every account's newest refresh token is in the last config, in its own place.
    saved = run.latest_config["credentials"]
    assert saved["refresh_token"] == tiktok.accounts[0].refresh_token
    assert [a["refresh_token"] for a in saved["accounts"]] == [a.refresh_token for a in tiktok.accounts[1:]]
    assert [a["label"] for a in saved["accounts"]] == ["Brand 1", "Brand 2"]
    assert all(a.refreshes == 1 for a in tiktok.accounts), "one refresh per account, whatever the streams"
    assert_no_secrets(run.text_without_emitted_configs, tiktok.secrets())


def test_state_is_per_account_and_an_added_account_gets_its_whole_history(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    two = tiktok.config(accounts=2, business_lookback_days=3)
    first = run_connector("read", two, catalog(run_connector, two, DAILY))
    assert not first.errors, first.transcript()

    asked_before = len(tiktok.daily.request_history)
    three = tiktok.config(business_lookback_days=3)
    second = run_connector("read", three, catalog(run_connector, three, DAILY), state=first.final_state)

    assert not second.errors, second.transcript()
    today = today_utc()
    resumed = (today - timedelta(days=4)).isoformat()
    whole = (today - timedelta(days=59)).isoformat()
    assert tiktok.start_dates(asked_before) == {
        "open-id-0": resumed,
        "open-id-1": resumed,
        "open-id-2": whole,  # the account added to the config: its whole history
    }
    rows = Counter(r["business_id"] for r in second.records(DAILY))
    assert rows == {"open-id-0": 4, "open-id-1": 4, "open-id-2": 59}


def test_a_single_account_state_goes_on_for_that_account_when_more_accounts_are_added(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=2)
    alone = tiktok.config(accounts=1, business_lookback_days=3)
    del alone["credentials"]["accounts"]
    first = run_connector("read", alone, catalog(run_connector, alone, DAILY))
    assert not first.errors, first.transcript()
    assert "date" in first.final_state[0]["stream"]["stream_state"], "one account: today's state, unchanged"

    asked_before = len(tiktok.daily.request_history)
    both = tiktok.config(business_lookback_days=3)
    both["credentials"]["open_id"] = "open-id-0"  # as the first sync wrote it back
    second = run_connector("read", both, catalog(run_connector, both, DAILY), state=first.final_state)

    assert not second.errors, second.transcript()
    today = today_utc()
    assert tiktok.start_dates(asked_before) == {
        "open-id-0": (today - timedelta(days=4)).isoformat(),
        "open-id-1": (today - timedelta(days=59)).isoformat(),
    }


def test_a_revoked_account_fails_alone_and_the_sync_names_it(run_connector: Any, requests_mock: Any) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    config = tiktok.config()
    tiktok.accounts[1].revoked = True

    run = run_connector("read", config, catalog(run_connector, config, PROFILE, DAILY))

    rows = Counter(r["business_id"] for r in run.records(DAILY))
    assert rows == {"open-id-0": 59, "open-id-2": 59}, "the other accounts' records all land"
    assert {r["business_id"] for r in run.records(PROFILE)} == {"open-id-0", "open-id-2"}
    named = [e for e in run.errors if "'Brand 1' (open_id open-id-1)" in e.message]
    assert named and all(e.failure_type == FailureType.config_error for e in named), run.transcript()
    assert not any("open-id-0" in e.message or "open-id-2" in e.message for e in run.errors)
    # Its state stays where its history starts, so the next sync reads all of it; the others' advances.
    [state] = [
        s["stream"]["stream_state"]
        for s in run.final_state
        if s["stream"]["stream_descriptor"]["name"] == DAILY
    ]
    cursors = {s["partition"]["business_id"]: s["cursor"]["date"] for s in state["states"]}
    yesterday = (today_utc() - timedelta(days=1)).isoformat()
    assert cursors["open-id-0"] == cursors["open-id-2"] == yesterday
    assert cursors.get("open-id-1", "") <= (today_utc() - timedelta(days=59)).isoformat()
    assert tiktok.refresh.call_count == 3, "the refused token is asked once, not once per stream"
    last = run.errors[-1]
    assert last.message.startswith("The sync failed for 1 TikTok account(s): 'Brand 1' (open_id open-id-1).")
    assert last.failure_type == FailureType.config_error
    assert_no_secrets(run.text_without_emitted_configs, tiktok.secrets())


def test_check_names_each_bad_account_and_the_good_ones(run_connector: Any, requests_mock: Any) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    requests_mock.get(
        BUSINESS_GET_URL.replace("business/get/", "business/video/list/"),
        json=business_envelope({"videos": [], "has_more": False, "cursor": 0}),
    )
    # A sync refreshed every account's token; then the third account's access was revoked.
    synced = run_connector("read", tiktok.config(), catalog(run_connector, tiktok.config(), DAILY))
    config = synced.latest_config
    refreshes = tiktok.refresh.call_count
    tiktok.accounts[2].revoked = True

    status = run_connector("check", config).connection_status

    assert status.status == Status.FAILED
    assert status.message.startswith("1 of 3 TikTok accounts failed the check."), status.message
    assert "Account 'Brand 2' (open_id open-id-2): " in status.message
    assert "TikTok refused the stored access token" in status.message
    assert "The others passed: number 1 (open_id open-id-0), 'Brand 1' (open_id open-id-1)." in status.message

    tiktok.accounts[2].revoked = False
    passed = run_connector("check", config).connection_status
    assert passed.status == Status.SUCCEEDED, passed.message
    assert "All 3 TikTok accounts passed the check" in (passed.message or "")
    assert tiktok.refresh.call_count == refreshes, "no check spends a refresh token"


def test_a_check_of_accounts_without_access_tokens_names_each_one_not_sent(
    run_connector: Any, requests_mock: Any
) -> None:
    """Three accounts pasted with their refresh tokens only: the check proves what it can and names
    every account whose credentials it could not send to TikTok without spending a refresh token."""
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)

    status = run_connector("check", tiktok.config()).connection_status

    assert status.status == Status.SUCCEEDED, status.message
    assert status.message.startswith("All 3 TikTok accounts passed the check"), status.message
    for name in (
        "number 1 (open_id not known yet)",
        "'Brand 1' (open_id open-id-1)",
        "'Brand 2' (open_id open-id-2)",
    ):
        assert (
            f"Account {name}: The config is valid, but its credentials were not sent to TikTok"
            in status.message
        )
    assert tiktok.refresh.call_count == 0 and tiktok.daily.call_count == 0


def test_an_account_without_open_id_is_read_once_its_token_tells_it_and_a_refused_one_fails_alone(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    config = tiktok.config()
    for entry in config["credentials"]["accounts"]:
        del entry["open_id"]  # as a hand-written config might be
    tiktok.accounts[2].revoked = True

    run = run_connector("read", config, catalog(run_connector, config, DAILY))

    assert per_account_rows(run) == {"open-id-0": 59, "open-id-1": 59}
    assert run.latest_config["credentials"]["accounts"][0]["open_id"] == "open-id-1", "learnt and kept"
    assert run.errors and all("'Brand 2' (open_id not known yet)" in e.message for e in run.errors)


def per_account_rows(run: Any) -> Counter[str]:
    return Counter(r["business_id"] for r in run.records(DAILY))


def test_an_account_whose_daily_quota_is_spent_fails_alone_as_transient(
    run_connector: Any, requests_mock: Any
) -> None:
    tiktok = TikTokForSeveralAccounts(requests_mock, count=3)
    tiktok.accounts[2].quota_spent = True
    config = tiktok.config()

    run = run_connector("read", config, catalog(run_connector, config, DAILY))

    assert per_account_rows(run) == {"open-id-0": 59, "open-id-1": 59}
    # The stream's error (the CDK's summary of failed streams follows it) names the account, and is
    # transient: the quota resets at midnight UTC.
    named = [e for e in run.errors if e.message.startswith("TikTok account 'Brand 2' (open_id open-id-2): ")]
    assert named and all(e.failure_type == FailureType.transient_error for e in named), run.transcript()
    assert "00:00 UTC" in named[0].message
    assert not any("open-id-0" in e.message or "open-id-1" in e.message for e in run.errors)
    # The sync's last error names the account, and is transient like its errors: retried later.
    last = run.errors[-1]
    assert last.message.startswith("The sync failed for 1 TikTok account(s): 'Brand 2' (open_id open-id-2).")
    assert last.failure_type == FailureType.transient_error
