"""Several TikTok accounts in one business connection, end to end: the installed connector, run as
Airbyte runs it (a subprocess), against the emulator serving every account on 127.0.0.1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from airbyte_cdk.models import FailureType, Status

from source_tiktok_organic.business_protocol import (
    BUSINESS_GET_PATH,
    BUSINESS_REFRESH_TOKEN_PATH,
    BUSINESS_VIDEO_LIST_PATH,
)
from source_tiktok_organic.tiktok_protocol import USER_INFO_PATH, VIDEO_LIST_PATH
from testkit.catalogs import configure
from testkit.configs import emulator_accounts_config
from testkit.connector_output import ConnectorOutput
from testkit.platform_oauth import business_form
from testkit.secrets import assert_run_leaks_no_secret
from tiktok_emulator import FaultRule, TikTokEmulator

LABELS = ("Bakery", "Florist", None, "Cafe", "Gym", "Bookshop")
DAILY = "business_profile_daily"


def business_catalog(
    run_connector: Callable[..., ConnectorOutput], config: dict[str, Any], *streams: str
) -> Any:
    return configure(run_connector("discover", config).catalog, incremental=True, only=streams)


def per_account(run: ConnectorOutput, stream: str) -> Counter[str]:
    return Counter(r["business_id"] for r in run.records(stream))


def test_five_accounts_under_faults_arrive_once_each_tagged_and_every_rotated_token_is_kept(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=30, business_accounts=5, business_video_counts=[30, 25, 41, 3, 20])
    accounts = list(tiktok.business_accounts)
    for rule in (
        # Throttled (40100, as TikTok's Accounts API answers it), server errors, a dropped
        # connection and tokens dying mid-sync, each on one account's requests.
        FaultRule(
            "http_429",
            endpoint=BUSINESS_VIDEO_LIST_PATH,
            after=1,
            times=1,
            retry_after=1,
            business_id=accounts[1].open_id,
        ),
        FaultRule("http_500", endpoint=BUSINESS_GET_PATH, times=1, business_id=accounts[2].open_id),
        FaultRule(
            "drop_connection",
            endpoint=BUSINESS_VIDEO_LIST_PATH,
            after=1,
            times=1,
            business_id=accounts[2].open_id,
        ),
        FaultRule(
            "access_token_invalid",
            endpoint=BUSINESS_VIDEO_LIST_PATH,
            times=1,
            business_id=accounts[3].open_id,
        ),
        FaultRule(
            "access_token_expired",
            endpoint=BUSINESS_GET_PATH,
            after=1,
            times=1,
            business_id=accounts[0].open_id,
        ),
        FaultRule("http_503", endpoint=BUSINESS_REFRESH_TOKEN_PATH, times=1, business_id=accounts[4].open_id),
        FaultRule("http_503", endpoint=BUSINESS_VIDEO_LIST_PATH, after=2, times=1),
    ):
        tiktok.add_fault(rule)
    config = emulator_accounts_config(tiktok, 5, LABELS)

    run = run_connector("read", config, business_catalog(run_connector, config))

    assert run.returncode == 0 and not run.errors, run.transcript()
    fired = tiktok.counters.faults_fired
    assert set(fired) == {
        "http_429",
        "http_500",
        "http_503",
        "drop_connection",
        "access_token_invalid",
        "access_token_expired",
    }, fired
    videos = run.records("business_videos")
    for account in accounts:
        own = [r for r in videos if r["business_id"] == account.open_id]
        assert sorted(r["item_id"] for r in own) == sorted(v["id"] for v in account.videos), account.index
        assert {r.get("account_label") for r in own} == {LABELS[account.index]}
    assert len(videos) == 30 + 25 + 41 + 3 + 20, "every video once, none from another account"
    assert per_account(run, DAILY) == {a.open_id: 59 for a in accounts}
    assert per_account(run, "business_profile") == {a.open_id: 1 for a in accounts}
    snapshots = Counter((r["business_id"], r["item_id"]) for r in run.records("video_snapshots"))
    assert max(snapshots.values()) == 1
    # Every account's newest refresh token is in the config the platform keeps last.
    assert run.latest_config is not None
    saved = run.latest_config["credentials"]
    assert saved["refresh_token"] == accounts[0].current_refresh_token
    assert [a["refresh_token"] for a in saved["accounts"]] == [a.current_refresh_token for a in accounts[1:]]
    assert [a["open_id"] for a in saved["accounts"]] == [a.open_id for a in accounts[1:]]
    assert_run_leaks_no_secret(run, {tiktok.app_secret, *(a.current_refresh_token for a in accounts)})


def test_state_is_per_account_and_a_sixth_account_reads_its_whole_history(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=4, business_accounts=6)
    accounts = list(tiktok.business_accounts)
    five = emulator_accounts_config(tiktok, 5, LABELS, business_lookback_days=3)
    catalog = business_catalog(run_connector, five, DAILY, "business_audience_activity")
    first = run_connector("read", five, catalog)
    assert first.returncode == 0 and not first.errors, first.transcript()
    assert per_account(first, DAILY) == {a.open_id: 59 for a in accounts[:5]}

    # The sixth account is added to the config the first sync left (its tokens rotated).
    six = first.latest_config
    assert six is not None
    sixth = accounts[5]
    six["credentials"]["accounts"].append(
        {"refresh_token": sixth.current_refresh_token, "open_id": sixth.open_id, "label": LABELS[5]}
    )
    second = run_connector("read", six, catalog, state=first.final_state)

    assert second.returncode == 0 and not second.errors, second.transcript()
    # The five go on from their newest day, a few days back; the sixth reads its 59 days.
    assert per_account(second, DAILY) == {**{a.open_id: 4 for a in accounts[:5]}, sixth.open_id: 59}
    assert per_account(second, "business_audience_activity")[sixth.open_id] == 59 * 24
    labelled = {r["account_label"] for r in second.records(DAILY) if r["business_id"] == sixth.open_id}
    assert labelled == {"Bookshop"}


def test_a_revoked_account_fails_alone_and_the_sync_names_only_it(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=10, business_accounts=5)
    accounts = list(tiktok.business_accounts)
    config = emulator_accounts_config(tiktok, 5, LABELS)
    catalog = business_catalog(run_connector, config)
    tiktok.revoke_business_account(2)

    run = run_connector("read", config, catalog)

    assert run.returncode != 0
    landed = per_account(run, "business_videos")
    assert landed == {a.open_id: 10 for a in accounts if a.index != 2}, "the other four all land"
    assert per_account(run, DAILY) == {a.open_id: 59 for a in accounts if a.index != 2}
    revoked = f"number 3 (open_id {accounts[2].open_id})"  # the unlabelled one
    assert run.errors and all(revoked in e.message for e in run.errors), run.transcript()
    for other in (a for a in accounts if a.index != 2):
        assert not any(other.open_id in e.message for e in run.errors)
    assert FailureType.config_error in {e.failure_type for e in run.errors}
    assert_run_leaks_no_secret(run, {tiktok.app_secret, *(a.current_refresh_token for a in accounts)})


def test_check_names_each_bad_account_in_one_message(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=3, business_accounts=5)
    accounts = list(tiktok.business_accounts)
    # Pasted as tiktok-organic-auth --business wrote them, each with its live access token; then
    # two owners withdraw the app's access, before those tokens expire.
    config = business_form(tiktok, 5, labels=LABELS)
    tiktok.revoke_business_account(1)
    tiktok.revoke_business_account(4)

    status = run_connector("check", config).connection_status

    assert status.status == Status.FAILED
    message = status.message or ""
    assert message.startswith("2 of 5 TikTok accounts failed the check."), message
    assert f"Account 'Florist' (open_id {accounts[1].open_id}): " in message
    assert f"Account 'Gym' (open_id {accounts[4].open_id}): " in message
    assert "TikTok refused the stored access token" in message
    assert "The others passed: 'Bakery'" in message and accounts[3].open_id in message
    assert tiktok.requests_by_endpoint.get("/open_api/v1.3/tt_user/oauth2/refresh_token/", 0) == 0


def test_every_accounts_comments_and_replies_arrive_once_tagged_with_it(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=6, business_accounts=2)
    config = emulator_accounts_config(
        tiktok, 2, LABELS, include_comments=True, comment_days=36500, business_requests_per_minute=600
    )
    catalog = business_catalog(run_connector, config, "business_comments", "business_comment_replies")

    run = run_connector("read", config, catalog)

    assert run.returncode == 0 and not run.errors, run.transcript()
    for account in tiktok.business_accounts:
        threads = [account.comment_thread(v["id"]) for v in account.videos if v["comment_count"]]
        comments = [r for r in run.records("business_comments") if r["business_id"] == account.open_id]
        replies = [r for r in run.records("business_comment_replies") if r["business_id"] == account.open_id]
        expected_replies = [r["comment_id"] for t in threads for rs in t.replies.values() for r in rs]
        assert comments and replies, account.index
        assert Counter(c["comment_id"] for c in comments) == Counter(
            c["comment_id"] for t in threads for c in t.comments
        )
        assert Counter(r["comment_id"] for r in replies) == Counter(expected_replies)
        assert {r.get("account_label") for r in comments + replies} == {LABELS[account.index]}


def test_display_creators_under_faults_arrive_once_each_tagged_and_a_revoked_one_fails_alone(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """The Display API's streams read several accounts the same way: each with its own rotating
    token, its records tagged with its open_id, its own windowed cursor."""
    tiktok = emulator(video_count=60, business_accounts=4, business_video_counts=[60, 7, 130, 5])
    accounts = list(tiktok.business_accounts)
    for rule in (
        FaultRule(
            "http_429",
            endpoint=VIDEO_LIST_PATH,
            after=2,
            times=1,
            retry_after=1,
            business_id=accounts[2].open_id,
        ),
        FaultRule("http_500", endpoint=USER_INFO_PATH, times=1, business_id=accounts[1].open_id),
        FaultRule(
            "access_token_invalid",
            endpoint=VIDEO_LIST_PATH,
            after=1,
            times=1,
            business_id=accounts[0].open_id,
        ),
        FaultRule("drop_connection", endpoint=VIDEO_LIST_PATH, after=3, times=1),
    ):
        tiktok.add_fault(rule)
    config = emulator_accounts_config(tiktok, 3, LABELS, display=True)
    catalog = configure(run_connector("discover", config).catalog, incremental=True)

    first = run_connector("read", config, catalog)

    assert first.returncode == 0 and not first.errors, first.transcript()
    assert set(tiktok.counters.faults_fired) == {
        "http_429",
        "http_500",
        "access_token_invalid",
        "drop_connection",
    }
    for account in accounts[:3]:
        own = [r for r in first.records("videos") if r["open_id"] == account.open_id]
        assert sorted(r["id"] for r in own) == sorted(v["id"] for v in account.videos), account.index
        assert {r.get("account_label") for r in own} == {LABELS[account.index]}
    assert {r["open_id"] for r in first.records("user_info")} == {a.open_id for a in accounts[:3]}
    assert first.latest_config is not None
    saved = first.latest_config["credentials"]
    assert [saved["refresh_token"], *(a["refresh_token"] for a in saved["accounts"])] == [
        a.current_display_refresh_token for a in accounts[:3]
    ]

    # A fourth creator is added and the third revoked: the fourth reads its whole history, the
    # first two go on from their state, the third fails alone, named.
    config = first.latest_config
    config["credentials"]["accounts"].append(
        {"refresh_token": accounts[3].current_display_refresh_token, "open_id": accounts[3].open_id}
    )
    tiktok.revoke_display_account(2)
    second = run_connector("read", config, catalog, state=first.final_state)

    assert second.returncode != 0
    videos = Counter(r["open_id"] for r in second.records("videos"))
    assert videos[accounts[3].open_id] == 5, "the added creator's whole history"
    assert 0 < videos[accounts[0].open_id] < 60 and 0 < videos[accounts[1].open_id] <= 7
    assert accounts[2].open_id not in videos
    named = [e.message for e in second.errors]
    assert named and all(accounts[2].open_id in message for message in named), second.transcript()
    assert not any(a.open_id in message for message in named for a in accounts if a.index != 2)


def test_each_accounts_pages_are_asked_once_by_all_its_streams(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """Each account's streams share its pages (issue 21), kept per account: four accounts read at
    once ask each of their pages once, not once per stream."""
    tiktok = emulator(video_count=300, business_accounts=4, business_video_counts=[300, 260, 40, 300])
    config = emulator_accounts_config(tiktok, 4, business_requests_per_minute=600)

    run = run_connector("read", config, business_catalog(run_connector, config))

    assert run.returncode == 0 and not run.errors, run.transcript()
    for account in tiktok.business_accounts:
        pages = -(-len(account.videos) // 20)
        assert tiktok.counters.business_calls(account.open_id, BUSINESS_VIDEO_LIST_PATH) == pages, (
            account.index
        )
        assert tiktok.counters.business_calls(account.open_id, BUSINESS_GET_PATH) == 2, account.index
    assert Counter(r["business_id"] for r in run.records("video_snapshots")) == {
        a.open_id: len(a.videos) for a in tiktok.business_accounts
    }
